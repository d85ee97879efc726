"""Variance attribution: estimators against direct computation, known components, the CLI path."""

from __future__ import annotations

import itertools
import json
import sys
from pathlib import Path

import numpy as np
import pytest

from seedlock._errors import SeedlockError
from seedlock.cli import main
from seedlock.stats import variance_components

# -- the estimators against a direct computation ------------------------------------------------


def test_one_at_a_time_components_are_each_streams_sample_variance() -> None:
    data = [0.81, 0.84, 0.79, 0.86]
    init = [0.80, 0.82, 0.83]
    cells = [{"data": i} for i in range(4)] + [{"global": i} for i in range(3)]
    report = variance_components(cells, data + init, design="one-at-a-time", resamples=200)
    by = {c.source: c for c in report.components}
    assert by["data"].variance == pytest.approx(np.var(data, ddof=1), rel=1e-12)
    assert by["global"].variance == pytest.approx(np.var(init, ddof=1), rel=1e-12)
    total = np.var(data, ddof=1) + np.var(init, ddof=1)
    assert by["data"].share == pytest.approx(np.var(data, ddof=1) / total)
    assert report.total == pytest.approx(total)
    assert [c.levels for c in report.components] == [4, 3]


def _two_way_by_hand(y: np.ndarray) -> tuple[float, float, float]:
    """Expected-mean-squares estimates for a two-way crossed design, written out with loops."""
    rows, cols = y.shape
    grand = sum(sum(r) for r in y.tolist()) / (rows * cols)
    row_means = [sum(y[i]) / cols for i in range(rows)]
    col_means = [sum(y[:, j]) / rows for j in range(cols)]
    ms_rows = cols * sum((m - grand) ** 2 for m in row_means) / (rows - 1)
    ms_cols = rows * sum((m - grand) ** 2 for m in col_means) / (cols - 1)
    ss_res = sum(
        (y[i, j] - row_means[i] - col_means[j] + grand) ** 2
        for i in range(rows)
        for j in range(cols)
    )
    ms_res = ss_res / ((rows - 1) * (cols - 1))
    return max(0.0, (ms_rows - ms_res) / cols), max(0.0, (ms_cols - ms_res) / rows), ms_res


def test_factorial_components_equal_the_two_way_anova_written_out() -> None:
    rng = np.random.default_rng(3)
    y = rng.normal(size=(5, 4)) + 2.0 * rng.normal(size=(5, 1)) + 0.5 * rng.normal(size=(1, 4))
    cells = [{"data": i, "global": j} for i in range(5) for j in range(4)]
    report = variance_components(cells, y.reshape(-1), design="factorial", resamples=200)
    by = {c.source: c.variance for c in report.components}
    data, init, residual = _two_way_by_hand(y)
    assert by["data"] == pytest.approx(data, rel=1e-10)
    assert by["global"] == pytest.approx(init, rel=1e-10)
    assert by["residual"] == pytest.approx(residual, rel=1e-10)
    assert [c.source for c in report.components][-1] == "residual"


def test_factorial_with_replicates_and_three_streams_matches_expected_mean_squares() -> None:
    rng = np.random.default_rng(4)
    shape = (3, 4, 2, 2)  # data, global, augment seeds; 2 replicates
    y = rng.normal(size=shape)
    cells, values = [], []
    for a, b, c, r in itertools.product(*(range(n) for n in shape)):
        cells.append({"data": a, "global": b, "augment": c})
        values.append(y[a, b, c, r])
    report = variance_components(cells, values, design="factorial", resamples=200)
    by = {c.source: c.variance for c in report.components}
    grand = y.mean()
    n = y.size
    effects = {}
    ss_effects = 0.0
    df_effects = 0
    for axis, name in enumerate(("data", "global", "augment")):
        means = y.mean(axis=tuple(a for a in range(4) if a != axis))
        ss = n / shape[axis] * ((means - grand) ** 2).sum()
        ss_effects += ss
        df_effects += shape[axis] - 1
        effects[name] = (ss / (shape[axis] - 1), n / shape[axis])
    ms_res = (((y - grand) ** 2).sum() - ss_effects) / (n - 1 - df_effects)
    assert by["residual"] == pytest.approx(ms_res, rel=1e-10)
    for name, (ms, per_level) in effects.items():
        assert by[name] == pytest.approx(max(0.0, (ms - ms_res) / per_level), rel=1e-10, abs=1e-15)


