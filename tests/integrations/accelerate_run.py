"""Train a tiny model in an accelerate loop; run by tests/integrations/test_accelerate.py.

    python accelerate_run.py OUT WORKERS MODE [MODE ...]    (MODE: full, stop, resume)

Prints ``MODE <SHA-256 of the final weights> <steps>``: ``full`` trains 3 epochs; ``stop`` trains
to the middle of epoch 2 and calls ``accelerator.save_state``; ``resume`` loads that state and
continues with accelerate's recipe (``set_epoch`` and ``skip_first_batches``).
"""

from __future__ import annotations

import hashlib
import os
import sys

import numpy as np
import torch
from accelerate import Accelerator
from torch import nn

import seedlock
import seedlock.accelerate
from seedlock.accelerate import SeedlockState

STOP_AT = 9  # 6 steps per epoch: the middle of epoch 2


class Augmented(torch.utils.data.Dataset):  # type: ignore[type-arg]
    """48 points; each read adds torch noise and a NumPy-drawn sign flip (random augmentation)."""

    def __init__(self) -> None:
        gen = np.random.default_rng(0)
        self.x = torch.tensor(gen.normal(size=(48, 8)), dtype=torch.float32)
        self.y = torch.tensor(gen.integers(0, 2, size=48))

    def __len__(self) -> int:
        return 48

    def __getitem__(self, i: int) -> tuple[torch.Tensor, torch.Tensor, int]:
        sign = 1.0 if np.random.rand() < 0.5 else -1.0  # noqa: NPY002 - augmentation on globals
        return sign * self.x[i] + 0.1 * torch.randn(8), self.y[i], i


def main(out: str, workers: int, mode: str) -> None:
    accelerator = Accelerator(cpu=True)
    world = accelerator.num_processes
    # Each rank its own seed (as accelerate's set_seed(..., device_specific=True) does): its own
    # dropout masks; the data order and augmentation must still be one, agreed across ranks.
    seedlock.seed_everything(7 + accelerator.process_index)
    model = nn.Sequential(nn.Linear(8, 16), nn.ReLU(), nn.Dropout(0.5), nn.Linear(16, 2))
    optimizer = torch.optim.SGD(model.parameters(), lr=0.05)
    loader = seedlock.accelerate.dataloader(
        Augmented(), batch_size=8 // world, num_workers=workers, persistent_workers=workers > 0
    )
    model, optimizer, loader = accelerator.prepare(model, optimizer, loader)
    accelerator.register_for_checkpointing(SeedlockState())
    checkpoint = os.path.join(out, "checkpoint")
    step, first_epoch, skip = 0, 0, 0
    if mode == "resume":
        accelerator.load_state(checkpoint)
        step, first_epoch, skip = STOP_AT, STOP_AT // len(loader), STOP_AT % len(loader)
    for epoch in range(first_epoch, 3):
        loader.set_epoch(epoch)
        batches = accelerator.skip_first_batches(loader, skip) if skip else loader
        skip = 0
        for x, y, ids in batches:
            print("seen", epoch, *ids.tolist(), flush=True)
            loss = nn.functional.cross_entropy(model(x), y)
            accelerator.backward(loss)
            optimizer.step()
            optimizer.zero_grad()
            step += 1
            if mode == "stop" and step == STOP_AT:
                accelerator.save_state(checkpoint)
                break
        if mode == "stop" and step == STOP_AT:
            break
    digest = hashlib.sha256()
    for name, tensor in sorted(accelerator.unwrap_model(model).state_dict().items()):
        digest.update(name.encode() + tensor.numpy().tobytes())
    print(mode, digest.hexdigest(), step, flush=True)


if __name__ == "__main__":
    for name in sys.argv[3:]:
        main(sys.argv[1], int(sys.argv[2]), name)
