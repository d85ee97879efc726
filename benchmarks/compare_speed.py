"""Claim: ``seedlock compare`` of two 1,000-seed arms takes well under 2 s and 200 MB (issue 9).

Runs the whole command as a user does (a fresh process: imports, loading two CSV files of 1,000
per-seed values, every statistic with 10,000 bootstrap resamples, the verdict) for independent
arms and for paired arms (the same seeds), and prints the median wall time and the peak memory
(max RSS) of each. The baseline a user would otherwise use is a hand-written NumPy percentile
bootstrap of the difference of means in a fresh process (one of the several numbers compare
gives). ``--baseline-src DIR`` also runs the same commands with another seedlock source tree
first on ``PYTHONPATH`` (e.g. ``git archive`` of the commit before a change), alternating with
this one, and prints the ratios.

    python benchmarks/compare_speed.py [--n 1000] [--resamples 10000] [--repeat 5]
                                       [--baseline-src DIR]
"""

from __future__ import annotations

import argparse
import csv
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

_HAND_WRITTEN = """
import sys, numpy as np
a = np.loadtxt(sys.argv[1], delimiter=",", skiprows=1, usecols=1)
b = np.loadtxt(sys.argv[2], delimiter=",", skiprows=1, usecols=1)
rng = np.random.default_rng(1)
diffs = np.empty(int(sys.argv[3]))
for lo in range(0, diffs.size, 1000):
    hi = min(lo + 1000, diffs.size)
    ia = rng.integers(0, a.size, (hi - lo, a.size))
    ib = rng.integers(0, b.size, (hi - lo, b.size))
    diffs[lo:hi] = a[ia].mean(axis=1) - b[ib].mean(axis=1)
print(np.percentile(diffs, [2.5, 97.5]))
"""


def _write(path: Path, seeds: range, values: np.ndarray) -> None:
    with path.open("w", newline="") as handle:
        out = csv.writer(handle)
        out.writerow(["seed", "accuracy"])
        out.writerows(zip(seeds, values.tolist(), strict=True))


def measure(argv: list[str], src: str | None) -> tuple[float, float, float]:
    """Wall seconds, peak RSS (MB) and CPU seconds (user + system) of a fresh process.

    CPU seconds hardly depend on how loaded the machine is; wall seconds do.
    """
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    if src is not None:
        env["PYTHONPATH"] = src
    start = time.perf_counter()
    proc = subprocess.Popen(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    elapsed = time.perf_counter() - start
    assert proc.stderr is not None
    err = proc.stderr.read().decode()
    proc.stderr.close()
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"{' '.join(argv)} failed: {err}")
    return elapsed, usage.ru_maxrss / 1024, usage.ru_utime + usage.ru_stime


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--n", type=int, default=1000)
    parser.add_argument("--resamples", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--baseline-src", help="another seedlock src/ to compare against")
    args = parser.parse_args()

    ours = str(Path(__file__).resolve().parents[1] / "src")
    rng = np.random.default_rng(0)
    with tempfile.TemporaryDirectory() as tmp:
        files = {name: Path(tmp, f"{name}.csv") for name in ("a", "b", "c")}
        _write(files["a"], range(args.n), rng.normal(0.85, 0.01, args.n))
        _write(files["b"], range(args.n), rng.normal(0.849, 0.01, args.n))
        _write(files["c"], range(args.n, 2 * args.n), rng.normal(0.849, 0.01, args.n))
        seedlock = [sys.executable, "-m", "seedlock", "compare", "--resamples", str(args.resamples)]
        commands = {
            "compare, paired": [*seedlock, str(files["a"]), str(files["b"])],
            "compare, independent": [*seedlock, str(files["a"]), str(files["c"])],
            "hand-written NumPy CI": [
                sys.executable,
                "-c",
                _HAND_WRITTEN,
                str(files["a"]),
                str(files["c"]),
                str(args.resamples),
            ],
        }
        print(
            f"{args.n} seeds per arm, {args.resamples} resamples, {args.repeat} interleaved "
            f"repeats, load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs"
        )
        print(
            f"{'command':<24}{'ours s':>8}{'cpu s':>7}{'MB':>6}"
            f"{'base s':>8}{'cpu s':>7}{'MB':>6}{'ratio':>7}"
        )
        results: dict[str, float] = {}
        for label, argv in commands.items():
            sources: list[str | None] = [ours]
            if args.baseline_src and label.startswith("compare"):
                sources.append(args.baseline_src)
            for src in sources:
                measure(argv, src)  # warm-up: bytecode and page cache
            runs: dict[str | None, list[tuple[float, float, float]]] = {src: [] for src in sources}
            for _ in range(args.repeat):
                for src in reversed(sources):
                    runs[src].append(measure(argv, src))
            t = statistics.median(r[0] for r in runs[ours])
            mb = max(r[1] for r in runs[ours])
            cpu = statistics.median(r[2] for r in runs[ours])
            results[label] = t
            line = f"{label:<24}{t:>8.2f}{cpu:>7.2f}{mb:>6.0f}"
            if len(sources) == 2:
                base = runs[args.baseline_src]
                bt = statistics.median(r[0] for r in base)
                bcpu = statistics.median(r[2] for r in base)
                line += f"{bt:>8.2f}{bcpu:>7.2f}{max(r[1] for r in base):>6.0f}{bt / t:>6.1f}x"
            print(line)
        hand = results["hand-written NumPy CI"]
        for label in ("compare, paired", "compare, independent"):
            print(f"{label} / hand-written single CI: {results[label] / hand:.1f}x")


if __name__ == "__main__":
    main()
