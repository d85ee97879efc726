"""``seedlock compare A B``: is the difference between two sets of seeds more than seed noise?

Determinism contract: bootstrap intervals are seeded (``--bootstrap-seed``, default 0), so the
same values give the same numbers and verdict every time.
"""

from __future__ import annotations

import argparse
import json
from typing import Any

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
    parser.add_argument("--metric", help="metric to compare (needed when there are several)")
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
    parser.add_argument("--json", action="store_true", help="print JSON instead of text")
    add_store_option(parser)
    _add_stats_options(parser)
    add_task_options(parser)
    parser.set_defaults(handler=_handle)


def _handle(args: argparse.Namespace) -> int:
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
    metric, comparison = compare_values(
        a,
        b,
        args.metric,
        higher_is_better=not args.lower_is_better,
        confidence=args.confidence,
        n_resamples=args.resamples,
        seed=args.bootstrap_seed,
        failed=args.failed,
    )
    if args.plot:
        plot_comparison(a.values(metric), b.values(metric), comparison, args.plot, metric=metric)
    if args.json:
        payload = comparison_json(a, b, metric, comparison, args.plot)
        print(json.dumps(payload, indent=2, allow_nan=False))
        return 0
    print(comparison_text(comparison, metric=metric))
    if args.plot:
        print(f"plot written to {args.plot}")
    return 0
