"""Seed sweeps: one command over many seeds, locally in parallel or on a Ray cluster, resumable.

Determinism contract: seed ``s`` of a sweep runs exactly like ``seedlock run --seed s`` (with
``{seed}`` in the command replaced by ``s``). The sweep's seed list and command are written to
``<store dir>/sweeps/<name>.json`` (versioned JSON, atomic) before the first run, so a resumed
sweep runs the same seeds; every run lands in the store as soon as it ends.

Example:
    >>> import sys, tempfile, os
    >>> from seedlock.sweep import run_sweep
    >>> store = os.path.join(tempfile.mkdtemp(), "runs.db")
    >>> result = run_sweep("demo", [sys.executable, "-c", "pass"], [0, 1], jobs=2, store=store)
    >>> result.ok, sorted(o.seed for o in result.outcomes)
    (True, [0, 1])
"""

from __future__ import annotations

from seedlock.sweep._progress import SweepProgress
from seedlock.sweep._spec import (
    DESIGNS,
    SweepSpec,
    command_for,
    load_spec,
    parse_seeds,
    spec_path,
)
from seedlock.sweep._sweep import (
    CELL_TAG,
    SeedOutcome,
    SweepResult,
    launch_args,
    needs_seed_placeholder,
    plan_sweep,
    run_sweep,
)

__all__ = [
    "CELL_TAG",
    "DESIGNS",
    "SeedOutcome",
    "SweepProgress",
    "SweepResult",
    "SweepSpec",
    "command_for",
    "launch_args",
    "load_spec",
    "needs_seed_placeholder",
    "parse_seeds",
    "plan_sweep",
    "run_sweep",
    "spec_path",
]
