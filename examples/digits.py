"""A small PyTorch CNN on scikit-learn's bundled digits, with every usual source of randomness.

Random weight init, a shuffled DataLoader with 2 worker processes, random crop/flip/noise
augmentation drawn from NumPy's global RNG and torch inside the workers, dropout. Nothing here is
seeded, so two plain runs print different numbers:

    python examples/digits.py                    # different every time
    seedlock verify -- python examples/digits.py # two bit-identical runs, no code change

The only seedlock call is the optional ``seedlock.log`` so that ``seedlock verify`` and
``seedlock sweep`` also see the metrics.

With ``--streams`` the script draws each kind of randomness from its own stream of seedlock's
seed tree, so a sweep can vary one source at a time and attribute the spread of the results:
``split`` (train/test split), ``data`` (shuffling, through ``seedlock.torch.dataloader``),
``augment`` (per-sample augmentation, reseeded per sample) and ``global`` (weight init, dropout):

    seedlock sweep --name digits-var --vary data,global --design factorial --seeds 0-4 \
        -- python examples/digits.py --streams
    seedlock report digits-var --variance --plot variance.png
"""

from __future__ import annotations

import argparse

import numpy as np
import torch
from sklearn.datasets import load_digits
from torch import nn
from torch.utils.data import DataLoader, Dataset

try:
    from seedlock import log
except ImportError:  # seedlock is optional

    def log(step: int | None = None, **metrics: float) -> None:
        """Stand-in for ``seedlock.log`` when seedlock is not installed."""


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
            padded = np.pad(image, 1)
            top, left = np.random.randint(0, 3, size=2)  # NumPy's global RNG, in the worker
            image = padded[top : top + 8, left : left + 8]
            if np.random.rand() < 0.2:
                image = image[:, ::-1]
        tensor = torch.from_numpy(np.ascontiguousarray(image)).unsqueeze(0)
        if self.augment:
            tensor = tensor + 0.05 * torch.randn_like(tensor)  # torch's RNG, in the worker
        return tensor, int(self.labels[index])


class Net(nn.Module):
    """Two convolutions, dropout, one linear layer."""

    def __init__(self) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(1, 16, 3, padding=1)
        self.conv2 = nn.Conv2d(16, 32, 3, padding=1)
        self.dropout = nn.Dropout(0.25)
        self.fc = nn.Linear(32 * 4 * 4, 10)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = torch.relu(self.conv1(x))
        x = torch.max_pool2d(torch.relu(self.conv2(x)), 2)
        return self.fc(self.dropout(x.flatten(1)))


def build_data(
    workers: int = 2, batch_size: int = 32, streams: bool = False, train_size: int | None = None
) -> tuple[DataLoader, DataLoader]:
    """Train and test loaders; the split itself is random (no seed, or the ``split`` stream)."""
    digits = load_digits()
    if streams:
        import seedlock

        order = seedlock.numpy_rng("split").permutation(len(digits.target))
    else:
        order = np.random.permutation(len(digits.target))
    cut = int(0.8 * len(order))
    train_rows = order[:cut] if train_size is None else order[: min(cut, train_size)]
    train = Digits(digits.data[train_rows], digits.target[train_rows], augment=True)
    test = Digits(digits.data[order[cut:]], digits.target[order[cut:]], augment=False)
    if streams:
        import seedlock.torch

        # Order from the `data` stream; each sample's augmentation reseeded from `augment`.
        train_loader: DataLoader = seedlock.torch.dataloader(
            train, batch_size=batch_size, shuffle=True, num_workers=workers
        )
    else:
        train_loader = DataLoader(train, batch_size=batch_size, shuffle=True, num_workers=workers)
    test_loader = DataLoader(test, batch_size=256)
    return train_loader, test_loader


def evaluate(model: nn.Module, loader: DataLoader) -> float:
    """Accuracy on ``loader``."""
    model.eval()
    correct = total = 0
    with torch.no_grad():
        for images, labels in loader:
            correct += int((model(images).argmax(1) == labels).sum())
            total += len(labels)
    model.train()
    return correct / total


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=4)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument(
        "--streams", action="store_true", help="draw each source from its own seedlock stream"
    )
    parser.add_argument("--train-size", type=int, help="train on the first N training images")
    args = parser.parse_args()
    # A model this small trains fastest on one thread (and does not fight the loader workers).
    torch.set_num_threads(1)
    train_loader, test_loader = build_data(
        args.workers, streams=args.streams, train_size=args.train_size
    )
    model = Net()
    optimizer = torch.optim.Adam(model.parameters(), lr=5e-3)
    for epoch in range(1, args.epochs + 1):
        total = 0.0
        for images, labels in train_loader:
            loss = nn.functional.cross_entropy(model(images), labels)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            total += loss.item() * len(labels)
        mean_loss = total / len(train_loader.dataset)
        print(f"epoch {epoch} loss {mean_loss:.6f}")
        log(step=epoch, loss=mean_loss)
    accuracy = evaluate(model, test_loader)
    print(f"test accuracy {accuracy:.4f}")
    log(accuracy=accuracy)


if __name__ == "__main__":
    main()
