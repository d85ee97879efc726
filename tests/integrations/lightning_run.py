"""Train a tiny Lightning model with SeedlockCallback; used by tests/test_lightning.py.

``main(out, "first")`` (the test calls it in its own process): for 0 and 2 workers, without and
with stream roots of their own, train 3 epochs uninterrupted and, separately, to step 9 (the
middle of epoch 2) saving Lightning's own checkpoint there. ``python lightning_run.py OUT resume``
resumes every checkpoint in a new process. Each returns (prints) the final weights by run name.
"""

from __future__ import annotations

import json
import os
import random
import sys
from pathlib import Path
from typing import Any

import lightning.pytorch as pl
import numpy as np
import torch
from lightning.pytorch.callbacks import ModelCheckpoint

from seedlock.lightning import SeedlockCallback

SAMPLES, BATCH, EPOCHS, STOP = 24, 4, 3, 9  # 6 steps an epoch: step 9 is mid-epoch 2


class Noisy(torch.utils.data.Dataset):  # type: ignore[type-arg]
    """Random augmentation from all three global RNGs."""

    def __len__(self) -> int:
        return SAMPLES

    def __getitem__(self, i: int) -> tuple[torch.Tensor, int]:
        x = torch.full((6,), float(i) / SAMPLES) + 0.1 * torch.randn(6)
        if random.random() < 0.5:
            x = x.flip(0)
        return x * (1 + 0.1 * float(np.random.random())), i % 3


class Net(pl.LightningModule):
    """A small MLP with dropout (drawn from torch's global RNG in the training loop)."""

    def __init__(self) -> None:
        super().__init__()
        self.net = torch.nn.Sequential(
            torch.nn.Linear(6, 16), torch.nn.ReLU(), torch.nn.Dropout(0.3), torch.nn.Linear(16, 3)
        )

    def training_step(self, batch: Any, batch_idx: int) -> torch.Tensor:
        x, y = batch
        return torch.nn.functional.cross_entropy(self.net(x), y)

    def configure_optimizers(self) -> torch.optim.Optimizer:
        return torch.optim.SGD(self.parameters(), lr=0.1)


def train(out: Path, workers: int, *, stop: bool = False, ckpt: str | None = None) -> Any:
    callback = SeedlockCallback(seed=42)  # seeds before the model is built
    model = Net()
    extra: dict[str, Any] = {"multiprocessing_context": "fork"} if workers else {}
    loader = torch.utils.data.DataLoader(
        Noisy(), batch_size=BATCH, shuffle=True, num_workers=workers, **extra
    )
    callbacks: list[Any] = [callback]
    if stop:
        callbacks.append(ModelCheckpoint(dirpath=out, every_n_train_steps=STOP, save_top_k=-1))
    trainer = pl.Trainer(
        max_steps=STOP if stop else -1,
        max_epochs=EPOCHS,
        callbacks=callbacks,
        accelerator="cpu",
        devices=1,
        logger=False,
        enable_progress_bar=False,
        enable_model_summary=False,
        enable_checkpointing=stop,
        default_root_dir=out,
    )
    trainer.fit(model, loader, ckpt_path=ckpt)
    if stop:
        (path,) = out.glob("*.ckpt")
        state = torch.load(path, weights_only=True)["seedlock"]
        return {"ckpt": str(path), "loader": state["loaders"][0]}
    return [p.detach().flatten().tolist() for p in model.parameters()]


STREAMS = {"root": "", "streams": "data=3,augment=5"}  # $SEEDLOCK_STREAMS of each setting


def main(out: Path, mode: str) -> dict[str, Any]:
    torch.set_num_threads(1)
    result: dict[str, Any] = {}
    for setting, streams in STREAMS.items():
        os.environ["SEEDLOCK_STREAMS"] = streams  # read by the callback's seed_everything
        for workers in (0, 2):
            name = f"{setting}{workers}"
            run = out / name
            if mode == "first":
                result[f"full-{name}"] = train(run / "full", workers)
                result[f"stop-{name}"] = train(run / "stop", workers, stop=True)
            else:
                (ckpt,) = (run / "stop").glob("*.ckpt")
                result[f"resumed-{name}"] = train(run / "resume", workers, ckpt=str(ckpt))
    return result


if __name__ == "__main__":
    print(json.dumps(main(Path(sys.argv[1]), sys.argv[2])))
