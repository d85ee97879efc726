"""``seedlock.log`` and ``seedlock.log_artifact``: record metrics and outputs into the current run.

Determinism contract: logging draws no randomness and changes no RNG state. Inside a ``seedlock
run`` the values are appended to the run directory in call order; outside a run nothing is written.
"""

from __future__ import annotations

import math
import os

from seedlock._base import validate
from seedlock._base.files import file_sha256
from seedlock._errors import SeedlockError, SeedlockTypeError
from seedlock.launch._protocol import ARTIFACTS_FILE, METRICS_FILE, RUN_DIR_VAR

# Not ``typing.TYPE_CHECKING``: the start-up hook imports this module in every child process.
TYPE_CHECKING = False
if TYPE_CHECKING:
    import logging
    from typing import Any

__all__ = ["log", "log_artifact"]

# hashlib, json, logging and pathlib are imported on first use: the start-up hook imports this
# module in every Python process of a run, most of which never log anything.


def _logger() -> logging.Logger:
    import logging

    return logging.getLogger("seedlock")


def _metric_value(key: str, value: object) -> float | int | str:
    if isinstance(value, (str, int, float)) and not isinstance(value, bool):
        return value
    item = getattr(value, "item", None)
    if callable(item):
        # NumPy scalars and one-element arrays/tensors; larger ones raise and are refused below.
        try:
            inner = item()
        except (ValueError, RuntimeError):
            inner = None
        if isinstance(inner, (str, int, float)) and not isinstance(inner, bool):
            return inner
    raise SeedlockTypeError(
        f"seedlock.log({key}=...) accepts an int, float or str (or a one-element array or "
        f"tensor), got {type(value).__name__}. Pass float(value) or str(value)."
    )


def _append(run_dir: str, filename: str, entry: dict[str, Any]) -> None:
    import json

    line = json.dumps(entry, allow_nan=True) + "\n"
    try:
        # One write on an O_APPEND descriptor keeps lines whole when several processes log at once.
        fd = os.open(os.path.join(run_dir, filename), os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        try:
            os.write(fd, line.encode("utf-8"))
        finally:
            os.close(fd)
    except OSError as exc:
        # Losing a record must not stop a training run; the run's report shows it as absent.
        _logger().warning("seedlock could not record into %s (%s): %s", run_dir, filename, exc)


def log(step: int | None = None, **metrics: float | int | str) -> None:
    """Record metrics into the current ``seedlock run`` (nothing is written outside a run).

    ``seedlock verify`` compares them exactly and ``seedlock sweep`` aggregates them.

    Args:
        step: an optional step or epoch number the values belong to.
        **metrics: metric names and values (int, float, str, or one-element arrays/tensors).

    Example:
        >>> import seedlock
        >>> seedlock.log(accuracy=0.91, step=3)
    """
    if step is not None:
        validate.check_int(step, func="seedlock.log", param="step", accepted="an int or None")
    values = {key: _metric_value(key, value) for key, value in metrics.items()}
    run_dir = os.environ.get(RUN_DIR_VAR)
    if not run_dir:
        _logger().debug("seedlock.log outside a seedlock run, not recorded: %s", values)
        return
    entry: dict[str, Any] = {"metrics": values}
    if step is not None:
        entry["step"] = step
    if any(isinstance(v, float) and not math.isfinite(v) for v in values.values()):
        _logger().warning("seedlock.log got a non-finite value: %s", values)
    _append(run_dir, METRICS_FILE, entry)


def log_artifact(path: str | os.PathLike[str]) -> None:
    """Record an output file of the current ``seedlock run``; its SHA-256 goes into the record.

    Outside a run nothing is written.

    Raises:
        SeedlockError: the file does not exist.

    Example:
        >>> import seedlock, tempfile
        >>> with tempfile.NamedTemporaryFile(suffix=".txt", delete=False) as fh:
        ...     _ = fh.write(b"weights")
        >>> seedlock.log_artifact(fh.name)
    """
    from pathlib import Path

    resolved = Path(os.fspath(path)).resolve()
    if not resolved.is_file():
        raise SeedlockError(
            f"seedlock.log_artifact needs an existing file, got {os.fspath(path)!r} "
            f"(resolved to {str(resolved)!r}). Write the file before logging it."
        )
    run_dir = os.environ.get(RUN_DIR_VAR)
    if not run_dir:
        _logger().debug("seedlock.log_artifact outside a seedlock run, not recorded: %s", resolved)
        return
    _append(run_dir, ARTIFACTS_FILE, {"path": str(resolved), "sha256": file_sha256(resolved)})
