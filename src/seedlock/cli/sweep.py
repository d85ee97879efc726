"""``seedlock sweep``: run a command over many seeds (locally in parallel or on Ray), resumably.

Determinism contract: each seed runs like ``seedlock run --seed SEED`` with ``{seed}`` in the
command replaced; the sweep's seed list is recorded before the first run so ``--resume`` reruns
exactly the seeds without a finished run.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from seedlock._errors import SeedlockError
from seedlock.cli._common import (
    add_determinism_options,
    add_store_option,
    add_track_option,
    positive_int,
)

__all__ = ["register"]

EXIT_INTERRUPTED = 130


def register(subparsers: Any) -> None:
    """Add the ``sweep`` subcommand."""
    parser = subparsers.add_parser(
        "sweep",
        help="run a command over many seeds, in parallel or on Ray; resumable",
        description=(
            "Run COMMAND once per seed through `seedlock run` (each run recorded in the store "
            "under the sweep name); {seed} in the command is replaced by the seed. Exit code: "
            "0 every seed finished, 1 some failed, 130 interrupted, 2 usage error."
        ),
        epilog=(
            "example: seedlock sweep --seeds 0-19 --name adam --jobs 2 -- "
            "python train.py --opt adam --seed {seed}"
        ),
    )
    parser.add_argument(
        "--seeds",
        metavar="0-19|0,3,7|N",
        help="a range, a list, or N random seeds (drawn once and recorded); optional with --resume",
    )
    parser.add_argument("--name", required=True, help="the sweep's name (letters, digits, ._-)")
    parser.add_argument(
        "--vary",
        metavar="STREAM[,STREAM...]",
        help="vary only these streams of the seed tree (global, data, augment or your own), "
        "holding the root seed at --base-seed; then `seedlock report NAME --variance`",
    )
    parser.add_argument(
        "--design",
        choices=("one-at-a-time", "factorial"),
        default="one-at-a-time",
        help="with --vary: each stream alone (default), or every combination of --seeds",
    )
    parser.add_argument(
        "--base-seed",
        metavar="SEED",
        default="0",
        help="with --vary: the root seed every run keeps (default 0)",
    )
    parser.add_argument(
        "--jobs", "-j", type=positive_int, default=1, help="seeds run at once (local)"
    )
    parser.add_argument("--backend", choices=("local", "ray"), default="local")
    parser.add_argument(
        "--address", help="Ray cluster address ('auto' joins a running one; default: start one)"
    )
    parser.add_argument("--cpus-per-run", type=float, default=1.0, help="CPUs per Ray task")
    parser.add_argument("--gpus-per-run", type=float, default=0.0, help="GPUs per Ray task")
    parser.add_argument(
        "--resume",
        action="store_true",
        help="run only the seeds with no finished run (also allows a changed command)",
    )
    add_determinism_options(parser)
    add_store_option(parser)
    add_track_option(parser, "every run")
    parser.add_argument("--json", action="store_true", help="print the sweep result as JSON")
    parser.add_argument(
        "command_args",
        nargs=argparse.REMAINDER,
        metavar="-- COMMAND ...",
        help="the command to run",
    )
    parser.set_defaults(handler=_handle)


def _handle(args: argparse.Namespace) -> int:
    from seedlock._base.commands import parse_command
    from seedlock.store import Store
    from seedlock.sweep import (
        SeedOutcome,
        SweepProgress,
        SweepSpec,
        needs_seed_placeholder,
        parse_seeds,
        run_sweep,
    )

    command = parse_command(args.command_args, "sweep", required=False) or None
    if command is None and not args.resume:
        raise SeedlockError(
            "no command given. Put it after '--', e.g. `seedlock sweep --seeds 0-9 --name base "
            "-- python train.py --seed {seed}`."
        )
    seeds = None if args.seeds is None else parse_seeds(args.seeds)
    if command is not None and needs_seed_placeholder(command):
        print(
            "seedlock sweep: warning: the command has no {seed} and is not a Python command; "
            "it only gets the seed as $SEEDLOCK_SEED. Add {seed} where it takes a seed, e.g. "
            "`./train.sh --seed {seed}`.",
            file=sys.stderr,
        )
    from seedlock._seed import parse_seed_text

    vary = [part.strip() for part in (args.vary or "").split(",") if part.strip()]
    if args.vary is not None and not vary:
        raise SeedlockError(f"--vary needs stream names, got {args.vary!r}. Example: data,global")
    base_seed = parse_seed_text(args.base_seed, name="--base-seed")
    store = Store(args.store)
    progress: SweepProgress | None = None

    def on_plan(spec: SweepSpec, to_run: list[int], skipped: list[int]) -> None:
        nonlocal progress
        what = f"runs ({spec.design} over {', '.join(spec.vary)})" if spec.vary else "seeds"
        print(
            f"seedlock: sweep {spec.name}: {len(to_run)} {what} to run"
            + (f", {len(skipped)} already finished" if skipped else "")
            + f"; store={store.path}",
            file=sys.stderr,
            flush=True,
        )
        progress = SweepProgress(spec.name, total=len(to_run), label=spec.describe)

    def on_start(seed: int) -> None:
        if progress is not None:
            progress.start(seed)

    def on_done(outcome: SeedOutcome) -> None:
        if progress is not None:
            progress.done(outcome)
        for problem in outcome.tracker_errors:
            print(f"seedlock sweep: warning: tracker {problem}", file=sys.stderr)

    try:
        result = run_sweep(
            args.name,
            command,
            seeds,
            jobs=args.jobs,
            backend=args.backend,
            address=args.address,
            cpus_per_run=args.cpus_per_run,
            gpus_per_run=args.gpus_per_run,
            resume=args.resume,
            deterministic=args.deterministic,
            threads=args.threads,
            store=store,
            track=args.track,
            on_plan=on_plan,
            on_start=on_start,
            on_done=on_done,
            vary=vary,
            design=args.design,
            base_seed=base_seed,
        )
    finally:
        if progress is not None:
            progress.close()
    spec = result.spec
    skipped = result.skipped
    if args.json:
        print(json.dumps(result.to_dict(), indent=2, default=str))
    finished = sum(o.ok for o in result.outcomes)
    line = f"seedlock: sweep {spec.name}: {finished} finished"
    if result.failed:
        if spec.vary:
            failed = ", ".join(spec.describe(key) for key in result.failed)
        else:
            failed = "seeds " + ", ".join(map(str, result.failed))
        line += f", {len(result.failed)} failed ({failed})"
    if skipped:
        line += f", {len(skipped)} skipped (already finished)"
    if result.interrupted:
        line += f"; interrupted, {len(result.not_started)} not started: resume with --resume"
    summary = f"seedlock report {spec.name}" + (" --variance" if spec.vary else "")
    print(f"{line}. Summary: {summary}", file=sys.stderr)
    if result.interrupted:
        return EXIT_INTERRUPTED
    return 1 if result.failed else 0
