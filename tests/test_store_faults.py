"""The run store under faults: threads with other processes, damaged rows, a full disk."""

from __future__ import annotations

import builtins
import contextlib
import hashlib
import io
import os
import shutil
import sqlite3
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import pytest

from seedlock import SeedlockError
from seedlock._errors import StoreError
from seedlock.launch import repair_runs, run_command
from seedlock.store import Store


def _finished(store: Store, seed: int = 1, **kwargs: Any) -> str:
    rec = store.start_run(name="n", command=["t"], cwd="/", seed=seed, **kwargs)
    store.finish_run(rec.id, exit_code=0, status="finished", metrics={"acc": 0.5})
    return rec.id


def test_no_file_is_ever_opened_on_the_database_outside_sqlite(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Closing any descriptor of the database drops the POSIX locks of every connection of the
    # process (SQLite's "how to corrupt", section 2.2): a thread's check of the file let another
    # process write under a third thread's transaction.
    path = tmp_path / "runs.db"
    opened: list[str] = []
    real_open, real_io_open, real_os_open = builtins.open, io.open, os.open

    def spy(real: Any) -> Any:
        def wrapper(file: Any, *args: Any, **kwargs: Any) -> Any:
            if isinstance(file, (str, os.PathLike)) and Path(file).name.startswith("runs.db"):
                opened.append(str(file))
            return real(file, *args, **kwargs)

        return wrapper

    monkeypatch.setattr(builtins, "open", spy(real_open))
    monkeypatch.setattr(io, "open", spy(real_io_open))
    monkeypatch.setattr(os, "open", spy(real_os_open))
    for store in (Store(path), Store(path)):
        run_id = _finished(store)
        store.runs(limit=1)
        store.get(run_id)
        list(store.sweep_rows("x"))
        store.delete(run_id)
    assert opened == []


def test_threads_of_one_process_with_other_processes_lose_no_record(tmp_path: Path) -> None:
    path = tmp_path / "runs.db"
    writer = (
        "import sys, threading\n"
        "from seedlock.store import Store\n"
        "def work(k):\n"
        "    s = Store(sys.argv[1])\n"
        "    for i in range(10):\n"
        "        r = s.start_run(name=f'{sys.argv[2]}-{k}', command=['t'], cwd='/', seed=i)\n"
        "        s.finish_run(r.id, exit_code=0, status='finished', metrics={'i': i})\n"
        "ts = [threading.Thread(target=work, args=(k,)) for k in range(3)]\n"
        "[t.start() for t in ts]; [t.join() for t in ts]\n"
    )
    procs = [
        subprocess.Popen([sys.executable, "-c", writer, str(path), f"p{k}"], stderr=subprocess.PIPE)
        for k in range(3)
    ]
    errors = [p.communicate()[1].decode() for p in procs]
    assert [p.returncode for p in procs] == [0, 0, 0], errors
    records = Store(path).runs()
    assert len(records) == 3 * 3 * 10
    assert all(r.status == "finished" for r in records)
    with sqlite3.connect(path) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)


def _damage(path: Path, run_id: str, column: str = "metrics", value: str = "{not json") -> None:
    conn = sqlite3.connect(path)
    with conn:
        conn.execute(f"UPDATE runs SET {column} = ? WHERE id = ?", (value, run_id))
    conn.close()


def test_a_damaged_row_reads_as_corrupt_and_the_others_stay_readable(tmp_path: Path) -> None:
    store = Store(tmp_path / "runs.db")
    ids = [_finished(store, seed=s) for s in range(3)]
    _damage(store.path, ids[2])
    newest = store.runs(limit=1)
    assert [r.id for r in newest] == [ids[2]] and newest[0].status == "corrupt"
    assert newest[0].problem is not None and "metrics" in newest[0].problem
    assert f"seedlock runs rm {ids[2]}" in newest[0].problem
    assert [r.status for r in store.runs()] == ["corrupt", "finished", "finished"]
    assert [r.id for r in store.runs(status="finished")] == ids[1::-1]
    assert [r.id for r in store.runs(status="corrupt")] == [ids[2]]


