# ruff: noqa
# Planted recall cases for SL013: this module is a program (it has a __main__ block) that never
# seeds anything. See listings.py.
import random

import numpy as np
import torch
from numpy.random import rand as uniform01


def train():
    z = np.random.randn(64, 100)  # expect: SL013
    t = torch.randint(0, 1000, (64,))  # expect: SL013
    idx = random.randrange(10)  # expect: SL013
    u = uniform01()  # expect: SL013
    rng = np.random.default_rng(0)
    w = rng.normal()
    return z, t, idx, u, w


if __name__ == "__main__":
    train()
