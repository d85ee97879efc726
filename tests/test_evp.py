"""Expected validation performance (Dodge et al., 2019) against brute-force enumeration."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest

from seedlock._errors import SeedlockError
from seedlock.stats import expected_max


def _enumerated(values: list[float], n: int, best: object = max) -> tuple[float, float]:
    """Mean and std of the best of n draws, over all len(values)**n equally likely draws."""
    bests = [best(draw) for draw in itertools.product(values, repeat=n)]  # type: ignore[operator]
    mean = sum(bests) / len(bests)
    return mean, math.sqrt(sum((b - mean) ** 2 for b in bests) / len(bests))


@pytest.mark.parametrize(
    "values",
    [[0.2, 0.4, 0.6, 0.8], [0.7, 0.7, 0.1, 0.9, 0.7], [3.0], [5.0, -1.0, 2.5, 2.5, 0.0, 9.0]],
)
def test_expected_best_of_n_equals_enumerating_every_draw(values: list[float]) -> None:
    top = min(len(values), 5)
    up = expected_max(values, max_n=top)
    down = expected_max(values, max_n=top, higher_is_better=False)
    assert up.n == tuple(range(1, top + 1)) and up.observed == len(values)
    for n in up.n:
        assert (up.mean[n - 1], up.std[n - 1]) == pytest.approx(_enumerated(values, n), abs=1e-12)
        low = _enumerated(values, n, min)
        assert (down.mean[n - 1], down.std[n - 1]) == pytest.approx(low, abs=1e-12)


def test_curve_rises_from_the_mean_to_the_maximum() -> None:
    values = np.random.default_rng(0).normal(0.8, 0.05, 30)
    e = expected_max(values, max_n=2000)
    assert e.mean[0] == pytest.approx(values.mean(), rel=1e-12)
    assert e.std[0] == pytest.approx(values.std(ddof=0), rel=1e-9)
    assert all(b >= a - 1e-12 for a, b in zip(e.mean, e.mean[1:], strict=False))
    assert e.mean[-1] == pytest.approx(values.max(), rel=1e-12)
    assert e.to_dict()["n"][:3] == [1, 2, 3]


def test_bad_input_is_a_clear_error() -> None:
    with pytest.raises(SeedlockError, match="expected_max"):
        expected_max([])
    with pytest.raises(SeedlockError, match="NaN"):
        expected_max([0.5, float("nan")])
    with pytest.raises(SeedlockError, match="max_n"):
        expected_max([0.5], max_n=0)
