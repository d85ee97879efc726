"""The name of every ``SEEDLOCK_*`` environment variable seedlock reads or sets.

Example:
    >>> SEED
    'SEEDLOCK_SEED'
"""

from __future__ import annotations

__all__ = [
    "ALL",
    "BOOT_PID",
    "DETERMINISTIC",
    "PACKAGE_DIR",
    "RUN_DIR",
    "RUN_ID",
    "SEED",
    "STORE",
    "STREAMS",
    "THREADS",
    "TRACE",
    "TRACE_STEP",
]

SEED = "SEEDLOCK_SEED"
"""The root seed (read by ``seed_everything()`` and every ``derive``; set by ``seedlock run``)."""
STREAMS = "SEEDLOCK_STREAMS"
"""Per-stream roots, ``data=3,augment=7`` (``seed_everything(streams=...)``, ``run --stream``)."""
STORE = "SEEDLOCK_STORE"
"""The run store file (default ``~/.seedlock/runs.db``)."""
DETERMINISTIC = "SEEDLOCK_DETERMINISTIC"
"""Set to ``1`` by ``seedlock run --deterministic`` for the child."""
THREADS = "SEEDLOCK_THREADS"
"""The thread count ``seedlock run --threads`` pins in the child."""
RUN_ID = "SEEDLOCK_RUN_ID"
"""The id of the run record of the current child."""
RUN_DIR = "SEEDLOCK_RUN_DIR"
"""The directory where the child writes its run log."""
BOOT_PID = "SEEDLOCK_BOOT_PID"
"""The pid of the process the boot hook seeded (so that grandchildren are told apart)."""
PACKAGE_DIR = "SEEDLOCK_PACKAGE_DIR"
"""Where seedlock is installed, for the boot hook to import it from."""
TRACE = "SEEDLOCK_TRACE"
"""``verify --trace``: the JSON-lines file each run appends parameter hashes to."""
TRACE_STEP = "SEEDLOCK_TRACE_STEP"
"""``verify --trace``: also record the detail of this optimizer step (1-based)."""

ALL = (
    SEED,
    STREAMS,
    STORE,
    DETERMINISTIC,
    THREADS,
    RUN_ID,
    RUN_DIR,
    BOOT_PID,
    PACKAGE_DIR,
    TRACE,
    TRACE_STEP,
)
"""Every name above."""
