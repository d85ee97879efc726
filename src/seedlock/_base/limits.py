"""Every bound on a value a user can size, in one place (documented in ``docs/limits.md``).

Bounds keep a typo (``-n 2**200``) from allocating gigabytes or running forever, and keep a
hostile file (a 10**400 int, JSON nested 100,000 deep) from raising ``RecursionError`` or
``MemoryError`` deep inside the parser. Each value is far above any real use.

Example:
    >>> from seedlock._base import limits
    >>> limits.MAX_RUNS
    10000
"""

from __future__ import annotations

__all__ = [
    "MAX_CSV_FIELD_CHARS",
    "MAX_FILE_BYTES",
    "MAX_JOBS",
    "MAX_JSON_DEPTH",
    "MAX_JSON_INT_DIGITS",
    "MAX_NAME_CHARS",
    "MAX_RESAMPLES",
    "MAX_RUNS",
    "MAX_SEEDS",
    "MAX_SEED_CHARS",
    "MAX_SEED_VALUE",
    "MAX_SWEEP_SEED",
    "MAX_THREADS",
]

MAX_RUNS = 10_000
"""Most runs of one ``verify`` (``-n`` / ``n=``)."""

MAX_JOBS = 1_024
"""Most processes at once (``--jobs`` / ``jobs=``)."""

MAX_SEEDS = 100_000
"""Most seeds of one sweep, counted after every range and list is expanded."""

MAX_SEED_VALUE = 2**128 - 1
"""Largest integer seed (``--seed``, ``--seeds``, ``$SEEDLOCK_SEED``, ``seed=``)."""

MAX_SWEEP_SEED = 2**63 - 1
"""Largest seed of a sweep (``--seeds``): the run store keeps seeds as 64-bit signed ints."""

MAX_SEED_CHARS = 256
"""Longest seed text (a string root such as ``--seed experiment-a``)."""

MAX_RESAMPLES = 1_000_000
"""Most bootstrap resamples (``compare --resamples`` / ``n_resamples=``)."""

MAX_THREADS = 4_096
"""Most threads per pool (``--threads`` / ``threads=``)."""

MAX_NAME_CHARS = 200
"""Longest run or sweep name."""

MAX_FILE_BYTES = 64 * 1024 * 1024
"""Largest user file seedlock reads (snapshot, fingerprint, sweep spec, values CSV/JSON)."""

MAX_JSON_DEPTH = 64
"""Deepest nesting of lists and objects in a JSON file seedlock reads."""

MAX_JSON_INT_DIGITS = 64
"""Most digits of an integer in a JSON file seedlock reads."""

MAX_CSV_FIELD_CHARS = 64 * 1024
"""Longest cell of a values CSV."""
