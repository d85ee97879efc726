"""The verdict of ``compare``: calibrated under the null, unit-free, paired when seeds match."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats as sps

from seedlock._errors import SeedlockError
from seedlock.stats import compare, min_seeds_for_test, permutation_pvalue, seeds_needed

ISSUE_A = [0.81, 0.84, 0.83]
ISSUE_B = [0.79, 0.80, 0.82]


def _draw(rng: np.random.Generator, kind: str, n: int) -> np.ndarray:
    if kind == "normal":
        return rng.normal(0.8, 0.02, n)
    if kind == "lognormal":
        return rng.lognormal(0.0, 1.0, n)
    return np.where(rng.random(n) < 0.3, rng.normal(0.2, 0.01, n), rng.normal(0.9, 0.01, n))


def _says_better(a: np.ndarray, b: np.ndarray, seed: int) -> bool:
    # The rule compare() applies: a reachable permutation test at p < 0.05.
    reachable = 2.0 / math.comb(a.size + b.size, a.size) <= 0.05
    return reachable and permutation_pvalue(a, b, n_resamples=499, seed=seed) < 0.05


@pytest.mark.parametrize("kind", ["normal", "lognormal", "bimodal"])
def test_a_better_verdict_under_identical_arms_is_at_most_five_percent(kind: str) -> None:
    rng = np.random.default_rng(12)
    reps, sizes = 150, (3, 5, 10, 20, 50)
    total = 0
    for n in sizes:
        hits = sum(
            _says_better(_draw(rng, kind, n), _draw(rng, kind, n), seed) for seed in range(reps)
        )
        total += hits
        # 5% plus four Monte-Carlo standard errors of one 150-repetition rate (15 cells).
        assert hits / reps <= 0.05 + 4 * math.sqrt(0.05 * 0.95 / reps), (kind, n, hits)
    all_reps = reps * len(sizes)
    assert total / all_reps <= 0.05 + 3 * math.sqrt(0.05 * 0.95 / all_reps), (kind, total)


def test_compare_itself_stays_calibrated_under_the_null() -> None:
    rng = np.random.default_rng(7)
    wins = sum(
        compare(rng.normal(size=8), rng.normal(size=8), n_resamples=200, seed=i).better is not None
        for i in range(60)
    )
    assert wins <= 8  # 5% of 60 is 3; 8 is beyond three standard errors


def test_the_issue_example_is_too_thin_and_says_how_many_seeds_are_needed() -> None:
    c = compare(ISSUE_A, ISSUE_B, n_resamples=500)
    assert c.better is None
    assert c.verdict.startswith("too few seeds to tell")
    assert "at least 4 seeds per arm" in c.verdict
    assert c.min_seeds == 4 and c.design == "independent"


@pytest.mark.parametrize("factor", [1000.0, 1e-3, 7.5])
def test_the_verdict_does_not_depend_on_units(factor: float) -> None:
    rng = np.random.default_rng(3)
    for _ in range(10):
        a, b = rng.normal(0.8, 0.02, 6), rng.normal(0.79, 0.02, 6)
        base = compare(a, b, n_resamples=200)
        scaled = compare(a * factor, b * factor, n_resamples=200)
        assert scaled.better == base.better
        assert scaled.test_p == pytest.approx(base.test_p)
    scaled_issue = compare([v * 1000 for v in ISSUE_A], [v * 1000 for v in ISSUE_B])
    assert scaled_issue.better is None and scaled_issue.verdict.startswith("too few")


def test_exact_permutation_pvalue_equals_scipy() -> None:
    rng = np.random.default_rng(1)
    a, b = rng.normal(size=5), rng.normal(0.8, size=6)
    ref = sps.permutation_test(
        (a, b),
        lambda x, y, axis: np.mean(x, axis=axis) - np.mean(y, axis=axis),
        permutation_type="independent",
        n_resamples=np.inf,
        vectorized=True,
        alternative="two-sided",
    )
    assert permutation_pvalue(a, b) == pytest.approx(ref.pvalue)


def test_exact_paired_permutation_pvalue_equals_scipy() -> None:
    rng = np.random.default_rng(2)
    a = rng.normal(size=9)
    b = a - 0.4 + 0.3 * rng.normal(size=9)
    ref = sps.permutation_test(
        (a, b),
        lambda x, y, axis: np.mean(x - y, axis=axis),
        permutation_type="samples",
        n_resamples=np.inf,
        vectorized=True,
        alternative="two-sided",
    )
    assert permutation_pvalue(a, b, paired=True) == pytest.approx(ref.pvalue)


def test_monte_carlo_permutation_pvalue_is_close_to_welch_for_large_normal_arms() -> None:
    rng = np.random.default_rng(4)
    a, b = rng.normal(0.1, 1, 400), rng.normal(0, 1, 400)
    p = permutation_pvalue(a, b, seed=1)
    assert p == pytest.approx(float(sps.ttest_ind(a, b).pvalue), abs=0.03)
    assert p == permutation_pvalue(a, b, seed=1)  # seeded


def test_min_seeds_is_the_first_n_whose_best_p_reaches_alpha() -> None:
    assert 2 / math.comb(6, 3) > 0.05 >= 2 / math.comb(8, 4)
    assert min_seeds_for_test() == 4
    assert 2 / 2**5 > 0.05 >= 2 / 2**6
    assert min_seeds_for_test(paired=True) == 6
    assert min_seeds_for_test(alpha=0.01) == 5  # 2/C(10,5) = 0.0079
    with pytest.raises(SeedlockError, match="alpha"):
        min_seeds_for_test(alpha=0)


def test_paired_compare_adds_paired_t_and_wilcoxon_equal_to_scipy() -> None:
    rng = np.random.default_rng(5)
    a = rng.normal(0.8, 0.05, 10)
    b = a - 0.01 + 0.004 * rng.normal(size=10)
    c = compare(a, b, paired=True, n_resamples=500)
    assert c.design == "paired" and c.better == "A"
    t = sps.ttest_rel(a, b)
    w = sps.wilcoxon(a, b)
    assert (c.paired_t, c.paired_t_p) == (pytest.approx(t.statistic), pytest.approx(t.pvalue))
    assert (c.wilcoxon_w, c.wilcoxon_p) == (pytest.approx(w.statistic), pytest.approx(w.pvalue))
    assert c.difference_ci.low < c.difference < c.difference_ci.high
    unpaired = compare(a, b, n_resamples=500)
    assert unpaired.better is None  # the same data without pairing is within seed noise


def test_paired_seeds_needed_matches_the_noncentral_t_power_of_a_one_sample_test() -> None:
    for dz in (0.3, 0.8, 1.5):
        n = seeds_needed(dz, paired=True)
        assert n is not None

        def power(k: int, d: float = dz) -> float:
            crit = sps.t.ppf(0.975, k - 1)
            nc = d * math.sqrt(k)
            return float(sps.nct.sf(crit, k - 1, nc) + sps.nct.cdf(-crit, k - 1, nc))

        assert power(n) >= 0.8 and (n == 2 or power(n - 1) < 0.8)
    assert seeds_needed(0.5, paired=True) == 34  # G*Power: d_z=0.5, two-sided, 80% -> 34


def test_paired_compare_needs_equal_lengths() -> None:
    with pytest.raises(SeedlockError, match="paired=False"):
        compare([1.0, 2.0, 3.0], [1.0, 2.0], paired=True)
