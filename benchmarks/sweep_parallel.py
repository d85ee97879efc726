"""Claim: ``--jobs 2`` runs a sweep about twice as fast as ``--jobs 1`` on 2 cores (goal >= 1.7x).

Sweeps the bundled example ``examples/digits.py`` (``--workers 0`` so each run is one process
with one torch thread) over N seeds (default 8) with jobs=1 and jobs=2 and prints the speed-up.
The result depends on the machine being otherwise idle; the load average is printed, and so is
the average number of runs in flight (sum of run durations / wall time), which shows whether
the sweep kept ``jobs`` runs going even when other load slows each run down.

    python benchmarks/sweep_parallel.py [--runs 8] [--epochs 4]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "digits.py"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=8)
    parser.add_argument("--epochs", type=int, default=4)
    args = parser.parse_args()

    from seedlock.sweep import run_sweep

    command = [sys.executable, str(EXAMPLE), "--workers", "0", "--epochs", str(args.epochs)]
    times = {}
    print(f"load average before: {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs")
    for jobs in (1, 2):
        with tempfile.TemporaryDirectory() as tmp:
            start = time.perf_counter()
            result = run_sweep(
                f"jobs{jobs}",
                command,
                list(range(args.runs)),
                jobs=jobs,
                threads=1,
                store=os.path.join(tmp, "runs.db"),
            )
            times[jobs] = time.perf_counter() - start
            assert result.ok, result.failed
            busy = sum(o.record.duration or 0.0 for o in result.outcomes if o.record is not None)
        print(
            f"jobs {jobs}: {args.runs} runs in {times[jobs]:7.2f} s; runs in flight on average "
            f"{busy / times[jobs]:.2f} (sum of run durations / wall)"
        )
    print(f"load average after: {os.getloadavg()[0]:.2f}")
    print(f"speed-up jobs 2 / jobs 1: {times[1] / times[2]:.2f}x (goal >= 1.7x on 2 cores)")


if __name__ == "__main__":
    main()
