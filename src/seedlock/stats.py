"""Statistics over seeds: bootstrap confidence intervals, IQM, probability of improvement, power.

Determinism contract: every bootstrap draws from a NumPy generator seeded with
``derive("seedlock.stats", <what>, seed=seed)`` (``seed=0`` unless given), so the same values give
the same intervals in every process and on every machine; no global RNG state is read or changed.
Bootstraps are NumPy-only (``seedlock._resample``, equal to ``scipy.stats.bootstrap`` draw for
draw); only ``scipy.special`` is imported, inside the functions that need it, never when this
module is imported.

Example:
    >>> from seedlock import stats
    >>> s = stats.summarize([0.81, 0.83, 0.82, 0.85, 0.80, 0.84], n_resamples=2000)
    >>> round(s.mean, 3), s.n
    (0.825, 6)
    >>> s.mean_ci.low < s.mean < s.mean_ci.high
    True
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field, replace
from typing import Any

import numpy as np

from seedlock._base.persist import jsonable
from seedlock._errors import SeedlockError, SeedlockTypeError
from seedlock._evp import ExpectedMax, expected_max
from seedlock._resample import Separable, bootstrap, check_options
from seedlock._seed import SeedLike, derive
from seedlock._stattests import mannwhitneyu, ttest_rel, welch, wilcoxon
from seedlock._variance import VarianceComponent, VarianceReport, variance_components

__all__ = [
    "Comparison",
    "ExpectedMax",
    "Interval",
    "PairImprovement",
    "Summary",
    "RULES",
    "TaskComparison",
    "TaskEstimate",
    "TaskProfile",
    "bouthillier_better",
    "compare",
    "compare_tasks",
    "decide",
    "expected_max",
    "holm",
    "iqm",
    "min_seeds_for_test",
    "permutation_pvalue",
    "probability_of_improvement",
    "seeds_needed",
    "summarize",
    "VarianceComponent",
    "VarianceReport",
    "variance_components",
]

_DEFAULT_RESAMPLES = 10_000
_RANK_BATCH = 500


@dataclass(frozen=True)
class Interval:
    """A confidence interval.

    Attributes:
        low: lower bound.
        high: upper bound.
        level: confidence level, e.g. ``0.95``.
        method: ``"BCa"``, ``"percentile"`` (BCa was degenerate for these values) or
            ``"degenerate"`` (every resample gives the same value, so the interval is a point).
    """

    low: float
    high: float
    level: float
    method: str

    def contains(self, value: float) -> bool:
        """Whether ``value`` lies inside the closed interval."""
        return self.low <= value <= self.high


@dataclass(frozen=True)
class Summary:
    """Per-metric summary over seeds (see :func:`summarize`)."""

    n: int
    mean: float
    std: float
    median: float
    min: float
    max: float
    iqm: float
    mean_ci: Interval
    iqm_ci: Interval

    def to_dict(self) -> dict[str, Any]:
        """A JSON-able dict."""
        data: dict[str, Any] = jsonable(asdict(self))
        return data


@dataclass(frozen=True)
class Comparison:
    """The comparison of two sets of per-seed values (see :func:`compare`).

    ``difference`` is always ``mean(A) - mean(B)``; ``prob_improvement`` is P(A better than B)
    in the direction given by ``higher_is_better``.
    """

    names: tuple[str, str]
    higher_is_better: bool
    n_a: int
    n_b: int
    mean_a: float
    mean_b: float
    std_a: float
    std_b: float
    iqm_a: float
    iqm_b: float
    difference: float
    difference_ci: Interval
    prob_improvement: float
    prob_improvement_ci: Interval
    welch_t: float
    welch_p: float
    mannwhitney_u: float
    mannwhitney_p: float
    cohens_d: float
    hedges_g: float
    seeds_needed: int | None
    better: str | None
    verdict: str
    design: str = "independent"
    test: str = "permutation"
    test_p: float = math.nan
    alpha: float = 0.05
    min_seeds: int = 4
    paired_t: float = math.nan
    paired_t_p: float = math.nan
    wilcoxon_w: float = math.nan
    wilcoxon_p: float = math.nan
    dropped: dict[str, Any] = field(default_factory=dict)
    rule: str = "permutation"
    gamma: float = 0.75
    rule_better: str | None = None
    test_better: str | None = None
    p_adjusted: float = math.nan
    family: int = 1

    def to_dict(self) -> dict[str, Any]:
        """A JSON-able dict (NaN and infinities become ``None``)."""
        data: dict[str, Any] = jsonable(asdict(self))
        return data


def _as_values(values: object, *, name: str = "values", caller: str = "summarize") -> np.ndarray:
    if isinstance(values, (str, bytes)):
        raise SeedlockTypeError(
            f"{caller}() {name} must be a sequence of numbers, got a {type(values).__name__}. "
            "Pass a list or array of per-seed values."
        )
    try:
        arr = np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise SeedlockTypeError(
            f"{caller}() {name} must be a sequence of numbers, got {type(values).__name__} "
            f"({exc}). Pass a list or array of per-seed values."
        ) from None
    if arr.ndim != 1:
        raise SeedlockError(
            f"{caller}() {name} must be one-dimensional (one value per seed), got shape "
            f"{arr.shape}. Flatten it or pass one metric at a time."
        )
    if arr.size < 2:
        raise SeedlockError(
            f"{caller}() needs at least 2 {name} (one per seed), got {arr.size}. "
            "Run more seeds: a spread cannot be estimated from one run."
        )
    bad = ~np.isfinite(arr)
    if bad.any():
        raise SeedlockError(
            f"{caller}() {name} must be finite, got {arr[bad][0]!r} at index "
            f"{int(np.flatnonzero(bad)[0])}. Drop failed runs before computing statistics."
        )
    return arr


def _iqm_axis(x: np.ndarray, axis: int = -1) -> np.ndarray:
    x = np.sort(np.moveaxis(np.asarray(x, dtype=np.float64), axis, -1), axis=-1)
    n = x.shape[-1]
    cut = int(0.25 * n)
    return np.asarray(x[..., cut : n - cut].mean(axis=-1))


def iqm(values: Sequence[float] | np.ndarray) -> float:
    """Interquartile mean: the mean of the middle 50% (25% trimmed from each end).

    Trims ``int(0.25 * n)`` values from each end, as ``scipy.stats.trim_mean(x, 0.25)`` and
    rliable do.

    Example:
        >>> iqm([1.0, 2.0, 3.0, 4.0, 100.0, -50.0, 5.0, 6.0])
        3.5
    """
    arr = _as_values(values, caller="iqm")
    return float(_iqm_axis(arr))


def _poi_axis(a: np.ndarray, b: np.ndarray) -> float:
    """P(a > b) + 0.5 P(a == b) over all pairs, counted against the sorted ``b``."""
    b_sorted = np.sort(np.asarray(b, dtype=np.float64))
    a = np.asarray(a, dtype=np.float64)
    below = np.searchsorted(b_sorted, a, side="left").sum()
    upto = np.searchsorted(b_sorted, a, side="right").sum()
    return float((below + 0.5 * (upto - below)) / (a.size * b_sorted.size))


def _poi_of_indices(a: np.ndarray, b: np.ndarray) -> Callable[..., np.ndarray]:
    """P(A > B) as a statistic of resampled *indices* into ``a`` and sorted ``b``.

    Bootstrapping indices lets each resample cost O(n + m) instead of a sort: for every ``a_i``
    the positions of ``a_i`` among the sorted ``b`` are found once, and a resample of ``b`` is
    then a count per position whose cumulative sum gives how many resampled ``b`` lie below.
    """
    b_sorted = np.sort(b)
    below = np.searchsorted(b_sorted, a, side="left")
    upto = np.searchsorted(b_sorted, a, side="right")
    m = b_sorted.size

    def statistic(ia: np.ndarray, ib: np.ndarray, axis: int = -1) -> np.ndarray:
        ia = np.moveaxis(np.asarray(ia), axis, -1).astype(np.intp, copy=False)
        ib = np.moveaxis(np.asarray(ib), axis, -1).astype(np.intp, copy=False)
        batch = np.broadcast_shapes(ia.shape[:-1], ib.shape[:-1])
        na, nb = ia.shape[-1], ib.shape[-1]
        flat_a = np.broadcast_to(ia, (*batch, na)).reshape(-1, na)
        flat_b = np.broadcast_to(ib, (*batch, nb)).reshape(-1, nb)
        rows = flat_b.shape[0]
        # Row r's counts live at r * (m + 1) + 1 + position, so a running sum over each row
        # (whose first cell stays 0) is "how many resampled b lie below position k".
        offsets = np.arange(rows, dtype=np.intp)[:, None] * (m + 1)
        counts = np.bincount((flat_b + (offsets + 1)).ravel(), minlength=rows * (m + 1))
        cumulative = np.cumsum(counts.reshape(rows, m + 1), axis=1).ravel()
        # Whole numbers throughout: 2 * wins = #less + #less-or-equal, exact in any order.
        twice = cumulative[offsets + below[flat_a]].sum(axis=1)
        twice += cumulative[offsets + upto[flat_a]].sum(axis=1)
        return np.asarray((twice / 2.0 / (na * nb)).reshape(batch))

    return statistic


def probability_of_improvement(
    a: Sequence[float] | np.ndarray,
    b: Sequence[float] | np.ndarray,
    *,
    higher_is_better: bool = True,
) -> float:
    """P(A > B) as rliable defines it: mean over all pairs of ``1[a > b] + 0.5 * 1[a == b]``.

    With ``higher_is_better=False`` it is P(A < B), the probability that A is better.

    Example:
        >>> probability_of_improvement([3.0, 4.0], [1.0, 3.0])
        0.875
    """
    xa = _as_values(a, name="values of A", caller="probability_of_improvement")
    xb = _as_values(b, name="values of B", caller="probability_of_improvement")
    if not higher_is_better:
        xa, xb = -xa, -xb
    return float(_poi_axis(xa, xb))


def _rng(seed: SeedLike, what: str) -> np.random.Generator:
    return np.random.default_rng(derive("seedlock.stats", what, seed=seed))


def _bootstrap(
    data: tuple[np.ndarray, ...],
    statistic: Callable[..., np.ndarray] | Separable,
    *,
    what: str,
    seed: SeedLike,
    confidence: float,
    n_resamples: int,
) -> Interval:
    """A bootstrap CI: BCa, else percentile when BCa is degenerate (see ``seedlock._resample``)."""
    point = float(statistic(*data, axis=-1))
    result = bootstrap(
        data,
        statistic,
        rng=_rng(seed, what),
        n_resamples=n_resamples,
        confidence=confidence,
        batch=_RANK_BATCH if what == "prob_improvement" else None,
    )
    if not (math.isfinite(result.low) and math.isfinite(result.high)):
        return Interval(point, point, confidence, "degenerate")
    if result.low == result.high == point and result.standard_error == 0.0:
        return Interval(point, point, confidence, "degenerate")
    return Interval(result.low, result.high, confidence, result.method)


def _check_options(confidence: float, n_resamples: int, caller: str) -> None:
    check_options(confidence, n_resamples, caller, fix=f"The default is {_DEFAULT_RESAMPLES}.")


def _mean_axis(x: np.ndarray, axis: int = -1) -> np.ndarray:
    return np.asarray(np.mean(x, axis=axis))


def summarize(
    values: Sequence[float] | np.ndarray,
    *,
    confidence: float = 0.95,
    n_resamples: int = _DEFAULT_RESAMPLES,
    seed: SeedLike = 0,
) -> Summary:
    """n, mean, std (ddof=1), median, min, max, IQM and bootstrap CIs of the mean and the IQM.

    Args:
        values: one value per seed (at least 2, all finite).
        confidence: level of the confidence intervals.
        n_resamples: bootstrap resamples.
        seed: seeds the bootstrap (through ``derive``), so the intervals are reproducible.

    Raises:
        SeedlockError: fewer than 2 values, non-finite values, bad options.

    Example:
        >>> s = summarize([1.0, 2.0, 3.0, 4.0], n_resamples=1000)
        >>> s.median, s.iqm, s.mean_ci.method
        (2.5, 2.5, 'BCa')
    """
    arr = _as_values(values)
    _check_options(confidence, n_resamples, "summarize")
    options: dict[str, Any] = {"seed": seed, "confidence": confidence, "n_resamples": n_resamples}
    return Summary(
        n=int(arr.size),
        mean=float(arr.mean()),
        std=float(arr.std(ddof=1)),
        median=float(np.median(arr)),
        min=float(arr.min()),
        max=float(arr.max()),
        iqm=float(_iqm_axis(arr)),
        mean_ci=_bootstrap((arr,), _mean_axis, what="mean", **options),
        iqm_ci=_bootstrap((arr,), _iqm_axis, what="iqm", **options),
    )


def _cohens_d(a: np.ndarray, b: np.ndarray) -> float:
    na, nb = a.size, b.size
    pooled = ((na - 1) * a.var(ddof=1) + (nb - 1) * b.var(ddof=1)) / (na + nb - 2)
    diff = float(a.mean() - b.mean())
    if pooled == 0.0:
        return 0.0 if diff == 0.0 else math.copysign(math.inf, diff)
    return diff / math.sqrt(pooled)


def _hedges_correction(df: int) -> float:
    """The exact small-sample correction J(df) = Γ(df/2) / (sqrt(df/2) Γ((df-1)/2))."""
    if df < 2:
        return math.nan
    return math.exp(math.lgamma(df / 2) - 0.5 * math.log(df / 2) - math.lgamma((df - 1) / 2))


def seeds_needed(
    effect_size: float,
    *,
    power: float = 0.8,
    alpha: float = 0.05,
    limit: int = 1_000_000,
    paired: bool = False,
) -> int | None:
    """Seeds per arm for a two-sided two-sample t-test to reach ``power`` at ``effect_size``.

    Exact power from the noncentral t distribution (equal arms, pooled variance), the smallest
    ``n`` per arm with power >= ``power``. With ``paired=True`` the design is a paired t-test on
    per-seed differences, ``effect_size`` is d_z = mean(diff) / sd(diff), and the result is the
    number of pairs. Returns ``None`` when the effect is zero or not finite, or when more than
    ``limit`` seeds would be needed.

    Example:
        >>> seeds_needed(0.5)
        64
        >>> seeds_needed(0.8)
        26
    """
    if not 0.0 < power < 1.0 or not 0.0 < alpha < 1.0:
        raise SeedlockError(
            f"seeds_needed() power and alpha must be in (0, 1), got power={power!r}, "
            f"alpha={alpha!r}. Use power=0.8, alpha=0.05."
        )
    d = abs(float(effect_size))
    if d == 0.0 or not math.isfinite(d):
        return None
    from scipy.special import nctdtr, ndtri, stdtrit

    def achieved(n: int) -> float:
        df = n - 1 if paired else 2 * n - 2
        nc = d * math.sqrt(n if paired else n / 2.0)
        crit = float(stdtrit(df, 1.0 - alpha / 2.0))
        upper = min(max(1.0 - float(nctdtr(df, nc, crit)), 0.0), 1.0)
        return upper + float(nctdtr(df, nc, -crit))

    z = float(ndtri(1.0 - alpha / 2.0) + ndtri(power))
    approx = (1.0 if paired else 2.0) * (z / d) ** 2
    if approx > limit:
        return None
    n = max(2, math.ceil(approx))
    while n > 2 and achieved(n - 1) >= power:
        n -= 1
    while achieved(n) < power:
        n += 1
        if n > limit:
            return None
    return n


_EXACT_LIMIT = 20_000
_PERM_BUDGET = 2_000_000


def min_seeds_for_test(*, alpha: float = 0.05, paired: bool = False) -> int:
    """The fewest seeds per arm (or pairs) with which the permutation test can reach ``alpha``.

    An exact permutation test on n seeds per arm has at most C(2n, n) distinct outcomes, so its
    smallest two-sided p-value is 2 / C(2n, n) (2 / 2**n for n pairs); below this n no data can
    give a verdict.

    Example:
        >>> min_seeds_for_test(), min_seeds_for_test(paired=True)
        (4, 6)
    """
    if not 0.0 < alpha < 1.0:
        raise SeedlockError(
            f"min_seeds_for_test() alpha must be in (0, 1), got {alpha!r}. Use alpha=0.05."
        )
    n = 1
    while True:
        outcomes = 2.0**n if paired else float(math.comb(2 * n, n))
        if 2.0 / outcomes <= alpha:
            return n
        n += 1


def _two_sided(stats: np.ndarray, observed: float, scale: float, extra: int) -> float:
    # scipy's definition: twice the smaller tail, ties up to rounding counted in both tails
    # (the test stays exact and unit-free); ``extra`` is 1 for a Monte-Carlo test.
    tol = 1e-9 * scale
    upper = int(np.count_nonzero(stats >= observed - tol))
    lower = int(np.count_nonzero(stats <= observed + tol))
    return min(1.0, 2.0 * (min(upper, lower) + extra) / (stats.size + extra))


def permutation_pvalue(
    a: Sequence[float] | np.ndarray,
    b: Sequence[float] | np.ndarray,
    *,
    paired: bool = False,
    n_resamples: int = 9_999,
    seed: SeedLike = 0,
) -> float:
    """Two-sided permutation p-value of the difference of means of A and B.

    Independent arms: the seeds' labels are shuffled between the arms; paired arms (``a[i]`` and
    ``b[i]`` ran the same seed): the sign of each per-seed difference is flipped. Exact (every
    relabelling enumerated) when there are at most 20,000 of them, else a seeded Monte-Carlo test
    counting (1 + #as extreme) / (1 + resamples), which is also valid. Two-sided p is twice the
    smaller tail, as in ``scipy.stats.permutation_test``. Under identical arms
    P(p <= alpha) <= alpha for every distribution and every n, and p does not change when all
    values are rescaled, which is why :func:`compare` decides with it.

    Example:
        >>> round(permutation_pvalue([0.81, 0.84, 0.83], [0.79, 0.80, 0.82]), 3)
        0.2
        >>> permutation_pvalue([1, 2, 3, 4, 5, 6], [0, 1, 2, 3, 4, 5], paired=True)
        0.03125
    """
    xa = np.asarray(a, dtype=np.float64).ravel()
    xb = np.asarray(b, dtype=np.float64).ravel()
    if xa.size < 1 or xb.size < 1 or not (np.isfinite(xa).all() and np.isfinite(xb).all()):
        raise SeedlockError(
            f"permutation_pvalue() needs finite values in both arms, got {xa.size} and "
            f"{xb.size} values. Drop or fix the NaN seeds first."
        )
    if n_resamples < 1:
        raise SeedlockError(
            f"permutation_pvalue() n_resamples must be >= 1, got {n_resamples!r}. Use 9999."
        )
    rng = _rng(seed, "permutation")
    if paired:
        if xa.size != xb.size:
            raise SeedlockError(
                f"permutation_pvalue(paired=True) needs as many values in a as in b, got "
                f"{xa.size} and {xb.size}. Pass paired=False for independent arms."
            )
        d = xa - xb
        scale = float(np.max(np.abs(d))) or 1.0
        observed = float(d.sum())
        if 2**d.size <= _EXACT_LIMIT:
            bits = (np.arange(2**d.size)[:, None] >> np.arange(d.size)) & 1
            sums = (1.0 - 2.0 * bits) @ d
            return _two_sided(sums, observed, scale * d.size, 0)
        reps = max(999, min(n_resamples, _PERM_BUDGET // d.size))
        signs = rng.integers(0, 2, size=(reps, d.size)) * 2.0 - 1.0
        sums = signs @ d
        return _two_sided(sums, observed, scale * d.size, 1)
    pooled = np.concatenate([xa, xb])
    na, total = xa.size, pooled.size
    scale = float(np.max(np.abs(pooled - pooled.mean()))) or 1.0
    grand = float(pooled.sum())

    def diffs(sum_a: np.ndarray) -> np.ndarray:
        return sum_a / na - (grand - sum_a) / xb.size

    observed = float(diffs(np.array(xa.sum())))
    if math.comb(total, na) <= _EXACT_LIMIT:
        from itertools import combinations

        index = np.fromiter(
            (i for combo in combinations(range(total), na) for i in combo), dtype=np.intp
        ).reshape(-1, na)
        stats = diffs(pooled[index].sum(axis=1))
        return _two_sided(stats, observed, scale, 0)
    reps = max(999, min(n_resamples, _PERM_BUDGET // total))
    shuffled = rng.permuted(np.broadcast_to(pooled, (reps, total)), axis=1)
    stats = diffs(shuffled[:, :na].sum(axis=1))
    return _two_sided(stats, observed, scale, 1)


def _fmt(value: float) -> str:
    return f"{value:.4g}"


def _signed(value: float) -> str:
    return f"{value:+.4g}"


RULES = ("permutation", "bouthillier", "both")
_DEFAULT_GAMMA = 0.75


def bouthillier_better(comparison: Comparison, *, gamma: float = _DEFAULT_GAMMA) -> str | None:
    """The arm Bouthillier et al. (2021)'s rule calls better, or ``None``.

    A is better when the CI of P(A better than B) lies above 0.5 (its lower bound > 0.5) and
    reaches ``gamma`` (its upper bound > ``gamma``); B is better in the mirror case (upper bound
    < 0.5 and lower bound < 1 - ``gamma``). The rule asks for a difference that is both
    reliable and meaningful; unlike the permutation test it has no guaranteed error rate.

    Example:
        >>> c = compare([0.90, 0.91, 0.92, 0.93], [0.80, 0.81, 0.82, 0.83], n_resamples=1000)
        >>> bouthillier_better(c), bouthillier_better(c, gamma=0.999)
        ('A', 'A')
    """
    _check_gamma(gamma, "bouthillier_better")
    ci = comparison.prob_improvement_ci
    if ci.low > 0.5 and ci.high > gamma:
        return comparison.names[0]
    if ci.high < 0.5 and ci.low < 1.0 - gamma:
        return comparison.names[1]
    return None


def _check_gamma(gamma: float, caller: str) -> None:
    if not 0.5 <= gamma <= 1.0:
        raise SeedlockError(
            f"{caller}() gamma must be in [0.5, 1], got {gamma!r}. Bouthillier et al. use 0.75."
        )


def holm(pvalues: Sequence[float]) -> list[float]:
    """Holm's step-down adjusted p-values, in the order given.

    Sorted ascending, the i-th smallest of m p-values becomes max over j <= i of
    min(1, (m - j + 1) p_(j)); a hypothesis is rejected at level alpha when its adjusted p is
    below alpha, which controls the family-wise error rate under any dependence.

    Example:
        >>> holm([0.01, 0.04, 0.03])
        [0.03, 0.06, 0.06]
    """
    values = [float(p) for p in pvalues]
    if any(not 0.0 <= p <= 1.0 for p in values):
        raise SeedlockError(f"holm() p-values must be in [0, 1], got {values!r}.")
    m = len(values)
    adjusted = [0.0] * m
    running = 0.0
    for rank, index in enumerate(sorted(range(m), key=lambda i: values[i])):
        running = max(running, min(1.0, (m - rank) * values[index]))
        adjusted[index] = running
    return adjusted


def _reachable(c: Comparison) -> bool:
    # Whole numbers: 2 / C(2n, n) as a float overflows at a thousand seeds per arm.
    if c.design == "paired":
        return bool(2**c.n_a >= 2.0 / c.alpha)
    return bool(math.comb(c.n_a + c.n_b, c.n_a) >= 2.0 / c.alpha)


def decide(
    comparison: Comparison,
    *,
    rule: str | None = None,
    gamma: float | None = None,
    p_adjusted: float | None = None,
    family: int = 1,
) -> Comparison:
    """The comparison with its verdict (``better``, ``verdict``) decided again.

    ``rule`` is ``"permutation"`` (the permutation test at ``alpha``; calibrated), ``"bouthillier"``
    (Bouthillier et al.'s rule on the CI of P(A better than B), see :func:`bouthillier_better`)
    or ``"both"`` (an arm is better only when both agree). ``p_adjusted`` replaces the test's
    p-value by one adjusted for a family of ``family`` tests (Holm, see :func:`holm`). Below the
    fewest seeds with which the permutation test can reach ``alpha`` every rule says "too few
    seeds to tell". An unset ``rule`` or ``gamma`` keeps the comparison's own; an unset
    ``p_adjusted`` is the test's own p.

    Example:
        >>> c = compare([0.90, 0.91, 0.92, 0.93], [0.80, 0.81, 0.82, 0.83], n_resamples=1000)
        >>> decide(c, p_adjusted=0.09, family=3).better is None
        True
    """
    c = comparison
    rule = c.rule if rule is None else rule
    gamma = c.gamma if gamma is None else gamma
    if rule not in RULES:
        raise SeedlockError(
            f"decide() rule must be one of {', '.join(RULES)}, got {rule!r}. The default "
            "'permutation' is calibrated; 'bouthillier' asks for a meaningful P(A>B)."
        )
    _check_gamma(gamma, "decide")
    p = c.test_p if p_adjusted is None else float(p_adjusted)
    names = c.names
    unit = "pairs" if c.design == "paired" else "seeds per arm"
    count = f"{c.n_a} pairs" if c.design == "paired" else f"{c.n_a} and {c.n_b} seeds"
    ci = c.difference_ci
    pct = round(ci.level * 100)
    gap = f"difference {_signed(c.difference)}, {pct}% CI [{_signed(ci.low)}, {_signed(ci.high)}]"
    needed = c.seeds_needed
    more = (
        f"; about {max(needed, c.min_seeds)} {unit} would detect a gap this size with 80% power"
        if needed is not None
        else ""
    )
    test = f"{c.design} permutation test p = {p:.3g}" + (
        f" (Holm-adjusted over {family} tests)" if family > 1 else ""
    )
    a_wins = (c.difference > 0) == c.higher_is_better
    by_test = (names[0] if a_wins else names[1]) if p < c.alpha else None
    by_rule = bouthillier_better(c, gamma=gamma)
    poi_ci = c.prob_improvement_ci
    rule_text = (
        f"Bouthillier et al. rule: P({names[0]} better) {pct}% CI [{poi_ci.low:.2f}, "
        f"{poi_ci.high:.2f}], gamma {gamma:g}"
    )
    decided = {"permutation": by_test, "bouthillier": by_rule}.get(
        rule, by_test if by_test == by_rule else None
    )
    common: dict[str, Any] = {
        "rule": rule,
        "gamma": gamma,
        "rule_better": by_rule,
        "test_better": by_test,
        "p_adjusted": p,
        "family": family,
    }
    if not _reachable(c):
        return replace(
            c,
            better=None,
            verdict=(
                f"too few seeds to tell: with {count} no outcome of the {c.design} permutation "
                f"test can reach p < {c.alpha:g}; at least {c.min_seeds} {unit} are needed "
                f"({gap}){more}."
            ),
            **common,
        )
    if decided is None:
        if rule == "permutation":
            why = f"the gap is within seed noise ({test}; {gap}){more}."
        elif rule == "bouthillier":
            why = f"{rule_text} does not lie above 0.5 and reach gamma ({test}; {gap}){more}."
        else:
            why = (
                f"the permutation test says {by_test or 'no difference'} and the {rule_text} "
                f"says {by_rule or 'no difference'}; both must agree ({test}; {gap}){more}."
            )
        return replace(c, better=None, verdict=f"no reliable difference: {why}", **common)
    worse = names[1] if decided == names[0] else names[0]
    poi_better = c.prob_improvement if decided == names[0] else 1.0 - c.prob_improvement
    by = {
        "permutation": "the permutation test",
        "bouthillier": "Bouthillier et al.'s rule",
        "both": "the permutation test and Bouthillier et al.'s rule",
    }[rule]
    return replace(
        c,
        better=decided,
        verdict=(
            f"{decided} is better: mean {_fmt(c.mean_a)} vs {_fmt(c.mean_b)} ({gap}; {test}); "
            f"P({decided} better than {worse}) = {poi_better:.2f}; decided by {by}."
        ),
        **common,
    )


def compare(
    a: Sequence[float] | np.ndarray,
    b: Sequence[float] | np.ndarray,
    *,
    higher_is_better: bool = True,
    names: tuple[str, str] = ("A", "B"),
    confidence: float = 0.95,
    n_resamples: int = _DEFAULT_RESAMPLES,
    seed: SeedLike = 0,
    paired: bool = False,
    rule: str = "permutation",
    gamma: float = _DEFAULT_GAMMA,
) -> Comparison:
    """Compare per-seed values of A and B: is the difference more than seed noise?

    Computes the difference of means with a bootstrap CI (BCa where valid), the probability of
    improvement P(A better than B) with a bootstrap CI, Welch's t-test, the Mann-Whitney U test,
    Cohen's d and Hedges' g (pooled standard deviation), and the seeds per arm a t-test needs
    for 80% power at the observed effect.

    The verdict is decided by a permutation test of the difference of means at
    ``alpha = 1 - confidence`` (:func:`permutation_pvalue`: exact under identical arms for every
    distribution and sample size, and unit-free); the bootstrap intervals only describe. When
    the arms have too few seeds for the test to ever reach ``alpha``, the verdict says so and
    how many seeds are needed. With ``paired=True`` (``a[i]`` and ``b[i]`` ran the same seed)
    the test flips the signs of per-seed differences, the difference CI is a paired bootstrap,
    the paired t-test and Wilcoxon signed-rank test are added, and seeds needed are pairs.

    ``rule="bouthillier"`` decides by Bouthillier et al. (2021)'s rule instead (the CI of
    P(A better than B) lies above 0.5 and its upper bound exceeds ``gamma``), ``rule="both"``
    asks both to agree; whatever the rule, ``test_better`` and ``rule_better`` give what each
    criterion says on its own (see :func:`decide`).

    Raises:
        SeedlockError: fewer than 2 values in an arm, non-finite values, bad options, or
            ``paired=True`` with arms of different lengths.

    Example:
        >>> c = compare([0.90, 0.91, 0.92, 0.93], [0.80, 0.81, 0.82, 0.83], n_resamples=1000)
        >>> c.better, round(c.difference, 3), c.prob_improvement
        ('A', 0.1, 1.0)
    """
    xa = _as_values(a, name="values of A", caller="compare")
    xb = _as_values(b, name="values of B", caller="compare")
    _check_options(confidence, n_resamples, "compare")
    if len(names) != 2 or not all(isinstance(n, str) and n for n in names):
        raise SeedlockError(
            f"compare() names must be two non-empty strings, got {names!r}. "
            "Pass names=('adam', 'sgd')."
        )
    options: dict[str, Any] = {"seed": seed, "confidence": confidence, "n_resamples": n_resamples}
    if rule not in RULES:
        raise SeedlockError(
            f"compare() rule must be one of {', '.join(RULES)}, got {rule!r}. Use 'permutation'."
        )
    _check_gamma(gamma, "compare")
    if paired and xa.size != xb.size:
        raise SeedlockError(
            f"compare(paired=True) needs one value per seed in both arms, got {xa.size} and "
            f"{xb.size} values. Pass paired=False for independent arms."
        )
    sign = 1.0 if higher_is_better else -1.0
    if paired:
        diff_ci = _bootstrap((xa - xb,), _mean_axis, what="paired difference", **options)
    else:
        diff_ci = _bootstrap(
            (xa, xb), Separable((_mean_axis, _mean_axis), np.subtract), what="difference", **options
        )
    poi = float(_poi_axis(sign * xa, sign * xb))
    poi_ci = _bootstrap(
        (np.arange(xa.size), np.arange(xb.size)),
        _poi_of_indices(sign * xa, sign * xb),
        what="prob_improvement",
        **options,
    )
    # Both arms constant: the t statistic is 0/0, reported as NaN.
    welch_t, welch_p = welch(xa, xb)
    mannwhitney_u, mannwhitney_p = mannwhitneyu(xa, xb)
    d = _cohens_d(xa, xb)
    g = d * _hedges_correction(xa.size + xb.size - 2)
    alpha = 1.0 - confidence
    paired_t = paired_t_p = wilcoxon_w = wilcoxon_p = math.nan
    if paired:
        design = "paired"
        diffs = xa - xb
        sd = float(diffs.std(ddof=1))
        mean_d = float(diffs.mean())
        dz = (0.0 if mean_d == 0.0 else math.copysign(math.inf, mean_d)) if sd == 0 else mean_d / sd
        needed = seeds_needed(dz, alpha=alpha, paired=True)
        paired_t, paired_t_p = ttest_rel(xa, xb)
        if np.any(diffs != 0.0):
            wilcoxon_w, wilcoxon_p = wilcoxon(xa, xb)
    else:
        design = "independent"
        needed = seeds_needed(d, alpha=alpha)
    min_n = min_seeds_for_test(alpha=alpha, paired=paired)
    test_p = permutation_pvalue(xa, xb, paired=paired, seed=seed)
    mean_a, mean_b = float(xa.mean()), float(xb.mean())
    diff = mean_a - mean_b
    comparison = Comparison(
        names=(names[0], names[1]),
        higher_is_better=higher_is_better,
        n_a=int(xa.size),
        n_b=int(xb.size),
        mean_a=mean_a,
        mean_b=mean_b,
        std_a=float(xa.std(ddof=1)),
        std_b=float(xb.std(ddof=1)),
        iqm_a=float(_iqm_axis(xa)),
        iqm_b=float(_iqm_axis(xb)),
        difference=diff,
        difference_ci=diff_ci,
        prob_improvement=poi,
        prob_improvement_ci=poi_ci,
        welch_t=welch_t,
        welch_p=welch_p,
        mannwhitney_u=mannwhitney_u,
        mannwhitney_p=mannwhitney_p,
        cohens_d=d,
        hedges_g=g,
        seeds_needed=needed,
        better=None,
        verdict="",
        design=design,
        test=f"{design} permutation test of the difference of means",
        test_p=test_p,
        alpha=alpha,
        min_seeds=min_n,
        paired_t=paired_t,
        paired_t_p=paired_t_p,
        wilcoxon_w=wilcoxon_w,
        wilcoxon_p=wilcoxon_p,
    )
    return decide(comparison, rule=rule, gamma=gamma)


# Runs x tasks (rliable's aggregates) live in their own module; public here.
from seedlock._tasks import (  # noqa: E402
    PairImprovement,
    TaskComparison,
    TaskEstimate,
    TaskProfile,
    compare_tasks,
)
