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
