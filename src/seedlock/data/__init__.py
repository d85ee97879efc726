"""Reproducible data order and per-sample randomness, framework-neutral (NumPy only).

Determinism contract: every order and every per-sample stream here is a pure function of the root
seed, the epoch and the sample index (never of workers, ranks or what else drew random numbers),
so the same samples come in the same order with the same augmentations for any ``num_workers``,
batch size or world size, and resuming at any position is O(1).

Example:
    >>> from seedlock.data import EpochShuffle, sample_rng
    >>> sampler = EpochShuffle(8, seed=42, rank=0, world=1)
    >>> sampler.set_epoch(0)
    >>> sorted(sampler)
    [0, 1, 2, 3, 4, 5, 6, 7]
    >>> flip = sample_rng(3, epoch=0, seed=42).random() < 0.5
"""

from __future__ import annotations

from seedlock.data.permutation import ALGORITHM, Permutation
from seedlock.data.rng import (
    STREAM,
    EpochIndex,
    SeededDataset,
    reseed,
    sample_python_rng,
    sample_rng,
    sample_torch_generator,
    seeded,
)
from seedlock.data.sampler import EpochShuffle

__all__ = [
    "ALGORITHM",
    "STREAM",
    "EpochIndex",
    "EpochShuffle",
    "Permutation",
    "SeededDataset",
    "reseed",
    "sample_python_rng",
    "sample_rng",
    "sample_torch_generator",
    "seeded",
]
