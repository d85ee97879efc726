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

__all__ = ["git_argv", "git_env", "is_python_command", "is_python_interpreter", "parse_command"]

_PYTHON_NAME = re.compile(r"(?:python|pypy)[\d.]*(?:\.exe)?", re.I)

#: git must not run a repository's configured commands: fsmonitor (run by ``git status``),
#: hooks, external diff tools, pagers; nor write its index.
_GIT_SAFE = (
    "-c",
    "core.fsmonitor=",
    "-c",
    "core.hooksPath=/dev/null",
    "-c",
    "core.untrackedCache=false",
    "-c",
    "diff.external=",
    "-c",
    "core.pager=cat",
)


def git_argv(cwd: str, *args: str) -> list[str]:
    """``git -C cwd ARGS`` with every setting that could run a repository's commands disabled.

    Example:
        >>> git_argv("/repo", "status")[-3:]
        ['-C', '/repo', 'status']
    """
    return ["git", *_GIT_SAFE, "-C", cwd, *args]


def git_env() -> dict[str, str]:
    """The environment for :func:`git_argv`: no optional locks, prompts or external diff."""
    env = {**os.environ, "GIT_OPTIONAL_LOCKS": "0", "GIT_TERMINAL_PROMPT": "0"}
    env.pop("GIT_EXTERNAL_DIFF", None)
    return env


def is_python_interpreter(part: str) -> bool:
    """Whether one command word names a Python interpreter (``python3.11``, ``/usr/bin/pypy``).

    Example:
        >>> is_python_interpreter("/opt/venv/bin/python3.11"), is_python_interpreter("bash")
        (True, False)
    """
    return bool(_PYTHON_NAME.fullmatch(os.path.basename(part)))


def is_python_command(command: Sequence[str]) -> bool:
    """Whether ``command`` starts a Python interpreter (directly, via a launcher, or a script).

    Example:
        >>> is_python_command(["/usr/bin/env", "python", "-m", "x"])
        True
    """
    if any(is_python_interpreter(part) for part in command):
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
