"""``seedlock report SWEEP``: per-metric statistics over a sweep's seeds, as a table, JSON or plot.

Determinism contract: bootstrap intervals are seeded (``--bootstrap-seed``, default 0), so the
same sweep gives the same report every time.
"""

from __future__ import annotations

import argparse
import json
import math
from typing import Any

from seedlock._errors import SeedlockError
from seedlock.cli._common import add_store_option

__all__ = ["register"]


def register(subparsers: Any) -> None:
    """Add the ``report`` subcommand."""
    parser = subparsers.add_parser(
        "report",
        help="statistics over a sweep's seeds (mean, IQM, bootstrap CIs), with plots",
        description=(
            "Summarise every metric of a sweep (or of a CSV/JSON file of per-seed values): n, "
            "mean, std, median, min, max, interquartile mean and 95% bootstrap CIs."
        ),
    )
    parser.add_argument(
        "sweep", metavar="SWEEP", help="sweep name in the store, or a .csv/.json file"
    )
    parser.add_argument("--metric", help="report only this metric")
    parser.add_argument("--plot", metavar="OUT.png", help="write a strip + box + CI plot")
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")
    parser.add_argument(
        "--variance",
        action="store_true",
        help="for a `sweep --vary` sweep: the share of the variance due to each stream, with "
        "bootstrap CIs and advice (--plot draws one bar per source)",
    )
    parser.add_argument(
        "--precision",
        type=float,
        metavar="H",
        help="with --variance: seeds per arm to compare two methods to +-H (default: sd/4)",
    )
    add_store_option(parser)
    _add_stats_options(parser)
    parser.set_defaults(handler=_handle)


def _add_stats_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--confidence", type=float, default=0.95, help="CI level (default 0.95)")
    parser.add_argument(
        "--resamples", type=int, default=10_000, help="bootstrap resamples (default 10000)"
    )
    parser.add_argument(
        "--bootstrap-seed", type=int, default=0, help="seed of the bootstrap (default 0)"
    )


def _handle(args: argparse.Namespace) -> int:
    from seedlock.report import (
        load_values,
        plot_sweep,
        report_json,
        summarize_values,
        summary_table,
    )

    if args.variance:
        return _variance(args)
    if args.precision is not None:
        raise SeedlockError("--precision goes with --variance.")

    values = load_values(args.sweep, store=args.store)
    summaries = summarize_values(
        values,
        args.metric,
        confidence=args.confidence,
        n_resamples=args.resamples,
        seed=args.bootstrap_seed,
    )
    if args.plot:
        plot_sweep(
            {name: values.values(name) for name in summaries},
            summaries,
            args.plot,
            title=values.source,
        )
    if args.json:
        payload = report_json(values, summaries, args.plot)
        print(json.dumps(payload, indent=2, allow_nan=False))
        return 0
    status = f"{len(values.seeds)} finished"
    if values.failed:
        status += f", {len(values.failed)} failed (seeds {', '.join(map(str, values.failed))})"
    if values.running:
        status += f", {len(values.running)} running or unfinished"
    print(summary_table(summaries, title=f"{values.source}: {status}"))
    if args.plot:
        print(f"plot written to {args.plot}")
    return 0


def _variance(args: argparse.Namespace) -> int:
    from seedlock.report import load_variance_runs, plot_variance, sweep_variance, variance_json

    runs = load_variance_runs(args.sweep, metric=args.metric, store=args.store)
    report = sweep_variance(
        runs,
        confidence=args.confidence,
        resamples=min(args.resamples, 100_000),
        seed=args.bootstrap_seed,
    )
    if args.precision is not None and not (math.isfinite(args.precision) and args.precision > 0):
        raise SeedlockError(f"--precision must be a positive number, got {args.precision}.")
    if args.plot:
        plot_variance(report, args.plot, title=f"{runs.sweep}: {runs.metric}")
    if args.json:
        payload = variance_json(runs, report, args.precision, args.plot)
        print(json.dumps(payload, indent=2, allow_nan=False))
        return 0
    print(f"{runs.sweep}: {runs.metric}")
    print(report.format(args.precision))
    if runs.missing:
        print(f"not used (failed, unfinished or no {runs.metric}): {', '.join(runs.missing)}")
    if args.plot:
        print(f"plot written to {args.plot}")
    return 0
