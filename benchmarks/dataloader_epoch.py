"""Claim: a training epoch through ``seedlock.torch.dataloader`` costs at most 1.05x one through
a plain DataLoader.

The bundled example: sklearn's digits (1,797 8x8 images) with random augmentation drawn from the
global RNGs (a flip from torch, a shift from NumPy, a brightness factor from ``random``), batch
size 64, and a small CNN trained with SGD. The plain loader uses ``shuffle=True`` and the same
settings; seedlock's adds the epoch sampler, the per-item reseeding of the three global RNGs and
delivered-batch counting. Also reported: the loader pass alone (no model), the worst case, where
the tiny 8x8 items make the fixed per-item reseed cost visible. Runs alternate and the best of
several epochs is kept, for each ``num_workers``; torch uses one thread to keep noise down.

    python benchmarks/dataloader_epoch.py [--epochs 5] [--workers 0 2]
"""

from __future__ import annotations

import argparse
import random
import time
from typing import Any

import numpy as np


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--workers", nargs="+", type=int, default=[0, 2])
    args = parser.parse_args()

    import torch
    from sklearn.datasets import load_digits

    import seedlock.torch as sl_torch

    images = torch.tensor(load_digits().images, dtype=torch.float32).unsqueeze(1) / 16.0
    labels = torch.tensor(load_digits().target)

    class Digits(torch.utils.data.Dataset):  # type: ignore[misc]
        def __len__(self) -> int:
            return len(labels)

        def __getitem__(self, i: int) -> tuple[Any, Any]:
            image = images[i]
            if torch.rand(()) < 0.5:
                image = image.flip(-1)
            shift = int(np.random.randint(-1, 2))  # noqa: NPY002
            image = torch.roll(image, shift, dims=-2) * (0.8 + 0.4 * random.random())
            return image, labels[i]

    torch.set_num_threads(1)
    torch.manual_seed(0)
    model = torch.nn.Sequential(
        torch.nn.Conv2d(1, 16, 3, padding=1),
        torch.nn.ReLU(),
        torch.nn.Conv2d(16, 32, 3, padding=1),
        torch.nn.ReLU(),
        torch.nn.Flatten(),
        torch.nn.Linear(32 * 64, 10),
    )
    optimizer = torch.optim.SGD(model.parameters(), lr=0.01)

    def epoch_seconds(loader: Any, train: bool) -> float:
        start = time.perf_counter()
        for x, y in loader:
            if train:
                optimizer.zero_grad()
                torch.nn.functional.cross_entropy(model(x), y).backward()
                optimizer.step()
        return time.perf_counter() - start

    for workers in args.workers:
        extra: dict[str, Any] = {"num_workers": workers}
        if workers:
            extra.update(persistent_workers=True, multiprocessing_context="fork")
        plain = torch.utils.data.DataLoader(Digits(), batch_size=64, shuffle=True, **extra)
        ours = sl_torch.dataloader(Digits(), batch_size=64, seed=42, rank=0, world=1, **extra)
        epoch_seconds(plain, False), epoch_seconds(ours, False)  # start workers, warm caches
        for train in (True, False):
            plain_s, ours_s = [], []
            for _ in range(args.epochs):
                plain_s.append(epoch_seconds(plain, train))
                ours_s.append(epoch_seconds(ours, train))
            p, o = min(plain_s), min(ours_s)
            what = "training epoch" if train else "loader pass only"
            print(
                f"num_workers={workers} {what:>16}: plain {p * 1e3:7.1f} ms, "
                f"seedlock {o * 1e3:7.1f} ms, ratio {o / p:.3f}x"
            )


if __name__ == "__main__":
    main()
