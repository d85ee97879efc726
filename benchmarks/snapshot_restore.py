"""Cost of ``seedlock.snapshot()`` + ``seedlock.restore()`` with torch, NumPy and random loaded.

Claim: a full RNG round trip (Python, NumPy legacy, torch CPU) costs a few hundred microseconds,
comparable to saving the three states by hand with ``random.getstate()``,
``np.random.get_state()`` and ``torch.get_rng_state()`` (the baseline), and negligible next to a
training step. Also reports the cost of ``Snapshot.to_dict()`` for checkpoints.

Usage (from the repository root)::

    python benchmarks/snapshot_restore.py [--blocks 30] [--calls 100]
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


def by_hand() -> None:
    states = (random.getstate(), np.random.get_state(), torch.get_rng_state())
    random.setstate(states[0])
    np.random.set_state(states[1])
    torch.set_rng_state(states[2])


def ours() -> None:
    seedlock.restore(seedlock.snapshot())


def to_dict() -> None:
    seedlock.snapshot().to_dict()


def _per_call(fn: Callable[[], None], calls: int) -> float:
    start = time.perf_counter()
    for _ in range(calls):
        fn()
    return (time.perf_counter() - start) / calls


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--blocks", type=int, default=30)
    parser.add_argument("--calls", type=int, default=100)
    args = parser.parse_args()
    seedlock.seed_everything(42)
    ours()
    times: dict[str, list[float]] = {"by_hand": [], "ours": [], "to_dict": []}
    for _ in range(args.blocks):
        times["by_hand"].append(_per_call(by_hand, args.calls))
        times["ours"].append(_per_call(ours, args.calls))
        times["to_dict"].append(_per_call(to_dict, args.calls))
    base, mine, dump = (statistics.median(times[k]) * 1e6 for k in ("by_hand", "ours", "to_dict"))
    print(f"by hand (random+numpy+torch get/set): {base:8.1f} us")
    print(f"seedlock snapshot()+restore():        {mine:8.1f} us  ({mine / base:.2f}x)")
    print(f"seedlock snapshot().to_dict():        {dump:8.1f} us")


if __name__ == "__main__":
    main()
