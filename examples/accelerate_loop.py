"""An accelerate training loop on scikit-learn's digits, exactly resumable with seedlock.

A small MLP with dropout, random noise/shift augmentation, ``seedlock.accelerate.dataloader``
with 2 workers passed through ``accelerator.prepare``, and seedlock's RNG state saved by
``accelerator.save_state`` through ``register_for_checkpointing(SeedlockState())`` (JSON).

    python examples/accelerate_loop.py --out /tmp/acc --stop-at 70   # stops in epoch 2
    python examples/accelerate_loop.py --out /tmp/acc --resume       # resumes: same digest as
    python examples/accelerate_loop.py --out /tmp/acc2               # an uninterrupted run
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os

import numpy as np
import torch
from accelerate import Accelerator
from sklearn.datasets import load_digits
from torch import nn

import seedlock
import seedlock.accelerate
from seedlock.accelerate import SeedlockState


class Digits(torch.utils.data.Dataset):  # type: ignore[type-arg]
    """Digits images with random noise and a random one-pixel shift (global RNGs)."""

    def __init__(self) -> None:
        digits = load_digits()
        self.x = torch.tensor(digits.images / 16.0, dtype=torch.float32)
        self.y = torch.tensor(digits.target)

    def __len__(self) -> int:
        return len(self.y)

    def __getitem__(self, i: int) -> tuple[torch.Tensor, torch.Tensor]:
        shift = int(np.random.randint(-1, 2))  # noqa: NPY002 - augmentation on the global RNG
        image = torch.roll(self.x[i], shift, dims=1) + 0.05 * torch.randn(8, 8)
        return image.flatten(), self.y[i]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", required=True)
    parser.add_argument("--stop-at", type=int, default=0)
    parser.add_argument("--resume", action="store_true")
    parser.add_argument("--workers", type=int, default=2)
    options = parser.parse_args()

    seedlock.seed_everything(0)
    accelerator = Accelerator(cpu=True)
    model = nn.Sequential(nn.Linear(64, 64), nn.ReLU(), nn.Dropout(0.3), nn.Linear(64, 10))
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    loader = seedlock.accelerate.dataloader(Digits(), batch_size=32, num_workers=options.workers)
    model, optimizer, loader = accelerator.prepare(model, optimizer, loader)
    accelerator.register_for_checkpointing(SeedlockState())
    checkpoint = os.path.join(options.out, "checkpoint")

    step = 0
    if options.resume:
        accelerator.load_state(checkpoint)
        with open(os.path.join(checkpoint, "step.json")) as f:
            step = json.load(f)["step"]
    for epoch in range(step // len(loader), 3):
        loader.set_epoch(epoch)
        done = step - epoch * len(loader)
        batches = accelerator.skip_first_batches(loader, done) if done > 0 else loader
        for x, y in batches:
            loss = nn.functional.cross_entropy(model(x), y)
            accelerator.backward(loss)
            optimizer.step()
            optimizer.zero_grad()
            step += 1
            if step == options.stop_at:
                accelerator.save_state(checkpoint)
                with open(os.path.join(checkpoint, "step.json"), "w") as f:
                    json.dump({"step": step}, f)
                print(f"stopped at step {step}")
                return
    digest = hashlib.sha256()
    for name, tensor in sorted(accelerator.unwrap_model(model).state_dict().items()):
        digest.update(name.encode() + tensor.numpy().tobytes())
    print(f"step {step}: weights {digest.hexdigest()[:16]}")


if __name__ == "__main__":
    main()
