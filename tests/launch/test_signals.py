"""Signals: a launched command runs in its own process group and is ended with everything it
started; seedlock passes Ctrl-C, SIGTERM and SIGHUP on, and a killed launcher leaves nothing."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from seedlock.store import Store

pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="process groups and prctl")

# The command starts a grandchild, writes both pids, then waits to be ended.
_FAMILY = """
import os, subprocess, sys, time
child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(120)"])
with open(sys.argv[1] + ".tmp", "w") as fh:
    fh.write(f"{os.getpid()} {child.pid}")
os.replace(sys.argv[1] + ".tmp", sys.argv[1])
time.sleep(120)
"""


def _seedlock(tmp_path: Path, *args: str) -> subprocess.Popen[bytes]:
    env = {**os.environ, "SEEDLOCK_STORE": str(tmp_path / "runs.db")}
    return subprocess.Popen(
        [sys.executable, "-m", "seedlock", *args],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )


def _pids(path: Path, timeout: float = 60.0) -> list[int]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if path.exists():
            return [int(p) for p in path.read_text().split()]
        time.sleep(0.05)
    raise AssertionError(f"{path} was not written")


def _gone(pid: int, timeout: float = 15.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return True
        # A zombie whose parent is gone is reaped by init soon; read its state.
        try:
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except (OSError, IndexError):
            return True
        if state == "Z":
            return True
        time.sleep(0.05)
    return False


def _family_script(tmp_path: Path) -> Path:
    script = tmp_path / "family.py"
    script.write_text(_FAMILY)
    return script


@pytest.mark.parametrize(("signum", "code"), [(signal.SIGTERM, 143), (signal.SIGINT, 130)])
def test_a_signal_to_seedlock_run_ends_the_command_and_its_grandchildren(
    tmp_path: Path, signum: int, code: int
) -> None:
    script = _family_script(tmp_path)
    launcher = _seedlock(tmp_path, "run", "--seed", "1", "--", sys.executable, str(script), "p")
    child, grandchild = _pids(tmp_path / "p")
    launcher.send_signal(signum)
    launcher.communicate(timeout=60)
    assert launcher.returncode == code
    assert _gone(child) and _gone(grandchild)
    record = Store(tmp_path / "runs.db").runs()[0]
    assert record.status == "killed" and record.exit_code == -signum


def test_a_killed_launcher_takes_its_command_with_it(tmp_path: Path) -> None:
    script = _family_script(tmp_path)
    launcher = _seedlock(tmp_path, "run", "--seed", "1", "--", sys.executable, str(script), "p")
    child, grandchild = _pids(tmp_path / "p")
    launcher.kill()
    launcher.communicate(timeout=30)
    assert _gone(child)
    os.kill(grandchild, signal.SIGKILL)  # the grandchild is the command's own business


@pytest.mark.parametrize("command", ["sweep", "verify"])
def test_sweep_and_parallel_verify_pass_sigterm_to_every_running_command(
    tmp_path: Path, command: str
) -> None:
    script = _family_script(tmp_path)
    if command == "sweep":
        args = [
            "sweep",
            "--name",
            "s",
            "--seeds",
            "0-3",
            "--jobs",
            "2",
            "--json",
            "--",
            sys.executable,
            str(script),
            "p{seed}",
        ]
        files = [tmp_path / "p0", tmp_path / "p1"]
    else:
        args = ["verify", "-n", "2", "--jobs", "2", "--", sys.executable, str(script), "p"]
        files = [tmp_path / "p"]
    launcher = _seedlock(tmp_path, *args)
    family = [pid for path in files for pid in _pids(path)]
    time.sleep(0.5)
    launcher.send_signal(signal.SIGTERM)
    out, err = launcher.communicate(timeout=60)
    assert launcher.returncode == 143, err.decode()
    assert all(_gone(pid) for pid in family)
    records = Store(tmp_path / "runs.db").runs()
    assert records and all(r.status in ("killed", "failed") for r in records)
    assert any(r.status == "killed" for r in records)
    if command == "sweep":
        assert "stopped by SIGTERM" in err.decode()
        assert len(records) == 2  # seeds 2 and 3 never started
        json.loads(out)


# verify --outputs: each path is checked right before each deletion.

_SWAP = """
import os, pathlib, sys
out = pathlib.Path("out")
if pathlib.Path("ran-once").exists():
    (out / "model.pt").write_text("second")
else:
    pathlib.Path("ran-once").write_text("")
    import shutil
    shutil.rmtree(out, ignore_errors=True)
    os.symlink(sys.argv[1], out)   # the output folder now points outside
    (out / "model.pt").write_text("first")
"""


def test_verify_never_deletes_through_a_symlink_a_run_made(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from seedlock.cli import main

    work, outside = tmp_path / "work", tmp_path / "outside"
    work.mkdir()
    outside.mkdir()
    (outside / "model.pt").write_text("precious")
    (work / "out").mkdir()
    (work / "swap.py").write_text(_SWAP)
    monkeypatch.chdir(work)
    code = main(
        [
            "verify",
            "--outputs",
            "out/model.pt",
            "--store",
            str(tmp_path / "r.db"),
            "--",
            sys.executable,
            "swap.py",
            str(outside),
        ]
    )
    assert code == 2
    assert "leads outside the working directory" in capsys.readouterr().err
    assert (outside / "model.pt").read_text() == "first"  # written by run 1, never deleted


# A Python child that skips the start-up hook is not seeded: the record and verify say so.


@pytest.mark.parametrize("flag", ["-I", "-E", "-S", "-sE"])
def test_a_python_started_without_the_hook_is_recorded_as_unseeded(
    tmp_path: Path, flag: str
) -> None:
    from seedlock.launch import run_command

    code = "import os; print(os.environ.get('SEEDLOCK_SEED'))"
    store = Store(tmp_path / "r.db")
    result = run_command([sys.executable, flag, "-c", code], seed=3, store=store, echo=False)
    assert "start-up hook never ran" in result.record.tags["unseeded"]
    plain = run_command([sys.executable, "-c", code], seed=3, store=store, echo=False)
    assert "unseeded" not in plain.record.tags


def test_verify_reports_an_unseeded_python(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from seedlock.cli import main

    monkeypatch.chdir(tmp_path)
    main(["verify", "--store", str(tmp_path / "r.db"), "--", sys.executable, "-I", "-c", "pass"])
    assert "not seeded: python -I ignores PYTHONPATH" in capsys.readouterr().out


def test_a_run_name_with_a_line_break_is_refused_before_anything_is_recorded(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from seedlock.cli import main

    db = tmp_path / "r.db"
    assert main(["run", "--name", "abc\n", "--store", str(db), "--", sys.executable, "-c", ""]) == 2
    assert "printable characters" in capsys.readouterr().err
    assert not db.exists() or Store(db).runs() == []