def test_a_damaged_row_can_be_shown_and_removed(tmp_path: Path) -> None:
    store = Store(tmp_path / "runs.db")
    good, bad = _finished(store), _finished(store, seed=2)
    _damage(store.path, bad, "seed", "not a number")
    assert store.get(bad).status == "corrupt"
    store.delete(bad)
    assert [r.id for r in store.runs()] == [good]


def test_a_sweep_with_a_damaged_row_still_gives_its_values(tmp_path: Path) -> None:
    from seedlock.report import load_values

    store = Store(tmp_path / "runs.db")
    ids = [_finished(store, seed=s, sweep="sw") for s in range(4)]
    _damage(store.path, ids[1])
    values = load_values("sw", store=store.path)
    assert values.seeds == (0, 2, 3)


def test_a_newer_or_foreign_file_is_still_refused_byte_identical(tmp_path: Path) -> None:
    path = tmp_path / "runs.db"
    path.write_bytes(b"hello, not a database at all" * 100)
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    with pytest.raises(SeedlockError, match="not an SQLite database"):
        Store(path).start_run(name=None, command=["t"], cwd="/", seed=1)
    with pytest.raises(SeedlockError, match="not an SQLite database"):
        Store(path).runs()
    assert hashlib.sha256(path.read_bytes()).hexdigest() == digest
    assert sorted(p.name for p in tmp_path.iterdir()) == ["runs.db"]


def test_a_device_as_store_path_is_refused(tmp_path: Path) -> None:
    with pytest.raises(SeedlockError, match="not a regular file"):
        Store("/dev/null").runs()


def _full_error() -> sqlite3.OperationalError:
    error = sqlite3.OperationalError("database or disk is full")
    error.sqlite_errorcode = 13  # type: ignore[attr-defined]  # SQLITE_FULL
    return error


def test_a_full_disk_is_named_instead_of_an_unreadable_store(tmp_path: Path) -> None:
    store = Store(tmp_path / "runs.db")
    message = str(store._error(_full_error(), "record the end of a run"))
    assert "no space left on the disk" in message and str(store.path) in message
    assert "disk mounted at" in message and "seedlock runs repair" in message
    assert "not a readable" not in message


def test_a_run_whose_end_cannot_be_recorded_keeps_its_exit_code_and_is_repaired_later(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = Store(tmp_path / "runs.db")
    code = "import seedlock, sys; seedlock.log(acc=0.75); sys.exit(3)"

    def full(self: Store, *args: Any, **kwargs: Any) -> Any:
        raise self._error(_full_error(), "record the end of a run")

    with monkeypatch.context() as patch:
        patch.setattr(Store, "finish_run", full)
        result = run_command([sys.executable, "-c", code], seed=5, store=store, echo=False)
    assert result.store_error is not None and "no space left" in result.store_error
    assert result.record.exit_code == 3 and result.record.metrics == {"acc": 0.75}
    stored = store.get(result.record.id)
    assert stored.status == "running" and stored.metrics == {}
    monkeypatch.setattr("seedlock.store._process_gone", lambda pid, since: True)
    [repaired] = repair_runs(store)
    assert repaired.id == result.record.id
    assert (repaired.status, repaired.exit_code) == ("failed", 3)
    assert repaired.metrics == {"acc": 0.75} and repaired.metric_history
    assert "seedlock runs repair" in repaired.stderr_tail
    assert repair_runs(store) == []


def test_repair_records_a_run_whose_launcher_died_as_killed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = Store(tmp_path / "runs.db")
    rec = store.start_run(name=None, command=["t"], cwd="/", seed=1)
    run_dir = store.run_dir(rec.id)
    run_dir.mkdir(parents=True)
    (run_dir / "metrics.jsonl").write_text('{"metrics": {"loss": 0.5}, "step": 1}\n')
    monkeypatch.setattr("seedlock.store._process_gone", lambda pid, since: True)
    [repaired] = repair_runs(store)
    assert (repaired.status, repaired.exit_code, repaired.metrics) == (
        "killed",
        None,
        {"loss": 0.5},
    )


@pytest.fixture
def small_disk(tmp_path: Path) -> Any:
    """A 1 MB tmpfs (root only), unmounted afterwards."""
    mount = tmp_path / "disk"
    mount.mkdir()
    if os.geteuid() != 0 or shutil.which("mount") is None:
        pytest.skip("mounting a small tmpfs needs root")
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(mount)], capture_output=True
    )
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.decode().strip()}")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


