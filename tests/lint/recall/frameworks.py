# ruff: noqa
# Planted recall cases for SL005-SL007, SL009-SL012, SL014. See listings.py.
import os

import pandas as pd
import tensorflow as tf
import torch
from sklearn.ensemble import RandomForestClassifier as RF
from sklearn.model_selection import KFold, train_test_split
from torch.utils.data import DataLoader as DL

loader = DL(ds, batch_size=8, shuffle=True)  # expect: SL005
workers = torch.utils.data.DataLoader(ds, num_workers=args.workers)  # expect: SL005
torch.backends.cudnn.benchmark = True  # expect: SL006
a, b = train_test_split(x, y)  # expect: SL007
model = RF(n_estimators=10)  # expect: SL007
model.fit(x, y)
cv = KFold(5, shuffle=True)  # expect: SL007
for tr, te in cv.split(x):
    pass
os.environ["PYTHONHASHSEED"] = "0"  # expect: SL009
torch.use_deterministic_algorithms(True)  # expect: SL011
tf.random.set_seed(0)  # expect: SL012
val = pd.read_csv("x.csv").sample(frac=0.1)  # expect: SL014

# Negatives.
ok_loader = DL(ds, shuffle=True, generator=g)
ok_fixed = DL(ds, shuffle=False, num_workers=4)
ok_split = train_test_split(x, y, random_state=0)
unused = RF()  # built, never fitted
print(repr(RF()))
ok_cv = KFold(5)
ok_sample = pd.read_csv("x.csv").sample(frac=0.1, random_state=1)
