"""Hugging Face Trainer on scikit-learn's digits, seeded and exactly resumable with seedlock.

A small MLP with dropout (built in code, nothing downloaded), random noise/shift augmentation
in the dataset, the Trainer's own shuffling loader with 2 workers. One line makes it
reproducible, worker-invariant and bit-exactly resumable: ``callbacks=[SeedlockCallback()]``.

    python examples/hf_trainer.py --out /tmp/hf --stop-at 70    # "crashes" at step 70 (epoch 2)
    python examples/hf_trainer.py --out /tmp/hf --resume        # resumes from checkpoint-70
    python examples/hf_trainer.py --out /tmp/hf2                # uninterrupted: same digest
"""

from __future__ import annotations

import argparse
import hashlib
import os

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

import numpy as np  # noqa: E402
import torch  # noqa: E402
from sklearn.datasets import load_digits  # noqa: E402
from torch import nn  # noqa: E402
from transformers import Trainer, TrainerCallback, TrainingArguments  # noqa: E402

import seedlock  # noqa: E402
from seedlock.transformers import SeedlockCallback  # noqa: E402


class Digits(torch.utils.data.Dataset):  # type: ignore[type-arg]
    """Digits images with random noise and a random one-pixel shift (global RNGs)."""

    def __init__(self) -> None:
        digits = load_digits()
        self.x = torch.tensor(digits.images / 16.0, dtype=torch.float32)
        self.y = torch.tensor(digits.target)

    def __len__(self) -> int:
        return len(self.y)

    def __getitem__(self, i: int) -> dict[str, torch.Tensor]:
        shift = int(np.random.randint(-1, 2))  # noqa: NPY002 - augmentation on the global RNG
        image = torch.roll(self.x[i], shift, dims=1) + 0.05 * torch.randn(8, 8)
        return {"x": image.flatten(), "labels": self.y[i]}


class MLP(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.body = nn.Sequential(nn.Linear(64, 64), nn.ReLU(), nn.Dropout(0.3), nn.Linear(64, 10))

    def forward(self, x: torch.Tensor, labels: torch.Tensor) -> dict[str, torch.Tensor]:
        logits = self.body(x)
        return {"loss": nn.functional.cross_entropy(logits, labels), "logits": logits}


class StopAt(TrainerCallback):  # type: ignore[misc]
    """Saves a checkpoint and stops at one step, as a crash would (after the last save)."""

    def __init__(self, step: int) -> None:
        self.step = step

    def on_step_end(self, args, state, control, **kwargs):  # type: ignore[no-untyped-def]
        if state.global_step == self.step:
            control.should_save = control.should_training_stop = True


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", required=True)
    parser.add_argument("--stop-at", type=int, default=0)
    parser.add_argument("--resume", action="store_true")
    parser.add_argument("--workers", type=int, default=2)
    options = parser.parse_args()

    seedlock.seed_everything(0)
    model = MLP()
    args = TrainingArguments(
        output_dir=options.out,
        seed=0,
        num_train_epochs=3,
        per_device_train_batch_size=32,
        learning_rate=0.1,
        save_strategy="no" if not options.stop_at else "steps",
        save_steps=options.stop_at or 500,
        logging_strategy="no",
        report_to="none",
        use_cpu=True,
        disable_tqdm=True,
        dataloader_num_workers=options.workers,
    )
    callbacks: list[TrainerCallback] = [SeedlockCallback()]
    if options.stop_at:
        callbacks.append(StopAt(options.stop_at))
    trainer = Trainer(model=model, args=args, train_dataset=Digits(), callbacks=callbacks)
    trainer.train(resume_from_checkpoint=True if options.resume else None)
    digest = hashlib.sha256()
    for name, tensor in sorted(model.state_dict().items()):
        digest.update(name.encode() + tensor.numpy().tobytes())
    print(f"step {trainer.state.global_step}: weights {digest.hexdigest()[:16]}")


if __name__ == "__main__":
    main()
