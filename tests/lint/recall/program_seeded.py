# ruff: noqa
# Negatives for SL013: the program seeds (later in the file, from its __main__ block).
import random

import numpy as np


def train():
    return np.random.randn(64, 100), random.random()


if __name__ == "__main__":
    np.random.seed(0)
    random.seed(0)
    train()