def test_the_report_is_the_same_for_the_same_values_and_seed() -> None:
    cells = [{"data": i} for i in range(6)] + [{"augment": i} for i in range(6)]
    values = [float(v) for v in range(12)]
    one = variance_components(cells, values, design="one-at-a-time", seed=5).to_dict()
    two = variance_components(cells, values, design="one-at-a-time", seed=5).to_dict()
    assert one == two


# -- known components ----------------------------------------------------------------------------


def _coverage(design: str, levels: int, repetitions: int) -> tuple[float, float]:
    """How often the share intervals cover the true shares; a = 2, b = 1 (data share 0.8)."""
    rng = np.random.default_rng(11)
    a, b = 2.0, 1.0
    truth = a**2 / (a**2 + b**2)
    covered = []
    estimates = []
    for rep in range(repetitions):
        d = rng.normal(size=levels)
        g = rng.normal(size=levels)
        if design == "factorial":
            cells = [{"data": i, "global": j} for i in range(levels) for j in range(levels)]
            values = [a * d[i] + b * g[j] for i in range(levels) for j in range(levels)]
        else:
            d0, g0 = rng.normal(size=2)
            cells = [{"data": i} for i in range(levels)] + [{"global": j} for j in range(levels)]
            values = [a * d[i] + b * g0 for i in range(levels)]
            values += [a * d0 + b * g[j] for j in range(levels)]
        report = variance_components(cells, values, design=design, resamples=400, seed=rep)
        share = next(c for c in report.components if c.source == "data")
        covered.append(share.share_ci[0] <= truth <= share.share_ci[1])
        estimates.append(share.share)
    return float(np.mean(covered)), float(np.median(estimates))


@pytest.mark.parametrize(("design", "levels"), [("one-at-a-time", 30), ("factorial", 10)])
def test_shares_of_a_known_mixture_are_recovered_within_their_intervals(
    design: str, levels: int
) -> None:
    coverage, median = _coverage(design, levels, repetitions=40)
    assert coverage >= 0.8, coverage
    assert median == pytest.approx(0.8, abs=0.08)


# -- bad input -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("cells", "values", "design", "message"),
    [
        ([{"data": 0}, {"data": 1}], [1.0], "one-at-a-time", "one cell per value"),
        ([{"data": 0}, {"global": 1}], [1.0, 2.0], "one-at-a-time", "at least 2 seeds"),
        ([{"data": 0}, {"data": 1}], [1.0, float("nan")], "one-at-a-time", "non-finite"),
        ([{"data": 0, "global": 0}], [1.0], "one-at-a-time", "varies one stream"),
        ([{"data": 0}, {"data": 1}], [1.0, 2.0], "nested", "must be one of"),
        (
            [{"data": 0, "global": 0}, {"data": 1, "global": 0}, {"data": 0, "global": 1}],
            [1.0, 2.0, 3.0],
            "factorial",
            "every combination",
        ),
    ],
)
def test_bad_designs_are_refused_with_what_is_wrong(
    cells: list[dict[str, int]], values: list[float], design: str, message: str
) -> None:
    with pytest.raises(SeedlockError, match=message):
        variance_components(cells, values, design=design, resamples=100)


# -- through seedlock sweep --vary and seedlock report --variance --------------------------------

_SYNTHETIC = """
import random
import seedlock
data_noise = seedlock.python_rng("data").gauss(0, 1)   # the data stream
init_noise = random.gauss(0, 1)                        # the global stream
seedlock.log(score=3.0 * data_noise + 1.0 * init_noise)
"""


