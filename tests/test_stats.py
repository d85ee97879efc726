"""seedlock.stats against independent computations (numpy/scipy references, rliable's formulas).

Tolerances: closed-form numbers (mean, std, t, U, d) agree to 1e-12 relative; bootstrap intervals
are compared with scipy's own bootstrap under the documented seeding (exact) and with a
textbook t-interval (within 15% of its width); seeds-needed matches G*Power/statsmodels tables.
"""

from __future__ import annotations

import math
import subprocess
import sys
import warnings

import numpy as np
import pytest

from seedlock import stats
from seedlock._errors import SeedlockError, SeedlockTypeError
from seedlock._seed import derive

scipy_stats = pytest.importorskip("scipy.stats")

A = np.array([0.842, 0.851, 0.838, 0.860, 0.847, 0.855, 0.839, 0.849, 0.853, 0.844, 0.858, 0.841])
B = np.array([0.831, 0.840, 0.829, 0.846, 0.835, 0.838, 0.827, 0.851, 0.833, 0.842])
TIES_A = np.array([1.0, 2.0, 2.0, 3.0, 3.0, 3.0])
TIES_B = np.array([2.0, 2.0, 3.0, 1.0, 0.0])


def _pairwise_poi(a: np.ndarray, b: np.ndarray) -> float:
    """rliable's definition, written out: mean over pairs of 1[a>b] + 0.5*1[a==b]."""
    total = 0.0
    for x in a:
        for y in b:
            total += 1.0 if x > y else 0.5 if x == y else 0.0
    return total / (len(a) * len(b))


def test_summary_matches_numpy_and_scipy_trim_mean() -> None:
    s = stats.summarize(A, n_resamples=1000)
    assert s.n == A.size
    assert s.mean == pytest.approx(np.mean(A), rel=1e-12)
    assert s.std == pytest.approx(np.std(A, ddof=1), rel=1e-12)
    assert s.median == pytest.approx(np.median(A), rel=1e-12)
    assert (s.min, s.max) == (A.min(), A.max())
    assert s.iqm == pytest.approx(scipy_stats.trim_mean(A, 0.25), rel=1e-12)


@pytest.mark.parametrize("n", [2, 3, 4, 5, 7, 8, 13])
def test_iqm_equals_rliable_trimmed_mean_for_every_size(n: int) -> None:
    values = np.random.default_rng(n).normal(size=n)
    assert stats.iqm(values) == pytest.approx(scipy_stats.trim_mean(values, 0.25), rel=1e-12)


def test_mean_ci_is_scipy_bca_bootstrap_under_the_documented_seed() -> None:
    s = stats.summarize(A, n_resamples=2000, seed=5)
    ref = scipy_stats.bootstrap(
        (A,),
        np.mean,
        n_resamples=2000,
        method="BCa",
        rng=np.random.default_rng(derive("seedlock.stats", "mean", seed=5)),
    ).confidence_interval
    assert s.mean_ci.method == "BCa"
    assert (s.mean_ci.low, s.mean_ci.high) == pytest.approx((ref.low, ref.high), rel=1e-12)


def test_mean_ci_agrees_with_a_t_interval_on_normal_data() -> None:
    values = np.random.default_rng(1).normal(10.0, 2.0, size=60)
    s = stats.summarize(values, n_resamples=4000)
    half = scipy_stats.t.ppf(0.975, values.size - 1) * values.std(ddof=1) / math.sqrt(values.size)
    width = 2 * half
    assert s.mean_ci.low == pytest.approx(values.mean() - half, abs=0.15 * width)
    assert s.mean_ci.high == pytest.approx(values.mean() + half, abs=0.15 * width)
    assert s.iqm_ci.contains(s.iqm)


def test_intervals_are_reproducible_and_depend_on_the_seed() -> None:
    first = stats.summarize(A, n_resamples=1000, seed=3)
    assert stats.summarize(A, n_resamples=1000, seed=3) == first
    assert stats.summarize(A, n_resamples=1000, seed=4).mean_ci != first.mean_ci


