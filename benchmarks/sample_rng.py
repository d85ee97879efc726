"""Claims: ``sample_rng`` costs <= 3 us, and reseeding Python, NumPy and torch's CPU generator
for a sample (what ``seeded(dataset)[i]`` does before each item) costs <= 10 us.

Baselines are what a user would otherwise write: ``default_rng(SeedSequence(root,
spawn_key=(epoch, index)))`` for a per-sample generator, and ``random.seed``, ``np.random.seed``
and ``torch.manual_seed`` (which seeds every device) for the globals.

    python benchmarks/sample_rng.py [--number 20000]
"""

from __future__ import annotations

import argparse
import random
import timeit

import numpy as np


def per_call_us(fn: object, number: int) -> float:
    return min(timeit.repeat(fn, number=number, repeat=5)) / number * 1e6  # type: ignore[arg-type]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--number", type=int, default=20_000)
    args = parser.parse_args()

    import torch

    from seedlock.data import reseed, sample_python_rng, sample_rng, sample_torch_generator, seeded

    count = [0]

    def ours() -> None:
        count[0] += 1
        sample_rng(count[0], 3, seed=42)

    def baseline() -> None:
        count[0] += 1
        np.random.default_rng(np.random.SeedSequence(42, spawn_key=(3, count[0])))

    class Plain:
        def __len__(self) -> int:
            return 2**62

        def __getitem__(self, i: int) -> int:
            return i

    data = seeded(Plain(), seed=42, epoch=3)

    def ours_reseed() -> None:
        count[0] += 1
        data[count[0]]

    def naive_reseed() -> None:
        count[0] += 1
        seed = 42 * 1_000_003 + count[0]
        random.seed(seed)
        np.random.seed(seed % 2**32)  # noqa: NPY002
        torch.manual_seed(seed)

    rows = [
        ("sample_rng", per_call_us(ours, args.number)),
        ("default_rng(SeedSequence)", per_call_us(baseline, args.number)),
        ("seeded(ds)[i] (random,numpy,torch)", per_call_us(ours_reseed, args.number)),
        ("reseed()", per_call_us(lambda: reseed(5, 3, seed=42), args.number)),
        ("random/np/torch.manual_seed", per_call_us(naive_reseed, args.number)),
        ("  torch.manual_seed alone", per_call_us(lambda: torch.manual_seed(5), args.number)),
        ("sample_python_rng", per_call_us(lambda: sample_python_rng(5, 3, seed=42), args.number)),
        (
            "sample_torch_generator",
            per_call_us(lambda: sample_torch_generator(5, 3, seed=42), args.number),
        ),
    ]
    for name, us in rows:
        print(f"{name:>32} {us:8.2f} us")
    print(f"sample_rng speed-up vs default_rng(SeedSequence): {rows[1][1] / rows[0][1]:.1f}x")
    print(f"seeded item speed-up vs naive global seeding: {rows[4][1] / rows[2][1]:.1f}x")


if __name__ == "__main__":
    main()
