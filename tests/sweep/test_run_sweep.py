"""run_sweep end to end on the local backend: records, failures, resume, interrupts, SIGKILL."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from seedlock._errors import SeedlockError
from seedlock.store import Store
from seedlock.sweep import load_spec, plan_sweep, run_sweep, spec_path
from seedlock.sweep._local import run_local

SCRIPT = """
import os, sys, time
import seedlock
seed = int(sys.argv[1])
if seed != int(os.environ["SEEDLOCK_SEED"]):
    sys.exit(9)
if os.path.exists(sys.argv[2]) and seed == 1:
    print("boom: seed 1 fails", file=sys.stderr)
    sys.exit(3)
if seed == 2 and len(sys.argv) > 3:
    time.sleep(float(sys.argv[3]))
seedlock.log(accuracy=0.8 + seed / 100)
"""


@pytest.fixture
def script(tmp_path: Path) -> Path:
    path = tmp_path / "train.py"
    path.write_text(textwrap.dedent(SCRIPT))
    return path


def test_seeds_run_in_parallel_and_are_recorded_under_the_sweep(
    tmp_path: Path, script: Path
) -> None:
    store = Store(tmp_path / "runs.db")
    seen: list[int] = []
    command = [sys.executable, str(script), "{seed}", str(tmp_path / "no-flag")]
    result = run_sweep("adam", command, [4, 0, 3], jobs=2, store=store, on_start=seen.append)
    assert result.ok
    assert [o.seed for o in result.outcomes] == [4, 0, 3]
    assert sorted(seen) == [0, 3, 4]
    records = {r.seed: r for r in store.runs(sweep="adam")}
    assert sorted(records) == [0, 3, 4]
    for seed, record in records.items():
        assert record.status == "finished"
        assert record.command[2] == str(seed)
        assert record.metrics["accuracy"] == pytest.approx(0.8 + seed / 100)
        assert record.name == "adam"


def test_a_failing_seed_keeps_its_record_and_resume_reruns_only_it(
    tmp_path: Path, script: Path
) -> None:
    flag = tmp_path / "fail-seed-1"
    flag.write_text("")
    store = Store(tmp_path / "runs.db")
    command = [sys.executable, str(script), "{seed}", str(flag)]
    first = run_sweep("sgd", command, [0, 1, 2], jobs=2, store=store)
    assert first.failed == [1]
    failed = next(o.record for o in first.outcomes if o.seed == 1)
    assert failed is not None
    assert failed.exit_code == 3
    assert "boom: seed 1 fails" in failed.stderr_tail
    flag.unlink()
    again = run_sweep("sgd", None, None, resume=True, store=store)
    assert again.skipped == [0, 2]
    assert [o.seed for o in again.outcomes] == [1]
    assert again.ok
    finished = store.runs(sweep="sgd", status="finished")
    assert sorted(r.seed for r in finished) == [0, 1, 2]


def test_random_seeds_are_drawn_once_and_reused(tmp_path: Path) -> None:
    store = Store(tmp_path / "runs.db")
    spec, to_run, _ = plan_sweep("r", ["python", "t.py"], 3, store=store)
    assert spec.random and len(spec.seeds) == 3 and to_run == spec.seeds
    again, to_run_again, _ = plan_sweep("r", None, 3, store=store, resume=True)
    assert to_run_again == spec.seeds
    more, to_run_more, _ = plan_sweep("r", ["python", "t.py"], 5, store=store)
    assert to_run_more[:3] == spec.seeds and len(set(to_run_more)) == 5
    assert load_spec(spec_path(store.path, "r")) == more


def test_same_name_with_a_different_command_is_refused_unless_resume(tmp_path: Path) -> None:
    store = Store(tmp_path / "runs.db")
    plan_sweep("a", ["python", "t.py"], [0, 1], store=store)
    with pytest.raises(SeedlockError, match="already exists with a different setup"):
        plan_sweep("a", ["python", "other.py"], [0, 1], store=store)
    with pytest.raises(SeedlockError, match="deterministic False -> True"):
        plan_sweep("a", ["python", "t.py"], [0, 1], store=store, deterministic=True)
    assert load_spec(spec_path(store.path, "a")).command == ["python", "t.py"]  # type: ignore[union-attr]
    spec, _, _ = plan_sweep("a", ["python", "other.py"], None, store=store, resume=True)
    assert spec.command == ["python", "other.py"] and spec.seeds == [0, 1]


def test_new_sweep_needs_a_command_and_seeds(tmp_path: Path) -> None:
    store = Store(tmp_path / "runs.db")
    with pytest.raises(SeedlockError, match="no sweep named 'x' to resume"):
        plan_sweep("x", None, [0], store=store, resume=True)
    with pytest.raises(SeedlockError, match="needs --seeds"):
        plan_sweep("x", ["python"], None, store=store)
    with pytest.raises(SeedlockError, match="seed list is empty"):
        plan_sweep("x", ["python"], [], store=store)
    with pytest.raises(SeedlockError, match="non-negative ints, got -1"):
        plan_sweep("x", ["python"], [0, -1], store=store)
    with pytest.raises(SeedlockError, match="backend must be one of"):
        run_sweep("x", ["python"], [0], store=store, backend="slurm")


def test_ctrl_c_starts_no_new_seed_and_keeps_the_finished_ones() -> None:
    done: list[int] = []

    def on_start(seed: int) -> None:
        if seed == 2:
            raise KeyboardInterrupt

    interrupted = run_local(
        [0, 1, 2, 3],
        lambda seed: seed * 10,
        jobs=1,
        on_start=on_start,
        on_done=lambda seed, result, error: done.append(seed),
    )
    assert interrupted
    assert done == [0, 1]


def test_sigkill_of_the_sweep_loses_no_finished_record(tmp_path: Path, script: Path) -> None:
    store_path = tmp_path / "runs.db"
    command = [sys.executable, str(script), "{seed}", str(tmp_path / "no-flag"), "60"]
    code = (
        "from seedlock.sweep import run_sweep; "
        f"run_sweep('k', {command!r}, [0, 1, 2, 3], store={str(store_path)!r})"
    )
    proc = subprocess.Popen([sys.executable, "-c", code], start_new_session=True)
    try:
        deadline = time.monotonic() + 60
        store = Store(store_path)
        while time.monotonic() < deadline:
            if store_path.exists() and any(r.seed == 2 for r in store.runs(sweep="k")):
                break
            time.sleep(0.2)
        else:
            pytest.fail("the sweep did not reach seed 2")
    finally:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
    finished = sorted(r.seed for r in store.runs(sweep="k", status="finished"))
    assert finished == [0, 1]
    assert load_spec(spec_path(store_path, "k")).seeds == [0, 1, 2, 3]  # type: ignore[union-attr]


def test_a_store_error_in_one_seeds_bookkeeping_is_recorded_and_the_others_go_on(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from seedlock._errors import StoreError

    store = Store(tmp_path / "runs.db")
    real_start, real_iter = Store.start_run, Store.iter_runs

    def start_run(self: Store, **kwargs: object) -> object:
        if kwargs["seed"] == 3:
            raise StoreError("the run store stayed locked", path=str(self.path))
        return real_start(self, **kwargs)  # type: ignore[arg-type]

    def iter_runs(self: Store, **kwargs: object) -> object:
        # Looking up seed 3's record after its failure fails too.
        if kwargs.get("sweep") == "s" and not kwargs.get("status"):
            raise StoreError("still locked", path=str(self.path))
        return real_iter(self, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(Store, "start_run", start_run)
    monkeypatch.setattr(Store, "iter_runs", iter_runs)
    result = run_sweep("s", [sys.executable, "-c", "pass"], [1, 2, 3, 4], jobs=2, store=store)
    by_seed = {o.seed: o for o in result.outcomes}
    assert sorted(by_seed) == [1, 2, 3, 4]
    assert [s for s, o in by_seed.items() if o.ok] == [1, 2, 4]
    assert result.failed == [3]
    error = by_seed[3].error or ""
    assert "stayed locked" in error and "still locked" in error
    assert result.to_dict()["runs"][2]["error"] == error
