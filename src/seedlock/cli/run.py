"""``seedlock run``: start a command with its randomness pinned, and record the run.

Determinism contract: the command gets its root seed (and everything derived from it) before it
starts; the same ``--seed`` and flags give the child the same starting state every time.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
from collections.abc import Sequence
from typing import Any

from seedlock._base import validate
from seedlock._base.commands import parse_command
from seedlock._errors import SeedlockError
from seedlock.cli._common import add_determinism_options, add_store_option, add_track_option

__all__ = ["register"]


def register(subparsers: Any) -> None:
    """Add the ``run`` subcommand."""
    parser = subparsers.add_parser(
        "run",
        help="run a command reproducibly and record it",
        description=(
            "Run COMMAND with its randomness pinned: SEEDLOCK_SEED and PYTHONHASHSEED are set "
            "before it starts and Python programs are seeded at start-up, with no code change. "
            "The run (seed, command, metrics, outputs, environment) is recorded in the run store. "
            "Exit code: the command's own."
        ),
        epilog="example: seedlock run --seed 42 --name baseline -- python train.py --epochs 3",
    )
    add_run_options(parser)
    parser.add_argument(
        "--trace",
        action="store_true",
        help="PyTorch: record per-step parameter hashes with the run, so that `seedlock "
        "reproduce` of its export can locate where another machine diverges",
    )
    add_track_option(parser)
    parser.add_argument(
        "--json",
        action="store_true",
        help="print the run record as JSON (the command's own output is then only captured)",
    )
    parser.add_argument(
        "command", nargs=argparse.REMAINDER, metavar="-- COMMAND ...", help="the command to run"
    )
    parser.set_defaults(handler=handle)


def add_run_options(parser: argparse.ArgumentParser) -> None:
    """The options every launching subcommand shares (``run``; reused by ``verify``/``sweep``)."""
    parser.add_argument(
        "--seed",
        metavar="N|random|last|TEXT",
        help="root seed: an int, 'random' (fresh, recorded), 'last' (replay the latest run with "
        "this --name or command) or any text (hashed); default $SEEDLOCK_SEED, else random",
    )
    add_determinism_options(parser)
    parser.add_argument("--name", help="a name for the run (used by --seed last and `runs`)")
    parser.add_argument(
        "--outputs",
        nargs="+",
        default=[],
        metavar="PATH",
        help="files or directories whose SHA-256 to record; missing after the run: exit 2",
    )
    add_store_option(parser)
    parser.add_argument(
        "--tag", action="append", default=[], metavar="K=V", help="a label for the run (repeatable)"
    )
    parser.add_argument(
        "--stream",
        action="append",
        default=[],
        metavar="NAME=SEED",
        help="give one stream of the seed tree its own root, e.g. data=3 (repeatable; streams: "
        "global = framework RNGs, data = data order, augment = per-sample randomness)",
    )


def parse_stream_args(items: Sequence[str]) -> dict[str, int]:
    """``--stream NAME=SEED`` values as ``{name: root}``."""
    from seedlock._seed import parse_streams

    return parse_streams(",".join(items), name="--stream") if items else {}


def parse_tags(items: list[str]) -> dict[str, str]:
    """``["k=v", ...]`` as a dict."""
    tags: dict[str, str] = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise SeedlockError(f"--tag takes KEY=VALUE, got {item!r}. Example: --tag lr=0.1")
        tags[key] = value
    return tags


def _exit_code(returncode: int | None) -> int:
    if returncode is None:
        return 2
    # A child killed by signal N exits like it would in a shell: 128 + N.
    return 128 - returncode if returncode < 0 else returncode


def handle(args: argparse.Namespace) -> int:
    """Run the command and return its exit code."""
    from seedlock.launch import resolve_seed_arg, run_command
    from seedlock.store import Store

    command = parse_command(args.command)
    tags = parse_tags(args.tag)
    validate.check_threads(args.threads, func="", param="--threads")
    streams = parse_stream_args(args.stream)
    validate.check_label(args.name, func="", param="--name")
    store = Store(args.store)
    store.runs(limit=1)  # an unusable store is one clear error before anything else is printed
    seed = resolve_seed_arg(args.seed, store=store, name=args.name, command=command)
    print(f"seedlock: run seed={seed} store={store.path}", file=sys.stderr, flush=True)
    trace_dir = tempfile.TemporaryDirectory(prefix="seedlock-trace-") if args.trace else None
    extra_env = {}
    if trace_dir is not None:
        from seedlock._verify.trace import TRACE_ENV

        extra_env[TRACE_ENV] = os.path.join(trace_dir.name, "t.jsonl")
    result = run_command(
        command,
        seed=seed,
        deterministic=args.deterministic,
        threads=args.threads,
        name=args.name,
        outputs=args.outputs,
        store=store,
        tags=tags,
        echo=not args.json,
        streams=streams,
        extra_env=extra_env,
    )
    record = result.record
    if result.store_error is not None:
        # The command ran: its exit code stands, only its record is incomplete for now.
        print(f"seedlock run: error: {result.store_error}", file=sys.stderr)
    if trace_dir is not None:
        with trace_dir:
            written = os.path.join(trace_dir.name, "t.jsonl")
            if os.path.isfile(written):
                shutil.copyfile(written, store.run_dir(record.id) / "trace.jsonl")
    for backend in dict.fromkeys(args.track):
        from seedlock.trackers import log_run

        # The run is over and recorded: a tracker failing must not hide its exit code.
        try:
            log_run(record, backend)
        except Exception as exc:  # tracker libraries raise their own exception types
            print(f"seedlock run: warning: not logged to {backend}: {exc}", file=sys.stderr)
    if args.json:
        print(json.dumps(record.to_dict(), indent=2, default=str))
    code = _exit_code(record.exit_code)
    how = f"exit {record.exit_code}"
    if record.exit_code is not None and record.exit_code < 0:
        how = f"killed by signal {-record.exit_code}"
    replay = "".join(f" --stream {k}={v}" for k, v in streams.items())
    print(
        f"seedlock: run {record.id} {record.status} ({how}) seed={record.seed}; "
        f"replay: seedlock run --seed {record.seed}{replay} -- ...",
        file=sys.stderr,
    )
    return code
