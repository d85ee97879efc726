"""Train with SeedlockCallback on 1 or 2 DDP processes (gloo); run by the Lightning DDP tests.

``python lightning_ddp.py OUT DEVICES BATCH``: Lightning's defaults (strategy ``ddp`` for 2 CPU
devices, ``use_distributed_sampler=True``); each rank writes ``OUT/rank{r}.json`` with the sample
ids of each step and the final weights. The loss is a batch mean and nothing in the step draws
random numbers (augmentation is per-sample seeded), so 2 ranks of batch ``b`` take the averaged
gradient of the 1-process batch ``2b`` made of the same samples.

``python lightning_ddp.py OUT DEVICES BATCH RUN...`` (started once per rank, as ``torchrun``
does: tests/integrations/trainer_scripts.run_ranks) trains each RUN in turn with dropout in the
step (and an extra draw on rank 1, so the ranks' RNG states differ) and writes
``OUT/RUN/rank{r}.json``. ``RUN`` is ``MODE-WORKERS``: ``full`` trains 2 epochs, ``stop`` stops
at step 9 (the middle of epoch 2) saving Lightning's own checkpoint there, ``resume`` resumes
from that checkpoint (of ``OUT/stop-WORKERS``).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import lightning.pytorch as pl
import torch
from lightning.pytorch.callbacks import ModelCheckpoint

from seedlock.lightning import SeedlockCallback

SAMPLES, EPOCHS, STOP = 24, 2, 9


class Augmented(torch.utils.data.Dataset):  # type: ignore[type-arg]
    """Random augmentation from torch's global RNG; returns the sample id too."""

    def __len__(self) -> int:
        return SAMPLES

    def __getitem__(self, i: int) -> tuple[torch.Tensor, int, int]:
        return torch.full((4,), float(i) / SAMPLES) + 0.1 * torch.randn(4), i % 2, i


class Net(pl.LightningModule):
    """A linear classifier that records the sample ids of every step; dropout on its input."""

    def __init__(self, dropout: float = 0.0) -> None:
        super().__init__()
        self.net = torch.nn.Linear(4, 2)
        self.dropout = dropout
        self.seen: list[list[int]] = []

    def training_step(self, batch: Any, batch_idx: int) -> torch.Tensor:
        x, y, ids = batch
        self.seen.append([self.current_epoch, *ids.tolist()])
        if self.dropout:
            x = torch.nn.functional.dropout(x, self.dropout)  # the rank's global torch RNG
            if self.global_rank == 1:
                torch.rand(1)  # work on one rank only: the ranks' RNG states part ways
        return torch.nn.functional.cross_entropy(self.net(x), y)

    def configure_optimizers(self) -> torch.optim.Optimizer:
        return torch.optim.SGD(self.parameters(), lr=0.5)


def train(out: Path, devices: int, batch: int, run: str = "") -> None:
    mode, _, workers_text = run.partition("-")
    workers = int(workers_text or 0)
    stop = mode == "stop"
    callback = SeedlockCallback(seed=7)  # seeds before the model is built
    model = Net(dropout=0.3 if run else 0.0)
    extra: dict[str, Any] = {"multiprocessing_context": "fork"} if workers else {}
    loader = torch.utils.data.DataLoader(
        Augmented(), batch_size=batch, shuffle=True, num_workers=workers, **extra
    )
    callbacks: list[Any] = [callback]
    if stop:
        callbacks.append(ModelCheckpoint(dirpath=out, every_n_train_steps=STOP, save_top_k=-1))
    trainer = pl.Trainer(
        max_epochs=EPOCHS,
        max_steps=STOP if stop else -1,
        accelerator="cpu",
        devices=devices,
        callbacks=callbacks,
        logger=False,
        enable_progress_bar=False,
        enable_model_summary=False,
        enable_checkpointing=stop,
        default_root_dir=out,
    )
    ckpt = None
    if mode == "resume":
        (found,) = (out.parent / f"stop-{workers}").glob("*.ckpt")
        ckpt = str(found)
    trainer.fit(model, loader, ckpt_path=ckpt)
    weights = [p.detach().flatten().tolist() for p in model.parameters()]
    result = {
        "seen": model.seen,
        "weights": weights,
        "world": trainer.world_size,
        "strategy": type(trainer.strategy).__name__,
        "steps": trainer.global_step,
    }
    (out / f"rank{trainer.global_rank}.json").write_text(json.dumps(result))


def main(out: Path, devices: int, batch: int, runs: tuple[str, ...] = ()) -> None:
    torch.set_num_threads(1)
    if not runs:
        train(out, devices, batch)
    for run in runs:
        (out / run).mkdir(parents=True, exist_ok=True)
        train(out / run, devices, batch, run)


if __name__ == "__main__":
    main(Path(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), tuple(sys.argv[4:]))
