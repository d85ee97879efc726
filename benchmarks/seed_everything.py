"""Claim: with torch and NumPy loaded, ``seedlock.seed_everything(42)`` costs at most 1.2x the
classic snippet ``random.seed(42); np.random.seed(42); torch.manual_seed(42)``.

Both calls run in the same process with the same frameworks loaded, in alternating blocks so that
machine load hits both alike; the median time per call over the blocks is reported.

Where it comes from: ``torch.manual_seed`` queues lazy seeding for CUDA, XPU and MTIA devices
that are not initialised, formatting the whole call stack for each, even on a machine that has
none of them. seedlock seeds only the CPU generator when no accelerator exists (the same CPU
state), and calls ``torch.manual_seed`` otherwise; its own bookkeeping costs tens of microseconds.

Usage (from the repository root)::

    python benchmarks/seed_everything.py [--blocks 30] [--calls 200]
"""

from __future__ import annotations

import argparse
import random
import statistics
import time
from collections.abc import Callable

import numpy as np
import torch

import seedlock

GOAL_RATIO = 1.2


def classic() -> None:
    random.seed(42)
    np.random.seed(42)
    torch.manual_seed(42)


def ours() -> None:
    seedlock.seed_everything(42)


def _per_call(fn: Callable[[], None], calls: int) -> float:
    start = time.perf_counter()
    for _ in range(calls):
        fn()
    return (time.perf_counter() - start) / calls


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--blocks", type=int, default=30)
    parser.add_argument("--calls", type=int, default=200)
    args = parser.parse_args()
    ours()  # first call imports seedlock's lazy modules; not what a training loop pays
    classic_times, our_times = [], []
    for _ in range(args.blocks):
        classic_times.append(_per_call(classic, args.calls))
        our_times.append(_per_call(ours, args.calls))
    base = statistics.median(classic_times)
    mine = statistics.median(our_times)
    ratio = mine / base
    print(f"classic snippet (random+numpy+torch): {base * 1e6:8.1f} us/call")
    print(f"seedlock.seed_everything(42):         {mine * 1e6:8.1f} us/call")
    print(
        f"ratio: {ratio:.2f}x (goal <= {GOAL_RATIO}x) {'OK' if ratio <= GOAL_RATIO else 'MISSED'}"
    )


if __name__ == "__main__":
    main()