def test_bootstrap_falls_back_to_percentile_when_bca_is_degenerate() -> None:
    # Every jackknife IQM equals 1, so BCa's acceleration is 0/0; resamples still vary.
    s = stats.summarize([1, 1, 1, 1, 1, 1, 1, 9], n_resamples=1000)
    assert s.iqm_ci.method == "percentile"
    assert s.iqm_ci.low == 1.0 and s.iqm_ci.high > 1.0


def test_constant_values_give_a_point_interval() -> None:
    s = stats.summarize([0.5, 0.5, 0.5], n_resamples=1000)
    assert (s.mean_ci.low, s.mean_ci.high, s.mean_ci.method) == (0.5, 0.5, "degenerate")
    assert s.std == 0.0


@pytest.mark.parametrize(("a", "b"), [(A, B), (TIES_A, TIES_B), (B, A)])
def test_probability_of_improvement_is_rliables_pairwise_mean(a: np.ndarray, b: np.ndarray) -> None:
    expected = _pairwise_poi(a, b)
    assert stats.probability_of_improvement(a, b) == pytest.approx(expected, abs=1e-12)
    lower = stats.probability_of_improvement(a, b, higher_is_better=False)
    assert lower == pytest.approx(_pairwise_poi(-a, -b), abs=1e-12)


def test_compare_tests_and_effect_sizes_match_textbook_formulas() -> None:
    c = stats.compare(A, B, n_resamples=1000)
    na, nb = A.size, B.size
    va, vb = A.var(ddof=1), B.var(ddof=1)
    t = (A.mean() - B.mean()) / math.sqrt(va / na + vb / nb)
    df = (va / na + vb / nb) ** 2 / ((va / na) ** 2 / (na - 1) + (vb / nb) ** 2 / (nb - 1))
    assert c.welch_t == pytest.approx(t, rel=1e-12)
    assert c.welch_p == pytest.approx(2 * scipy_stats.t.sf(abs(t), df), rel=1e-9)
    u = _pairwise_poi(A, B) * na * nb
    assert c.mannwhitney_u == pytest.approx(u, rel=1e-12)
    assert c.mannwhitney_p == pytest.approx(
        scipy_stats.mannwhitneyu(A, B, alternative="two-sided").pvalue, rel=1e-12
    )
    pooled = math.sqrt(((na - 1) * va + (nb - 1) * vb) / (na + nb - 2))
    d = (A.mean() - B.mean()) / pooled
    assert c.cohens_d == pytest.approx(d, rel=1e-12)
    # Hedges' approximation 1 - 3/(4 df - 1) of the exact correction is good to ~1e-4 here.
    assert c.hedges_g == pytest.approx(d * (1 - 3 / (4 * (na + nb - 2) - 1)), rel=1e-3)
    assert c.difference == pytest.approx(A.mean() - B.mean(), rel=1e-12)
    assert (c.mean_a, c.mean_b, c.n_a, c.n_b) == (
        pytest.approx(A.mean()),
        pytest.approx(B.mean()),
        na,
        nb,
    )


def test_difference_ci_agrees_with_a_plain_numpy_percentile_bootstrap() -> None:
    c = stats.compare(A, B, n_resamples=4000)
    rng = np.random.default_rng(123)
    ia = rng.integers(0, A.size, size=(4000, A.size))
    ib = rng.integers(0, B.size, size=(4000, B.size))
    diffs = A[ia].mean(axis=1) - B[ib].mean(axis=1)
    low, high = np.percentile(diffs, [2.5, 97.5])
    width = high - low
    assert c.difference_ci.method == "BCa"
    assert c.difference_ci.low == pytest.approx(low, abs=0.15 * width)
    assert c.difference_ci.high == pytest.approx(high, abs=0.15 * width)
    assert c.prob_improvement_ci.contains(c.prob_improvement)


@pytest.mark.parametrize(("d", "expected"), [(0.2, 394), (0.5, 64), (0.8, 26), (1.0, 17), (2.0, 6)])
def test_seeds_needed_matches_power_tables(d: float, expected: int) -> None:
    # Reference: G*Power / statsmodels TTestIndPower().solve_power(d, power=0.8, alpha=0.05),
    # rounded up: 393.4, 63.77, 25.52, 16.71, 5.10.
    assert stats.seeds_needed(d) == expected
    assert stats.seeds_needed(-d) == expected


