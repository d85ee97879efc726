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

from seedlock.launch._diff import Difference, RunDiff, diff_runs
from seedlock.launch._log import log, log_artifact
from seedlock.launch._run import RunResult, child_env, resolve_seed_arg, run_command

__all__ = [
    "Difference",
    "RunDiff",
    "RunResult",
    "child_env",
    "diff_runs",
    "log",
    "log_artifact",
    "resolve_seed_arg",
    "run_command",
]
