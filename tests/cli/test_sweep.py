"""``seedlock sweep`` through its own parser: output, exit codes, warnings, bad input."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from seedlock.cli import main as _main
from seedlock.store import Store


def test_sweep_prints_json_and_exits_1_when_a_seed_fails(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    store = tmp_path / "runs.db"
    code = "import sys, seedlock; s = int(sys.argv[1]); seedlock.log(acc=s); sys.exit(s == 1)"
    argv = ["sweep", "--seeds", "0,1", "--name", "t", "--jobs", "2", "--store", str(store)]
    assert _main([*argv, "--json", "--", sys.executable, "-c", code, "{seed}"]) == 1
    captured = capsys.readouterr()
    data = json.loads(captured.out)
    assert data["failed"] == [1]
    assert {run["seed"]: run["status"] for run in data["runs"]} == {0: "finished", 1: "failed"}
    assert "seed 1 failed (exit 1)" in captured.err
    assert "seedlock: sweep t: 1 finished, 1 failed (seeds 1)" in captured.err


def test_non_python_command_without_placeholder_warns(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["sweep", "--seeds", "0-0", "--name", "sh", "--store", str(tmp_path / "runs.db")]
    assert _main([*argv, "--", "sh", "-c", "exit 0"]) == 0
    assert "warning: the command has no {seed}" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--seeds", "5-3", "--name", "x", "--", "python"], "--seeds range '5-3' is empty"),
        (["--seeds", "0", "--name", "x", "--", "python"], "give 1 to"),
        (["--seeds", "0-1", "--name", "x"], "no command given"),
        (["--seeds", "0-1", "--name", "a/b", "--", "python"], "sweep name"),
        (["--seeds", "0-1", "--name", "x", "--", "--oops"], "unknown option '--oops'"),
    ],
)
def test_bad_input_exits_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    assert _main(["sweep", "--store", str(tmp_path / "runs.db"), *argv]) == 2
    assert message in capsys.readouterr().err


def test_changed_command_exits_2_and_keeps_the_store(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    store = Store(tmp_path / "runs.db")
    run = store.start_run(name="x", command=["a"], cwd="/", seed=0, sweep="x")
    store.finish_run(run.id, exit_code=0, status="finished")
    from seedlock.sweep import plan_sweep

    plan_sweep("x", ["python", "a.py"], [0], store=store)
    argv = ["sweep", "--seeds", "0-0", "--name", "x", "--store", str(store.path)]
    assert _main([*argv, "--", "python", "b.py"]) == 2
    assert "already exists with a different setup" in capsys.readouterr().err
    assert [r.id for r in store.runs(sweep="x")] == [run.id]
