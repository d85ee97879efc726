"""Claim: resuming an epoch at global position k costs under 1 ms, whatever k.

Times ``EpochShuffle.load_state_dict`` plus the first index of the resumed iteration for
k = 0, 1e6 and 1e9 on a 1e12-sample dataset (rank 3 of 8), against what a user does without
seedlock: materialise the epoch's permutation and skip k samples (``torch.randperm(n)[k:]``),
which is only possible for a much smaller n (1e7 here).

    python benchmarks/resume.py [--repeats 200]
"""

from __future__ import annotations

import argparse
import statistics
import time


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeats", type=int, default=200)
    args = parser.parse_args()

    from seedlock.data import EpochShuffle

    n = 10**12
    template = EpochShuffle(n, seed=42, rank=3, world=8)
    template.set_epoch(5)
    print(f"{'k':>8} {'median ms':>10} {'max ms':>8}")
    for k in (0, 10**6, 10**9):
        state = template.state_dict(consumed=k)
        times = []
        for _ in range(args.repeats):
            sampler = EpochShuffle(n, seed=42, rank=3, world=8)
            start = time.perf_counter()
            sampler.load_state_dict(state)
            next(iter(sampler))
            times.append((time.perf_counter() - start) * 1e3)
        print(f"{k:>8.0e} {statistics.median(times):>10.3f} {max(times):>8.3f}")

    import torch

    small = 10**7
    start = time.perf_counter()
    order = torch.randperm(small, generator=torch.Generator().manual_seed(42))
    int(order[10**6])
    baseline_ms = (time.perf_counter() - start) * 1e3
    print(f"baseline torch.randperm({small:.0e})[1e6]: {baseline_ms:.1f} ms")


if __name__ == "__main__":
    main()
