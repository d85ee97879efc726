# ruff: noqa
# Planted recall cases for SL001 (directory order). `# expect: SLxxx` marks a line that must be
# reported; every other line must stay quiet. Never imported or run.
import glob
import os
import os.path
from glob import glob as find
from os import listdir, scandir
from pathlib import Path

import numpy as np

names = os.listdir("data")  # expect: SL001
ls = os.listdir
entries = ls("data")  # expect: SL001
found = find("*.png")  # expect: SL001
items = listdir("d")  # expect: SL001
images = [p for p in Path("imgs").rglob("*.jpg")]  # expect: SL001
first = next(iter(glob.iglob("*.ckpt")))  # expect: SL001
with scandir(".") as it:  # expect: SL001
    table = [e.name for e in it]
if files := glob.glob("*.npy"):  # expect: SL001
    data = np.load(files[0])
for root, dirs, fs in os.walk("tree"):  # expect: SL001
    for f in fs:
        table.append(os.path.join(root, f))


def latest(d):
    ckpts = glob.glob(os.path.join(d, "*.pt"))  # expect: SL001
    return ckpts[-1]


class Folder:
    def __init__(self, root):
        self.files = list(Path(root).iterdir())  # expect: SL001

    def __getitem__(self, i):
        return self.files[i]


# Negatives: sorted, sorted later, order-free uses.
ok_1 = sorted(os.listdir("data"))
ok_2 = os.listdir("data")
ok_2.sort()
ok_3 = len(glob.glob("*.py"))
for name in os.listdir("tmp"):
    os.remove(name)
ok_4 = glob.glob("*.csv")
ok_5 = sorted(ok_4)
for root, dirs, fs in os.walk("tree"):
    dirs.sort()
    for f in sorted(fs):
        table.append(f)
if not glob.glob("*.lock"):
    pass


def listdir_shadow(listdir):
    return listdir("x")  # a parameter named like the function: not os.listdir
