"""NumPy-only bootstrap confidence intervals (BCa and percentile), chunked to bound memory.

Determinism contract: an interval is a pure function of the data, the statistic and the NumPy
generator given. Resample indices are drawn exactly as ``scipy.stats.bootstrap`` draws them
(``rng.integers(0, n, (rows, n))`` per sample, batch by batch), and the BCa correction, the
jackknife and the linear-interpolated quantile follow the same formulas, so the intervals equal
SciPy's for the same generator while importing neither ``scipy.stats`` nor holding every resample
in memory: drawing a generator's integers in several calls gives the same stream as one call, so
rows are drawn and reduced a chunk at a time.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from seedlock._base import limits, validate
from seedlock._errors import SeedlockError

__all__ = ["BootstrapResult", "Separable", "bootstrap", "check_options"]

#: Values (float64) held per chunk of resamples or jackknife rows: 16 MB.
CHUNK_VALUES = 1 << 21

Statistic = Callable[..., np.ndarray]


@dataclass(frozen=True)
class Separable:
    """A statistic of several samples that is ``combine(part_0(x_0), part_1(x_1), ...)``.

    With it, the resamples of each sample are reduced on their own, in chunks, which is how a
    two-sample statistic keeps SciPy's draw order (all rows of sample 0, then all of sample 1)
    without holding every row.
    """

    parts: tuple[Statistic, ...]
    combine: Callable[..., np.ndarray]

    def __call__(self, *samples: np.ndarray, axis: int = -1) -> np.ndarray:
        reduced = [part(x, axis=axis) for part, x in zip(self.parts, samples, strict=True)]
        return np.asarray(self.combine(*reduced))


@dataclass(frozen=True)
class BootstrapResult:
    """The interval, how it was computed, and the standard error of the bootstrap distribution."""

    low: float
    high: float
    method: str
    standard_error: float


def check_options(confidence: float, n_resamples: int, caller: str, *, fix: str) -> None:
    """Refuse a confidence outside (0, 1) or a resample count outside [100, MAX_RESAMPLES].

    ``caller`` names the public function in the message; ``fix`` ends the resample-count one.

    Example:
        >>> check_options(0.95, 1000, "summarize", fix="The default is 10000.")
        >>> try:
        ...     check_options(1.5, 1000, "summarize", fix="")
        ... except SeedlockError as error:
        ...     print(error)
        summarize() confidence must be in (0, 1), got 1.5. Use e.g. 0.95.
    """
    if not 0.0 < confidence < 1.0:
        raise SeedlockError(
            f"{caller}() confidence must be in (0, 1), got {confidence!r}. Use e.g. 0.95."
        )
    validate.check_count(
        n_resamples,
        func=caller,
        param="n_resamples",
        low=100,
        high=limits.MAX_RESAMPLES,
        fix=fix,
    )


def _rows(n: int) -> int:
    return max(1, CHUNK_VALUES // max(1, n))


def _distribution(
    data: Sequence[np.ndarray],
    statistic: Statistic | Separable,
    rng: np.random.Generator,
    n_resamples: int,
    batch: int | None,
) -> np.ndarray:
    """The statistic on ``n_resamples`` resamples, drawn in SciPy's order."""
    out = np.empty(n_resamples)
    if batch is not None or len(data) == 1:
        # Sample by sample within each batch of rows, as scipy draws them; without a batch a
        # single sample is cut into chunks, which leaves its stream unchanged.
        step = batch if batch is not None else _rows(data[0].size)
        for start in range(0, n_resamples, step):
            rows = min(step, n_resamples - start)
            resampled = [x[rng.integers(0, x.size, (rows, x.size))] for x in data]
            out[start : start + rows] = statistic(*resampled, axis=-1)
        return out
    if not isinstance(statistic, Separable):
        raise TypeError("an unbatched statistic of several samples must be Separable")
    reduced = []
    for part, x in zip(statistic.parts, data, strict=True):
        values = np.empty(n_resamples)
        step = _rows(x.size)
        for start in range(0, n_resamples, step):
            rows = min(step, n_resamples - start)
            values[start : start + rows] = part(x[rng.integers(0, x.size, (rows, x.size))], axis=-1)
        reduced.append(values)
    out[:] = statistic.combine(*reduced)
    return out


