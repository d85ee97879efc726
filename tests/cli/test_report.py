"""``seedlock report`` on a sweep in the store (through its own parser)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from seedlock.cli import main as _main
from seedlock.store import Store


@pytest.fixture
def store(tmp_path: Path) -> Path:
    runs = Store(tmp_path / "runs.db")
    for seed in range(6):
        run = runs.start_run(name="adam", command=["x"], cwd="/", seed=seed, sweep="adam")
        if seed == 5:
            runs.finish_run(run.id, exit_code=1, status="failed", stderr_tail="boom")
            continue
        metrics = {"accuracy": 0.8 + seed / 100, "loss": 0.5 - seed / 100, "split": "val"}
        runs.finish_run(run.id, exit_code=0, status="finished", metrics=metrics)
    return runs.path


def test_report_prints_a_table_of_every_numeric_metric(
    store: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert _main(["report", "adam", "--store", str(store), "--resamples", "500"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "adam: 5 finished, 1 failed (seeds 5)"
    assert [line.split()[0] for line in lines[2:]] == ["accuracy", "loss"]


def test_report_json_and_plot(
    store: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    plot = tmp_path / "adam.png"
    argv = ["report", "adam", "--store", str(store), "--metric", "accuracy", "--json"]
    assert _main([*argv, "--plot", str(plot), "--resamples", "500"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["format"] == "seedlock-report"
    assert list(data["metrics"]) == ["accuracy"]
    summary = data["metrics"]["accuracy"]["summary"]
    assert summary["n"] == 5
    assert summary["mean"] == pytest.approx(0.82)
    assert data["failed"] == [5]
    assert plot.read_bytes()[:4] == b"\x89PNG"


def test_report_is_reproducible(store: Path, capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["report", "adam", "--store", str(store), "--json", "--resamples", "500"]
    _main(argv)
    first = capsys.readouterr().out
    _main(argv)
    assert capsys.readouterr().out == first


def test_unknown_metric_and_sweep_exit_2(store: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert _main(["report", "adam", "--store", str(store), "--metric", "f1"]) == 2
    assert "available: accuracy, loss" in capsys.readouterr().err
    assert _main(["report", "nope", "--store", str(store)]) == 2
    assert "known sweeps: adam" in capsys.readouterr().err
