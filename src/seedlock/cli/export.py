"""``seedlock export RUN -o FILE``: one portable file to reproduce a run on another machine."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

__all__ = ["register"]


def register(subparsers: Any) -> None:
    """Add the ``export`` subcommand."""
    parser = subparsers.add_parser(
        "export",
        help="write a recorded run to one portable file for `seedlock reproduce`",
        description=(
            "Write RUN as one versioned file (a zip of JSON and text, never a pickle): command, "
            "seed and stream roots, the variables seedlock set, the environment fingerprint, the "
            "git commit and a patch of uncommitted changes, the installed packages, hashes of "
            "--input files, metrics, output hashes and the trace if the run was traced."
        ),
        epilog="example: seedlock export 3fa2 -o baseline.seedlock --input data/",
    )
    parser.add_argument("run", metavar="RUN", help="run id (or unique prefix)")
    parser.add_argument("-o", "--output", required=True, metavar="FILE", help="file to write")
    parser.add_argument(
        "--input",
        action="append",
        default=[],
        metavar="PATH",
        help="a file or folder the run reads, relative to its working directory, to hash "
        "(repeatable)",
    )
    parser.add_argument("--store", metavar="PATH", help="run store (default .seedlock/runs.db)")
    parser.add_argument("--json", action="store_true", help="print what was written as JSON")
    parser.set_defaults(handler=_handle)


def _handle(args: argparse.Namespace) -> int:
    from seedlock.reproduce import export_run
    from seedlock.store import Store

    store = Store(args.store)
    record = store.get(args.run)
    bundle = export_run(record, args.output, store=store, inputs=args.input)
    if args.json:
        print(json.dumps(bundle.to_json(), indent=2, default=str))
    print(
        f"seedlock: exported run {record.id} to {args.output} ({len(bundle.inputs)} input files, "
        f"{len(bundle.packages)} packages, trace: {'yes' if bundle.trace else 'no'}); "
        f"reproduce with: seedlock reproduce {args.output}",
        file=sys.stderr,
    )
    return 0
