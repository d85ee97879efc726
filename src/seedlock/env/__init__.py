"""The environment a run executes in: ``seedlock.fingerprint()`` and ``fingerprint_diff(a, b)``.

Determinism contract: fingerprinting only reads (versions from installed metadata, flags of
frameworks already imported, ``nvidia-smi`` and ``git`` with short timeouts) and imports no
framework; ``fingerprint_diff`` is a pure function of two fingerprints with a fixed order.

Example:
    >>> import seedlock
    >>> fp = seedlock.fingerprint()
    >>> fp.python["version"].count(".")
    2
    >>> seedlock.fingerprint_diff(fp, fp)
    []
"""

from __future__ import annotations

import importlib
import os

from seedlock.env._fingerprint import FORMAT, Fingerprint, collect, redact_env

__all__ = [
    "FORMAT",
    "IMPACTS",
    "EnvDifference",
    "Fingerprint",
    "fingerprint",
    "fingerprint_diff",
    "redact_env",
]


def fingerprint(cwd: str | os.PathLike[str] | None = None) -> Fingerprint:
    """Fingerprint the current process and machine.

    Records Python, OS, CPU, GPUs and driver, CUDA/cuDNN, installed ML package versions,
    thread settings, determinism flags, relevant environment variables and the git state
    of ``cwd`` (the working directory by default). Compare two with :func:`fingerprint_diff`.

    Example:
        >>> import seedlock
        >>> isinstance(seedlock.fingerprint(), seedlock.env.Fingerprint)
        True
    """
    return collect(cwd)


# Loaded on first use: the main process of a `seedlock run` writes its fingerprint at exit and
# never compares one.
_LAZY = {"IMPACTS", "EnvDifference", "fingerprint_diff"}


def __getattr__(name: str) -> object:
    if name not in _LAZY:
        raise AttributeError(f"module 'seedlock.env' has no attribute {name!r}")
    value = getattr(importlib.import_module("seedlock.env._diff"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | _LAZY)


# Not ``typing.TYPE_CHECKING``: kept off the exit path of every `seedlock run`.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from seedlock.env._diff import IMPACTS, EnvDifference, fingerprint_diff
