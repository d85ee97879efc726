"""Claim: ``seedlock.lightning.SeedlockCallback`` adds at most 1% per training step to Lightning.

The digits CNN of ``examples/digits.py`` (two convolutions, dropout, one linear layer) trained by a
Lightning ``Trainer`` on its augmented digits (a random shift and flip from NumPy's global RNG,
noise from torch's), batch 32, a plain shuffling ``DataLoader``, torch on one thread. Three
Trainers, identical but for their callbacks:

* ``plain``: no seedlock.
* ``callback``: ``SeedlockCallback(seed=0, globals=())``: the callback with its epoch sampler and
  dataset wrapper, but no global RNG reseeded per item. This is what the callback itself adds.
* ``seeded``: ``SeedlockCallback(seed=0)``, the default: each item also reseeds the global RNGs it
  draws from (here NumPy's and torch's), the per-sample seeding of ``seedlock.data.seeded``.

A run trains one warm-up epoch, then ``--steps`` more; its step time is the time from the end of
the warm-up to the end of the last step divided by the steps (epoch boundaries included). Runs
alternate (plain, callback, seeded, repeated) and the median of the per-round ratios is printed
for each ``num_workers``, with the difference ``seeded - callback`` in microseconds per item (the
cost of the per-sample reseeding). ``--clock cpu`` uses CPU time instead of wall time, the main
process's plus its worker processes' (persistent, so alive from the warm-up to the last step;
needs ``psutil``): steadier on a shared machine, and with workers it counts the loading work
that wall time hides while the cores are free and shows at random when they are not.

``--parts`` times the parts alone, in CPU time (steadier than a training step's few percent):
loading an item that does almost no work of its own but draw from NumPy and torch, through a
plain loader, the callback's (``seeded(..., globals=())`` and its ``EpochSampler``) and the
default ``seeded`` one, in microseconds per item over the plain loader; and Lightning's dispatch
of the six per-step callback hooks, in microseconds per step over a Trainer without the callback.

    python benchmarks/lightning_callback.py [--rounds 7] [--steps 171] [--workers 0 2]
        [--clock wall|cpu] [--parts]
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
BATCH = 32
VARIANTS = ("plain", "callback", "seeded")


def _example() -> Any:
    spec = importlib.util.spec_from_file_location("digits_example", ROOT / "examples" / "digits.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def _training(args: argparse.Namespace, example: Any, train: Any) -> None:
    import lightning.pytorch as pl
    import torch

    from seedlock.lightning import SeedlockCallback

    clock = time.perf_counter if args.clock == "wall" else _cpu_seconds
    warm_up = -(-len(train) // BATCH)  # the first epoch's steps (workers start, caches fill)

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
        """The clock at the end of the warm-up and of the last step (read twice: cheap)."""

        def __init__(self) -> None:
            self.steps = 0
            self.marks: list[float] = []

        def on_train_batch_end(self, *_: Any) -> None:
            self.steps += 1
            if self.steps in (warm_up, warm_up + args.steps):
                self.marks.append(clock())

        def step_seconds(self) -> float:
            return (self.marks[1] - self.marks[0]) / args.steps

    def run(workers: int, variant: str) -> float:
        timer = StepTimes()
        callbacks: list[Any] = [timer]
        if variant == "callback":
            callbacks.append(SeedlockCallback(seed=0, globals=()))
        elif variant == "seeded":
            callbacks.append(SeedlockCallback(seed=0))
        extra: dict[str, Any] = {"num_workers": workers}
        if workers:
            extra.update(persistent_workers=True, multiprocessing_context="fork")
        loader = torch.utils.data.DataLoader(train, batch_size=BATCH, shuffle=True, **extra)
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
        times: dict[str, list[float]] = {variant: [] for variant in VARIANTS}
        for round_ in range(args.rounds):
            shift = round_ % len(VARIANTS)  # no variant always runs first
            for variant in VARIANTS[shift:] + VARIANTS[:shift]:
                times[variant].append(run(workers, variant))
        plain = times["plain"]
        ratios = {
            v: statistics.median(t / p for t, p in zip(times[v], plain, strict=True))
            for v in VARIANTS[1:]
        }
        per_item = statistics.median(
            (s - c) / BATCH for s, c in zip(times["seeded"], times["callback"], strict=True)
        )
        print(
            f"num_workers={workers} ({args.clock}): plain "
            f"{statistics.median(plain) * 1e3:.2f} ms/step; callback {ratios['callback']:.3f}x; "
            f"seeded {ratios['seeded']:.3f}x; per-sample reseeding {per_item * 1e6:+.1f} us/item",
            flush=True,
        )


def _cpu_seconds() -> float:
    """CPU time of this process and of its worker processes (alive while it is read)."""
    import psutil

    children = psutil.Process().children(recursive=True)
    return time.process_time() + sum(sum(child.cpu_times()[:2]) for child in children)


class _Tiny:
    """An item with almost no work of its own: one draw from NumPy's and one from torch's RNG."""

    def __len__(self) -> int:
        return 2048

    def __getitem__(self, index: int) -> Any:
        import numpy as np
        import torch

        return np.random.random() + float(torch.rand(()))


def _parts(args: argparse.Namespace) -> None:
    import lightning.pytorch as pl
    from lightning.pytorch.trainer.call import _call_callback_hooks
    from torch.utils.data import DataLoader

    from seedlock.data import seeded
    from seedlock.lightning import SeedlockCallback
    from seedlock.torch import EpochSampler

    tiny = _Tiny()

    def loader(variant: str) -> DataLoader[Any]:
        if variant == "plain":
            return DataLoader(tiny, batch_size=BATCH, shuffle=True)  # type: ignore[arg-type]
        dataset = seeded(tiny, seed=0, globals=() if variant == "callback" else None)
        return DataLoader(dataset, batch_size=BATCH, sampler=EpochSampler(len(tiny), seed=0))

    loaders = {variant: loader(variant) for variant in VARIANTS}
    for each in loaders.values():  # warm-up; the default wrapper finds the RNGs in use
        for _ in each:
            pass
    times: dict[str, list[float]] = {variant: [] for variant in VARIANTS}
    for round_ in range(args.rounds):
        shift = round_ % len(VARIANTS)
        for variant in VARIANTS[shift:] + VARIANTS[:shift]:
            start = time.process_time()
            for _ in range(5):
                for _ in loaders[variant]:
                    pass
            times[variant].append((time.process_time() - start) / (5 * len(tiny)))
    added = {
        v: statistics.median(t - p for t, p in zip(times[v], times["plain"], strict=True))
        for v in VARIANTS[1:]
    }
    print(
        f"loading a tiny item (cpu): plain {statistics.median(times['plain']) * 1e6:.2f} us/item; "
        f"callback {added['callback'] * 1e6:+.2f} us/item; seeded {added['seeded'] * 1e6:+.2f} "
        "us/item",
        flush=True,
    )

    # What Lightning does for every callback at each training step (Lightning's dispatcher).
    hooks = {
        "on_train_batch_start": (None, 0),
        "on_before_backward": (None,),
        "on_after_backward": (),
        "on_before_optimizer_step": (None,),
        "on_before_zero_grad": (None,),
        "on_train_batch_end": (None, None, 0),
    }
    trainers = {
        variant: pl.Trainer(
            accelerator="cpu",
            logger=False,
            enable_checkpointing=False,
            enable_progress_bar=False,
            enable_model_summary=False,
            callbacks=[] if variant == "plain" else [SeedlockCallback(seed=0)],
        )
        for variant in ("plain", "callback")
    }
    steps = 2000
    dispatch: dict[str, list[float]] = {"plain": [], "callback": []}
    for _ in range(args.rounds):
        for variant, trainer in trainers.items():
            start = time.process_time()
            for _ in range(steps):
                for hook, hook_args in hooks.items():
                    _call_callback_hooks(trainer, hook, *hook_args)
            dispatch[variant].append((time.process_time() - start) / steps)
    per_step = statistics.median(
        c - p for c, p in zip(dispatch["callback"], dispatch["plain"], strict=True)
    )
    print(f"per-step hook dispatch (cpu): callback {per_step * 1e6:+.2f} us/step", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--steps", type=int, default=171)
    parser.add_argument("--workers", nargs="+", type=int, default=[0, 2])
    parser.add_argument("--clock", choices=["wall", "cpu"], default="wall")
    parser.add_argument("--parts", action="store_true", help="time the callback's parts alone")
    args = parser.parse_args()

    import torch
    from sklearn.datasets import load_digits

    warnings.filterwarnings("ignore")  # Lightning's advice (workers, loggers) is not measured
    torch.set_num_threads(1)
    example = _example()
    digits = load_digits()
    train = example.Digits(digits.data, digits.target, augment=True)
    if args.parts:
        _parts(args)
    else:
        _training(args, example, train)


if __name__ == "__main__":
    main()
