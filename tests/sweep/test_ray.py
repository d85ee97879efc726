"""The Ray backend on a local 2-CPU Ray instance: records come back into the driver's store."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from seedlock.store import Store
from seedlock.sweep import run_sweep

pytestmark = pytest.mark.slow


def test_ray_tasks_run_each_seed_and_the_driver_records_them(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pytest.importorskip("ray")
    monkeypatch.setenv("RAY_USAGE_STATS_ENABLED", "0")
    monkeypatch.setenv("RAY_DISABLE_IMPORT_WARNING", "1")
    store = Store(tmp_path / "runs.db")
    code = "import sys, seedlock; s = int(sys.argv[1]); seedlock.log(acc=s / 10); sys.exit(s == 2)"
    result = run_sweep(
        "ray-demo",
        [sys.executable, "-c", code, "{seed}"],
        [1, 2],
        backend="ray",
        cpus_per_run=1,
        store=store,
    )
    assert result.failed == [2]
    records = {r.seed: r for r in store.runs(sweep="ray-demo")}
    assert sorted(records) == [1, 2]
    assert records[1].status == "finished" and records[1].metrics == {"acc": 0.1}
    assert records[2].exit_code == 1
    assert records[1].tags["ray.host"]
    assert records[1].command[-1] == "1"


def test_a_workers_record_keeps_its_own_start_and_end_times(tmp_path: Path) -> None:
    from seedlock.sweep._ray import _store_record

    store = Store(tmp_path / "runs.db")
    data = {
        "id": "abc",
        "name": "n",
        "command": ["python", "t.py"],
        "cwd": "/w",
        "seed": 3,
        "status": "finished",
        "exit_code": 0,
        "started": 1000.0,
        "ended": 1060.5,
        "host": "worker-1",
    }
    record = _store_record(store, data, "sw")
    assert (record.started, record.ended, record.sweep) == (1000.0, 1060.5, "sw")
    assert record.tags["ray.host"] == "worker-1" and record.tags["ray.run_id"] == "abc"
