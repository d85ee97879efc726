"""``seedlock diff RUN_A RUN_B``: what differs between two recorded runs, likely causes first.

Determinism contract: read-only over the run store; the same two runs always give the same
report in the same order.
"""

from __future__ import annotations

import argparse
import json
from typing import Any

__all__ = ["register"]


def register(subparsers: Any) -> None:
    """Add the ``diff`` subcommand."""
    parser = subparsers.add_parser(
        "diff",
        help="compare two recorded runs",
        description=(
            "Compare two recorded runs: seed, command, flags, environment fingerprint, exit "
            "status, metrics and output hashes, likely causes first. Exit 0 when nothing "
            "recorded differs, 1 when something does."
        ),
        epilog="example: seedlock diff 3fa2 9c01",
    )
    parser.add_argument("run_a", metavar="RUN_A", help="run id or unique prefix")
    parser.add_argument("run_b", metavar="RUN_B", help="run id or unique prefix")
    parser.add_argument("--json", action="store_true", help="print JSON")
    parser.add_argument(
        "--store",
        metavar="PATH",
        help="run store file (default $SEEDLOCK_STORE or .seedlock/runs.db)",
    )
    parser.set_defaults(handler=handle)


def handle(args: argparse.Namespace) -> int:
    """Print the differences; exit 1 when there are any."""
    from seedlock.launch import diff_runs
    from seedlock.store import Store

    store = Store(args.store)
    result = diff_runs(store.get(args.run_a), store.get(args.run_b))
    print(json.dumps(result.to_dict(), indent=2, default=str) if args.json else result.format())
    return 0 if result.identical else 1
