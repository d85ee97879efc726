"""Launch any command reproducibly (``seedlock run``) and record metrics and outputs into runs.

Determinism contract: a run's child process gets its seed-related environment (root seed,
``PYTHONHASHSEED``, deterministic and thread variables) before it starts and, for Python, is
seeded at interpreter start-up, so the same command with the same root seed starts from the same
RNG state every time. ``log`` and ``log_artifact`` record values and never touch RNG state.

Example:
    >>> import seedlock
    >>> seedlock.log(loss=0.25, step=1)  # recorded inside `seedlock run`, ignored outside
"""

from __future__ import annotations

import importlib

from seedlock.launch._log import log, log_artifact

__all__ = [
    "RunDifference",
    "RunDiff",
    "RunResult",
    "child_env",
    "clear_stop_request",
    "diff_runs",
    "forward_signals",
    "log",
    "log_artifact",
    "repair_runs",
    "resolve_seed_arg",
    "run_command",
    "stop_requested",
    "unseeded_reason",
]

# Loaded on first use: the start-up hook imports this package in every child process, and only
# the launching side needs subprocess, sqlite3 and the store.
_LAZY = {
    "RunDifference": "seedlock.launch._diff",
    "RunDiff": "seedlock.launch._diff",
    "diff_runs": "seedlock.launch._diff",
    "RunResult": "seedlock.launch._run",
    "repair_runs": "seedlock.launch._repair",
    "child_env": "seedlock.launch._run",
    "resolve_seed_arg": "seedlock.launch._run",
    "run_command": "seedlock.launch._run",
    "unseeded_reason": "seedlock.launch._run",
    "forward_signals": "seedlock.launch._signals",
    "clear_stop_request": "seedlock.launch._signals",
    "stop_requested": "seedlock.launch._signals",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'seedlock.launch' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))


# Not ``typing.TYPE_CHECKING``: the start-up hook imports this module in every child process.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from seedlock.launch._diff import RunDiff, RunDifference, diff_runs
    from seedlock.launch._repair import repair_runs
    from seedlock.launch._run import (
        RunResult,
        child_env,
        resolve_seed_arg,
        run_command,
        unseeded_reason,
    )
    from seedlock.launch._signals import clear_stop_request, forward_signals, stop_requested
