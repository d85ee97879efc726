from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from seedlock.cli import main as _main
from seedlock.store import Store

PY = sys.executable


def test_run_passes_the_childs_exit_code_through_and_records_the_run(tmp_path: Path) -> None:
    db = str(tmp_path / "runs.db")
    code = "import os, sys; print(os.environ['SEEDLOCK_SEED']); sys.exit(4)"
    assert _main(["run", "--seed", "21", "--store", db, "--name", "n", "--", PY, "-c", code]) == 4
    assert _main(["run", "--seed", "21", "--store", db, "--", PY, "-c", "pass"]) == 0
    failed, finished = Store(db).runs()[::-1]
    assert (failed.status, failed.exit_code, failed.seed, failed.name) == ("failed", 4, 21, "n")
    assert failed.stdout_tail == "21\n" and finished.status == "finished"


def test_seed_last_replays_the_latest_run_with_the_same_name(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = str(tmp_path / "runs.db")
    assert _main(["run", "--seed", "random", "--name", "exp", "--store", db, "--", "true"]) == 0
    first = Store(db).latest(name="exp")
    assert first is not None
    assert _main(["run", "--seed", "last", "--name", "exp", "--store", db, "--", "true"]) == 0
    second = Store(db).latest(name="exp")
    assert second is not None and second.id != first.id and second.seed == first.seed
    capsys.readouterr()
    assert _main(["run", "--seed", "last", "--name", "new", "--store", db, "--", "true"]) == 2
    assert "no earlier run with name 'new'" in capsys.readouterr().err
    assert len(Store(db).runs()) == 2


def test_json_prints_the_record_and_keeps_the_childs_output_out_of_stdout(
    tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    db = str(tmp_path / "runs.db")
    argv = ["run", "--seed", "3", "--json", "--tag", "lr=0.1", "--store", db]
    assert _main([*argv, "--", PY, "-c", "print('hello')"]) == 0
    record = json.loads(capfd.readouterr().out)
    assert record["seed"] == 3 and record["tags"] == {"lr": "0.1"}
    assert record["stdout_tail"] == "hello\n"


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["run", "--seed", "1"], "no command given"),
        (["run", "--seed", "1", "--"], "no command given"),
        (["run", "--seed", "1", "--", "no-such-program-xyz"], "cannot start 'no-such-program-xyz'"),
        (["run", "--tag", "oops", "--", "true"], "--tag takes KEY=VALUE"),
        (["run", "--seed", "-5", "--", "true"], "--seed must be"),
    ],
)
def test_bad_input_is_a_clear_error_with_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    db = tmp_path / "runs.db"
    assert _main([*argv[:1], "--store", str(db), *argv[1:]]) == 2
    assert message in capsys.readouterr().err
    records = Store(db).runs()
    assert [r.status for r in records] == (["failed"] if "cannot start" in message else [])


def test_an_unknown_option_exits_2_without_touching_the_store(tmp_path: Path) -> None:
    db = tmp_path / "runs.db"
    with pytest.raises(SystemExit) as exc:
        _main(["run", "--store", str(db), "--bogus", "1", "--", "true"])
    assert exc.value.code == 2
    assert not db.exists()


def test_a_missing_output_exits_2_and_keeps_the_record(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    assert _main(["run", "--outputs", "nothere.bin", "--", "true"]) == 2
    assert "'nothere.bin' did not exist" in capsys.readouterr().err
    (record,) = Store(tmp_path / ".seedlock" / "runs.db").runs()
    assert record.status == "finished" and record.outputs == {}


def test_a_child_killed_by_a_signal_exits_like_a_shell_would(tmp_path: Path) -> None:
    code = "import os, signal; os.kill(os.getpid(), signal.SIGTERM)"
    assert _main(["run", "--store", str(tmp_path / "r.db"), "--", PY, "-c", code]) == 128 + 15


def test_track_hands_the_finished_record_to_the_tracker(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import types

    logged: list[tuple[str, str]] = []
    from seedlock.trackers import BACKENDS

    fake = types.ModuleType("seedlock.trackers")
    fake.BACKENDS = BACKENDS  # type: ignore[attr-defined]
    fake.log_run = lambda record, backend: logged.append((record.status, backend))  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "seedlock.trackers", fake)
    db = str(tmp_path / "runs.db")
    assert _main(["run", "--track", "mlflow", "--store", db, "--", "true"]) == 0
    assert logged == [("finished", "mlflow")]


def test_a_failing_tracker_does_not_hide_the_commands_exit_code(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import types

    def broken(record: object, backend: str) -> None:
        raise ConnectionError("tracking server unreachable")

    from seedlock.trackers import BACKENDS

    fake = types.ModuleType("seedlock.trackers")
    fake.BACKENDS = BACKENDS  # type: ignore[attr-defined]
    fake.log_run = broken  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "seedlock.trackers", fake)
    db = str(tmp_path / "runs.db")
    assert _main(["run", "--track", "mlflow", "--store", db, "--", "false"]) == 1
    assert "not logged to mlflow: tracking server unreachable" in capsys.readouterr().err
