"""Reproduce a run on another machine: export it to one file, re-run it elsewhere, judge it.

Determinism contract: ``export_run`` writes a versioned zip of JSON and text (never a pickle)
holding the command, seed, stream roots, the variables seedlock set, the fingerprint, the git
commit and patch, the package lock, input hashes, metrics, output hashes and the trace;
``reproduce`` re-runs it with exactly those seeds and settings after listing what differs here,
most likely cause first, and says whether the result is bit-identical, within a tolerance, or not
reproduced (with the first diverging step when both runs were traced).

Example:
    >>> from seedlock.reproduce import recipe
    >>> from seedlock.store import RunRecord
    >>> rec = RunRecord(id="0123456789ab", name=None, command=["python", "t.py"], cwd="/w",
    ...                 seed=7, status="finished", exit_code=0, started=0.0, ended=1.0)
    >>> recipe(rec).splitlines()[-1]
    'seedlock run --seed 7 -- python t.py'
"""

from __future__ import annotations

from seedlock.reproduce._bundle import FORMAT, RunBundle, export_run, load_bundle
from seedlock.reproduce._reproduce import (
    Mismatch,
    ReproduceResult,
    bundle_record,
    check_bundle,
    format_mismatches,
    recipe,
    reproduce,
    trace_divergence,
)

__all__ = [
    "FORMAT",
    "Mismatch",
    "ReproduceResult",
    "RunBundle",
    "bundle_record",
    "check_bundle",
    "export_run",
    "format_mismatches",
    "load_bundle",
    "recipe",
    "reproduce",
    "trace_divergence",
]
