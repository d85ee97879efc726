"""``seedlock env``: show this environment's fingerprint, or rank the differences of two.

Determinism contract: the command only reads (see ``seedlock.env``); ``--diff`` compares two
saved fingerprints and its output order is fixed: impact, then key.
"""

from __future__ import annotations

import argparse
import json
from typing import Any

__all__ = ["register"]


def register(subparsers: Any) -> None:
    """Add the ``env`` subcommand to ``subparsers``."""
    parser = subparsers.add_parser(
        "env",
        help="show the environment fingerprint, or diff two saved ones",
        description=(
            "Print this environment's fingerprint: Python, OS, CPU, GPUs and driver, CUDA/cuDNN, "
            "ML package versions, thread settings, determinism flags, relevant environment "
            "variables and git state. Save one with `seedlock env --json > env.json`; compare "
            "two with `seedlock env --diff a.json b.json` (exit status 1 when a high- or "
            "medium-impact difference is found)."
        ),
    )
    parser.add_argument("--json", action="store_true", help="print JSON instead of text")
    parser.add_argument(
        "--diff",
        nargs=2,
        metavar=("A.json", "B.json"),
        help="compare two saved fingerprints, most result-changing differences first",
    )
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    """Print the fingerprint (exit 0) or the differences (exit 1 if any is high or medium)."""
    from seedlock.env import Fingerprint, fingerprint, fingerprint_diff

    if args.diff:
        a, b = (Fingerprint.load(path) for path in args.diff)
        differences = fingerprint_diff(a, b)
        if args.json:
            print(json.dumps([d.to_dict() for d in differences], indent=2))
        else:
            _print_differences(differences, args.diff)
        return 1 if any(d.impact in ("high", "medium") for d in differences) else 0
    current = fingerprint()
    if args.json:
        print(json.dumps(current.to_dict(), indent=2, sort_keys=True))
    else:
        _print_fingerprint(current.to_dict())
    return 0


def _text(value: object) -> str:
    return "-" if value is None else str(value)


def _print_fingerprint(data: dict[str, Any]) -> None:
    header = ("kind", "format", "created", "gpus")
    sections = {key: value for key, value in data.items() if key not in header}
    gpus = data["gpus"]
    if gpus is None:
        sections["gpus"] = {"": "unknown (nvidia-smi not found and no CUDA device in torch)"}
    else:
        sections["gpus"] = {
            str(i): ", ".join(_text(v) for v in gpu.values()) for i, gpu in enumerate(gpus)
        }
    if data["git"] is None:
        sections["git"] = {"": "not in a git repository"}
    keys = [key for section in sections.values() for key in section]
    width = max(len(key) for key in keys)
    print(f"seedlock environment fingerprint (format {data['format']}, {data['created']})")
    for name, section in sections.items():
        print(f"[{name}]")
        if not section:
            print("  (none set)" if name == "env" else "  (none)")
        for key, value in section.items():
            print(f"  {key:<{width}}  {_text(value)}" if key else f"  {_text(value)}")


def _print_differences(differences: list[Any], paths: list[str]) -> None:
    if not differences:
        print(f"no differences between {paths[0]} and {paths[1]}")
        return
    counts = {i: sum(d.impact == i for d in differences) for i in ("high", "medium", "low")}
    summary = ", ".join(f"{n} {impact}" for impact, n in counts.items() if n)
    noun = "difference" if len(differences) == 1 else "differences"
    print(f"{len(differences)} {noun} ({summary}): A={paths[0]}  B={paths[1]}")
    width = max(len(d.key) for d in differences)
    for d in differences:
        print(f"  {d.impact:<6}  {d.key:<{width}}  {_text(d.a)} -> {_text(d.b)}")
        print(f"          {'':<{width}}  {d.reason}")
