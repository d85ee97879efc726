"""What a ``seedlock run`` parent and its child processes agree on: variable and file names.

Determinism contract: the parent sets every variable here before the child starts, so the child's
seeding depends only on the root seed and flags they carry, never on timing or process ids.
"""

from __future__ import annotations

from seedlock._base import envvars

__all__ = [
    "ARTIFACTS_FILE",
    "BOOT_PID_VAR",
    "DETERMINISTIC_VAR",
    "DOCTOR_FILE",
    "EXIT_FILE",
    "FINGERPRINT_FILE",
    "RUN_FILE_HEADERS",
    "METRICS_FILE",
    "PACKAGE_DIR_VAR",
    "RUN_DIR_VAR",
    "RUN_ID_VAR",
    "SEED_VAR",
    "STREAMS_VAR",
    "THREADS_VAR",
    "TRACE_VAR",
]

#: The run's root seed (decimal), read by the start-up hook and by ``seedlock.root_seed()``.
SEED_VAR = envvars.SEED
#: The run's per-stream roots (``data=3,augment=7``), read by ``seed_everything``.
STREAMS_VAR = envvars.STREAMS
#: ``"1"`` when the run asked for deterministic mode.
DETERMINISTIC_VAR = envvars.DETERMINISTIC
#: The thread count the run asked for, when it asked for one.
THREADS_VAR = envvars.THREADS
#: The run's id in the store.
RUN_ID_VAR = envvars.RUN_ID
#: The per-run directory where children append metrics and write reports.
RUN_DIR_VAR = envvars.RUN_DIR
#: Set by the start-up hook in the first Python process of a run to its pid, so that worker
#: processes and subprocesses (which inherit it) know they are not the run's main process.
BOOT_PID_VAR = envvars.BOOT_PID
#: Where the launching seedlock lives, for a child interpreter that cannot import it otherwise.
PACKAGE_DIR_VAR = envvars.PACKAGE_DIR
#: Written by the launcher when the store could not record a run's end (a full disk), so that
#: ``seedlock runs repair`` can record it later: the header, then ``"exit_code"``, ``"status"``,
#: ``"ended"``.
EXIT_FILE = "exit.json"
#: Set (by ``seedlock verify --trace``) to make the start-up hook install tracing.
TRACE_VAR = envvars.TRACE

#: One JSON object per ``seedlock.log`` call: ``{"metrics": {...}}`` plus ``"step"`` if given.
METRICS_FILE = "metrics.jsonl"
#: One JSON object per ``seedlock.log_artifact`` call: ``{"path": abs_path, "sha256": hex}``.
ARTIFACTS_FILE = "artifacts.jsonl"
#: The doctor's findings in the run's main process at exit: the header and ``"findings"``, a list
#: of dicts (files written before the header are the bare list).
DOCTOR_FILE = "doctor.json"
#: The environment fingerprint of the run's main process at exit: a JSON dict.
FINGERPRINT_FILE = "fingerprint.json"
#: Each JSON file of a run directory: its header's ``kind``, the format written now, and the
#: newest format written before files carried a ``kind`` (0: none had a ``format`` either).
RUN_FILE_HEADERS = {
    EXIT_FILE: ("seedlock-exit", 1, 0),
    DOCTOR_FILE: ("seedlock-doctor", 1, 0),
    FINGERPRINT_FILE: ("seedlock-fingerprint", 1, 1),
}
