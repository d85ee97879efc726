"""Claim: ``seedlock.lightning.SeedlockCallback`` adds at most 1% per training step to Lightning.

The digits CNN of ``examples/digits.py`` (two convolutions, dropout, one linear layer) trained by a
Lightning ``Trainer`` on its augmented digits (a random shift and flip from NumPy's global RNG,
noise from torch's), batch 32, a plain shuffling ``DataLoader``, torch on one thread. ``plain``
is that Trainer; ``seedlock`` adds ``callbacks=[SeedlockCallback(seed=0)]`` and nothing else (the
callback rebuilds the loader around its epoch sampler and per-sample reseeding). A timing callback
records the time between consecutive ``on_train_batch_end`` calls (data fetch and step); the
median over the steps of a run, after the first epoch's warm-up, is that run's step time. Runs
alternate (plain, seedlock, repeated) and the median of the per-round ratios is printed for each
``num_workers``. ``--clock cpu`` uses the main process's CPU time instead of wall time: steadier
on a shared machine, meaningful for ``num_workers=0`` only.

    python benchmarks/lightning_callback.py [--rounds 5] [--steps 150] [--workers 0 2]
        [--clock wall|cpu]
"""

from __future__ import annotations

import argparse
import importlib.util
import statistics
import sys
import time
import warnings
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent


def _example() -> Any:
    spec = importlib.util.spec_from_file_location("digits_example", ROOT / "examples" / "digits.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--steps", type=int, default=150)
    parser.add_argument("--workers", nargs="+", type=int, default=[0, 2])
    parser.add_argument("--clock", choices=["wall", "cpu"], default="wall")
    args = parser.parse_args()
    clock = time.perf_counter if args.clock == "wall" else time.process_time

    import lightning.pytorch as pl
    import torch
    from sklearn.datasets import load_digits

    from seedlock.lightning import SeedlockCallback

    warnings.filterwarnings("ignore")  # Lightning's advice (workers, loggers) is not measured
    torch.set_num_threads(1)
    example = _example()
    digits = load_digits()
    train = example.Digits(digits.data, digits.target, augment=True)
    warm_up = len(train) // 32 + 1  # steps of the first epoch (workers start, caches fill)

    class Module(pl.LightningModule):  # type: ignore[misc]
        def __init__(self) -> None:
            super().__init__()
            self.net = example.Net()

        def training_step(self, batch: Any, batch_idx: int) -> Any:
            images, labels = batch
            return torch.nn.functional.cross_entropy(self.net(images), labels)

        def configure_optimizers(self) -> Any:
            return torch.optim.SGD(self.parameters(), lr=0.05)

    class StepTimes(pl.Callback):  # type: ignore[misc]
        def __init__(self) -> None:
            self.ends: list[float] = []

        def on_train_batch_end(self, *_: Any) -> None:
            self.ends.append(clock())

        def step_seconds(self) -> float:
            gaps = [b - a for a, b in zip(self.ends, self.ends[1:], strict=False)]
            return statistics.median(gaps[warm_up:])

    def run(workers: int, seedlock: bool) -> float:
        timer = StepTimes()
        callbacks: list[Any] = [timer] + ([SeedlockCallback(seed=0)] if seedlock else [])
        extra: dict[str, Any] = {"num_workers": workers}
        if workers:
            extra.update(persistent_workers=True, multiprocessing_context="fork")
        loader = torch.utils.data.DataLoader(train, batch_size=32, shuffle=True, **extra)
        trainer = pl.Trainer(
            accelerator="cpu",
            devices=1,
            max_steps=warm_up + args.steps,
            logger=False,
            enable_checkpointing=False,
            enable_progress_bar=False,
            enable_model_summary=False,
            callbacks=callbacks,
        )
        trainer.fit(Module(), loader)
        return timer.step_seconds()

    for workers in args.workers:
        times: dict[str, list[float]] = {"plain": [], "seedlock": []}
        for _ in range(args.rounds):
            times["plain"].append(run(workers, seedlock=False))
            times["seedlock"].append(run(workers, seedlock=True))
        ratio = statistics.median(
            s / p for s, p in zip(times["seedlock"], times["plain"], strict=True)
        )
        print(
            f"num_workers={workers}: plain {statistics.median(times['plain']) * 1e3:6.2f} ms/step, "
            f"seedlock {statistics.median(times['seedlock']) * 1e3:6.2f} ms/step, "
            f"ratio {ratio:.3f}x",
            flush=True,
        )


if __name__ == "__main__":
    main()
