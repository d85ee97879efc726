"""``seedlock diff RUN_A RUN_B``: what differs between two recorded runs, likely causes first.

Determinism contract: read-only over the run store; the same two runs always give the same
report in the same order.
"""

from __future__ import annotations

import argparse
import json
import os
from typing import Any

from seedlock.cli._common import add_store_option

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
    parser.add_argument(
        "run_a", metavar="RUN_A", help="run id or unique prefix, or a file from `seedlock export`"
    )
    parser.add_argument(
        "run_b", metavar="RUN_B", help="run id or unique prefix, or a file from `seedlock export`"
    )
    parser.add_argument("--json", action="store_true", help="print JSON")
    add_store_option(parser)
    parser.set_defaults(handler=handle)


def handle(args: argparse.Namespace) -> int:
    """Print the differences; exit 1 when there are any."""
    from seedlock.launch import diff_runs
    from seedlock.reproduce import trace_divergence
    from seedlock.store import Store

    store = Store(args.store)
    (record_a, trace_a), (record_b, trace_b) = (
        _load(store, args.run_a),
        _load(store, args.run_b),
    )
    result = diff_runs(record_a, record_b)
    divergence = trace_divergence(trace_a, trace_b)
    if args.json:
        payload = result.to_dict()
        payload["trace"] = None if divergence is None else divergence.to_dict()
        print(json.dumps(payload, indent=2, default=str))
    else:
        print(result.format())
        if trace_a and trace_b:
            print(
                "traces: identical at every optimizer step"
                if divergence is None
                else f"traces: {divergence.describe()}"
            )
    return 0 if result.identical and divergence is None else 1


def _load(store: Any, given: str) -> tuple[Any, str]:
    """A run and its trace text from the store, or from a `seedlock export` file."""
    from seedlock.reproduce import bundle_record, load_bundle

    if os.path.isfile(given):
        bundle = load_bundle(given)
        return bundle_record(bundle), bundle.trace
    record = store.get(given)
    trace = store.run_dir(record.id) / "trace.jsonl"
    return record, trace.read_text(encoding="utf-8") if trace.is_file() else ""
