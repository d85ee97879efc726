"""Runs x tasks aggregates against rliable's definitions, re-implemented here independently.

rliable (google-research/rliable) resamples with ``np.random.choice`` on the global legacy stream
and computes intervals through arch's ``IIDBootstrap.conf_int``; the reference below rebuilds
both from their definitions, one resample at a time, on a ``RandomState`` (the object behind
``np.random.choice``), so ``RandomState(s)`` here is ``np.random.seed(s)`` there.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats as sps

from seedlock._errors import SeedlockError
from seedlock.stats import compare_tasks

# ---------------------------------------------------------------- the reference (rliable + arch)


def ref_median(scores: np.ndarray) -> float:
    return float(np.median(np.mean(scores, axis=0)))


def ref_mean(scores: np.ndarray) -> float:
    return float(np.mean(np.mean(scores, axis=0)))


def ref_iqm(scores: np.ndarray) -> float:
    return float(sps.trim_mean(scores, proportiontocut=0.25, axis=None))


def ref_gap(scores: np.ndarray, gamma: float = 1.0) -> float:
    return float(gamma - np.mean(np.minimum(scores, gamma)))


def ref_aggregates(scores: np.ndarray) -> np.ndarray:
    return np.array([ref_median(scores), ref_iqm(scores), ref_mean(scores), ref_gap(scores)])


def ref_improvement(x: np.ndarray, y: np.ndarray) -> float:
    per_task = []
    for task in range(x.shape[1]):
        u = sps.mannwhitneyu(x[:, task], y[:, task], alternative="greater").statistic
        per_task.append(u / (x.shape[0] * y.shape[0]))
    return float(np.mean(per_task))


def ref_profile(scores: np.ndarray, taus: np.ndarray) -> np.ndarray:
    return np.array([np.mean(scores > tau) for tau in taus])


def ref_stratified(scores: np.ndarray, rs: np.random.RandomState) -> np.ndarray:
    """One stratified resample: a run drawn with replacement within each task."""
    runs, tasks = scores.shape
    index = rs.choice(runs, (runs, tasks), replace=True)
    return np.array([[scores[index[i, j], j] for j in range(tasks)] for i in range(runs)])


def ref_percentile(values: np.ndarray, confidence: float) -> tuple[np.ndarray, np.ndarray]:
    alpha = (1.0 - confidence) / 2
    low = np.array([np.percentile(values[:, k], 100 * alpha) for k in range(values.shape[1])])
    high = np.array(
        [np.percentile(values[:, k], 100 * (1 - alpha)) for k in range(values.shape[1])]
    )
    return low, high


def ref_bca(
    values: np.ndarray, base: float, jackknife: np.ndarray, confidence: float
) -> tuple[float, float]:
    """arch's BCa for one statistic: bias from the share below the estimate, acceleration from
    the jackknife's skewness."""
    alpha = (1.0 - confidence) / 2
    b = sps.norm.ppf(np.mean(values < base))
    u = jackknife.mean() - jackknife
    a = np.sum(u**3) / (6 * np.sum(u**2) ** 1.5)
    bounds = []
    for z in sps.norm.ppf([alpha, 1 - alpha]):
        bounds.append(np.percentile(values, 100 * sps.norm.cdf(b + (b + z) / (1 - a * (b + z)))))
    return float(bounds[0]), float(bounds[1])


def ref_intervals(
    score_dict: dict[str, np.ndarray], func, reps: int, seed: int, confidence: float = 0.95
) -> dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """rliable's get_interval_estimates(method='percentile') after np.random.seed(seed)."""
    rs = np.random.RandomState(seed)
    out = {}
    for key, scores in score_dict.items():
        values = np.array([func(ref_stratified(scores, rs)) for _ in range(reps)])
        out[key] = (np.asarray(func(scores)), *ref_percentile(values, confidence))
    return out


# ---------------------------------------------------------------- data

RUNS_X = np.array([[1, 2], [2, 2], [1, 1], [2, 1]], dtype=float)
RUNS_Y = np.array([[1, 1], [2, 2], [3, 3]], dtype=float)


