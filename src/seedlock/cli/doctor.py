"""``seedlock doctor``: list reproducibility hazards in this process, with the fix for each.

Determinism contract: the command only reads settings; it imports a framework only when asked
with ``--with`` so that framework's own settings are checked, and changes nothing.
"""

from __future__ import annotations

import argparse
import importlib
import json
from typing import Any

__all__ = ["register"]

_MARK = {"error": "x", "warning": "!", "info": "i"}
_NOUN = {"error": "error", "warning": "warning", "info": "note"}


def register(subparsers: Any) -> None:
    """Add the ``doctor`` subcommand to ``subparsers``."""
    parser = subparsers.add_parser(
        "doctor",
        help="check this environment for reproducibility hazards",
        description=(
            "List reproducibility hazards of the environment this command runs in (hash "
            "randomisation, thread pinning, root seed, cuBLAS/XLA variables; with --with, that "
            "framework's determinism flags and TF32) with the fix for each. Inside a program, "
            "call seedlock.doctor() to check that process. Exit status 1 when a warning or "
            "error is found."
        ),
    )
    parser.add_argument("--json", action="store_true", help="print the findings as JSON")
    parser.add_argument(
        "--with",
        dest="modules",
        action="append",
        default=[],
        metavar="MODULE",
        help="import MODULE first (e.g. torch) so its default settings are checked; repeatable",
    )
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    """Print the findings; 1 if any is a warning or an error, else 0."""
    from seedlock._doctor import doctor
    from seedlock._errors import SeedlockError

    for module in args.modules:
        if not module.strip() or module.startswith("."):
            raise SeedlockError(
                f"--with takes an absolute module name such as torch, got {module!r}."
            )
        try:
            importlib.import_module(module)
        except ImportError as exc:
            raise SeedlockError(
                f"--with {module}: cannot import it ({exc}). Install it or drop --with {module}."
            ) from exc
    # This process has seeded nothing by design, so "loaded but not seeded" would only describe
    # the doctor itself, not the environment it checks.
    findings = [f for f in doctor() if f.id != "unseeded-frameworks"]
    if args.json:
        print(json.dumps([f.to_dict() for f in findings], indent=2))
    elif not findings:
        print("seedlock doctor: no reproducibility hazards found")
    else:
        counts = {s: sum(f.severity == s for f in findings) for s in _MARK}
        summary = ", ".join(
            f"{n} {_NOUN[s]}{'s' if n != 1 else ''}" for s, n in counts.items() if n
        )
        print(f"seedlock doctor: {summary}")
        for f in findings:
            print(f"  [{_MARK[f.severity]}] {f.severity:<7}  {f.title}")
            print(f"               {f.detail}")
            print(f"          fix: {f.fix}")
    return 1 if any(f.severity in ("error", "warning") for f in findings) else 0
