"""The environment a run executes in: ``seedlock.fingerprint()`` and ``fingerprint.diff(a, b)``.

Determinism contract: fingerprinting only reads (versions from installed metadata, flags of
frameworks already imported, ``nvidia-smi`` and ``git`` with short timeouts) and imports no
framework; ``diff`` is a pure function of two fingerprints with a fixed order.

Example:
    >>> import seedlock
    >>> fp = seedlock.fingerprint()
    >>> fp.python["version"].count(".")
    2
    >>> seedlock.fingerprint.diff(fp, fp)
    []
"""

from __future__ import annotations

import os

from seedlock.env._diff import IMPACTS, Difference, FingerprintLike, diff
from seedlock.env._fingerprint import FORMAT, Fingerprint, collect, redact_env

__all__ = [
    "FORMAT",
    "IMPACTS",
    "Difference",
    "Fingerprint",
    "diff",
    "fingerprint",
    "redact_env",
]


class _FingerprintFunction:
    """``seedlock.fingerprint()``: fingerprint this environment; ``.diff(a, b)`` compares two.

    Example:
        >>> import seedlock
        >>> isinstance(seedlock.fingerprint(), seedlock.env.Fingerprint)
        True
    """

    def __call__(self, cwd: str | os.PathLike[str] | None = None) -> Fingerprint:
        """Fingerprint the current process and machine.

        Records Python, OS, CPU, GPUs and driver, CUDA/cuDNN, installed ML package versions,
        thread settings, determinism flags, relevant environment variables and the git state
        of ``cwd`` (the working directory by default).
        """
        return collect(cwd)

    @staticmethod
    def diff(a: FingerprintLike, b: FingerprintLike) -> list[Difference]:
        """Differences between two fingerprints, most likely to change results first."""
        return diff(a, b)

    def __repr__(self) -> str:
        return "<seedlock.fingerprint>"


#: Callable: ``fingerprint()`` collects, ``fingerprint.diff(a, b)`` compares.
fingerprint = _FingerprintFunction()
