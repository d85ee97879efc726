"""Claim: ``compare`` on 1,000 values per arm with 10,000 bootstrap resamples takes seconds.

Times ``seedlock.stats.compare`` (difference CI, probability-of-improvement CI, tests, power)
and ``seedlock.stats.summarize`` on generated data, against a plain NumPy percentile bootstrap of
the difference of means (what a user would write by hand, one of the several numbers compare
gives).

    python benchmarks/compare_speed.py [--n 1000] [--resamples 10000]
"""

from __future__ import annotations

import argparse
import os
import time

import numpy as np


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--n", type=int, default=1000)
    parser.add_argument("--resamples", type=int, default=10_000)
    args = parser.parse_args()

    from seedlock import stats

    rng = np.random.default_rng(0)
    a = rng.normal(0.85, 0.01, args.n)
    b = rng.normal(0.849, 0.01, args.n)
    stats.compare(a[:10], b[:10], n_resamples=200)  # import scipy outside the timing

    start = time.perf_counter()
    result = stats.compare(a, b, n_resamples=args.resamples)
    compare_s = time.perf_counter() - start

    start = time.perf_counter()
    stats.summarize(a, n_resamples=args.resamples)
    summarize_s = time.perf_counter() - start

    start = time.perf_counter()
    boot = np.random.default_rng(1)
    diffs = np.empty(args.resamples)
    for lo in range(0, args.resamples, 1000):
        hi = min(lo + 1000, args.resamples)
        ia = boot.integers(0, args.n, (hi - lo, args.n))
        ib = boot.integers(0, args.n, (hi - lo, args.n))
        diffs[lo:hi] = a[ia].mean(axis=1) - b[ib].mean(axis=1)
    np.percentile(diffs, [2.5, 97.5])
    numpy_s = time.perf_counter() - start

    print(f"load average: {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs")
    print(f"stats.compare, {args.n} values per arm, {args.resamples} resamples: {compare_s:.2f} s")
    print(
        f"stats.summarize, {args.n} values, {args.resamples} resamples:        {summarize_s:.2f} s"
    )
    print(f"hand-written NumPy percentile bootstrap of the mean difference: {numpy_s:.2f} s")
    print(f"ratio compare / hand-written single CI: {compare_s / numpy_s:.1f}x")
    print(f"verdict: {result.verdict}")


if __name__ == "__main__":
    main()
