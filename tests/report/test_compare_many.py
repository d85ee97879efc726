"""More than two arms and several metrics: every pair, Holm over the family, the decision rules."""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import numpy as np
import pytest

from seedlock._errors import SeedlockError
from seedlock.cli import main as _main
from seedlock.report import MetricValues, compare_many, compare_values, many_text
from seedlock.stats import bouthillier_better, compare, decide, holm


def _holm_by_steps(pvalues: list[float], alpha: float) -> list[bool]:
    """Holm (1979) as a procedure: reject the smallest p while p_(i) <= alpha / (m - i + 1)."""
    m = len(pvalues)
    rejected = [False] * m
    for step, index in enumerate(sorted(range(m), key=lambda i: pvalues[i])):
        if pvalues[index] > alpha / (m - step):
            break
        rejected[index] = True
    return rejected


@pytest.mark.parametrize("seed", range(20))
def test_holm_adjusted_p_rejects_exactly_what_the_step_down_procedure_rejects(seed: int) -> None:
    rng = np.random.default_rng(seed)
    pvalues = list(rng.uniform(0, 0.2, size=int(rng.integers(1, 9))) ** 2)
    adjusted = holm(pvalues)
    for alpha in (0.01, 0.05, 0.1):
        got = [p <= alpha for p in adjusted]
        assert got == _holm_by_steps(pvalues, alpha)
    assert all(a >= p for a, p in zip(adjusted, pvalues, strict=True))


def test_holm_of_one_p_value_is_itself_and_caps_at_one() -> None:
    assert holm([0.03]) == [0.03]
    assert holm([0.5, 0.6]) == [1.0, 1.0]
    with pytest.raises(SeedlockError, match="holm"):
        holm([1.5])


def _arm(name: str, level: float, n: int = 8, seeds: range | None = None) -> MetricValues:
    rng = np.random.default_rng(len(name))
    values = level + rng.normal(0, 0.002, n)
    return MetricValues(
        name,
        tuple(seeds if seeds is not None else range(n)),
        {"acc": tuple(values), "loss": tuple(1 - values)},
    )


def test_all_pairs_are_compared_in_order_and_holm_adjusts_over_the_family() -> None:
    arms = [_arm("adam", 0.9), _arm("sgd", 0.8), _arm("lion", 0.9), _arm("rmsprop", 0.7)]
    many = compare_many(arms, ["acc"], n_resamples=300)
    pairs = [c.names for _, c in many.comparisons]
    assert pairs == list(itertools.combinations(["adam", "sgd", "lion", "rmsprop"], 2))
    assert many.family == 6
    raw = [c.test_p for _, c in many.comparisons]
    assert [c.p_adjusted for _, c in many.comparisons] == pytest.approx(holm(raw))
    for (_, c), p in zip(many.comparisons, holm(raw), strict=True):
        single = compare_values(
            next(a for a in arms if a.source == c.names[0]),
            next(a for a in arms if a.source == c.names[1]),
            "acc",
            n_resamples=300,
        )[1]
        assert c.test_p == single.test_p and c.difference == single.difference
        assert (c.better is not None) == (p < 0.05)


def test_a_pair_that_wins_alone_can_lose_its_verdict_after_the_correction() -> None:
    b = np.random.default_rng(4).normal(0.0, 1.0, 6)
    a = b + np.arange(1, 7) / 10  # every pair favours A: the smallest paired p, 2 / 2**6
    single = compare(a, b, n_resamples=300, paired=True)
    assert single.better == "A" and 0.01 < single.test_p < 0.05
    family = decide(single, p_adjusted=holm([single.test_p, 0.5, 0.9])[0], family=3)
    assert family.better is None
    assert "Holm-adjusted over 3 tests" in family.verdict


def test_baseline_compares_each_arm_with_it_and_metrics_join_one_family() -> None:
    arms = [_arm("adam", 0.9), _arm("sgd", 0.8), _arm("lion", 0.9)]
    many = compare_many(arms, ["acc", "loss"], baseline="sgd", n_resamples=300)
    assert [(m, c.names) for m, c in many.comparisons] == [
        ("acc", ("adam", "sgd")),
        ("acc", ("lion", "sgd")),
        ("loss", ("adam", "sgd")),
        ("loss", ("lion", "sgd")),
    ]
    assert {c.family for _, c in many.comparisons} == {4}
    text = many_text(many)
    assert "each against sgd" in text and text.count("Holm's correction over 4 tests") == 2


def test_bad_many_inputs_are_clear_errors() -> None:
    arms = [_arm("adam", 0.9), _arm("sgd", 0.8)]
    with pytest.raises(SeedlockError, match="baseline 'nope' is not one of the arms"):
        compare_many(arms, ["acc"], baseline="nope", n_resamples=300)
    with pytest.raises(SeedlockError, match="at least 2 arms"):
        compare_many(arms[:1], ["acc"])
    with pytest.raises(SeedlockError, match="in common to every arm: acc, loss"):
        compare_many(arms)
    with pytest.raises(SeedlockError, match="unknown metric 'f1'"):
        compare_many(arms, ["f1"])


def _bouthillier_by_definition(ci: tuple[float, float], gamma: float) -> str | None:
    low, high = ci
    return "A" if low > 0.5 and high > gamma else "B" if high < 0.5 and low < 1 - gamma else None


