"""``seedlock verify`` on the command line: exit codes 0/1/2, report and JSON output."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from seedlock.cli import main

RANDOM = "import random; print('value', random.random())"
URANDOM = "import os; print('value', int.from_bytes(os.urandom(4), 'little'))"


@pytest.fixture
def db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.chdir(tmp_path)
    return str(tmp_path / "runs.db")


def test_help_lists_the_verify_options(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["verify", "--help"])
    assert exit_info.value.code == 0
    out = capsys.readouterr().out
    for option in ("--trace", "--ignore", "--outputs", "--jobs", "--json", "-n"):
        assert option in out


def test_identical_runs_exit_zero_with_a_json_report(
    db: str, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["verify", "--store", db, "--seed", "4", "--json", "--", sys.executable, "-c", RANDOM]
    assert main(argv) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["identical"] is True and report["seed"] == 4 and report["runs"] == 2
    assert report["compared"]["stdout lines"] == 1 and len(report["run_ids"]) == 2


def test_differing_runs_exit_one_and_print_the_first_difference(
    db: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["verify", "--store", db, "-n", "3", "--", sys.executable, "-c", URANDOM]) == 1
    out = capsys.readouterr().out
    assert "NOT reproducible" in out
    assert "first difference:\n  stdout line 1" in out and "run 1: value " in out


def test_missing_command_exits_two_with_how_to_fix_it(
    db: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["verify", "--store", db]) == 2
    assert "Put the command after '--'" in capsys.readouterr().err


def test_unknown_option_exits_two(db: str) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["verify", "--frobnicate", "--", sys.executable, "-c", "pass"])
    assert exit_info.value.code == 2


def test_trace_of_a_non_python_command_exits_two_and_records_nothing(
    db: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["verify", "--store", db, "--trace", "--", "echo", "hi"]) == 2
    assert "does not look like Python" in capsys.readouterr().err
    assert not Path(db).exists()


def test_missing_output_file_exits_two_and_names_it(
    db: str, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["verify", "--store", db, "--outputs", "model.pt", "--", sys.executable, "-c", "pass"]
    assert main(argv) == 2
    assert "'model.pt'" in capsys.readouterr().err
