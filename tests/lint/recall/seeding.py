# ruff: noqa
# Planted recall cases for SL002-SL004 and SL008. See listings.py for the markers.
import random
import time
from datetime import datetime

import numpy as np
import numpy.random as npr
import torch
from numpy.random import default_rng as make_rng

random.seed(time.time())  # expect: SL002
seed = int(time.time()) % 2**31
np.random.seed(seed)  # expect: SL002
torch.manual_seed(int(datetime.now().timestamp()))  # expect: SL002
random.seed()  # expect: SL003
npr.seed()  # expect: SL003
torch.seed()  # expect: SL003
rng = make_rng()  # expect: SL004
gen = torch.Generator()  # expect: SL004
py_rng = random.Random()  # expect: SL004
legacy = np.random.RandomState(None)  # expect: SL004
for key in {"weight", "bias"}:  # expect: SL008
    print(key)
cols = ",".join({"x", "y", "z"})  # expect: SL008
words = open("f").read().split()
vocab = list(set(words))  # expect: SL008
index = {w: i for i, w in enumerate({f"tok{i}" for i in range(3)})}  # expect: SL008

# Negatives: seeded, seeded later, order-free.
random.seed(1234)
ok_rng = make_rng(0)
g2 = torch.Generator()
g2.manual_seed(0)
started = time.time()
elapsed = time.time() - started
for key in sorted({"weight", "bias"}):
    print(key)
ok_vocab = sorted(set(words))
if "x" in {"x", "y"}:
    pass
nums = list({1, 2, 3})
