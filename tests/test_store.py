from __future__ import annotations

import hashlib
import json
import os
import socket
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from seedlock import SeedlockError
from seedlock.store import SCHEMA_VERSION, Store


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _finished(store: Store, **kwargs: object) -> str:
    rec = store.start_run(
        name=kwargs.pop("name", None),  # type: ignore[arg-type]
        command=["python", "t.py"],
        cwd="/tmp",
        seed=kwargs.pop("seed", 1),  # type: ignore[arg-type]
        **kwargs,  # type: ignore[arg-type]
    )
    store.finish_run(rec.id, exit_code=0, status="finished")
    return rec.id


def test_a_record_round_trips_every_field_including_a_128_bit_seed(tmp_path: Path) -> None:
    store = Store(tmp_path / "runs.db")
    seed = 2**127 + 12345
    rec = store.start_run(
        name="base",
        command=["python", "train.py", "--lr", "0.1"],
        cwd="/work",
        seed=seed,
        deterministic=True,
        threads=2,
        sweep="sw1",
        tags={"lr": "0.1"},
    )
    assert rec.status == "running" and len(rec.id) == 12
    done = store.finish_run(
        rec.id,
        exit_code=0,
        status="finished",
        metrics={"acc": 0.5, "epochs": 3, "note": "ok"},
        metric_history=[{"metrics": {"acc": 0.5}, "step": 1}],
        outputs={"model.pt": "ab" * 32},
        stdout_tail="out",
        stderr_tail="err",
        fingerprint={"python": "3.11"},
        doctor=[{"code": "X1", "message": "m"}],
    )
    again = store.get(rec.id)
    assert again == done
    assert again.seed == seed
    assert again.metrics == {"acc": 0.5, "epochs": 3, "note": "ok"}
    assert again.tags == {"lr": "0.1"} and again.sweep == "sw1" and again.threads == 2
    assert again.ended is not None and again.ended >= again.started
    assert json.loads(json.dumps(again.to_dict()))["seed"] == seed


def test_get_accepts_a_unique_prefix_and_refuses_unknown_or_ambiguous_ones(tmp_path: Path) -> None:
    store = Store(tmp_path / "runs.db")
    ids = [_finished(store) for _ in range(20)]
    assert store.get(ids[0][:8]).id == ids[0]
    with pytest.raises(SeedlockError, match="no run with id"):
        store.get("ffffffffffff" if "ffffffffffff" not in ids else "000000000000")
    with pytest.raises(SeedlockError, match="hex digits"):
        store.get("zz")
    first_chars = [i[0] for i in ids]
    shared = next(c for c in first_chars if first_chars.count(c) > 1)
    with pytest.raises(SeedlockError, match="several runs"):
        store.get(shared)


def test_list_is_newest_first_and_filters_by_name_sweep_status_and_limit(tmp_path: Path) -> None:
    store = Store(tmp_path / "runs.db")
    a = _finished(store, name="a")
    b = _finished(store, name="b", sweep="s")
    c = store.start_run(name="a", command=["x"], cwd="/", seed=3).id
    store.finish_run(c, exit_code=1, status="failed")
    assert [r.id for r in store.runs()] == [c, b, a]
    assert [r.id for r in store.runs(name="a")] == [c, a]
    assert [r.id for r in store.runs(sweep="s")] == [b]
    assert [r.id for r in store.runs(status="failed")] == [c]
    assert [r.id for r in store.runs(limit=1)] == [c]
    with pytest.raises(SeedlockError, match="status must be one of"):
        store.runs(status="done")


def test_latest_matches_by_name_or_exact_command(tmp_path: Path) -> None:
    store = Store(tmp_path / "runs.db")
    assert store.latest(name="a") is None
    _finished(store, name="a", seed=1)
    newer = _finished(store, name="a", seed=2)
    assert store.latest(name="a").id == newer  # type: ignore[union-attr]
    assert store.latest(command=["python", "t.py"]).id == newer  # type: ignore[union-attr]
    assert store.latest(command=["python", "other.py"]) is None


def test_delete_removes_the_record_and_its_run_directory(tmp_path: Path) -> None:
    store = Store(tmp_path / "runs.db")
    run_id = _finished(store)
    store.run_dir(run_id).mkdir(parents=True)
    store.delete(run_id[:6])
    assert store.runs() == []
    assert not store.run_dir(run_id).exists()


