"""Expected validation performance (Dodge et al., 2019): the expected best of n runs.

Determinism contract: a pure function of the values; nothing is sampled. The curve is the
closed form over the empirical distribution of the observed runs, so the same values give the
same curve everywhere.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from seedlock._base import limits, validate
from seedlock._errors import SeedlockError

__all__ = ["ExpectedMax", "expected_max"]


@dataclass(frozen=True)
class ExpectedMax:
    """The expected best value of ``n`` runs drawn (with replacement) from the observed ones.

    Attributes:
        n: numbers of runs, 1, 2, ...
        mean: expected best value for each ``n``.
        std: standard deviation of the best value for each ``n`` (the band Dodge et al. draw).
        observed: how many values the empirical distribution has.
        higher_is_better: whether "best" is the maximum (else the minimum).
    """

    n: tuple[int, ...]
    mean: tuple[float, ...]
    std: tuple[float, ...]
    observed: int
    higher_is_better: bool = True

    def to_dict(self) -> dict[str, Any]:
        """A JSON-able dict."""
        return {
            "n": list(self.n),
            "mean": list(self.mean),
            "std": list(self.std),
            "observed": self.observed,
            "higher_is_better": self.higher_is_better,
        }


def expected_max(
    values: Sequence[float] | np.ndarray,
    *,
    max_n: int | None = None,
    higher_is_better: bool = True,
) -> ExpectedMax:
    """Dodge et al. (2019)'s expected validation performance of 1..``max_n`` runs.

    With the N observed values sorted, v_(1) <= ... <= v_(N), and the empirical CDF
    F(v_(i)) = i / N, the best of n draws is v_(i) with probability (i / N)**n - ((i - 1) / N)**n,
    so E[best of n] = sum_i v_(i) ((i / N)**n - ((i - 1) / N)**n) (ties need no special case:
    the weights of equal values add up to their common value's). The variance is E[best**2] -
    E[best]**2 under the same weights. With ``higher_is_better=False`` the best is the minimum.

    Args:
        values: one result per run (seed or hyperparameter trial), at least 1, all finite.
        max_n: the largest n (default: the number of values).
        higher_is_better: best means largest (default) or smallest.

    Raises:
        SeedlockError: no values, non-finite values, or ``max_n`` out of range.

    Example:
        >>> e = expected_max([0.2, 0.4, 0.6, 0.8], max_n=3)
        >>> [round(m, 4) for m in e.mean]
        [0.5, 0.625, 0.6875]
    """
    arr = np.asarray(values, dtype=np.float64).ravel()
    if arr.size < 1 or not np.isfinite(arr).all():
        raise SeedlockError(
            f"expected_max() needs at least one value, all finite; got {arr.size} values"
            f"{'' if np.isfinite(arr).all() else ' with NaN or infinity'}. Drop failed runs first."
        )
    size = arr.size if max_n is None else max_n
    validate.check_count(
        size,
        func="expected_max",
        param="max_n",
        low=1,
        high=limits.MAX_SEEDS,
        fix="Pass max_n=None for the number of values.",
    )
    ordered = np.sort(arr if higher_is_better else -arr)
    total = ordered.size
    cdf = np.arange(total + 1, dtype=np.float64) / total
    means, stds = [], []
    for n in range(1, size + 1):
        power = cdf**n
        weights = power[1:] - power[:-1]
        mean = float(weights @ ordered)
        second = float(weights @ ordered**2)
        means.append(mean if higher_is_better else -mean)
        stds.append(float(np.sqrt(max(second - mean * mean, 0.0))))
    return ExpectedMax(
        n=tuple(range(1, size + 1)),
        mean=tuple(means),
        std=tuple(stds),
        observed=total,
        higher_is_better=higher_is_better,
    )
