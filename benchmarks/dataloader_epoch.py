"""Claim: a training epoch through ``seedlock.torch.dataloader`` costs at most 1.15x one through a
plain DataLoader on the digits example, and at most 1.03x on image-sized items.

Items: ``digits`` is sklearn's digits (1,797 8x8 images) with random augmentation drawn from all
three global RNGs (a flip from torch, a shift from NumPy, a brightness factor from ``random``),
a small CNN trained with SGD, batch 64. ``image`` is 512 random 3x64x64 images with a random
crop (from 4-pixel padding) and flip drawn from torch, and a small CNN, batch 32. The plain
loader uses ``shuffle=True`` and the same settings; seedlock's adds the epoch sampler, per-item
reseeding (with the caller's RNG state put back once per batch in the main process) and
delivered-batch counting; ``seedlock+globals`` declares the RNGs the pipeline uses
(``globals=``). Runs alternate (plain, seedlock, seedlock+globals, repeated) and the median of
the per-round ratios is printed, for each ``num_workers``; torch uses one thread.
``--clock cpu`` times the main process's CPU time instead of wall time: steadier on a machine
shared with other work, and meaningful for ``num_workers=0`` only (workers' time is not counted).
``--load-only`` skips the training step and also prints what each loader adds per item (us).

``--only VARIANT`` runs ``--rounds`` epochs of that one loader (after one warm-up epoch) inside a
``functools.reduce`` call and prints nothing, for counting instructions, which a busy or virtual
machine does not perturb the way it does time: run it once per variant under
``valgrind --tool=callgrind --toggle-collect=functools_reduce`` and compare the counts.

    python benchmarks/dataloader_epoch.py [--rounds 7] [--workers 0 2] [--items digits image]
        [--clock wall|cpu] [--load-only] [--only plain|seedlock|seedlock+globals]
"""

from __future__ import annotations

import argparse
import functools
import random
import statistics
import time
from typing import Any

import numpy as np


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--workers", nargs="+", type=int, default=[0, 2])
    parser.add_argument("--items", nargs="+", default=["digits", "image"])
    parser.add_argument("--clock", choices=["wall", "cpu"], default="wall")
    parser.add_argument("--load-only", action="store_true")
    parser.add_argument("--only", choices=["plain", "seedlock", "seedlock+globals"])
    args = parser.parse_args()
    clock = time.perf_counter if args.clock == "wall" else time.process_time

    import torch
    from sklearn.datasets import load_digits

    import seedlock.torch as sl_torch

    digit_images = torch.tensor(load_digits().images, dtype=torch.float32).unsqueeze(1) / 16.0
    digit_labels = torch.tensor(load_digits().target)
    pictures = torch.rand(512, 3, 72, 72, generator=torch.Generator().manual_seed(0))

    class Digits(torch.utils.data.Dataset):  # type: ignore[misc]
        def __len__(self) -> int:
            return len(digit_labels)

        def __getitem__(self, i: int) -> tuple[Any, Any]:
            image = digit_images[i]
            if torch.rand(()) < 0.5:
                image = image.flip(-1)
            shift = int(np.random.randint(-1, 2))  # noqa: NPY002
            image = torch.roll(image, shift, dims=-2) * (0.8 + 0.4 * random.random())
            return image, digit_labels[i]

    class Pictures(torch.utils.data.Dataset):  # type: ignore[misc]
        def __len__(self) -> int:
            return len(pictures)

        def __getitem__(self, i: int) -> tuple[Any, Any]:
            top, left = (int(v) for v in torch.randint(0, 9, (2,)))
            image = pictures[i, :, top : top + 64, left : left + 64]
            if torch.rand(()) < 0.5:
                image = image.flip(-1)
            return image.contiguous(), i % 10

    torch.set_num_threads(1)

    def model_for(item: str) -> Any:
        torch.manual_seed(0)
        channels, side = (1, 8) if item == "digits" else (3, 64)
        stride = 1 if item == "digits" else 4
        out = side // stride
        return torch.nn.Sequential(
            torch.nn.Conv2d(channels, 16, 3, padding=1, stride=stride),
            torch.nn.ReLU(),
            torch.nn.Conv2d(16, 32, 3, padding=1),
            torch.nn.ReLU(),
            torch.nn.Flatten(),
            torch.nn.Linear(32 * out * out, 10),
        )

    def epoch_seconds(loader: Any, model: Any, optimizer: Any) -> float:
        start = clock()
        for x, y in loader:
            if args.load_only:
                continue
            optimizer.zero_grad()
            torch.nn.functional.cross_entropy(model(x), y).backward()
            optimizer.step()
        return clock() - start

    for item in args.items:
        dataset_type, batch, used = (
            (Digits, 64, ("random", "numpy", "torch"))
            if item == "digits"
            else (Pictures, 32, ("torch",))
        )
        model = model_for(item)
        optimizer = torch.optim.SGD(model.parameters(), lr=0.01)
        for workers in args.workers:
            extra: dict[str, Any] = {"num_workers": workers}
            if workers:
                extra.update(persistent_workers=True, multiprocessing_context="fork")
            loaders = {
                "plain": torch.utils.data.DataLoader(
                    dataset_type(), batch_size=batch, shuffle=True, **extra
                ),
                "seedlock": sl_torch.dataloader(
                    dataset_type(), batch_size=batch, seed=42, rank=0, world=1, **extra
                ),
                "seedlock+globals": sl_torch.dataloader(
                    dataset_type(),
                    batch_size=batch,
                    seed=42,
                    rank=0,
                    world=1,
                    globals=used,
                    **extra,
                ),
            }
            if args.only is not None:
                chosen = loaders[args.only]
                epoch_seconds(chosen, model, optimizer)  # warm-up, outside the counted call
                functools.reduce(
                    lambda _, __: epoch_seconds(chosen, model, optimizer), range(args.rounds), 0.0
                )
                continue
            for loader in loaders.values():
                epoch_seconds(loader, model, optimizer)  # start workers, warm caches
            times: dict[str, list[float]] = {name: [] for name in loaders}
            for _ in range(args.rounds):
                for name, loader in loaders.items():
                    times[name].append(epoch_seconds(loader, model, optimizer))
            plain = times["plain"]
            parts = [f"plain {statistics.median(plain) * 1e3:7.1f} ms"]
            for name in ("seedlock", "seedlock+globals"):
                ratio = statistics.median(o / p for o, p in zip(times[name], plain, strict=True))
                parts.append(f"{name} {ratio:.3f}x")
                if args.load_only:
                    extra_s = statistics.median(
                        o - p for o, p in zip(times[name], plain, strict=True)
                    )
                    parts[-1] += f" (+{extra_s / len(dataset_type()) * 1e6:.1f} us/item)"
            print(f"{item:>6} num_workers={workers}: " + ", ".join(parts), flush=True)


if __name__ == "__main__":
    main()
