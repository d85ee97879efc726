"""Loading per-seed values from CSV/JSON files and from sweeps in the run store."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from seedlock._errors import SeedlockError
from seedlock.report import MetricValues, load_values, sweep_values
from seedlock.store import Store


def test_csv_with_seed_column_gives_one_metric_per_numeric_column(tmp_path: Path) -> None:
    path = tmp_path / "adam.csv"
    path.write_text("seed,accuracy,loss,note\n0,0.81,0.5,a\n1,0.83,,b\n2,0.82,0.4,c\n")
    values = load_values(path)
    assert values.seeds == (0, 1, 2)
    assert values.names == ["accuracy", "loss"]
    assert values.values("accuracy").tolist() == [0.81, 0.83, 0.82]
    assert values.values("loss").tolist() == [0.5, 0.4]


def test_csv_without_header_is_a_column_of_values(tmp_path: Path) -> None:
    path = tmp_path / "v.csv"
    path.write_text("0.5\n0.6\n0.7\n")
    assert load_values(path).values("value").tolist() == [0.5, 0.6, 0.7]


@pytest.mark.parametrize(
    "data",
    [
        [0.5, 0.6],
        {"value": [0.5, 0.6], "seed": [3, 4]},
        [{"seed": 3, "value": 0.5}, {"seed": 4, "value": 0.6}],
    ],
)
def test_every_json_shape_gives_the_same_values(tmp_path: Path, data: object) -> None:
    path = tmp_path / "v.json"
    path.write_text(json.dumps(data))
    assert load_values(path).values("value").tolist() == [0.5, 0.6]


def test_unknown_metric_lists_the_available_ones() -> None:
    values = MetricValues("s", (0, 1), {"acc": (0.1, 0.2), "loss": (1.0, 2.0)})
    with pytest.raises(SeedlockError, match="unknown metric 'f1'.*available: acc, loss"):
        values.values("f1")
    with pytest.raises(SeedlockError, match="2 metrics: acc, loss"):
        values.pick(None)


@pytest.mark.parametrize(
    ("name", "text", "message"),
    [
        ("bad.json", '{"a": 1}', "not a values file"),
        ("bad.json", "{", "cannot read"),
        ("bad.csv", "seed,acc\n0,0.5,9\n", "line 2 has 3 cells"),
        ("bad.csv", "seed,acc\n-1,0.5\n", "seed must be a non-negative whole number"),
        ("empty.csv", "", "is empty"),
    ],
)
def test_bad_files_are_clear_errors(tmp_path: Path, name: str, text: str, message: str) -> None:
    path = tmp_path / name
    path.write_text(text)
    with pytest.raises(SeedlockError, match=message):
        load_values(path)


def test_missing_file_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(SeedlockError, match="does not exist"):
        load_values(tmp_path / "nope.csv")


def _record(store: Store, sweep: str, seed: int, status: str, **metrics: float) -> None:
    run = store.start_run(name=sweep, command=["python", "t.py"], cwd="/", seed=seed, sweep=sweep)
    store.finish_run(
        run.id, exit_code=0 if status == "finished" else 1, status=status, metrics=metrics
    )


def test_sweep_values_take_the_newest_finished_run_per_seed(tmp_path: Path) -> None:
    store = Store(tmp_path / "runs.db")
    _record(store, "adam", 1, "finished", accuracy=0.8)
    _record(store, "adam", 0, "failed")
    _record(store, "adam", 2, "failed")
    _record(store, "adam", 0, "finished", accuracy=0.7)
    _record(store, "other", 5, "finished", accuracy=0.1)
    values = load_values("adam", store=tmp_path / "runs.db")
    assert values.seeds == (0, 1)
    assert values.values("accuracy").tolist() == [0.7, 0.8]
    assert values.failed == (2,)


def test_unknown_sweep_names_the_known_ones(tmp_path: Path) -> None:
    store = Store(tmp_path / "runs.db")
    _record(store, "adam", 0, "finished", accuracy=0.8)
    with pytest.raises(SeedlockError, match="no sweep named 'sgd'.*known sweeps: adam"):
        load_values("sgd", store=tmp_path / "runs.db")


def test_sweep_values_skip_text_metrics() -> None:
    assert sweep_values([], "x").metrics == {}
    values = MetricValues("x", (0,), {"a": (math.nan,)})
    assert values.values("a").size == 0
