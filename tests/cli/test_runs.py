from __future__ import annotations

import json
from pathlib import Path

import pytest

from seedlock.cli import main as _main
from seedlock.store import Store


@pytest.fixture
def db(tmp_path: Path) -> str:
    store = Store(tmp_path / "runs.db")
    for name, seed in (("a", 1), ("b", 2**100)):
        rec = store.start_run(name=name, command=["python", "t.py"], cwd="/", seed=seed)
        store.finish_run(
            rec.id,
            exit_code=0,
            status="finished",
            metrics={"acc": 0.5},
            stdout_tail="the end\n",
            doctor=[{"severity": "warning", "id": "hash", "title": "PYTHONHASHSEED unset"}],
        )
    return str(store.path)


def test_list_shows_a_table_newest_first(db: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert _main(["runs", "--store", db]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split()[:5] == ["ID", "NAME", "STATUS", "EXIT", "SEED"]
    assert [line.split()[1] for line in lines[1:]] == ["b", "a"]
    assert "acc=0.5" in lines[1]


def test_list_json_filters_by_name(db: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert _main(["runs", "list", "--name", "b", "--json", "--store", db]) == 0
    (record,) = json.loads(capsys.readouterr().out)
    assert record["name"] == "b" and record["seed"] == 2**100


def test_show_prints_one_run_in_full(db: str, capsys: pytest.CaptureFixture[str]) -> None:
    run_id = Store(db).runs(name="a")[0].id
    assert _main(["runs", "show", run_id[:5], "--store", db]) == 0
    out = capsys.readouterr().out
    assert f"run        {run_id}" in out and "acc = 0.5" in out
    assert "warning hash: PYTHONHASHSEED unset" in out and "the end" in out


def test_rm_removes_a_run(db: str, capsys: pytest.CaptureFixture[str]) -> None:
    run_id = Store(db).runs(name="a")[0].id
    assert _main(["runs", "rm", run_id, "--store", db]) == 0
    assert [r.name for r in Store(db).runs()] == ["b"]
    assert _main(["runs", "show", run_id, "--store", db]) == 2
    assert "no run with id" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["runs", "show"], "needs a run id"),
        (["runs", "list", "abc"], "takes no run id"),
        (["runs", "rm", "zzz"], "hex digits"),
    ],
)
def test_bad_input_exits_2(
    db: str, capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    assert _main([*argv, "--store", db]) == 2
    assert message in capsys.readouterr().err


def test_a_foreign_file_is_reported_not_listed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "notes.db"
    path.write_text("not a database")
    assert _main(["runs", "--store", str(path)]) == 2
    assert "not a seedlock run store" in capsys.readouterr().err
    assert path.read_text() == "not a database"


def _damage_newest(db: str) -> str:
    import sqlite3

    run_id = Store(db).runs(limit=1)[0].id
    conn = sqlite3.connect(db)
    with conn:
        conn.execute("UPDATE runs SET metrics = '{\"acc\": 0.' WHERE id = ?", (run_id,))
    conn.close()
    return run_id


def test_a_damaged_row_is_flagged_and_the_others_listed_even_with_limit_1(
    db: str, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = _damage_newest(db)
    assert _main(["runs", "--limit", "1", "--store", db]) == 0
    captured = capsys.readouterr()
    assert bad in captured.out and "corrupt" in captured.out
    assert f"seedlock runs rm {bad}" in captured.err
    assert _main(["runs", "--store", db]) == 0
    assert [line.split()[2] for line in capsys.readouterr().out.splitlines()[1:]] == [
        "corrupt",
        "finished",
    ]


def test_rm_removes_a_damaged_row(db: str, capsys: pytest.CaptureFixture[str]) -> None:
    bad = _damage_newest(db)
    assert _main(["runs", "rm", bad, "--store", db]) == 0
    assert f"removed run {bad}" in capsys.readouterr().out
    assert [r.status for r in Store(db).runs()] == ["finished"]


def test_list_json_is_one_valid_array_with_the_damaged_row_flagged(
    db: str, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = _damage_newest(db)
    assert _main(["runs", "--json", "--store", db]) == 0
    records = json.loads(capsys.readouterr().out)
    assert [(r["id"] == bad, r["status"]) for r in records] == [
        (True, "corrupt"),
        (False, "finished"),
    ]
    assert "metrics" in records[0]["problem"] and records[1]["problem"] is None
    assert _main(["runs", "--json", "--name", "nobody", "--store", db]) == 0
    assert json.loads(capsys.readouterr().out) == []


def test_repair_records_unfinished_runs_and_says_when_there_is_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    store = Store(tmp_path / "runs.db")
    assert _main(["runs", "repair", "--store", str(store.path)]) == 0
    assert "nothing to repair" in capsys.readouterr().err
    rec = store.start_run(name="lost", command=["t"], cwd="/", seed=1)
    monkeypatch.setattr("seedlock.store._process_gone", lambda pid, since: True)
    assert _main(["runs", "repair", "--store", str(store.path)]) == 0
    captured = capsys.readouterr()
    assert rec.id in captured.out and "repaired 1" in captured.err
    assert store.get(rec.id).status == "killed"


def test_listing_records_a_run_whose_launcher_died_as_killed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import subprocess
    import sys

    db = tmp_path / "runs.db"
    store = Store(db)
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()
    record = store.start_run(name=None, command=["x"], cwd=str(tmp_path), seed=1)
    with store._conn() as conn:  # the launcher of this record is a process that has ended
        conn.execute("UPDATE runs SET pid = ? WHERE id = ?", (gone.pid, record.id))
    assert store.get(record.id).status == "unfinished"
    assert _main(["runs", "--store", str(db)]) == 0
    assert "now recorded as killed" in capsys.readouterr().err
    assert store.get(record.id).status == "killed"