@pytest.mark.parametrize("shift", [0.0, 0.3, 0.8, 2.0, -2.0])
@pytest.mark.parametrize("gamma", [0.6, 0.75, 0.99])
def test_bouthillier_rule_follows_its_definition_on_the_poi_interval(
    shift: float, gamma: float
) -> None:
    rng = np.random.default_rng(int(shift * 10) + 100)
    a, b = rng.normal(shift, 1.0, 12), rng.normal(0.0, 1.0, 12)
    c = compare(a, b, n_resamples=500, rule="bouthillier", gamma=gamma)
    ci = (c.prob_improvement_ci.low, c.prob_improvement_ci.high)
    expected = _bouthillier_by_definition(ci, gamma)
    assert bouthillier_better(c, gamma=gamma) == expected == c.rule_better == c.better
    both = decide(c, rule="both")
    assert both.better == (expected if expected == c.test_better else None)
    if c.better is not None:
        assert c.verdict.endswith("decided by Bouthillier et al.'s rule.")


def test_the_rules_can_disagree_and_the_verdict_says_which_decided() -> None:
    # A clear gain: the test is sure and every A beats every B, so both agree; a noisy gain
    # with few seeds: the test cannot reach alpha, and each rule decides on its own.
    a = np.array([0.50, 0.52, 0.49, 0.51, 0.53, 0.50])
    b = a - 0.1
    c = compare(a, b, n_resamples=500, paired=True)
    assert c.test_better == "A" == c.rule_better
    noisy_a = np.array([0.9, 0.95, 0.8, 0.99, 0.85])
    noisy_b = np.array([0.7, 0.9, 0.75, 0.8, 0.6])
    c = compare(noisy_a, noisy_b, n_resamples=500)
    assert c.test_better is None and c.rule_better == "A"  # p = 0.063; P(A>B) CI [0.54, 1]
    perm, rule = decide(c, rule="permutation"), decide(c, rule="bouthillier")
    assert perm.better is None and "within seed noise" in perm.verdict
    assert rule.better == "A" and rule.verdict.endswith("decided by Bouthillier et al.'s rule.")
    both = decide(c, rule="both")
    assert both.better is None and "both must agree" in both.verdict
    with pytest.raises(SeedlockError, match="rule must be one of"):
        decide(c, rule="vote")
    with pytest.raises(SeedlockError, match="gamma must be in"):
        compare(noisy_a, noisy_b, gamma=0.3)


def test_too_few_seeds_is_said_under_every_rule() -> None:
    for rule in ("permutation", "bouthillier", "both"):
        c = compare([0.9, 0.91, 0.92], [0.1, 0.11, 0.12], n_resamples=300, rule=rule)
        assert c.better is None and c.verdict.startswith("too few seeds")


def _write(path: Path, values: np.ndarray) -> Path:
    path.write_text("seed,acc,loss\n" + "".join(f"{i},{v},{1 - v}\n" for i, v in enumerate(values)))
    return path


def test_cli_compares_three_files_with_holm_and_json(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rng = np.random.default_rng(0)
    paths = [
        str(_write(tmp_path / f"{name}.csv", rng.normal(level, 0.005, 10)))
        for name, level in (("adam", 0.85), ("sgd", 0.84), ("lion", 0.85))
    ]
    assert _main(["compare", *paths, "--metric", "acc", "--resamples", "300"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("acc (higher is better): 3 arms, all 3 pairs; Holm's correction")
    assert "adam vs sgd" in out and "sgd vs lion" in out and "p Holm" in out
    argv = ["compare", *paths, "--metric", "acc,loss", "--baseline", "sgd", "--json"]
    assert _main([*argv, "--resamples", "300", "--rule", "both", "--bouthillier-gamma", "0.8"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["format"] == "seedlock-compare-many" and doc["family"] == 4
    assert doc["baseline"] == "sgd" and doc["metrics"] == ["acc", "loss"]
    assert [a["name"] for a in doc["arms"]] == ["adam", "sgd", "lion"]
    first = doc["comparisons"][0]
    assert first["metric"] == "acc" and first["names"] == ["adam", "sgd"]
    assert first["rule"] == "both" and first["gamma"] == 0.8 and first["family"] == 4
    assert {"p_adjusted", "test_p", "rule_better", "test_better", "dropped"} <= set(first)
    assert _main(["compare", *paths, "--metric", "acc", "--baseline", "nope"]) == 2
    assert _main(["compare", *paths, "--metric", "acc", "--plot", str(tmp_path / "x.png")]) == 2


def test_cli_evp_prints_the_expected_best_and_writes_the_plot(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    values = [0.2, 0.4, 0.6, 0.8]
    a = _write(tmp_path / "a.csv", np.array(values))
    b = _write(tmp_path / "b.csv", np.array(values) - 0.1)
    plot = tmp_path / "evp.pdf"
    argv = ["compare", str(a), str(b), "--metric", "acc", "--resamples", "300"]
    assert _main([*argv, "--evp", str(plot)]) == 0
    out = capsys.readouterr().out
    assert "expected best acc of n runs (Dodge et al. 2019)" in out
    assert "a    4  0.5 +- 0.2236  0.625 +- 0.1854  0.7234 +- 0.1228" in out
    assert plot.read_bytes().startswith(b"%PDF")
    assert _main([*argv, "--evp", str(plot), "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["evp"]["metrics"]["acc"]["b"]["mean"][0] == pytest.approx(0.4)
    c = _write(tmp_path / "c.csv", np.array(values))
    assert (
        _main(
            [
                "compare",
                str(a),
                str(b),
                str(c),
                "--metric",
                "acc,loss",
                "--resamples",
                "300",
                "--evp",
                str(tmp_path / "e.png"),
                "--json",
            ]
        )
        == 0
    )
    doc = json.loads(capsys.readouterr().out)
    assert set(doc["evp"]["metrics"]) == {"acc", "loss"} and doc["evp"]["plotted_metric"] == "acc"
