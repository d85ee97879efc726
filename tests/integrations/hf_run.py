"""Train a tiny model with the Hugging Face Trainer; run by tests/integrations/test_transformers.py.

    python hf_run.py OUT WORKERS MODE [MODE ...]    (MODE: full, plain, stop, resume)

Prints ``MODE <SHA-256 of the final weights> <steps>`` for each mode, in order: ``full`` trains 3
epochs; ``plain`` too, without SeedlockCallback; ``stop`` trains to the middle of epoch 2, saves
``checkpoint-9`` and stops; ``resume`` continues from that checkpoint. Before it, one line
``seen ID...`` per step with the sample ids this process trained on. Started as ranks of a
``torchrun`` job (``$WORLD_SIZE`` 2), each process takes batch ``8 / WORLD_SIZE`` (gloo); with
``$SEED_PER_RANK=1`` rank ``r`` is seeded with ``7 + r``.
"""

from __future__ import annotations

import hashlib
import os
import sys

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("HF_DATASETS_OFFLINE", "1")

import numpy as np
import torch
from torch import nn
from transformers import Trainer, TrainerCallback, TrainingArguments

import seedlock
from seedlock.transformers import SeedlockCallback

STOP_AT = 9  # 6 steps per epoch: the middle of epoch 2


class Augmented(torch.utils.data.Dataset):  # type: ignore[type-arg]
    """48 points; each read adds torch noise and a NumPy-drawn sign flip (random augmentation)."""

    def __init__(self) -> None:
        gen = np.random.default_rng(0)
        self.x = torch.tensor(gen.normal(size=(48, 8)), dtype=torch.float32)
        self.y = torch.tensor(gen.integers(0, 2, size=48))

    def __len__(self) -> int:
        return 48

    def __getitem__(self, i: int) -> dict[str, torch.Tensor]:
        sign = 1.0 if np.random.rand() < 0.5 else -1.0  # noqa: NPY002 - augmentation on globals
        x = sign * self.x[i] + 0.1 * torch.randn(8)
        return {"x": x, "labels": self.y[i], "ids": torch.tensor(i)}


class Net(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.body = nn.Sequential(nn.Linear(8, 16), nn.ReLU(), nn.Dropout(0.5), nn.Linear(16, 2))
        self.seen: list[list[int]] = []

    def forward(
        self, x: torch.Tensor, labels: torch.Tensor, ids: torch.Tensor
    ) -> dict[str, torch.Tensor]:
        self.seen.append(ids.tolist())
        logits = self.body(x)
        return {"loss": nn.functional.cross_entropy(logits, labels), "logits": logits}


class StopAt(TrainerCallback):  # type: ignore[misc]
    def on_step_end(self, args, state, control, **kwargs):  # type: ignore[no-untyped-def]
        if state.global_step == STOP_AT:
            control.should_save = True
            control.should_training_stop = True


def main(out: str, workers: int, mode: str) -> None:
    # $SEED_PER_RANK: each rank its own root (seed_everything(7 + rank), a common pattern); the
    # data order and augmentation must still be one, agreed across ranks.
    per_rank = os.environ.get("SEED_PER_RANK") == "1"
    seedlock.seed_everything(7 + int(os.environ.get("RANK", "0")) if per_rank else 7)
    model = Net()
    world = int(os.environ.get("WORLD_SIZE", "1"))
    args = TrainingArguments(
        output_dir=out,
        per_device_train_batch_size=8 // world,
        num_train_epochs=3,
        learning_rate=0.05,
        save_strategy="no" if mode in ("full", "plain") else "steps",
        save_steps=STOP_AT,
        save_only_model=False,
        logging_strategy="no",
        report_to="none",
        use_cpu=True,
        disable_tqdm=True,
        dataloader_num_workers=workers,
        dataloader_persistent_workers=workers > 0,
        ddp_backend="gloo" if world > 1 else None,
    )
    callbacks: list[TrainerCallback] = [] if mode == "plain" else [SeedlockCallback()]
    if mode == "stop":
        callbacks.append(StopAt())
    trainer = Trainer(model=model, args=args, train_dataset=Augmented(), callbacks=callbacks)
    resume = os.path.join(out, f"checkpoint-{STOP_AT}") if mode == "resume" else None
    trainer.train(resume_from_checkpoint=resume)
    for ids in model.seen:
        print("seen", *ids, flush=True)
    digest = hashlib.sha256()
    for name, tensor in sorted(model.state_dict().items()):
        digest.update(name.encode() + tensor.numpy().tobytes())
    print(mode, digest.hexdigest(), trainer.state.global_step, flush=True)


if __name__ == "__main__":
    for name in sys.argv[3:]:
        main(sys.argv[1], int(sys.argv[2]), name)
