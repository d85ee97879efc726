"""``seedlock.verify(fn)``: results of repeated calls compared exactly, in subprocesses or here."""

from __future__ import annotations

import os
import random
import subprocess
import sys
from typing import Any

import numpy as np
import pytest

import seedlock
from seedlock import SeedlockError, SeedlockTypeError


def draws(k: int, *, scale: float = 1.0) -> dict[str, Any]:
    """Python, NumPy and string-hash-order randomness."""
    words = {"apple", "banana", "cherry", "damson", "elder", "fig", "grape", "hazel"}
    return {
        "python": [random.random() * scale for _ in range(k)],
        "numpy": np.random.rand(k) * scale,
        "order": list(words),
    }


def from_urandom() -> list[int]:
    return [1, int.from_bytes(os.urandom(4), "little")]


def test_seeded_function_is_identical_in_fresh_subprocesses() -> None:
    result = seedlock.verify(draws, 3, scale=2.0, n=2, seed=9)
    assert result, str(result)
    assert result.identical and result.seed == 9 and result.runs == 2
    assert "bit-identical" in str(result)


def test_urandom_in_subprocesses_is_reported_with_its_path() -> None:
    result = seedlock.verify(from_urandom, seed=9)
    assert not result
    assert [d.where for d in result.differences] == ["result[1]"]
    assert "NOT reproducible" in str(result)


def test_inprocess_runs_are_identical_and_leave_the_callers_rng_alone() -> None:
    random.seed(123)
    state = random.getstate()
    result = seedlock.verify(draws, 4, n=3, mode="inprocess")
    assert result.identical, str(result)
    assert random.getstate() == state
    assert seedlock.root_seed() is None


def test_inprocess_reports_the_differing_value() -> None:
    result = seedlock.verify(from_urandom, mode="inprocess")
    assert not result.identical and result.differences[0].kind == "value"


@pytest.mark.torch
def test_tensors_are_compared_exactly_inprocess() -> None:
    torch = pytest.importorskip("torch")

    def init() -> Any:
        return torch.nn.Linear(3, 2).state_dict()

    assert seedlock.verify(init, mode="inprocess").identical


def test_bad_arguments_are_refused() -> None:
    with pytest.raises(SeedlockError, match=r"verify\(\): n must be an int in \[2, 10000\]"):
        seedlock.verify(draws, 1, n=1)
    with pytest.raises(SeedlockError, match="mode"):
        seedlock.verify(draws, 1, mode="thread")
    with pytest.raises(SeedlockError, match="cannot be pickled"):
        seedlock.verify(lambda: 1)
    with pytest.raises(SeedlockTypeError, match="needs a callable"):
        seedlock.verify(3)  # type: ignore[arg-type]
    with pytest.raises(SeedlockTypeError, match="has type object"):
        seedlock.verify(object, mode="inprocess")


def test_importing_verify_imports_no_framework() -> None:
    code = (
        "import sys, seedlock._verify, seedlock._verify.trace, seedlock.cli.verify; "
        "print([m for m in ('torch', 'tensorflow', 'jax', 'safetensors') if m in sys.modules])"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
