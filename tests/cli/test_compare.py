"""``seedlock compare`` on files and on sweeps in the store (through its own parser)."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import pytest

from seedlock.cli import main as _main
from seedlock.store import Store

ADAM = [0.84, 0.85, 0.83, 0.86, 0.845, 0.855, 0.848, 0.851]
SGD = [0.82, 0.83, 0.815, 0.84, 0.825, 0.835, 0.829, 0.822]


@pytest.fixture
def files(tmp_path: Path) -> tuple[Path, Path]:
    adam = tmp_path / "adam.csv"
    adam.write_text(
        "seed,accuracy,loss\n" + "".join(f"{i},{v},{1 - v}\n" for i, v in enumerate(ADAM))
    )
    sgd = tmp_path / "sgd.json"
    sgd.write_text(json.dumps({"accuracy": SGD, "loss": [1 - v for v in SGD]}))
    return adam, sgd


def test_compare_files_prints_the_verdict(
    files: tuple[Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    assert _main(["compare", str(files[0]), str(files[1]), "--metric", "accuracy"]) == 0
    out = capsys.readouterr().out
    assert "verdict: adam is better" in out
    assert "Welch t-test" in out


def test_compare_json_and_plot(
    files: tuple[Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    plot = tmp_path / "cmp.png"
    argv = ["compare", *map(str, files), "--metric", "loss", "--lower-is-better", "--json"]
    assert _main([*argv, "--plot", str(plot), "--resamples", "500"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["format"] == "seedlock-compare" and data["version"] == 1
    assert data["metric"] == "loss"
    assert data["comparison"]["better"] == "adam"
    assert data["comparison"]["higher_is_better"] is False
    assert data["a"]["seeds"] == list(range(8))
    assert plot.stat().st_size > 0


def test_unknown_metric_exits_2_listing_the_available_ones(
    files: tuple[Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    assert _main(["compare", *map(str, files), "--metric", "f1"]) == 2
    assert "available: accuracy, loss" in capsys.readouterr().err


def test_several_metrics_without_choice_exits_2(
    files: tuple[Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    assert _main(["compare", *map(str, files)]) == 2
    assert "in common: accuracy, loss" in capsys.readouterr().err


def test_compare_two_sweeps_from_the_store(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    store = Store(tmp_path / "runs.db")
    for sweep, values in (("adam", ADAM), ("sgd", SGD)):
        for seed, value in enumerate(values):
            run = store.start_run(name=sweep, command=["x"], cwd="/", seed=seed, sweep=sweep)
            store.finish_run(run.id, exit_code=0, status="finished", metrics={"accuracy": value})
    code = _main(
        ["compare", "adam", "sgd", "--store", str(store.path), "--json", "--resamples", "500"]
    )
    assert code == 0
    data = json.loads(capsys.readouterr().out)
    assert data["comparison"]["names"] == ["adam", "sgd"]
    assert data["comparison"]["n_a"] == len(ADAM)


def test_fewer_than_two_values_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    one = tmp_path / "one.json"
    one.write_text("[0.5]")
    two = tmp_path / "two.json"
    two.write_text("[0.5, 0.6]")
    assert _main(["compare", str(one), str(two)]) == 2
    assert "at least 2" in capsys.readouterr().err


def _sweep(store: Path, name: str, code: str) -> None:
    import sys

    from seedlock.cli.sweep import register as register_sweep

    parser = argparse.ArgumentParser(prog="seedlock")
    register_sweep(parser.add_subparsers(dest="command"))
    args = parser.parse_args(
        ["sweep", "--seeds", "0-5", "--name", name, "--jobs", "2", "--store", str(store),
         "--", sys.executable, "-c", code, "{seed}"]
    )  # fmt: skip
    args.handler(args)


def test_failed_and_nan_seeds_of_a_real_sweep_are_named_and_follow_the_policy(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    store = tmp_path / "runs.db"
    log = "import sys, seedlock; s = int(sys.argv[1]); "
    _sweep(store, "good", log + "seedlock.log(acc=0.8 + 0.01 * s)")
    _sweep(
        store,
        "bad",
        log + "sys.exit(3) if s == 4 else seedlock.log(acc=float('nan') if s == 2 else 0.7 + s)",
    )
    capsys.readouterr()
    argv = ["compare", "good", "bad", "--store", str(store), "--resamples", "300"]
    assert _main(argv) == 2
    err = capsys.readouterr().err
    assert "1 failed (seeds 4)" in err and "seed 2" in err and "--failed exclude" in err

    assert _main([*argv, "--failed", "exclude", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    comparison = data["comparison"]
    assert comparison["n_b"] == 4 and comparison["n_a"] == 6
    assert comparison["design"] == "independent"
    assert comparison["dropped"]["arms"][1] == {"source": "bad", "nan": ["seed 2"], "failed": [4]}

    assert _main([*argv, "--failed", "worst", "--json"]) == 0
    comparison = json.loads(capsys.readouterr().out)["comparison"]
    assert comparison["n_b"] == 6 and comparison["design"] == "paired"
    assert comparison["dropped"]["worst_value"] == pytest.approx(0.7)

    assert _main([*argv, "--failed", "exclude"]) == 0
    text = capsys.readouterr().out
    assert "bad: 1 failed seeds (4) -> excluded" in text
    assert "bad: 1 without a finite value (seed 2) -> excluded" in text
