"""Classical two-sample tests without ``scipy.stats``: Welch, paired t, Mann-Whitney U, Wilcoxon.

Determinism contract: every function is a pure function of its input. The tests follow the
definitions and the method choices of SciPy's ``ttest_ind(equal_var=False)``, ``ttest_rel``,
``mannwhitneyu`` and ``wilcoxon`` (defaults, ``alternative="two-sided"``): exact null
distributions where SciPy uses them (computed here by exact integer counting), the normal
approximation with SciPy's tie and continuity corrections elsewhere. Only ``scipy.special`` is
imported (for the t and normal distribution functions), a fraction of ``scipy.stats``'s cost.
"""

from __future__ import annotations

import math

import numpy as np

__all__ = ["mannwhitneyu", "student_t_sf", "ttest_rel", "welch", "wilcoxon"]


def student_t_sf(t: float, df: float) -> float:
    """P(T > t) for Student's t with ``df`` degrees of freedom."""
    from scipy.special import stdtr

    return float(stdtr(df, -t))


def _var(x: np.ndarray) -> float:
    centred = x - x.mean()
    return float(np.mean(centred**2) * (x.size / (x.size - 1)))


def welch(a: np.ndarray, b: np.ndarray) -> tuple[float, float]:
    """Welch's unequal-variance t statistic and its two-sided p-value (NaN when both are 0/0)."""
    vn1, vn2 = _var(a) / a.size, _var(b) / b.size
    with np.errstate(divide="ignore", invalid="ignore"):
        df = np.float64(vn1 + vn2) ** 2 / (vn1**2 / (a.size - 1) + vn2**2 / (b.size - 1))
        df = 1.0 if math.isnan(df) else float(df)
        t = float(np.divide(np.float64(a.mean() - b.mean()), math.sqrt(vn1 + vn2)))
    return t, 2 * student_t_sf(abs(t), df) if not math.isnan(t) else math.nan


def ttest_rel(a: np.ndarray, b: np.ndarray) -> tuple[float, float]:
    """The paired t statistic of ``a - b`` and its two-sided p-value."""
    d = a - b
    with np.errstate(divide="ignore", invalid="ignore"):
        t = float(np.divide(np.float64(d.mean()), math.sqrt(_var(d) / d.size)))
    return t, 2 * student_t_sf(abs(t), d.size - 1) if not math.isnan(t) else math.nan


