"""``seedlock verify``: run a command several times with one seed and prove the runs bit-identical.

Determinism contract: every run gets the same root seed through ``seedlock run``; the comparison
is exact, so exit code 0 means the runs were bit-identical in everything compared.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from seedlock._base import validate
from seedlock.cli._common import at_least, positive_int

__all__ = ["register"]


def register(subparsers: Any) -> None:
    """Add the ``verify`` subcommand."""
    from seedlock.cli.run import add_run_options

    parser = subparsers.add_parser(
        "verify",
        help="run a command several times and check the runs are bit-identical",
        description=(
            "Run COMMAND N times through `seedlock run` with the same seed and compare exit "
            "codes, seedlock.log metrics, the lines printed on stdout (timing-like values masked) "
            "and --outputs files (by SHA-256; .npy/.npz/.pt/.safetensors tensor by tensor). "
            "When runs differ, print the first difference and a diagnosis. --outputs paths are "
            "removed before each run and copied away after it; runs that write them run one at "
            "a time whatever --jobs says. Exit code: 0 bit-identical, 1 not, 2 usage error."
        ),
        epilog="example: seedlock verify -n 3 --trace -- python examples/digits.py",
    )
    parser.add_argument(
        "-n", "--runs", type=at_least(2), default=2, metavar="N", help="number of runs (default 2)"
    )
    parser.add_argument(
        "--jobs", "-j", type=positive_int, default=1, metavar="J", help="runs at once (default 1)"
    )
    parser.add_argument(
        "--ignore",
        action="append",
        default=[],
        metavar="REGEX",
        help="remove matches from stdout before comparing (repeatable)",
    )
    parser.add_argument(
        "--timings",
        action="store_true",
        help="also compare timing-like values (numbers with s/ms/it/s units, clock times, "
        "numbers on lines saying time/elapsed/ETA), which are masked by default",
    )
    parser.add_argument(
        "--trace",
        action="store_true",
        help="PyTorch: hash every parameter after each optimizer step; when runs differ, name "
        "the first step and module/parameter that diverged (reruns twice more)",
    )
    add_run_options(parser)
    parser.add_argument("--json", action="store_true", help="print the result as JSON")
    parser.add_argument(
        "command", nargs=argparse.REMAINDER, metavar="-- COMMAND ...", help="the command to verify"
    )
    parser.set_defaults(handler=handle)


def handle(args: argparse.Namespace) -> int:
    """Verify the command; 0 when bit-identical, 1 when not."""
    from seedlock._base.commands import parse_command
    from seedlock._verify import verify_command
    from seedlock.cli.run import parse_stream_args
    from seedlock.launch import resolve_seed_arg
    from seedlock.store import Store

    command = parse_command(args.command, "verify")
    validate.check_threads(args.threads, func="", param="--threads")
    store = Store(args.store)
    seed = resolve_seed_arg(args.seed, store=store, name=args.name, command=command)

    def progress(line: str) -> None:
        print(f"seedlock verify: {line}", file=sys.stderr, flush=True)

    result = verify_command(
        command,
        seed=seed,
        n=args.runs,
        jobs=args.jobs,
        outputs=args.outputs,
        ignore=args.ignore,
        timings=args.timings,
        trace=args.trace,
        deterministic=args.deterministic,
        threads=args.threads,
        name=args.name,
        store=store,
        tags=_tags(args.tag),
        progress=progress,
        streams=parse_stream_args(args.stream),
    )
    if args.json:
        print(json.dumps(result.to_dict(), indent=2))
    else:
        print(result.format())
    return 0 if result.identical else 1


def _tags(items: list[str]) -> dict[str, str]:
    from seedlock.cli.run import parse_tags

    return parse_tags(items)