def _report(store: Path, name: str, capsys: pytest.CaptureFixture[str]) -> dict[str, object]:
    capsys.readouterr()
    assert main(["report", name, "--variance", "--json", "--store", str(store)]) == 0
    payload: dict[str, object] = json.loads(capsys.readouterr().out)
    return payload


def test_a_one_at_a_time_sweep_attributes_a_known_mixture(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "synth.py").write_text(_SYNTHETIC)
    store = tmp_path / "runs.db"
    command = [sys.executable, "synth.py"]
    args = ["sweep", "--name", "mix", "--vary", "data,global", "--seeds", "0-11", "--jobs", "2"]
    assert main([*args, "--store", str(store), "--", *command]) == 0
    payload = _report(store, "mix", capsys)
    assert payload["design"] == "one-at-a-time" and payload["n"] == 24
    assert payload["dominant"] == "data"
    shares = {c["source"]: c for c in payload["components"]}  # type: ignore[attr-defined]
    low, high = shares["data"]["share_ci"]
    assert low <= 0.9 <= high  # 3**2 / (3**2 + 1**2)
    # Resuming runs nothing: every cell is recorded by its stream seeds.
    assert main([*args, "--resume", "--store", str(store), "--", *command]) == 0
    assert "0 runs (one-at-a-time over data, global) to run, 24 already finished" in (
        capsys.readouterr().err
    )


def test_a_factorial_sweep_records_its_design_and_every_cell(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "synth.py").write_text(_SYNTHETIC)
    store = tmp_path / "runs.db"
    args = ["sweep", "--name", "fac", "--vary", "data,global", "--design", "factorial"]
    args += ["--seeds", "0-3", "--jobs", "2", "--base-seed", "7", "--json", "--store", str(store)]
    assert main([*args, "--", sys.executable, "synth.py"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["design"] == "factorial" and result["base_seed"] == 7
    assert sorted(tuple(sorted(r["streams"].items())) for r in result["runs"]) == [
        (("data", d), ("global", g)) for d in range(4) for g in range(4)
    ]
    spec = json.loads((tmp_path / "sweeps" / "fac.json").read_text())
    assert spec["vary"] == ["data", "global"] and spec["design"] == "factorial"
    payload = _report(store, "fac", capsys)
    assert payload["n"] == 16 and payload["components"][-1]["source"] == "residual"  # type: ignore[index]
    # Runs with the same data seed share the data draw exactly: the residual is zero.
    assert payload["components"][-1]["variance"] == pytest.approx(0.0, abs=1e-12)  # type: ignore[index]


def test_report_variance_refuses_a_plain_sweep(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    store = tmp_path / "runs.db"
    code = "import seedlock; seedlock.log(x=1.0)"
    assert (
        main(
            [
                "sweep",
                "--name",
                "p",
                "--seeds",
                "0-1",
                "--store",
                str(store),
                "--",
                sys.executable,
                "-c",
                code,
            ]
        )
        == 0
    )
    assert main(["report", "p", "--variance", "--store", str(store)]) == 2
    assert "varied the root seed, not single streams" in capsys.readouterr().err


@pytest.mark.slow
def test_the_digits_example_names_its_dominant_source_in_a_5x5_factorial(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    pytest.importorskip("torch")
    pytest.importorskip("sklearn")
    example = Path(__file__).resolve().parents[1] / "examples" / "digits.py"
    monkeypatch.chdir(tmp_path)
    store = tmp_path / "runs.db"
    args = ["sweep", "--name", "digits", "--vary", "data,global", "--design", "factorial"]
    args += ["--seeds", "0-4", "--jobs", "2", "--store", str(store), "--"]
    command = [sys.executable, str(example), "--streams", "--epochs", "1", "--workers", "0"]
    assert main([*args, *command, "--train-size", "300"]) == 0
    capsys.readouterr()
    assert (
        main(["report", "digits", "--variance", "--metric", "accuracy", "--store", str(store)]) == 0
    )
    out = capsys.readouterr().out
    assert "variance by source (factorial, 25 runs;" in out
    names = ("data is", "global is", "The residual is")
    assert any(f"{name} the dominant" in out or f"{name} clearly the" in out for name in names)
