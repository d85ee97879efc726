"""seedlock.lightning: exact mid-epoch resume from Lightning's own checkpoint, any num_workers."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("lightning")
torch = pytest.importorskip("torch")

pytestmark = [pytest.mark.torch, pytest.mark.slow]

SCRIPT = r"""
import json, random, sys
import numpy as np
import torch
import lightning.pytorch as pl
from lightning.pytorch.callbacks import ModelCheckpoint
from seedlock.lightning import SeedlockCallback

workers, mode, out = int(sys.argv[1]), sys.argv[2], sys.argv[3]
torch.set_num_threads(1)

class Noisy(torch.utils.data.Dataset):
    def __len__(self):
        return 40
    def __getitem__(self, i):
        x = torch.full((6,), float(i) / 40) + 0.1 * torch.randn(6)  # random augmentation
        if random.random() < 0.5:
            x = x.flip(0)
        return x * (1 + 0.1 * float(np.random.random())), i % 3

class Net(pl.LightningModule):
    def __init__(self):
        super().__init__()
        self.net = torch.nn.Sequential(
            torch.nn.Linear(6, 16), torch.nn.ReLU(), torch.nn.Dropout(0.3), torch.nn.Linear(16, 3)
        )
    def training_step(self, batch, batch_idx):
        x, y = batch
        return torch.nn.functional.cross_entropy(self.net(x), y)
    def configure_optimizers(self):
        return torch.optim.SGD(self.parameters(), lr=0.1)

callback = SeedlockCallback(seed=42)
model = Net()
extra = {"multiprocessing_context": "fork"} if workers else {}
loader = torch.utils.data.DataLoader(
    Noisy(), batch_size=4, shuffle=True, num_workers=workers, **extra
)
common = dict(accelerator="cpu", devices=1, logger=False, enable_progress_bar=False,
              enable_model_summary=False, default_root_dir=out)
if mode == "stop":
    saver = ModelCheckpoint(dirpath=out, every_n_train_steps=15, save_top_k=-1)
    pl.Trainer(max_steps=15, callbacks=[callback, saver], **common).fit(model, loader)
    ckpt = [str(p) for p in __import__("pathlib").Path(out).glob("*.ckpt")]
    state = torch.load(ckpt[0], weights_only=True)["seedlock"]
    print(json.dumps({"ckpt": ckpt[0], "loader": state["loaders"][0]}))
    sys.exit(0)
trainer = pl.Trainer(max_epochs=3, callbacks=[callback], **common)
ckpt = sys.argv[4] if mode == "resume" else None
trainer.fit(model, loader, ckpt_path=ckpt)
print(json.dumps([p.detach().flatten().tolist() for p in model.parameters()]))
"""


def _run(tmp_path: Path, *args: str) -> object:
    script = tmp_path / "train.py"
    script.write_text(SCRIPT)
    done = subprocess.run(
        [sys.executable, str(script), *args], capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.mark.filterwarnings("ignore")
def test_resume_mid_epoch_in_a_new_process_gives_bit_identical_weights_for_0_and_2_workers(
    tmp_path: Path,
) -> None:
    finals = []
    for workers in (0, 2):
        run_dir = tmp_path / f"w{workers}"
        run_dir.mkdir()
        full = _run(run_dir, str(workers), "full", str(run_dir / "full"))
        stopped = _run(run_dir, str(workers), "stop", str(run_dir / "stop"))
        assert isinstance(stopped, dict)
        assert (stopped["loader"]["epoch"], stopped["loader"]["consumed"]) == (1, 20)
        resumed = _run(run_dir, str(workers), "resume", str(run_dir / "resume"), stopped["ckpt"])
        assert resumed == full, workers
        finals.append(full)
    assert finals[0] == finals[1]


def test_the_callback_takes_rank_and_world_from_lightnings_injected_sampler() -> None:
    from lightning.fabric.utilities.distributed import DistributedSamplerWrapper
    from torch.utils.data import DataLoader, DistributedSampler, RandomSampler, SequentialSampler

    from seedlock.lightning import _shuffle_rank_world

    data = list(range(10))
    plain = DataLoader(data, sampler=DistributedSampler(data, num_replicas=2, rank=1))
    assert _shuffle_rank_world(plain, None) == (True, 1, 2)
    for inner, shuffle in [(RandomSampler(data), True), (SequentialSampler(data), False)]:
        wrapped = DataLoader(data, sampler=DistributedSamplerWrapper(inner, num_replicas=4, rank=3))
        assert _shuffle_rank_world(wrapped, None) == (shuffle, 3, 4)


def test_a_seedlock_loader_rebuilt_with_a_distributed_sampler_says_what_to_set() -> None:
    from torch.utils.data import DistributedSampler

    from seedlock._errors import SeedlockError
    from seedlock.torch import dataloader

    data = list(range(10))
    with pytest.raises(SeedlockError, match="use_distributed_sampler=False"):
        dataloader(data, seed=1, sampler=DistributedSampler(data, num_replicas=2, rank=0))