def test_a_running_record_whose_process_is_gone_reads_as_unfinished(tmp_path: Path) -> None:
    store = Store(tmp_path / "runs.db")
    run_id = store.start_run(name=None, command=["x"], cwd="/", seed=1).id
    assert store.get(run_id).status == "running"
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    with sqlite3.connect(store.path) as conn:
        conn.execute("UPDATE runs SET pid = ? WHERE id = ?", (dead.pid, run_id))
    assert store.get(run_id).status == "unfinished"
    assert [r.id for r in store.runs(status="unfinished")] == [run_id]
    assert store.get(run_id).host == socket.gethostname()


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_a_run_whose_process_is_a_zombie_or_whose_pid_was_reused_reads_as_unfinished(
    tmp_path: Path,
) -> None:
    store = Store(tmp_path / "runs.db")
    zombie_id = store.start_run(name=None, command=["x"], cwd="/", seed=1).id
    reused_id = store.start_run(name=None, command=["x"], cwd="/", seed=1).id
    zombie = subprocess.Popen([sys.executable, "-c", "pass"])
    later = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        deadline = time.monotonic() + 30
        # Not reaped (no poll/wait) until the end, so the exited child stays a zombie.
        while Path(f"/proc/{zombie.pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z":
            assert time.monotonic() < deadline
            time.sleep(0.02)
        with sqlite3.connect(store.path) as conn:
            # The record claims a process that started before it; `later` started after.
            conn.execute("UPDATE runs SET pid = ? WHERE id = ?", (zombie.pid, zombie_id))
            conn.execute(
                "UPDATE runs SET pid = ?, started = started - 30 WHERE id = ?",
                (later.pid, reused_id),
            )
        assert store.get(zombie_id).status == "unfinished"
        assert store.get(reused_id).status == "unfinished"
        alive_id = store.start_run(name=None, command=["x"], cwd="/", seed=1).id
        assert store.get(alive_id).status == "running"
    finally:
        later.kill()
        later.wait()
        zombie.wait()


def test_the_store_uses_wal_and_a_versioned_meta_table(tmp_path: Path) -> None:
    store = Store(tmp_path / "runs.db")
    _finished(store)
    with sqlite3.connect(store.path) as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        meta = dict(conn.execute("SELECT key, value FROM meta"))
    assert meta == {"format": "seedlock-runs", "schema_version": str(SCHEMA_VERSION)}


def test_an_older_schema_is_migrated_on_open(tmp_path: Path) -> None:
    path = tmp_path / "runs.db"
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
        conn.execute("INSERT INTO meta VALUES ('format', 'seedlock-runs')")
        conn.execute("INSERT INTO meta VALUES ('schema_version', '0')")
    store = Store(path)
    assert store.runs() == []
    _finished(store)
    with sqlite3.connect(path) as conn:
        assert conn.execute("SELECT value FROM meta WHERE key='schema_version'").fetchone() == (
            str(SCHEMA_VERSION),
        )


def test_a_newer_schema_is_refused_with_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "runs.db"
    _finished(Store(path))
    with sqlite3.connect(path) as conn:
        conn.execute("UPDATE meta SET value = '99' WHERE key = 'schema_version'")
    before = _sha(path)
    with pytest.raises(SeedlockError, match="schema version 99.*Upgrade seedlock"):
        Store(path).runs()
    assert _sha(path) == before


def test_a_file_that_is_not_sqlite_is_refused_and_left_unchanged(tmp_path: Path) -> None:
    path = tmp_path / "runs.db"
    path.write_bytes(b"my precious notes\n" * 100)
    before = _sha(path)
    store = Store(path)
    with pytest.raises(SeedlockError, match="not a seedlock run store"):
        store.start_run(name=None, command=["x"], cwd="/", seed=1)
    with pytest.raises(SeedlockError, match="not a seedlock run store"):
        store.runs()
    assert _sha(path) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["runs.db"]


def test_a_foreign_sqlite_database_is_refused_and_left_unchanged(tmp_path: Path) -> None:
    path = tmp_path / "app.db"
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE users (name TEXT)")
        conn.execute("INSERT INTO users VALUES ('ada')")
    before = _sha(path)
    with pytest.raises(SeedlockError, match="not a seedlock run store.*users"):
        Store(path).start_run(name=None, command=["x"], cwd="/", seed=1)
    assert _sha(path) == before


def test_a_directory_as_store_path_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(SeedlockError, match="is a directory"):
        Store(tmp_path).runs()


def test_a_missing_store_reads_as_empty_without_creating_it(tmp_path: Path) -> None:
    store = Store(tmp_path / "sub" / "runs.db")
    assert store.runs() == [] and store.latest(name="x") is None
    assert not (tmp_path / "sub").exists()


def test_the_default_store_follows_the_environment_variable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    assert Store().path == tmp_path / ".seedlock" / "runs.db"
    monkeypatch.setenv("SEEDLOCK_STORE", str(tmp_path / "elsewhere.db"))
    assert Store().path == tmp_path / "elsewhere.db"


_WRITER = """
import sys
from seedlock.store import Store
store = Store(sys.argv[1])
for i in range(15):
    rec = store.start_run(name=sys.argv[2], command=["w", str(i)], cwd="/", seed=i)
    store.finish_run(rec.id, exit_code=0, status="finished", metrics={"i": i})
"""


def test_eight_processes_recording_at_once_lose_nothing(tmp_path: Path) -> None:
    path = tmp_path / "runs.db"
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", _WRITER, str(path), f"w{k}"], stderr=subprocess.PIPE
        )
        for k in range(8)
    ]
    errors = [p.communicate()[1].decode() for p in procs]
    assert [p.returncode for p in procs] == [0] * 8, errors
    records = Store(path).runs()
    assert len(records) == 8 * 15
    assert len({r.id for r in records}) == 8 * 15
    assert all(r.status == "finished" for r in records)
    for k in range(8):
        assert sorted(r.metrics["i"] for r in records if r.name == f"w{k}") == list(range(15))  # type: ignore[type-var]


def test_a_store_deleted_while_in_use_is_created_afresh(tmp_path: Path) -> None:
    store = Store(tmp_path / ".seedlock" / "runs.db")
    _finished(store)
    for leftover in store.path.parent.iterdir():
        leftover.unlink()
    _finished(store)
    assert len(store.runs()) == 1


def test_an_empty_file_becomes_a_new_store(tmp_path: Path) -> None:
    path = tmp_path / "runs.db"
    path.touch()
    _finished(Store(path))
    assert len(Store(path).runs()) == 1
    assert os.path.getsize(path) > 0