def _average_ranks(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Average ranks (1-based) and the size of each group of tied values."""
    order = np.argsort(x, kind="stable")
    ordered = x[order]
    first = np.concatenate([[True], ordered[:-1] != ordered[1:]])
    starts = np.flatnonzero(first)
    counts = np.diff(np.append(starts, x.size))
    ranks = np.empty(x.size)
    ranks[order] = np.repeat(starts + 1 + (counts - 1) / 2.0, counts)
    return ranks, counts


def _normal_sf(z: float) -> float:
    from scipy.special import ndtr

    return float(ndtr(-z))


def _gaussian_binomial_head(m: int, n: int, top: int) -> list[int]:
    """Coefficients 0..top of the q-binomial [m + n choose m]: the null counts of U."""
    poly = np.zeros(top + 1, dtype=object)
    poly[:] = 0
    poly[0] = 1
    for i in range(1, m + 1):
        k = n + i
        if k <= top:
            poly[k:] = poly[k:] - poly[: top + 1 - k]
        # Divide by (1 - q^i): each residue class mod i is a running sum.
        width = -(-(top + 1) // i) * i
        padded = np.zeros(width, dtype=object)
        padded[:] = 0
        padded[: top + 1] = poly
        poly = np.cumsum(padded.reshape(-1, i), axis=0).reshape(-1)[: top + 1]
    return [int(v) for v in poly]


def mannwhitneyu(a: np.ndarray, b: np.ndarray) -> tuple[float, float]:
    """The U statistic of ``a`` and the two-sided p-value (exact for small arms without ties)."""
    n1, n2 = a.size, b.size
    ranks, counts = _average_ranks(np.concatenate([a, b]))
    u1 = float(ranks[:n1].sum() - n1 * (n1 + 1) / 2)
    u = max(u1, n1 * n2 - u1)
    ties = bool(np.any(counts > 1))
    if (n1 > 8 and n2 > 8) or ties:
        n = n1 + n2
        tie_term = float(np.sum(counts.astype(np.float64) ** 3 - counts))
        s = math.sqrt(n1 * n2 / 12 * ((n + 1) - tie_term / (n * (n - 1))))
        numerator = u - n1 * n2 / 2 - 0.5
        z = numerator / s if s > 0 else math.copysign(math.inf, numerator)
        p = 2 * _normal_sf(z)
    else:
        # P(U >= u) = P(U <= n1 n2 - u) by symmetry: count the lower tail exactly.
        tail = n1 * n2 - int(u)
        heads = _gaussian_binomial_head(min(n1, n2), max(n1, n2), tail)
        p = 2 * (sum(heads) / math.comb(n1 + n2, n1))
    return u1, min(max(p, 0.0), 1.0)


def _signed_rank_counts(n: int) -> np.ndarray:
    """How many of the 2**n sign patterns give each sum of positive ranks 0..n(n+1)/2."""
    counts = np.zeros(n * (n + 1) // 2 + 1, dtype=np.int64)
    counts[0] = 1
    for i in range(1, n + 1):
        counts[i:] = counts[i:] + counts[:-i].copy()
    return counts


def wilcoxon(a: np.ndarray, b: np.ndarray) -> tuple[float, float]:
    """The Wilcoxon signed-rank statistic min(R+, R-) of ``a - b`` and its two-sided p-value.

    Zero differences are dropped from the ranking (``zero_method="wilcox"``); the p-value is
    exact without ties or zeros up to 50 pairs, exact over all sign flips with ties or zeros up
    to 13 pairs, and normal with the tie correction (no continuity correction, SciPy's default)
    otherwise, as SciPy chooses.
    """
    d = a - b
    nonzero = d[d != 0]
    count = nonzero.size
    ranks, groups = _average_ranks(np.abs(nonzero))
    r_plus = float(np.sum(ranks[nonzero > 0]))
    r_minus = float(np.sum(ranks[nonzero < 0]))
    statistic = min(r_plus, r_minus)
    ties = bool(np.any(groups > 1))
    zeros = count < d.size
    if d.size <= 50 and not (ties or zeros):
        counts = _signed_rank_counts(count)
        total = 2**count
        upper = int(counts[math.floor(r_plus) :].sum())
        lower = int(counts[: math.ceil(r_plus) + 1].sum())
        return statistic, min(1.0, 2 * min(upper, lower) / total)
    if d.size <= 13:
        # Every sign pattern of the differences (zeros stay zeros), as scipy's exact
        # permutation test does; R+ of a pattern is the sum of the ranks made positive.
        bits = (np.arange(2**d.size)[:, None] >> np.arange(d.size)) & 1
        full = np.zeros(d.size)
        full[d != 0] = ranks
        null = np.where(bits == 1, 1.0, 0.0) @ full
        gamma = abs(100 * np.finfo(np.float64).eps * r_plus)
        less = np.count_nonzero(null <= r_plus + gamma) / null.size
        greater = np.count_nonzero(null >= r_plus - gamma) / null.size
        return statistic, min(1.0, 2 * min(less, greater))
    mn = count * (count + 1.0) * 0.25
    se = count * (count + 1.0) * (2.0 * count + 1.0)
    tie_correct = float(np.sum(groups.astype(np.float64) ** 3 - groups))
    se = math.sqrt((se - tie_correct / 2) / 24)
    with np.errstate(divide="ignore", invalid="ignore"):
        z = float(np.divide(np.float64(r_plus - mn), se))
    return statistic, 2 * _normal_sf(abs(z))
