"""``seedlock reproduce FILE``: check, re-run and judge an exported run on this machine."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

__all__ = ["register"]


def register(subparsers: Any) -> None:
    """Add the ``reproduce`` subcommand."""
    parser = subparsers.add_parser(
        "reproduce",
        help="re-run an exported run here and say whether it reproduces, and why not",
        description=(
            "Check FILE against this checkout and machine (inputs, commit, patch, packages, "
            "threads, hardware), print the differences most likely to change results first, "
            "then run the command with the same seed, streams and settings. Exit code: 0 "
            "reproduced (bit for bit, or within --rtol), 1 not reproduced, 2 usage or input "
            "error."
        ),
        epilog="example: seedlock reproduce baseline.seedlock --rtol 1e-6",
    )
    parser.add_argument("file", metavar="FILE", help="a file written by `seedlock export`")
    parser.add_argument(
        "--rtol", type=float, metavar="R", help="accept metrics within this relative tolerance"
    )
    parser.add_argument(
        "--check-only", action="store_true", help="list the differences without running"
    )
    parser.add_argument("--store", metavar="PATH", help="run store (default .seedlock/runs.db)")
    parser.add_argument("--json", action="store_true", help="print the result as JSON")
    parser.set_defaults(handler=_handle)


def _handle(args: argparse.Namespace) -> int:
    from seedlock.reproduce import check_bundle, format_mismatches, load_bundle, reproduce
    from seedlock.store import Store

    bundle = load_bundle(args.file)
    if args.check_only:
        mismatches = check_bundle(bundle)
        if args.json:
            print(json.dumps([m.to_dict() for m in mismatches], indent=2, default=str))
        else:
            print(format_mismatches(mismatches))
        return 0

    def before_run(mismatches: list[Any]) -> None:
        if not args.json:
            print(format_mismatches(mismatches), file=sys.stderr, flush=True)

    result = reproduce(
        bundle, store=Store(args.store), rtol=args.rtol, echo=not args.json, before_run=before_run
    )
    if args.json:
        print(json.dumps(result.to_dict(), indent=2, default=str))
    else:
        if result.mismatches and result.verdict == "not-reproduced":
            print("after the run, the differences most likely to explain it:")
            print("\n".join(f"  {m.format()}" for m in result.mismatches[:10]))
        print(result.format())
    return 0 if result.reproduced else 1
