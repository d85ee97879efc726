"""``seedlock runs``: list, show and remove recorded runs.

Determinism contract: read-only over the run store except ``rm``; listing order is newest first,
ties broken by insertion order, so the same store always lists the same way.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Iterator
from typing import Any

from seedlock._errors import SeedlockError
from seedlock.cli._common import add_store_option

__all__ = ["format_record", "format_table", "register"]


def register(subparsers: Any) -> None:
    """Add the ``runs`` subcommand."""
    parser = subparsers.add_parser(
        "runs",
        help="list, show or remove recorded runs",
        description=(
            "List recorded runs (newest first), show one in full, remove one, or repair: record "
            "what unfinished runs (launcher killed, disk full) left in their run directories."
        ),
        epilog=(
            "examples: seedlock runs; seedlock runs show 3fa2; seedlock runs rm 3fa2; "
            "seedlock runs repair"
        ),
    )
    parser.add_argument(
        "action",
        nargs="?",
        choices=("list", "show", "rm", "repair"),
        default="list",
        help="default: list",
    )
    parser.add_argument("run_id", nargs="?", metavar="ID", help="run id or unique prefix")
    parser.add_argument("--name", help="only runs with this name")
    parser.add_argument("--sweep", help="only runs of this sweep")
    parser.add_argument(
        "--status",
        choices=("running", "finished", "failed", "killed", "unfinished", "corrupt"),
        help="only runs with this status",
    )
    parser.add_argument("--limit", type=int, default=None, metavar="N", help="at most N runs")
    parser.add_argument("--json", action="store_true", help="print JSON")
    parser.add_argument(
        "--recipe",
        action="store_true",
        help="with show: the few lines a colleague needs to rerun it (install, checkout, command)",
    )
    add_store_option(parser)
    parser.set_defaults(handler=handle)


def _when(timestamp: float) -> str:
    return time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(timestamp))


def _short(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 3] + "..."


def _seed_text(seed: int) -> str:
    return _short(str(seed), 20)


def _metrics_text(metrics: dict[str, Any]) -> str:
    parts = []
    for key, value in metrics.items():
        parts.append(f"{key}={value:.6g}" if isinstance(value, float) else f"{key}={value}")
    return _short(" ".join(parts), 40)


def format_table(records: list[Any]) -> str:
    """A fixed-width table of run records (one line each)."""
    header = ("ID", "NAME", "STATUS", "EXIT", "SEED", "STARTED", "SECS", "METRICS", "COMMAND")
    rows = [header]
    for rec in records:
        duration = "" if rec.duration is None else f"{rec.duration:.1f}"
        rows.append(
            (
                rec.id,
                _short(rec.name or "-", 16),
                rec.status,
                "" if rec.exit_code is None else str(rec.exit_code),
                _seed_text(rec.seed),
                _when(rec.started),
                duration,
                _metrics_text(rec.metrics),
                _short(" ".join(rec.command), 50),
            )
        )
    widths = [max(len(row[i]) for row in rows) for i in range(len(header) - 1)]
    lines = [
        "  ".join([cell.ljust(width) for cell, width in zip(row, widths, strict=False)] + [row[-1]])
        for row in rows
    ]
    return "\n".join(line.rstrip() for line in lines)


def format_record(rec: Any) -> str:
    """Every field of one run record, human-readable."""
    duration = "running" if rec.duration is None else f"{rec.duration:.2f} s"
    lines = [
        f"run        {rec.id}",
        f"name       {rec.name or '-'}",
        f"status     {rec.status} (exit code {rec.exit_code})",
        f"seed       {rec.seed}",
        f"command    {' '.join(rec.command)}",
        f"cwd        {rec.cwd}",
        f"started    {_when(rec.started)} ({duration})",
        f"host       {rec.host} (pid {rec.pid})",
        f"flags      deterministic={rec.deterministic} threads={rec.threads}",
    ]
    if rec.sweep:
        lines.append(f"sweep      {rec.sweep}")
    if rec.tags:
        lines.append("tags       " + " ".join(f"{k}={v}" for k, v in sorted(rec.tags.items())))
    if rec.metrics:
        lines.append("metrics")
        lines.extend(f"  {key} = {value}" for key, value in rec.metrics.items())
    if rec.outputs:
        lines.append("outputs")
        lines.extend(f"  {path}  sha256:{digest[:16]}" for path, digest in rec.outputs.items())
    if rec.doctor:
        lines.append("doctor")
        lines.extend(f"  {_finding_line(finding)}" for finding in rec.doctor)
    lines.append(f"fingerprint {'recorded' if rec.fingerprint else 'none'}")
    for label, tail in (("stdout", rec.stdout_tail), ("stderr", rec.stderr_tail)):
        if tail.strip():
            lines.append(f"{label} (last lines)")
            lines.extend(f"  {line}" for line in tail.rstrip().splitlines()[-10:])
    return "\n".join(lines)


def _finding_line(finding: dict[str, Any]) -> str:
    head = " ".join(str(finding[k]) for k in ("severity", "id") if k in finding)
    message = finding.get("title", finding)
    return f"{head}: {message}" if head else str(message)


def handle(args: argparse.Namespace) -> int:
    """List, show or remove runs."""
    from seedlock.store import Store

    store = Store(args.store)
    if args.action in ("list", "repair") and args.run_id is not None:
        raise SeedlockError(
            f"`seedlock runs {args.action}` takes no run id, got {args.run_id!r}. "
            f"Use `seedlock runs show {args.run_id}`."
        )
    if args.action == "repair":
        return _repair(store, as_json=args.json)
    if args.action == "list":
        _record_dead_launchers(store)
        records = store.iter_runs(
            name=args.name, sweep=args.sweep, status=args.status, limit=args.limit
        )
        shown = _print_json(records) if args.json else _print_table(records)
        if not shown:
            print(f"no runs in {store.path}", file=sys.stderr)
        return 0
    if args.run_id is None:
        raise SeedlockError(
            f"`seedlock runs {args.action}` needs a run id. List ids with `seedlock runs`."
        )
    record = store.get(args.run_id)
    _warn_corrupt([record])
    if args.action == "show" and args.recipe:
        from seedlock.reproduce import recipe

        print(recipe(record))
        return 0
    if args.action == "show":
        print(
            json.dumps(record.to_dict(), indent=2, default=str)
            if args.json
            else format_record(record)
        )
        return 0
    store.delete(record.id)
    if args.json:
        print(json.dumps({"removed": record.id}))
    else:
        print(f"removed run {record.id}")
    return 0


def _warn_corrupt(records: list[Any]) -> None:
    for rec in records:
        if rec.problem:
            print(f"seedlock runs: warning: {rec.problem}", file=sys.stderr)


def _print_table(records: Iterator[Any]) -> int:
    """The table, printed once every row is read (column widths need them); rows printed."""
    listed = list(records)
    if listed:
        print(format_table(listed))
    _warn_corrupt(listed)
    return len(listed)


def _print_json(records: Iterator[Any]) -> int:
    """A JSON array, one record per line, written as read: flat memory on any store.

    Not indented: ``json`` encodes indented output in pure Python, ten times slower.
    """
    count = 0
    out = sys.stdout
    out.write("[")
    corrupt = []
    for rec in records:
        text = json.dumps(rec.to_dict(), default=str)
        out.write(("," if count else "") + "\n" + text)
        count += 1
        if rec.problem:
            corrupt.append(rec)
    out.write("\n]\n" if count else "]\n")
    _warn_corrupt(corrupt)
    return count


def _record_dead_launchers(store: Any) -> None:
    """Record runs whose launcher died (``killed``, or their saved exit) before listing them.

    A store that cannot be written (read-only, full disk) is listed as it is.
    """
    from seedlock.launch import repair_runs

    try:
        repaired = repair_runs(store)
    except SeedlockError:
        return
    if repaired:
        print(
            f"seedlock: {len(repaired)} run(s) whose launcher had died are now recorded as "
            + ", ".join(sorted({r.status for r in repaired})),
            file=sys.stderr,
        )


def _repair(store: Any, *, as_json: bool) -> int:
    from seedlock.launch import repair_runs

    repaired = repair_runs(store)
    if as_json:
        print(json.dumps([r.to_dict() for r in repaired], indent=2, default=str))
    elif repaired:
        print(format_table(repaired))
        print(f"repaired {len(repaired)} unfinished run(s) in {store.path}", file=sys.stderr)
    else:
        print(f"nothing to repair in {store.path}", file=sys.stderr)
    return 0
