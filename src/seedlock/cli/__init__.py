"""The ``seedlock`` command line: a thin layer over the public API.

Each subcommand lives in its own module ``seedlock.cli.<name>`` exposing
``register(subparsers)``, which adds its parser and sets ``handler`` to a function
``(args) -> int``. Exit codes: 0 success, 1 a finding (not reproducible, lint findings),
2 usage or input error.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import logging
import os
import signal
import sys
from collections.abc import Sequence
from typing import NoReturn

from seedlock._errors import SeedlockError

__all__ = ["console_main", "main"]

# The order here is the order of `seedlock --help`.
_COMMANDS = (
    "run",
    "verify",
    "runs",
    "diff",
    "export",
    "reproduce",
    "sweep",
    "compare",
    "report",
    "env",
    "doctor",
    "lint",
)

EXIT_OK = 0
EXIT_FINDING = 1
EXIT_USAGE = 2


class _Parser(argparse.ArgumentParser):
    """An argument parser whose usage errors are one line (no usage block) and exit 2."""

    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message}. See `{self.prog} --help`.\n")


def build_parser() -> argparse.ArgumentParser:
    """The full argument parser with every subcommand registered."""
    from seedlock import __version__

    parser = _Parser(
        prog="seedlock",
        description="Make ML runs reproducible, prove that they are, compare results across seeds.",
    )
    parser.add_argument("--version", action="version", version=f"seedlock {__version__}")
    parser.add_argument("-v", "--verbose", action="store_true", help="log at INFO level")
    subparsers = parser.add_subparsers(dest="subcommand", metavar="COMMAND")
    for name in _COMMANDS:
        importlib.import_module(f"seedlock.cli.{name}").register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``seedlock`` command line and return its exit code.

    Example:
        >>> main(["doctor", "--json"]) in (0, 1)  # doctest: +SKIP
        True
    """
    parser = build_parser()
    args = parser.parse_args(list(sys.argv[1:] if argv is None else argv))
    if args.verbose:
        logging.basicConfig(level=logging.INFO, format="seedlock: %(message)s")
    handler = getattr(args, "handler", None)
    if handler is None:
        parser.print_help()
        return EXIT_USAGE
    from seedlock.launch import clear_stop_request, stop_requested

    clear_stop_request()
    try:
        code = int(handler(args))
    except SeedlockError as exc:
        if stop_requested() is None:
            print(f"seedlock {args.subcommand}: error: {exc}", file=sys.stderr)
            return EXIT_USAGE
        code = EXIT_USAGE
    except BrokenPipeError:
        # `seedlock runs | head -1`: the reader left; stop quietly. Point stdout at devnull so
        # that the interpreter's final flush does not raise again.
        with contextlib.suppress(OSError, ValueError):
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
        return EXIT_OK
    stopped = stop_requested()
    if stopped is not None:
        # Ended by a signal seedlock passed on to its commands: exit as a shell reports it.
        name = signal.Signals(stopped).name
        print(f"seedlock {args.subcommand}: stopped by {name}", file=sys.stderr)
        return 128 + stopped
    return code


def console_main() -> None:
    """Entry point of the ``seedlock`` console script."""
    sys.exit(main())