def _jackknife(
    data: Sequence[np.ndarray], statistic: Statistic | Separable, j: int, batch: int | None
) -> np.ndarray:
    """The statistic with each value of sample ``j`` left out in turn (the others whole)."""
    x = data[j]
    n = x.size
    step = batch if batch is not None else _rows(n)
    others = [np.expand_dims(sample, -2) for sample in data]
    pieces = []
    for start in range(0, n, step):
        rows = min(step, n - start)
        keep = np.ones((rows, n), dtype=bool)
        np.fill_diagonal(keep[:, start : start + rows], False)
        index = np.broadcast_to(np.arange(n), (rows, n))[keep].reshape(rows, n - 1)
        samples = list(others)
        samples[j] = x[index]
        shape = np.broadcast_shapes(*(s.shape[:-1] for s in samples))
        broadcast = [np.broadcast_to(s, (*shape, s.shape[-1])) for s in samples]
        pieces.append(np.asarray(statistic(*broadcast, axis=-1)))
    return np.concatenate(pieces, axis=-1)


def _bca_levels(
    data: Sequence[np.ndarray],
    statistic: Statistic | Separable,
    distribution: np.ndarray,
    alpha: float,
    batch: int | None,
) -> tuple[float, float]:
    """Efron and Tibshirani's BCa levels (their eq. 14.10 and 14.15), as SciPy computes them."""
    from scipy.special import ndtr, ndtri

    theta_hat = float(statistic(*data, axis=-1))
    below = np.count_nonzero(distribution < theta_hat)
    upto = np.count_nonzero(distribution <= theta_hat)
    z0_hat = float(ndtri(float(below + upto) / (2 * distribution.size)))
    nums = []
    dens = []
    for j in range(len(data)):
        theta_i = _jackknife(data, statistic, j, batch)
        n = float(theta_i.shape[-1])
        u = (n - 1) * (np.mean(theta_i, axis=-1, keepdims=True) - theta_i)
        nums.append(np.sum(u**3, axis=-1) / n**3)
        dens.append(np.sum(u**2, axis=-1) / n**2)
    with np.errstate(divide="ignore", invalid="ignore"):
        a_hat = float(1 / 6 * sum(nums) / sum(dens) ** (3 / 2))
        z_alpha = float(ndtri(alpha))
        num1 = z0_hat + z_alpha
        alpha_1 = float(ndtr(z0_hat + num1 / (1 - a_hat * num1)))
        num2 = z0_hat - z_alpha
        alpha_2 = float(ndtr(z0_hat + num2 / (1 - a_hat * num2)))
    return alpha_1, alpha_2


def _quantiles(sorted_values: np.ndarray, levels: Sequence[float]) -> list[float]:
    """Hyndman and Fan's type 7 (linear) quantiles of sorted values; NaN outside [0, 1]."""
    n = float(sorted_values.size)
    out = []
    for p in levels:
        if not 0.0 <= p <= 1.0:
            out.append(math.nan)
            continue
        jg = p * n + (1 - p)
        j = jg // 1 - 1
        g = 0.0 if j < 0 else jg % 1
        lo = int(min(max(j, 0.0), n - 1))
        hi = int(min(max(jg // 1, 0.0), n - 1))
        out.append(float((1 - g) * sorted_values[lo] + g * sorted_values[hi]))
    return out


def bootstrap(
    data: Sequence[np.ndarray],
    statistic: Statistic | Separable,
    *,
    rng: np.random.Generator,
    n_resamples: int,
    confidence: float,
    batch: int | None = None,
) -> BootstrapResult:
    """A two-sided bootstrap interval: BCa, else percentile when BCa is undefined.

    Equal to ``scipy.stats.bootstrap(data, statistic, method="BCa", rng=rng, batch=batch,
    vectorized=True, axis=-1)`` and, where BCa's acceleration is 0/0 (NaN levels), to the same
    call with ``method="percentile"`` and a generator in the same state: both methods use the
    same resamples, which are drawn once.

    Example:
        >>> import numpy as np
        >>> r = bootstrap((np.array([1.0, 2.0, 3.0, 4.0]),), np.mean,
        ...               rng=np.random.default_rng(0), n_resamples=1000, confidence=0.95)
        >>> r.method, r.low < 2.5 < r.high
        ('BCa', True)
    """
    # Integer data (indices into the values, as a statistic of indices takes) stay integers.
    arrays = [
        x if np.issubdtype(x.dtype, np.integer) else x.astype(np.float64)
        for x in map(np.asarray, data)
    ]
    distribution = _distribution(arrays, statistic, rng, n_resamples, batch)
    alpha = (1 - confidence) / 2
    ordered = np.sort(distribution)
    standard_error = float(np.std(distribution, ddof=1))
    levels = _bca_levels(arrays, statistic, distribution, alpha, batch)
    low, high = _quantiles(ordered, levels)
    if math.isfinite(low) and math.isfinite(high):
        return BootstrapResult(low, high, "BCa", standard_error)
    low, high = _quantiles(ordered, (alpha, 1 - alpha))
    return BootstrapResult(low, high, "percentile", standard_error)
