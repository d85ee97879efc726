"""A small CNN on scikit-learn's bundled digits, trained by Lightning with seedlock's callback.

Weight init, dropout, a plain shuffled DataLoader with worker processes and random crop/flip/noise
augmentation drawn from NumPy's and torch's global RNGs: ``SeedlockCallback`` seeds all of it,
makes the batches and augmentations the same for any ``--workers``, and puts the RNG state and the
loader position into Lightning's checkpoints, so a run stopped mid-epoch and resumed lands on the
same weights:

    python examples/digits_lightning.py --seed 1 --out runs/a           # checkpoints every 20 steps
    python examples/digits_lightning.py --seed 1 --out runs/b --resume runs/a/step=40.ckpt
    seedlock verify -- python examples/digits_lightning.py --workers 2  # bit-identical runs

Without ``--seed`` the root comes from ``$SEEDLOCK_SEED`` (``seedlock run``/``sweep``) or is drawn
and logged. Order and augmentation draw from the ``data`` and ``augment`` streams, so
``seedlock sweep --vary data,augment,global -- python examples/digits_lightning.py`` attributes the
spread of the accuracy to its sources.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from typing import Any

import lightning.pytorch as pl
import numpy as np
import torch
from lightning.pytorch.callbacks import ModelCheckpoint
from sklearn.datasets import load_digits
from torch import nn
from torch.utils.data import DataLoader, Dataset

import seedlock
from seedlock.lightning import SeedlockCallback


class Digits(Dataset[tuple[torch.Tensor, int]]):
    """8x8 digit images; with ``augment``, a random 1-pixel shift, flip and Gaussian noise."""

    def __init__(self, images: np.ndarray, labels: np.ndarray, augment: bool) -> None:
        self.images = images.astype(np.float32) / 16.0
        self.labels = labels
        self.augment = augment

    def __len__(self) -> int:
        return len(self.labels)

    def __getitem__(self, index: int) -> tuple[torch.Tensor, int]:
        image = self.images[index].reshape(8, 8)
        if self.augment:
            top, left = np.random.randint(0, 3, size=2)  # NumPy's global RNG
            image = np.pad(image, 1)[top : top + 8, left : left + 8]
            if np.random.rand() < 0.2:
                image = image[:, ::-1]
        tensor = torch.from_numpy(np.ascontiguousarray(image)).unsqueeze(0)
        if self.augment:
            tensor = tensor + 0.05 * torch.randn_like(tensor)  # torch's global RNG
        return tensor, int(self.labels[index])


class DigitsNet(pl.LightningModule):
    """Two convolutions, dropout, one linear layer; Adam."""

    def __init__(self, lr: float = 5e-3) -> None:
        super().__init__()
        self.lr = lr
        self.net = nn.Sequential(
            nn.Conv2d(1, 16, 3, padding=1),
            nn.ReLU(),
            nn.Conv2d(16, 32, 3, padding=1),
            nn.ReLU(),
            nn.MaxPool2d(2),
            nn.Flatten(),
            nn.Dropout(0.25),
            nn.Linear(32 * 4 * 4, 10),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x)  # type: ignore[no-any-return]

    def training_step(self, batch: Any, batch_idx: int) -> torch.Tensor:
        images, labels = batch
        loss = nn.functional.cross_entropy(self(images), labels)
        self.log("loss", loss, on_step=False, on_epoch=True)
        return loss

    def configure_optimizers(self) -> torch.optim.Optimizer:
        return torch.optim.Adam(self.parameters(), lr=self.lr)


def split(train_size: int | None) -> tuple[Digits, Digits]:
    """An 80/20 train/test split drawn from the ``split`` stream of the seed tree."""
    digits = load_digits()
    order = seedlock.numpy_rng("split").permutation(len(digits.target))
    cut = int(0.8 * len(order))
    train_rows = order[:cut] if train_size is None else order[: min(cut, train_size)]
    train = Digits(digits.data[train_rows], digits.target[train_rows], augment=True)
    test = Digits(digits.data[order[cut:]], digits.target[order[cut:]], augment=False)
    return train, test


def accuracy(model: nn.Module, data: Digits) -> float:
    """Accuracy on ``data``."""
    model.eval()
    correct = 0
    with torch.no_grad():
        for images, labels in DataLoader(data, batch_size=256):
            correct += int((model(images).argmax(1) == labels).sum())
    return correct / len(data)


def main(argv: Sequence[str] | None = None) -> dict[str, float]:
    """Train, evaluate, print and ``seedlock.log`` the final loss and test accuracy."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, help="root seed (default: $SEEDLOCK_SEED or drawn)")
    parser.add_argument("--epochs", type=int, default=4)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--train-size", type=int, help="train on the first N training images")
    parser.add_argument("--out", default="lightning_digits", help="checkpoint directory")
    parser.add_argument("--every", type=int, default=20, help="checkpoint every N steps")
    parser.add_argument("--resume", help="a checkpoint written by an earlier run")
    args = parser.parse_args(argv)
    torch.set_num_threads(1)  # a model this small trains fastest on one thread
    seed = seedlock.seed_everything(args.seed).seed  # before the split and the model are drawn
    callback = SeedlockCallback(seed=seed)
    train, test = split(args.train_size)
    model = DigitsNet()
    loader = DataLoader(
        train,
        batch_size=32,
        shuffle=True,
        num_workers=args.workers,
        persistent_workers=args.workers > 0,
    )
    saver = ModelCheckpoint(
        dirpath=args.out, filename="{step}", every_n_train_steps=args.every, save_top_k=-1
    )
    trainer = pl.Trainer(
        max_epochs=args.epochs,
        accelerator="cpu",
        devices=1,
        callbacks=[callback, saver],
        logger=False,
        enable_progress_bar=False,
        enable_model_summary=False,
        default_root_dir=args.out,
    )
    trainer.fit(model, loader, ckpt_path=args.resume)
    result = {"loss": float(trainer.callback_metrics["loss"]), "accuracy": accuracy(model, test)}
    print(f"seed {seed} loss {result['loss']:.6f} test accuracy {result['accuracy']:.4f}")
    seedlock.log(loss=result["loss"], accuracy=result["accuracy"])
    return result


if __name__ == "__main__":
    main()
