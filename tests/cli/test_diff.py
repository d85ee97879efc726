from __future__ import annotations

import json
from pathlib import Path

import pytest

from seedlock.cli import main as _main
from seedlock.launch import diff_runs
from seedlock.store import RunRecord, Store


def _record(store: Store, seed: int, metrics: dict[str, float], code: int = 0) -> RunRecord:
    rec = store.start_run(name=None, command=["python", "t.py"], cwd="/", seed=seed)
    return store.finish_run(
        rec.id,
        exit_code=code,
        status="finished" if code == 0 else "failed",
        metrics=metrics,
        outputs={"model.pt": ("a" if seed == 1 else "b") * 64},
    )


def test_differences_are_ranked_causes_first_then_metrics_by_size(tmp_path: Path) -> None:
    store = Store(tmp_path / "runs.db")
    a = _record(store, 1, {"acc": 0.90, "loss": 0.5, "same": 1.0})
    b = _record(store, 2, {"acc": 0.80, "loss": 0.1, "same": 1.0}, code=1)
    kinds = [(d.kind, d.key) for d in diff_runs(a, b).differences]
    assert kinds == [
        ("seed", "root seed"),
        ("status", "exit"),
        ("metric", "loss"),
        ("metric", "acc"),
        ("output", "model.pt"),
    ]


def test_identical_records_have_no_differences(tmp_path: Path) -> None:
    store = Store(tmp_path / "runs.db")
    a = _record(store, 1, {"acc": 0.9})
    assert diff_runs(a, a).identical


def test_cli_diff_exits_1_on_differences_and_prints_json(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    store = Store(tmp_path / "runs.db")
    a = _record(store, 1, {"acc": 0.9})
    b = _record(store, 2, {"acc": 0.9})
    assert _main(["diff", a.id, b.id, "--store", str(store.path)]) == 1
    assert "root seed: A=1  B=2" in capsys.readouterr().out
    assert _main(["diff", a.id[:6], a.id, "--json", "--store", str(store.path)]) == 0
    assert json.loads(capsys.readouterr().out)["identical"] is True


def test_cli_diff_of_an_unknown_run_exits_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    store = Store(tmp_path / "runs.db")
    a = _record(store, 1, {})
    assert _main(["diff", a.id, "abcdef", "--store", str(store.path)]) == 2
    assert "no run with id 'abcdef'" in capsys.readouterr().err


def test_environment_differences_come_before_effects_without_per_run_noise(
    tmp_path: Path,
) -> None:
    import seedlock

    store = Store(tmp_path / "runs.db")
    base = seedlock.fingerprint().to_dict()
    prints = []
    for run_id, numpy_version in (("r1", "1.0.0"), ("r2", "2.0.0")):
        fp = json.loads(json.dumps(base))
        fp["packages"]["numpy"] = numpy_version
        fp["env"]["SEEDLOCK_RUN_ID"] = run_id
        prints.append(fp)
    records = []
    for seed, fp, metric in ((1, prints[0], 0.9), (1, prints[1], 0.8)):
        rec = store.start_run(name=None, command=["t"], cwd="/", seed=seed)
        records.append(
            store.finish_run(
                rec.id, exit_code=0, status="finished", metrics={"acc": metric}, fingerprint=fp
            )
        )
    differences = diff_runs(*records).differences
    assert [(d.kind, d.key) for d in differences] == [
        ("environment", "packages.numpy"),
        ("metric", "acc"),
    ]
    assert differences[0].note.startswith("high impact")
