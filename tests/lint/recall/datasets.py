# ruff: noqa
# Planted recall cases for SL010 (draws reached from Dataset.__getitem__). See listings.py.
import random

import numpy as np
from torch.utils.data import Dataset


def jitter(x):
    return x + np.random.normal(0, 0.1)  # expect: SL010


class Augmented(Dataset):
    def __getitem__(self, i):
        if random.random() < 0.5:  # expect: SL010
            return self.flip(self.x[i])
        return jitter(self.x[i])

    def flip(self, x):
        return x[:: random.choice([-1, 1])]  # expect: SL010

    def reshuffle(self):
        random.shuffle(self.x)  # not reached from __getitem__


class Seeded(Dataset):
    def __getitem__(self, i):
        rng = np.random.default_rng(i)
        return self.x[i] * rng.random()