def _fill(directory: Path) -> None:
    with (directory / "filler").open("wb", buffering=0) as fh:
        for chunk in (65536, 512, 1):
            with contextlib.suppress(OSError):
                while True:
                    fh.write(b"\0" * chunk)


def test_a_real_full_disk_keeps_the_exit_code_and_repair_merges_the_metrics_later(
    small_disk: Path,
) -> None:
    store = Store(small_disk / "runs.db")
    _finished(store)
    # The command logs a metric, then fills the disk before it exits with code 4.
    code = (
        "import os, seedlock, sys\n"
        "seedlock.log(acc=0.5)\n"
        "f = open(os.path.join(sys.argv[1], 'filler'), 'wb')\n"
        "try:\n"
        "    while True: f.write(b'x' * 4096); f.flush()\n"
        "except OSError: pass\n"
        "sys.exit(4)\n"
    )
    done = subprocess.run(
        [sys.executable, "-m", "seedlock", "run", "--store", str(store.path), "--seed", "1"]
        + ["--", sys.executable, "-c", code, str(small_disk)],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 4, done.stderr
    assert "Traceback" not in done.stderr
    assert "no space left on the disk" in done.stderr and str(small_disk) in done.stderr
    # With the disk still full: a clear error, not "not a readable store".
    with pytest.raises(StoreError, match="no space left"):
        store.start_run(name=None, command=["t"], cwd="/", seed=2)
    assert [r.status for r in store.runs()] == ["unfinished", "finished"]
    (small_disk / "filler").unlink()
    [repaired] = repair_runs(store)
    assert (repaired.status, repaired.exit_code, repaired.metrics) == ("failed", 4, {"acc": 0.5})
    with sqlite3.connect(store.path) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)


def test_a_store_on_an_already_full_disk_is_a_clear_error(small_disk: Path) -> None:
    _fill(small_disk)
    store = Store(small_disk / "sub" / "runs.db")
    with pytest.raises(StoreError, match="no space left|No space left") as info:
        store.start_run(name=None, command=["t"], cwd="/", seed=1)
    assert "not a readable" not in str(info.value)
    assert store.runs() == []


def test_a_store_on_a_disk_that_filled_up_can_still_be_listed(small_disk: Path) -> None:
    store = Store(small_disk / "runs.db")
    run_id = _finished(store)
    _fill(small_disk)
    assert [r.id for r in Store(store.path).runs()] == [run_id]
    assert Store(store.path).get(run_id).metrics == {"acc": 0.5}


def test_threads_in_one_process_each_with_their_own_connection_lose_nothing(
    tmp_path: Path,
) -> None:
    store = Store(tmp_path / "runs.db")
    errors: list[BaseException] = []

    def work(k: int) -> None:
        try:
            for i in range(15):
                _finished(store, seed=k * 100 + i)
        except BaseException as exc:  # noqa: BLE001  (reported below)
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(k,)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert sorted(r.seed for r in store.runs()) == sorted(
        k * 100 + i for k in range(4) for i in range(15)
    )


def test_outputs_that_include_the_store_never_open_its_database_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import seedlock.launch._run as run_module

    store = Store(tmp_path / ".seedlock" / "runs.db")
    _finished(store)
    hashed: list[str] = []
    real = run_module.file_sha256

    def spy(path: Any) -> str:
        hashed.append(Path(path).name)
        return real(path)

    monkeypatch.setattr(run_module, "file_sha256", spy)
    code = "open('model.txt', 'w').write('w')"
    result = run_command(
        [sys.executable, "-c", code],
        seed=1,
        store=store,
        outputs=["."],
        cwd=str(tmp_path),
        echo=False,
    )
    assert "model.txt" in result.record.outputs
    assert not [name for name in hashed if name.startswith("runs.db")]
    assert not [name for name in result.record.outputs if "runs.db" in name]