def test_seeds_needed_is_none_without_an_effect() -> None:
    assert stats.seeds_needed(0.0) is None
    assert stats.seeds_needed(math.inf) is None


def test_verdict_names_the_better_arm_when_the_ci_excludes_zero() -> None:
    c = stats.compare(A, B, names=("adam", "sgd"), n_resamples=1000)
    assert c.better == "adam"
    assert c.verdict.startswith("adam is better")
    assert not c.difference_ci.contains(0.0)
    lower = stats.compare(A, B, names=("adam", "sgd"), higher_is_better=False, n_resamples=1000)
    assert lower.better == "sgd"
    assert lower.prob_improvement == pytest.approx(1 - c.prob_improvement)


def test_verdict_says_seed_noise_when_the_ci_includes_zero() -> None:
    rng = np.random.default_rng(7)
    a, b = rng.normal(0.0, 1.0, 8), rng.normal(0.05, 1.0, 8)
    c = stats.compare(a, b, n_resamples=1000)
    assert c.difference_ci.contains(0.0)
    assert c.better is None
    assert c.verdict.startswith("no reliable difference: the gap is within seed noise")
    assert f"{c.seeds_needed} seeds per arm" in c.verdict


def test_to_dict_is_json_safe() -> None:
    import json

    c = stats.compare([1.0, 1.0], [1.0, 1.0], n_resamples=200)
    data = json.loads(json.dumps(c.to_dict(), allow_nan=False))
    assert data["welch_t"] is None
    assert data["difference_ci"]["method"] == "degenerate"


@pytest.mark.parametrize("values", [[], [0.5], [0.5, float("nan")], [[1.0, 2.0], [3.0, 4.0]]])
def test_bad_values_are_clear_errors(values: list[object]) -> None:
    with pytest.raises(SeedlockError, match="summarize"):
        stats.summarize(values)


def test_wrong_types_are_type_errors() -> None:
    with pytest.raises(SeedlockTypeError):
        stats.summarize("0.5, 0.6")
    with pytest.raises(SeedlockTypeError):
        stats.compare([1.0, 2.0], ["a", "b"])


