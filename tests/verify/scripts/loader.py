"""Unmodified training-style script: Python, NumPy and torch randomness, DataLoader workers."""

import random

import numpy as np
import torch
from torch.utils.data import DataLoader, Dataset


class Noisy(Dataset):
    def __len__(self):
        return 12

    def __getitem__(self, index):
        # NumPy's and torch's global RNGs inside the worker processes.
        return torch.tensor([index + np.random.rand(), torch.rand(()).item()])


if __name__ == "__main__":
    torch.set_num_threads(1)
    print("python", random.random())
    print("numpy", np.random.rand())
    print("torch", torch.rand(()).item())
    loader = DataLoader(Noisy(), batch_size=3, shuffle=True, num_workers=2)
    print("loader", " ".join(repr(batch.sum().item()) for batch in loader))
