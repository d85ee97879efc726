"""Train with SeedlockCallback on 1 or 2 DDP processes (gloo); run by tests/test_lightning.py.

``python lightning_ddp.py OUT DEVICES BATCH``: Lightning's defaults (strategy ``ddp`` for 2 CPU
devices, ``use_distributed_sampler=True``); each rank writes ``OUT/rank{r}.json`` with the sample
ids of each step and the final weights. The loss is a batch mean and nothing in the step draws
random numbers (augmentation is per-sample seeded), so 2 ranks of batch ``b`` take the averaged
gradient of the 1-process batch ``2b`` made of the same samples.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import lightning.pytorch as pl
import torch

from seedlock.lightning import SeedlockCallback

SAMPLES, EPOCHS = 24, 2


class Augmented(torch.utils.data.Dataset):  # type: ignore[type-arg]
    """Random augmentation from torch's global RNG; returns the sample id too."""

    def __len__(self) -> int:
        return SAMPLES

    def __getitem__(self, i: int) -> tuple[torch.Tensor, int, int]:
        return torch.full((4,), float(i) / SAMPLES) + 0.1 * torch.randn(4), i % 2, i


class Net(pl.LightningModule):
    """A linear classifier that records the sample ids of every step."""

    def __init__(self) -> None:
        super().__init__()
        self.net = torch.nn.Linear(4, 2)
        self.seen: list[list[int]] = []

    def training_step(self, batch: Any, batch_idx: int) -> torch.Tensor:
        x, y, ids = batch
        self.seen.append([self.current_epoch, *ids.tolist()])
        return torch.nn.functional.cross_entropy(self.net(x), y)

    def configure_optimizers(self) -> torch.optim.Optimizer:
        return torch.optim.SGD(self.parameters(), lr=0.5)


def main(out: Path, devices: int, batch: int) -> None:
    torch.set_num_threads(1)
    callback = SeedlockCallback(seed=7)  # seeds before the model is built
    model = Net()
    loader = torch.utils.data.DataLoader(Augmented(), batch_size=batch, shuffle=True)
    trainer = pl.Trainer(
        max_epochs=EPOCHS,
        accelerator="cpu",
        devices=devices,
        callbacks=[callback],
        logger=False,
        enable_progress_bar=False,
        enable_model_summary=False,
        enable_checkpointing=False,
        default_root_dir=out,
    )
    trainer.fit(model, loader)
    weights = [p.detach().flatten().tolist() for p in model.parameters()]
    result = {
        "seen": model.seen,
        "weights": weights,
        "world": trainer.world_size,
        "strategy": type(trainer.strategy).__name__,
    }
    (out / f"rank{trainer.global_rank}.json").write_text(json.dumps(result))


if __name__ == "__main__":
    main(Path(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]))
