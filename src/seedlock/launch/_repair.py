"""``repair_runs``: record what interrupted runs left on disk once the store is writable again.

Determinism contract: repair only reads a run's own directory (metrics, fingerprint, doctor
report, the exit code the launcher saved) and writes that into the run's record; the same files
give the same record, and records that are not ``unfinished`` are never touched.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from seedlock._errors import SeedlockError, StoreError
from seedlock.launch._protocol import DOCTOR_FILE, EXIT_FILE, FINGERPRINT_FILE, METRICS_FILE
from seedlock.launch._run import _read_json, _read_jsonl
from seedlock.store import RunRecord, Store

__all__ = ["repair_runs"]

_NOTE = "seedlock runs repair: the launcher could not record this run's end; recorded from {where}."


def _last_change(run_dir: Path, record: RunRecord) -> float:
    times = [record.started]
    if run_dir.is_dir():
        times.extend(path.stat().st_mtime for path in run_dir.iterdir() if path.is_file())
    return max(times)


def _ending(store: Store, record: RunRecord) -> dict[str, Any]:
    run_dir = store.run_dir(record.id)
    history = [e for e in _read_jsonl(run_dir / METRICS_FILE) if isinstance(e.get("metrics"), dict)]
    metrics: dict[str, Any] = {}
    for entry in history:
        metrics.update(entry["metrics"])
    fingerprint = _read_json(run_dir / FINGERPRINT_FILE)
    doctor = _read_json(run_dir / DOCTOR_FILE)
    saved = _read_json(run_dir / EXIT_FILE)
    saved = saved if isinstance(saved, dict) else {}
    exit_code = saved.get("exit_code")
    status = saved.get("status")
    if not isinstance(exit_code, int) or status not in ("finished", "failed", "killed"):
        # No exit code survived: the launcher died (or the disk was too full to save it).
        exit_code, status = None, "killed"
    ended = saved.get("ended")
    note = _NOTE.format(where=str(run_dir))
    return {
        "exit_code": exit_code,
        "status": status,
        "metrics": metrics,
        "metric_history": history,
        "fingerprint": fingerprint if isinstance(fingerprint, dict) else None,
        "doctor": [d for d in doctor if isinstance(d, dict)] if isinstance(doctor, list) else [],
        "stdout_tail": record.stdout_tail,
        "stderr_tail": note,
        "ended": float(ended) if isinstance(ended, (int, float)) else _last_change(run_dir, record),
    }


def repair_runs(store: Store | str | os.PathLike[str] | None = None) -> list[RunRecord]:
    """Record every ``unfinished`` run from what it left in its run directory.

    A run is ``unfinished`` when the process that launched it is gone without recording its
    end: it was killed, or the disk was full when it ended. Its metrics, fingerprint and doctor
    report are merged from its run directory; its exit code too when the launcher could save
    it, otherwise the run is recorded as ``killed`` with no exit code.

    Returns:
        The repaired records, newest first.

    Raises:
        StoreError: the store still cannot be written (e.g. the disk is still full).

    Example:
        >>> import tempfile, os
        >>> repair_runs(os.path.join(tempfile.mkdtemp(), "runs.db"))
        []
    """
    run_store = store if isinstance(store, Store) else Store(store)
    repaired = []
    for record in run_store.runs(status="unfinished"):
        try:
            repaired.append(run_store.finish_run(record.id, **_ending(run_store, record)))
        except StoreError:
            raise
        except SeedlockError:
            continue  # removed by another command meanwhile: nothing left to repair
    return repaired
