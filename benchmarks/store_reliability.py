"""Claim: concurrent writers lose no run record and never corrupt the store (issue 9).

Runs each case ``--tries`` times on a fresh store and prints records expected, records lost
(expected minus those present and finished) and in how many tries ``PRAGMA integrity_check``
did not say ok (or the file could not be read at all):

- ``sweeps``: 3 ``seedlock sweep --seeds 0-59 --jobs 4 -- true`` at once (180 records);
- ``verify``: 2 ``seedlock verify -n 16 --jobs 4`` at once (32 records);
- ``threads``: 3 processes x 4 threads x 30 ``start_run``/``finish_run`` (360 records);
- ``stress``: 4 processes x 4 threads x 50 runs plus 3 sweeps of 30 seeds (890 records).

``--baseline-src DIR`` runs every try with that seedlock source tree too (alternating).

    python benchmarks/store_reliability.py [--tries 3] [--baseline-src DIR]
"""

from __future__ import annotations

import argparse
import os
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

_WORKER = """
import sys, threading
from seedlock.store import Store
path, tag, threads, runs = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
def work(k):
    store = Store(path)
    for i in range(runs):
        rec = store.start_run(name=f"{tag}-{k}", command=["t"], cwd="/", seed=i)
        store.finish_run(rec.id, exit_code=0, status="finished")
pool = [threading.Thread(target=work, args=(k,)) for k in range(threads)]
[t.start() for t in pool]
[t.join() for t in pool]
"""


def _cases(python: str) -> dict[str, tuple[int, list[list[str]]]]:
    seedlock = [python, "-m", "seedlock"]
    sweep = [*seedlock, "sweep", "--jobs", "4", "--seeds"]
    return {
        "sweeps": (180, [[*sweep, "0-59", "--name", n, "--", "true"] for n in "abc"]),
        "verify": (32, [[*seedlock, "verify", "-n", "16", "--jobs", "4", "--", "true"]] * 2),
        "threads": (360, [[python, "-c", _WORKER, "{db}", f"p{k}", "4", "30"] for k in range(3)]),
        "stress": (
            890,
            [[python, "-c", _WORKER, "{db}", f"p{k}", "4", "50"] for k in range(4)]
            + [[*sweep, "0-29", "--name", n, "--", "true"] for n in "abc"],
        ),
    }


def run_case(src: str, commands: list[list[str]], expected: int) -> tuple[int, str, float]:
    """Records lost, integrity check result and wall time of one try."""
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp, ".seedlock", "runs.db")
        env = dict(os.environ, PYTHONPATH=src, SEEDLOCK_STORE=str(db))
        start = time.perf_counter()
        procs = [
            subprocess.Popen(
                [part.replace("{db}", str(db)) for part in argv],
                cwd=tmp,
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            for argv in commands
        ]
        for proc in procs:
            proc.wait()
        elapsed = time.perf_counter() - start
        try:
            with sqlite3.connect(db) as conn:
                found = conn.execute("SELECT count(*) FROM runs WHERE status = 'finished'")
                finished = found.fetchone()[0]
                check = conn.execute("PRAGMA integrity_check").fetchone()[0]
        except sqlite3.DatabaseError as exc:
            return expected, str(exc), elapsed
        return expected - finished, check, elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--tries", type=int, default=3)
    parser.add_argument("--baseline-src", help="another seedlock src/ to compare against")
    args = parser.parse_args()
    ours = str(Path(__file__).resolve().parents[1] / "src")
    trees = [("baseline", args.baseline_src)] if args.baseline_src else []
    trees.append(("ours", ours))
    print(f"{'case':<9}{'tree':<10}{'expected':>9}  {'lost per try':<22}{'not ok':<9}median time")
    for name, (expected, commands) in _cases(sys.executable).items():
        results: dict[str, list[tuple[int, str, float]]] = {label: [] for label, _ in trees}
        for _ in range(args.tries):
            for label, src in trees:
                results[label].append(run_case(src, commands, expected))
        for label, _ in trees:
            lost = [r[0] for r in results[label]]
            damaged = sum(r[1] != "ok" for r in results[label])
            took = sorted(r[2] for r in results[label])[len(lost) // 2]
            print(
                f"{name:<9}{label:<10}{expected:>9}  {str(lost):<22}"
                f"{f'{damaged}/{len(lost)}':<9}{took:.1f} s"
            )


if __name__ == "__main__":
    main()