def test_importing_stats_does_not_import_scipy_or_matplotlib() -> None:
    code = (
        "import sys, seedlock.stats; "
        "print(sorted(m for m in ('scipy', 'matplotlib') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_bootstrap_poi_statistic_equals_the_pairwise_definition_on_every_resample() -> None:
    from seedlock.stats import _poi_of_indices

    statistic = _poi_of_indices(TIES_A, TIES_B)
    b_sorted = np.sort(TIES_B)
    rng = np.random.default_rng(0)
    ia = rng.integers(0, TIES_A.size, (20, TIES_A.size))
    ib = rng.integers(0, TIES_B.size, (20, TIES_B.size))
    got = statistic(ia.astype(float), ib.astype(float))
    expected = [_pairwise_poi(TIES_A[ia[k]], b_sorted[ib[k]]) for k in range(20)]
    assert got == pytest.approx(expected, abs=1e-12)
    # Jackknife-shaped input, as scipy's BCa passes it: (n, n - 1) against the whole of B.
    jack = np.array([np.delete(np.arange(TIES_A.size), i) for i in range(TIES_A.size)])
    whole_b = np.arange(TIES_B.size, dtype=float)[None, :]
    got = statistic(jack.astype(float), whole_b)
    expected = [_pairwise_poi(TIES_A[row], TIES_B) for row in jack]
    assert got == pytest.approx(expected, abs=1e-12)


def _scipy_interval(
    data: tuple[np.ndarray, ...], statistic: object, seed: int, **kw: object
) -> tuple:
    for method in ("BCa", "percentile"):
        with np.errstate(all="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            ref = scipy_stats.bootstrap(
                data,
                statistic,
                n_resamples=1500,
                vectorized=True,
                axis=-1,
                method=method,
                rng=np.random.default_rng(seed),
                **kw,
            )
        low, high = ref.confidence_interval
        if np.isfinite(low) and np.isfinite(high):
            return method, float(low), float(high)
    raise AssertionError("scipy gave no interval")


@pytest.mark.parametrize("chunk", [7, 1000, 1 << 21])
@pytest.mark.parametrize(
    "values", [A, TIES_A, np.array([1.0, 1, 1, 1, 1, 1, 1, 9]), np.linspace(0, 1, 57) ** 3]
)
def test_numpy_bootstrap_equals_scipy_draw_for_draw_for_any_chunk_size(
    values: np.ndarray, chunk: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    from seedlock import _resample
    from seedlock.stats import _iqm_axis, _mean_axis

    monkeypatch.setattr(_resample, "CHUNK_VALUES", chunk)
    for statistic in (_mean_axis, _iqm_axis):
        got = _resample.bootstrap(
            (values,), statistic, rng=np.random.default_rng(9), n_resamples=1500, confidence=0.9
        )
        method, low, high = _scipy_interval((values,), statistic, 9, confidence_level=0.9)
        assert (got.method, got.low, got.high) == (method, low, high)


@pytest.mark.parametrize("chunk", [5, 1 << 21])
def test_two_sample_bootstraps_equal_scipy_draw_for_draw(
    chunk: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    from seedlock import _resample
    from seedlock.stats import _mean_axis, _poi_of_indices

    monkeypatch.setattr(_resample, "CHUNK_VALUES", chunk)
    diff = _resample.Separable((_mean_axis, _mean_axis), np.subtract)
    got = _resample.bootstrap(
        (A, B), diff, rng=np.random.default_rng(2), n_resamples=1500, confidence=0.95
    )
    ref = _scipy_interval(
        (A, B), lambda x, y, axis=-1: np.mean(x, axis=axis) - np.mean(y, axis=axis), 2
    )
    assert (got.method, got.low, got.high) == ref
    index = (np.arange(A.size, dtype=float), np.arange(B.size, dtype=float))
    poi = _poi_of_indices(A, B)
    got = _resample.bootstrap(
        index, poi, rng=np.random.default_rng(4), n_resamples=1500, confidence=0.95, batch=500
    )
    assert (got.method, got.low, got.high) == _scipy_interval(index, poi, 4, batch=500)


def _cases() -> list[tuple[str, np.ndarray, np.ndarray]]:
    rng = np.random.default_rng(11)
    cases = []
    for n in (3, 6, 8, 12, 14, 30, 55, 300):
        cases.append((f"normal {n}", rng.normal(size=n), rng.normal(0.3, size=n)))
        cases.append((f"ties {n}", rng.integers(0, 4, n) * 1.0, rng.integers(0, 4, n) * 1.0))
        a = rng.normal(size=n)
        b = a.copy()
        b[: n // 2] += rng.normal(size=n // 2)
        cases.append((f"zeros {n}", a, b))
    cases.append(("unequal 5 vs 40", rng.normal(size=5), rng.normal(size=40)))
    return cases


@pytest.mark.parametrize(("name", "a", "b"), _cases(), ids=[c[0] for c in _cases()])
def test_tests_without_scipy_stats_equal_scipy_stats(
    name: str, a: np.ndarray, b: np.ndarray
) -> None:
    from seedlock import _stattests

    welch = scipy_stats.ttest_ind(a, b, equal_var=False)
    assert _stattests.welch(a, b) == pytest.approx((welch.statistic, welch.pvalue), rel=1e-12)
    mwu = scipy_stats.mannwhitneyu(a, b, alternative="two-sided")
    assert _stattests.mannwhitneyu(a, b) == pytest.approx((mwu.statistic, mwu.pvalue), rel=1e-12)
    if a.size == b.size:
        rel = scipy_stats.ttest_rel(a, b)
        assert _stattests.ttest_rel(a, b) == pytest.approx((rel.statistic, rel.pvalue), rel=1e-12)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            wx = scipy_stats.wilcoxon(a, b)
        assert _stattests.wilcoxon(a, b) == pytest.approx((wx.statistic, wx.pvalue), rel=1e-12)


def test_compare_imports_no_scipy_stats_and_handles_a_thousand_seeds_per_arm() -> None:
    code = (
        "import sys, numpy as np; from seedlock import stats; r = np.random.default_rng(0); "
        "c = stats.compare(r.normal(size=1000), r.normal(size=1000), n_resamples=200); "
        "p = stats.compare(r.normal(size=1100), r.normal(size=1100), paired=True, "
        "n_resamples=200); print(c.design, p.design, 'scipy.stats' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["independent", "paired", "False"]
