"""``seedlock compare`` over several tasks per arm: rliable's aggregates, P(X > Y), profiles.

Determinism contract: the bootstrap is seeded (``--bootstrap-seed``, default 0); with
``--convention rliable`` it draws what rliable draws after ``np.random.seed(seed)``.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Sequence

from seedlock._errors import SeedlockError

__all__ = ["add_task_options", "handle_tasks", "wants_tasks"]


def add_task_options(parser: argparse.ArgumentParser) -> None:
    """Add the runs x tasks options of ``seedlock compare``."""
    group = parser.add_argument_group(
        "several tasks per arm (rliable's aggregates with stratified bootstrap CIs)",
        "With one of --task-column, --tasks, --task-metrics: --plot OUT.png writes "
        "OUT-intervals, OUT-profiles and OUT-improvement, each as .png and .pdf.",
    )
    source = group.add_mutually_exclusive_group()
    source.add_argument(
        "--task-column",
        metavar="COLUMN",
        help="each arm is a CSV/JSON file with one row per run and task; COLUMN names the task",
    )
    source.add_argument(
        "--tasks",
        metavar="T1,T2,...",
        help="one sweep or file per task: each arm is a pattern holding {task}, e.g. "
        "'dqn-{task}' for the sweeps dqn-pong, dqn-breakout",
    )
    source.add_argument(
        "--task-metrics",
        metavar="M1,M2,...",
        help="each listed metric of the arm's sweep or file is one task",
    )
    group.add_argument(
        "--ci",
        choices=("percentile", "bca"),
        help="interval method (default percentile, rliable's)",
    )
    group.add_argument(
        "--gamma",
        type=float,
        help="optimality-gap threshold (default 1.0, rliable's, for normalised scores)",
    )
    group.add_argument(
        "--convention",
        choices=("seedlock", "rliable"),
        help="resampling draws: seedlock (default; one stream per arm) or rliable (what "
        "rliable draws after np.random.seed(--bootstrap-seed), to reproduce a paper's numbers)",
    )


def wants_tasks(args: argparse.Namespace) -> bool:
    """Whether the command line asks for the runs x tasks comparison.

    Raises:
        SeedlockError: a runs x tasks option without a way to name the tasks.
    """
    if args.task_column or args.tasks or args.task_metrics:
        return True
    given = [
        flag
        for flag, value in (
            ("--ci", args.ci),
            ("--gamma", args.gamma),
            ("--convention", args.convention),
        )
        if value is not None
    ]
    if given:
        raise SeedlockError(
            f"these options work only with several tasks per arm: {', '.join(given)}. Add "
            "--task-column, --tasks or --task-metrics."
        )
    return False


def _names(text: str, flag: str) -> list[str]:
    names = [part.strip() for part in text.split(",")]
    if not all(names):
        raise SeedlockError(f"{flag} takes comma-separated names, got {text!r}.")
    return names


def handle_tasks(args: argparse.Namespace, sources: Sequence[str]) -> int:
    """Load every arm's tasks, compare them, print text or JSON, write the figures."""
    from seedlock.report import (
        compare_task_values,
        load_task_values,
        plot_tasks,
        tasks_json,
        tasks_text,
    )

    tasks = _names(args.tasks, "--tasks") if args.tasks else None
    task_metrics = _names(args.task_metrics, "--task-metrics") if args.task_metrics else None
    if task_metrics is not None and args.metric is not None:
        raise SeedlockError(
            "--metric and --task-metrics exclude each other: each listed metric is a task."
        )
    arms = [
        load_task_values(
            source,
            metric=args.metric,
            task_column=args.task_column,
            tasks=tasks,
            task_metrics=task_metrics,
            store=args.store,
        )
        for source in sources
    ]
    report = compare_task_values(
        arms,
        failed=args.failed,
        higher_is_better=not args.lower_is_better,
        gamma=1.0 if args.gamma is None else args.gamma,
        ci=args.ci or "percentile",
        convention=args.convention or "seedlock",
        confidence=args.confidence,
        n_resamples=args.resamples,
        seed=args.bootstrap_seed,
    )
    written = [str(p) for p in plot_tasks(report.comparison, args.plot)] if args.plot else []
    if args.json:
        print(json.dumps(tasks_json(report, written), indent=2, allow_nan=False))
        return 0
    print(tasks_text(report))
    for path in written:
        print(f"plot written to {path}")
    return 0
