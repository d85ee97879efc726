"""Commands to run: the ``--`` command of ``run``/``verify``/``sweep``, and Python detection.

Shared by ``launch``, ``_verify``, ``sweep`` and the CLI, so none imports another's private names.

Example:
    >>> parse_command(["--", "python", "train.py"])
    ['python', 'train.py']
    >>> is_python_command(["python3", "train.py"]), is_python_command(["bash", "-c", "ls"])
    (True, False)
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Sequence

from seedlock._errors import SeedlockError

__all__ = ["is_python_command", "parse_command"]

_PYTHON_NAME = re.compile(r"(?:python|pypy)[\d.]*(?:\.exe)?", re.I)


def is_python_command(command: Sequence[str]) -> bool:
    """Whether ``command`` starts a Python interpreter (directly, via a launcher, or a script).

    Example:
        >>> is_python_command(["/usr/bin/env", "python", "-m", "x"])
        True
    """
    if any(_PYTHON_NAME.fullmatch(os.path.basename(part)) for part in command):
        return True
    path = shutil.which(command[0]) if command else None
    if path is None:
        return False
    try:
        with open(path, "rb") as fh:
            first = fh.readline(200)
    except OSError:
        return False
    return first.startswith(b"#!") and b"python" in first


def parse_command(
    raw: Sequence[str], subcommand: str = "run", *, required: bool = True
) -> list[str]:
    """The command after ``--``, validated (shared by ``run``, ``verify`` and ``sweep``).

    With ``required=False`` an empty command is returned as ``[]`` instead of an error.

    Example:
        >>> parse_command([], "sweep", required=False)
        []
    """
    command = list(raw)
    if command and command[0] == "--":
        command = command[1:]
    if not command:
        if not required:
            return []
        raise SeedlockError(
            "no command given. Put the command after '--', e.g. "
            f"`seedlock {subcommand} -- python train.py`."
        )
    if command[0].startswith("-"):
        raise SeedlockError(
            f"unknown option {command[0]!r} before the command. Options go before '--' and the "
            f"command after it; see `seedlock {subcommand} --help`."
        )
    return command