def scores(seed: int, runs: int, tasks: int, shift: float = 0.0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return rng.gamma(2.0, 0.4, size=(runs, tasks)) + shift


# ---------------------------------------------------------------- point estimates


def test_point_estimates_equal_rliables_metrics_test_values() -> None:
    c = compare_tasks({"x": RUNS_X, "y": RUNS_Y}, n_resamples=100)
    x, y = c.aggregates["x"], c.aggregates["y"]
    assert (x["median"].value, x["mean"].value, x["iqm"].value) == (1.5, 1.5, 1.5)
    assert (y["median"].value, y["mean"].value, y["iqm"].value) == (2.0, 2.0, 2.0)
    assert c.improvement[0].estimate.value == pytest.approx(1 / 3)


def test_point_estimates_equal_the_reference_on_skewed_scores() -> None:
    a, b = scores(1, 7, 9), scores(2, 5, 9, shift=0.1)
    c = compare_tasks({"a": a, "b": b}, gamma=1.2, n_resamples=100)
    for name, matrix in (("a", a), ("b", b)):
        got = c.aggregates[name]
        assert got["median"].value == ref_median(matrix)
        assert got["mean"].value == ref_mean(matrix)
        assert got["iqm"].value == ref_iqm(matrix)
        assert got["optimality_gap"].value == pytest.approx(ref_gap(matrix, 1.2), abs=1e-12)
        np.testing.assert_allclose(c.task_means[name], matrix.mean(axis=0))
    assert c.improvement[0].estimate.value == pytest.approx(ref_improvement(a, b), abs=1e-15)
    for task in range(9):
        assert c.improvement[0].per_task[task] == pytest.approx(
            ref_improvement(a[:, [task]], b[:, [task]]), abs=1e-15
        )


def test_ties_count_one_half_and_identical_arms_give_one_half() -> None:
    same = np.array([[1.0, 2.0], [1.0, 3.0], [2.0, 2.0]])
    c = compare_tasks({"a": same, "b": same.copy()}, n_resamples=100)
    assert c.improvement[0].estimate.value == 0.5


# ---------------------------------------------------------------- rliable's percentile intervals


def test_percentile_intervals_equal_rliables_for_the_same_draws() -> None:
    score_dict = {"a": scores(3, 6, 5), "b": scores(4, 4, 5, shift=0.2)}
    reps = 300
    ours = compare_tasks(score_dict, convention="rliable", seed=7, n_resamples=reps)
    reference = ref_intervals(score_dict, ref_aggregates, reps, seed=7)
    for arm, (point, low, high) in reference.items():
        got = ours.aggregates[arm]
        for k, key in enumerate(("median", "iqm", "mean", "optimality_gap")):
            # The same draws and the same arithmetic: equal to the last bit.
            assert got[key].value == point[k]
            assert got[key].low == low[k], (arm, key)
            assert got[key].high == high[k], (arm, key)
            assert got[key].method == "percentile"


def test_profile_bands_equal_rliables_score_distributions() -> None:
    score_dict = {"a": scores(5, 5, 4), "b": scores(6, 5, 4, shift=0.3)}
    taus = np.linspace(0.0, 2.5, 11)
    reps = 200
    ours = compare_tasks(score_dict, convention="rliable", seed=3, n_resamples=reps, taus=taus)
    reference = ref_intervals(score_dict, lambda s: ref_profile(s, taus), reps, seed=3)
    for arm, (point, low, high) in reference.items():
        profile = ours.profiles[arm]
        np.testing.assert_array_equal(profile.taus, taus)
        np.testing.assert_array_equal(profile.fraction, point)
        np.testing.assert_array_equal(profile.low, low)
        np.testing.assert_array_equal(profile.high, high)


@pytest.mark.parametrize("runs_y", [6, 4])
def test_improvement_interval_equals_rliables_independent_stratified_bootstrap(
    runs_y: int,
) -> None:
    x, y = scores(8, 6, 3, shift=0.2), scores(9, runs_y, 3)
    reps = 300
    ours = compare_tasks({"x": x, "y": y}, convention="rliable", seed=11, n_resamples=reps)
    rs = np.random.RandomState(11)
    values = []
    for _ in range(reps):
        # arch's IndependentSamplesBootstrap: X's indices, then Y's, from one stream.
        rx = ref_stratified(x, rs)
        ry = ref_stratified(y, rs)
        values.append([ref_improvement(rx, ry)])
    low, high = ref_percentile(np.array(values), 0.95)
    got = ours.improvement[0].estimate
    assert (got.low, got.high) == (low[0], high[0])


def test_bca_equals_archs_definition_for_each_statistic() -> None:
    matrix = scores(12, 8, 6)
    reps = 400
    ours = compare_tasks({"a": matrix}, ci="bca", convention="rliable", seed=2, n_resamples=reps)
    for k, key in enumerate(("median", "iqm", "mean", "optimality_gap")):
        rs = np.random.RandomState(2)
        values = np.array([ref_aggregates(ref_stratified(matrix, rs))[k] for _ in range(reps)])
        jackknife = np.array(
            [ref_aggregates(np.delete(matrix, i, axis=0))[k] for i in range(matrix.shape[0])]
        )
        low, high = ref_bca(values, ref_aggregates(matrix)[k], jackknife, 0.95)
        got = ours.aggregates["a"][key]
        assert got.method == "bca"
        assert (got.low, got.high) == pytest.approx((low, high), abs=1e-12), key


@pytest.mark.parametrize("decimals", [8, 1])
def test_bca_of_the_improvement_jackknifes_each_arm_in_turn(decimals: int) -> None:
    # arch refuses BCa for inputs of different lengths; seedlock leaves out one run of X, then
    # one run of Y, as scipy.stats.bootstrap does for several samples (rounded: with ties).
    x = np.round(scores(17, 6, 3, shift=0.1), decimals)
    y = np.round(scores(18, 4, 3), decimals)
    reps = 300
    ours = compare_tasks({"x": x, "y": y}, ci="bca", convention="rliable", seed=5, n_resamples=reps)
    rs = np.random.RandomState(5)
    values = []
    for _ in range(reps):
        rx = ref_stratified(x, rs)
        values.append(ref_improvement(rx, ref_stratified(y, rs)))
    jackknife = [ref_improvement(np.delete(x, i, axis=0), y) for i in range(6)]
    jackknife += [ref_improvement(x, np.delete(y, j, axis=0)) for j in range(4)]
    low, high = ref_bca(np.array(values), ref_improvement(x, y), np.array(jackknife), 0.95)
    got = ours.improvement[0].estimate
    assert got.method == "bca"
    assert (got.low, got.high) == pytest.approx((low, high), abs=1e-12)


def test_bca_falls_back_to_percentile_when_the_bias_is_undefined() -> None:
    # Every run scores 1 above gamma: the optimality gap is 0 in every resample.
    matrix = np.array([[1.5, 2.0], [1.7, 2.5], [1.6, 3.0]])
    c = compare_tasks({"a": matrix}, ci="bca", n_resamples=200)
    gap = c.aggregates["a"]["optimality_gap"]
    assert (gap.value, gap.low, gap.high) == (0.0, 0.0, 0.0)
    assert gap.method == "percentile (bca degenerate)"


# ---------------------------------------------------------------- properties (rliable's tests)


@pytest.mark.parametrize("ci", ["percentile", "bca"])
def test_intervals_contain_the_point_estimate(ci: str) -> None:
    x = np.arange(5 * 16, dtype=float).reshape(5, 16)
    c = compare_tasks({"method": x, "baseline": np.flip(x, axis=0)}, ci=ci, n_resamples=300)
    for arm in ("method", "baseline"):
        for key in ("median", "iqm", "mean"):
            e = c.aggregates[arm][key]
            assert e.low < e.value < e.high, (arm, key)
    e = c.improvement[0].estimate
    assert e.low <= e.value <= e.high


def test_profiles_do_not_increase_with_tau_and_bands_surround_them() -> None:
    x = np.arange(5 * 16, dtype=float).reshape(5, 16)
    c = compare_tasks({"x": x}, taus=[0.0, 25.0, 50.0, 79.0], n_resamples=200)
    profile = c.profiles["x"]
    assert list(profile.fraction) == sorted(profile.fraction, reverse=True)
    assert profile.fraction[-1] == 0.0
    for point, low, high in zip(profile.fraction, profile.low, profile.high, strict=True):
        assert low <= point <= high


def test_resampling_keeps_runs_inside_their_task() -> None:
    # Task 0 scores in [0, 1], task 1 in [10, 11]: half the runs x tasks lie above 5 in every
    # stratified resample; pooling runs across tasks would move the band away from 0.5.
    rng = np.random.default_rng(0)
    matrix = np.column_stack([rng.uniform(0, 1, 6), rng.uniform(10, 11, 6)])
    c = compare_tasks({"a": matrix}, taus=[5.0], n_resamples=300)
    assert (c.profiles["a"].low[0], c.profiles["a"].high[0]) == (0.5, 0.5)


def test_lower_is_better_mirrors_the_statistics() -> None:
    a, b = scores(13, 5, 3), scores(14, 5, 3, shift=0.5)
    taus = [0.5, 1.0]
    low = compare_tasks({"a": a, "b": b}, higher_is_better=False, taus=taus, n_resamples=200)
    high = compare_tasks({"a": -a, "b": -b}, taus=[-0.5, -1.0], n_resamples=200)
    assert low.improvement[0].estimate.value == high.improvement[0].estimate.value
    np.testing.assert_array_equal(low.profiles["a"].fraction, high.profiles["a"].fraction)
    gap = low.aggregates["a"]["optimality_gap"].value
    assert gap == pytest.approx(np.mean(np.maximum(a, 1.0)) - 1.0)


def test_seedlock_convention_keeps_each_arm_independent_of_the_others() -> None:
    a, b = scores(15, 5, 4), scores(16, 5, 4)
    alone = compare_tasks({"a": a}, n_resamples=200, seed=4)
    both = compare_tasks({"b": b, "a": a}, n_resamples=200, seed=4)
    again = compare_tasks({"b": b, "a": a}, n_resamples=200, seed=4)
    other = compare_tasks({"b": b, "a": a}, n_resamples=200, seed=5)
    assert alone.aggregates["a"] == both.aggregates["a"] == again.aggregates["a"]
    assert other.aggregates["a"]["mean"] != both.aggregates["a"]["mean"]
    # rliable's stream is shared: the second arm's draws depend on the first's.
    r_alone = compare_tasks({"a": a}, convention="rliable", n_resamples=200)
    r_both = compare_tasks({"b": b, "a": a}, convention="rliable", n_resamples=200)
    assert r_alone.aggregates["a"]["mean"] != r_both.aggregates["a"]["mean"]


def test_to_dict_names_the_method_and_every_number() -> None:
    c = compare_tasks({"a": RUNS_X, "b": RUNS_X + 1}, tasks=["pong", "go"], n_resamples=100)
    data = c.to_dict()
    assert data["ci"] == "percentile" and data["convention"] == "seedlock"
    assert data["tasks"] == ["pong", "go"] and data["runs"] == {"a": 4, "b": 4}
    assert set(data["aggregates"]["a"]) == {"median", "iqm", "mean", "optimality_gap"}
    assert data["improvement"][0]["x"] == "a" and len(data["profiles"]["b"]["taus"]) == 101


# ---------------------------------------------------------------- errors


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"scores": {"a": [[1.0, 2.0]]}}, "at least 2"),
        ({"scores": {"a": [[1.0, np.nan], [1.0, 2.0]]}}, "must be finite"),
        ({"scores": {"a": [[1.0, 2.0], [1.0, 2.0]], "b": [[1.0], [2.0]]}}, "same tasks"),
        ({"scores": {}}, "non-empty mapping"),
        ({"tasks": ["a"]}, "name each of the 2"),
        ({"ci": "bc"}, "ci must be one of"),
        ({"convention": "arch"}, "convention must be one of"),
        ({"convention": "rliable", "seed": 2**32}, r"\[0, 2\*\*32\)"),
        ({"confidence": 1.0}, "confidence must be in"),
        ({"n_resamples": 10}, "n_resamples"),
        ({"gamma": float("inf")}, "gamma must be a finite"),
        ({"taus": []}, "taus must be"),
    ],
)
def test_bad_input_is_a_clear_error(kwargs: dict[str, object], match: str) -> None:
    options: dict[str, object] = {"scores": {"a": RUNS_X}, "n_resamples": 100}
    options.update(kwargs)
    with pytest.raises(SeedlockError, match=match):
        compare_tasks(**options)  # type: ignore[arg-type]
