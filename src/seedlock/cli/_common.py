"""Options several subcommands share, declared once; and the argparse types that check them.

The library names Python parameters in its errors; flags exist only here and in the subcommand
modules, and argparse reports a bad flag value as a usage error (exit 2) naming the flag.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable

__all__ = [
    "add_determinism_options",
    "add_store_option",
    "add_track_option",
    "at_least",
    "positive_int",
]


def at_least(minimum: int) -> Callable[[str], int]:
    """An argparse ``type`` accepting ints ``>= minimum``.

    Example:
        >>> at_least(2)("3")
        3
    """

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            message = f"expected an int >= {minimum}, got {text!r}"
            raise argparse.ArgumentTypeError(message) from None
        if value < minimum:
            raise argparse.ArgumentTypeError(f"expected an int >= {minimum}, got {value}")
        return value

    parse.__name__ = f"int >= {minimum}"
    return parse


#: An argparse ``type`` accepting ints ``>= 1``.
positive_int = at_least(1)


def add_determinism_options(parser: argparse.ArgumentParser) -> None:
    """``--deterministic`` and ``--threads N`` (run, verify, sweep)."""
    parser.add_argument(
        "--deterministic",
        action="store_true",
        help="deterministic mode: CUBLAS_WORKSPACE_CONFIG, TF/XLA determinism, deterministic "
        "algorithms in the child",
    )
    parser.add_argument(
        "--threads",
        type=positive_int,
        metavar="N",
        help="pin OpenMP/BLAS/torch/TF thread pools to N",
    )


def add_store_option(parser: argparse.ArgumentParser) -> None:
    """``--store PATH``: the run store file."""
    parser.add_argument(
        "--store",
        metavar="PATH",
        help="run store file (default $SEEDLOCK_STORE or .seedlock/runs.db)",
    )


def add_track_option(parser: argparse.ArgumentParser, what: str = "the run") -> None:
    """``--track NAME`` (repeatable): also log ``what`` to an experiment tracker."""
    from seedlock.trackers import BACKENDS

    parser.add_argument(
        "--track",
        choices=BACKENDS,
        action="append",
        default=[],
        help=f"also log {what} to this experiment tracker (repeatable)",
    )
