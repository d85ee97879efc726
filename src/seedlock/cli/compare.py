"""``seedlock compare A B [C ...]``: is the difference between sets of seeds more than seed noise?

Determinism contract: bootstrap intervals are seeded (``--bootstrap-seed``, default 0), so the
same values give the same numbers and verdict every time.
"""

from __future__ import annotations

import argparse
import json
from typing import Any

from seedlock._errors import SeedlockError
from seedlock.cli._common import add_store_option
from seedlock.cli._compare_tasks import add_task_options, handle_tasks, wants_tasks

__all__ = ["register"]


def register(subparsers: Any) -> None:
    """Add the ``compare`` subcommand."""
    from seedlock.cli.report import _add_stats_options

    parser = subparsers.add_parser(
        "compare",
        help="compare two sweeps (or files of values): CIs, P(A>B), tests, seeds needed",
        description=(
            "Compare a metric between A and B, each a sweep name in the store or a CSV/JSON file "
            "of per-seed values: difference of means with a bootstrap CI, probability of "
            "improvement, Welch's t-test, Mann-Whitney U, effect size, seeds needed for 80% "
            "power, and a plain verdict."
        ),
    )
    parser.add_argument("a", metavar="A", help="sweep name or .csv/.json file")
    parser.add_argument("b", metavar="B", help="sweep name or .csv/.json file")
    parser.add_argument(
        "more",
        metavar="C",
        nargs="*",
        help="more arms: every pair is compared (or each with --baseline), Holm-corrected",
    )
    parser.add_argument(
        "--metric",
        action="append",
        help="metric to compare (needed when there are several); repeat it or give a comma "
        "list to compare several, Holm-corrected over all of them",
    )
    parser.add_argument(
        "--baseline", metavar="NAME", help="with more than two arms: compare each with this one"
    )
    parser.add_argument(
        "--rule",
        choices=("permutation", "bouthillier", "both"),
        default="permutation",
        help="what decides the verdict: the permutation test (default, calibrated), "
        "Bouthillier et al. (2021)'s rule on the CI of P(A>B), or both together",
    )
    parser.add_argument(
        "--bouthillier-gamma",
        type=float,
        default=0.75,
        help="Bouthillier et al.'s threshold for the upper CI bound of P(A>B) (default 0.75)",
    )
    parser.add_argument(
        "--lower-is-better", action="store_true", help="smaller values are better (loss, error)"
    )
    parser.add_argument(
        "--failed",
        choices=("error", "exclude", "worst"),
        default="error",
        help="failed or NaN seeds: error (default, names them), exclude them, or count them "
        "as the worst value seen",
    )
    parser.add_argument("--plot", metavar="OUT.png", help="write distributions + difference CI")
    parser.add_argument(
        "--evp",
        metavar="OUT.png",
        help="expected validation performance (Dodge et al., 2019): the expected best value "
        "of n = 1..N runs per arm, as a table and a plot (.png/.pdf/.svg)",
    )
    parser.add_argument("--json", action="store_true", help="print JSON instead of text")
    add_store_option(parser)
    _add_stats_options(parser)
    add_task_options(parser)
    parser.set_defaults(handler=_handle)


def _metrics(args: argparse.Namespace) -> list[str]:
    return [name.strip() for entry in args.metric or () for name in entry.split(",") if name]


def _handle(args: argparse.Namespace) -> int:
    from seedlock.report import load_values

    sources = [args.a, args.b, *args.more]
    metrics = _metrics(args)
    if wants_tasks(args):
        if len(metrics) > 1 or args.baseline is not None:
            raise SeedlockError(
                "with several tasks per arm, give one --metric and no --baseline (every pair "
                "of arms is compared over the tasks)."
            )
        args.metric = metrics[0] if metrics else None
        return handle_tasks(args, sources)
    if len(sources) > 2 or len(metrics) > 1 or args.baseline is not None:
        return _handle_many(args, [load_values(s, store=args.store) for s in sources], metrics)
    return _handle_two(args, metrics[0] if metrics else None)


def _options(args: argparse.Namespace) -> dict[str, Any]:
    return {
        "higher_is_better": not args.lower_is_better,
        "confidence": args.confidence,
        "n_resamples": args.resamples,
        "seed": args.bootstrap_seed,
        "failed": args.failed,
        "rule": args.rule,
        "gamma": args.bouthillier_gamma,
    }


def _handle_two(args: argparse.Namespace, metric: str | None) -> int:
    from seedlock.report import (
        compare_values,
        comparison_json,
        comparison_text,
        load_values,
        plot_comparison,
    )

    if wants_tasks(args):
        return handle_tasks(args, [args.a, args.b])
    a = load_values(args.a, store=args.store)
    b = load_values(args.b, store=args.store)
    metric, comparison = compare_values(a, b, metric, **_options(args))
    if args.plot:
        plot_comparison(a.values(metric), b.values(metric), comparison, args.plot, metric=metric)
    curves = _evp(args, [a, b], comparison.names, [metric])
    if args.json:
        payload = comparison_json(a, b, metric, comparison, args.plot)
        if curves is not None:
            payload["evp"] = _evp_json(args, curves)
        print(json.dumps(payload, indent=2, allow_nan=False))
        return 0
    print(comparison_text(comparison, metric=metric))
    if args.plot:
        print(f"plot written to {args.plot}")
    _print_evp(args, curves)
    return 0


def _evp(
    args: argparse.Namespace, values: list[Any], names: Any, metrics: list[str]
) -> dict[str, Any] | None:
    """Each metric's EVP curves per arm (finite values), with the plot drawn for the first."""
    if not args.evp:
        return None
    from seedlock.report import evp_curves, plot_evp

    curves = {
        metric: evp_curves(values, metric, names, higher_is_better=not args.lower_is_better)
        for metric in metrics
    }
    plot_evp(curves[metrics[0]], args.evp, metric=metrics[0])
    return curves


def _evp_json(args: argparse.Namespace, curves: dict[str, Any]) -> dict[str, Any]:
    return {
        "method": "Dodge et al. (2019): expected maximum over the empirical distribution",
        "plot": args.evp,
        "plotted_metric": next(iter(curves)),
        "metrics": {
            metric: {name: curve.to_dict() for name, curve in by_arm.items()}
            for metric, by_arm in curves.items()
        },
    }


def _print_evp(args: argparse.Namespace, curves: dict[str, Any] | None) -> None:
    if curves is None:
        return
    from seedlock.report import evp_text

    for metric, by_arm in curves.items():
        print()
        print(evp_text(by_arm, metric=metric))
    print(f"EVP plot ({next(iter(curves))}) written to {args.evp}")


def _handle_many(args: argparse.Namespace, values: list[Any], metrics: list[str]) -> int:
    from seedlock.report import compare_many, many_json, many_text

    if args.plot:
        raise SeedlockError(
            "--plot draws two arms and one metric; drop --plot, or compare two arms at a time."
        )
    many = compare_many(values, metrics or None, baseline=args.baseline, **_options(args))
    curves = _evp(args, values, many.arms, list(many.metrics))
    if args.json:
        payload = many_json(values, many)
        if curves is not None:
            payload["evp"] = _evp_json(args, curves)
        print(json.dumps(payload, indent=2, allow_nan=False))
        return 0
    print(many_text(many))
    _print_evp(args, curves)
    return 0
