"""Prove that a run is reproducible: run it several times from one seed and compare bit for bit.

Determinism contract: every run of a verification gets the same root seed, and everything it
produced is compared exactly (floats by their bits, files by SHA-256, tensors element by element),
so ``identical`` is true only when the runs are bit-identical.

Example:
    >>> import random, seedlock
    >>> def draw(): return random.random()
    >>> seedlock.verify(draw, mode="inprocess").identical
    True
"""

from __future__ import annotations

from seedlock._verify._compare import OutputDifference
from seedlock._verify._function import verify
from seedlock._verify._report import VerifyResult
from seedlock._verify._runner import verify_command
from seedlock._verify.trace import Divergence

__all__ = ["OutputDifference", "Divergence", "VerifyResult", "verify", "verify_command"]
