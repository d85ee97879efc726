"""seedlock.lightning: exact resume, DDP, streams, and Lightning's own seeding contracts kept.

The multi-process tests run the scripts in tests/integrations/lightning_*.py. The tests named
after Lightning's ``tests/tests_{fabric,pytorch}/utilities/test_seed.py`` are rewritten against
the callback: what a Lightning user relies on there must survive adding ``SeedlockCallback``.
"""

from __future__ import annotations

import importlib.util
import json
import os
import random
import subprocess
import sys
from functools import partial
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

pytest.importorskip("lightning")
torch = pytest.importorskip("torch")

import numpy as np  # noqa: E402
from torch.utils.data import DataLoader, DistributedSampler  # noqa: E402

import seedlock  # noqa: E402
from seedlock._errors import SeedlockError  # noqa: E402
from seedlock.lightning import SeedlockCallback  # noqa: E402

pytestmark = pytest.mark.torch

SCRIPTS = Path(__file__).parent / "integrations"
ROOT = Path(__file__).resolve().parents[1]


def _start(*args: str) -> subprocess.Popen[str]:
    environ = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    for name in ("SEEDLOCK_SEED", "SEEDLOCK_STREAMS", "PL_GLOBAL_SEED"):
        environ.pop(name, None)  # left by the runs in this process
    return subprocess.Popen(
        [sys.executable, *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=environ,
    )


def _finish(process: subprocess.Popen[str]) -> str:
    out, err = process.communicate(timeout=400)
    assert process.returncode == 0, err[-3000:]
    return out


def _last_json(out: str) -> Any:
    return json.loads(out.strip().splitlines()[-1])


def _script(name: str) -> Any:
    spec = importlib.util.spec_from_file_location(name, SCRIPTS / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def one_thread() -> Any:
    """The scripts train on one intra-op thread; give this process its own count back after."""
    threads = torch.get_num_threads()
    yield
    torch.set_num_threads(threads)


@pytest.mark.slow
@pytest.mark.filterwarnings("ignore")
def test_resume_mid_epoch_in_a_new_process_gives_bit_identical_weights_for_0_and_2_workers(
    tmp_path: Path, one_thread: None
) -> None:
    # Uninterrupted and stopped runs here; the resumed ones in a new process (one import of
    # Lightning in all, which is what this test costs).
    first = _script("lightning_run").main(tmp_path, "first")
    resumed = _last_json(
        _finish(_start(str(SCRIPTS / "lightning_run.py"), str(tmp_path), "resume"))
    )
    for setting in ("root", "streams"):  # without and with data/augment roots of their own
        for workers in (0, 2):
            name = f"{setting}{workers}"
            # Step 9 of 6-step epochs: epoch 1 (the second), 3 batches of 4 run.
            stop = first[f"stop-{name}"]["loader"]
            assert (stop["epoch"], stop["consumed"]) == (1, 12)
            assert resumed[f"resumed-{name}"] == first[f"full-{name}"], name
        assert first[f"full-{setting}0"] == first[f"full-{setting}2"]
    assert first["full-root0"] != first["full-streams0"]


@pytest.mark.slow
@pytest.mark.filterwarnings("ignore")
def test_two_ddp_processes_see_every_sample_once_an_epoch_and_match_one_process_with_their_batch(
    tmp_path: Path, one_thread: None
) -> None:
    script = str(SCRIPTS / "lightning_ddp.py")
    (tmp_path / "one").mkdir()
    (tmp_path / "two").mkdir()
    two = _start(script, str(tmp_path / "two"), "2", "2")
    _script("lightning_ddp").main(tmp_path / "one", 1, 4)  # here, while the 2 ranks run
    _finish(two)
    single = json.loads((tmp_path / "one" / "rank0.json").read_text())
    ranks = [json.loads((tmp_path / "two" / f"rank{r}.json").read_text()) for r in (0, 1)]
    assert [r["strategy"] for r in ranks] == ["DDPStrategy"] * 2
    assert [r["world"] for r in ranks] == [2, 2]
    for epoch in (0, 1):
        ids = [i for r in ranks for step in r["seen"] if step[0] == epoch for i in step[1:]]
        assert sorted(ids) == list(range(24)), epoch
    # Step k of one process (batch 4) is steps k of ranks 0 and 1 (batch 2) interleaved.
    assert len(single["seen"]) == len(ranks[0]["seen"]) == len(ranks[1]["seen"]) == 12
    for alone, a, b in zip(single["seen"], ranks[0]["seen"], ranks[1]["seen"], strict=True):
        assert alone == [a[0], a[1], b[1], a[2], b[2]]
    # DDP averages the ranks' mean gradients: the 1-process gradient up to rounding.
    assert ranks[0]["weights"] == ranks[1]["weights"]
    for a, b in zip(single["weights"], ranks[0]["weights"], strict=True):
        np.testing.assert_allclose(a, b, rtol=0, atol=1e-5)


def test_the_callback_takes_rank_and_world_from_lightnings_injected_sampler() -> None:
    from lightning.fabric.utilities.distributed import DistributedSamplerWrapper
    from torch.utils.data import RandomSampler, SequentialSampler

    from seedlock.lightning import _shuffle_rank_world

    data = list(range(10))
    plain = DataLoader(data, sampler=DistributedSampler(data, num_replicas=2, rank=1))
    assert _shuffle_rank_world(plain, None) == (True, 1, 2)
    for inner, shuffle in [(RandomSampler(data), True), (SequentialSampler(data), False)]:
        wrapped = DataLoader(data, sampler=DistributedSamplerWrapper(inner, num_replicas=4, rank=3))
        assert _shuffle_rank_world(wrapped, None) == (shuffle, 3, 4)


def _fake_trainer(rank: int = 0, world: int = 1, use_distributed_sampler: bool = True) -> Any:
    connector = SimpleNamespace(use_distributed_sampler=use_distributed_sampler)
    return SimpleNamespace(global_rank=rank, world_size=world, _accelerator_connector=connector)


class _Stream(torch.utils.data.IterableDataset):  # type: ignore[misc]
    def __iter__(self) -> Any:
        return iter(range(8))


# Lightning keeps a user's own sampler (single process) or wraps it in DistributedSamplerWrapper
# (DDP): the order it gives (weights, a subset, repeats) is the user's intent, not a shuffle.
def test_loaders_with_the_users_own_sampler_or_an_iterable_dataset_are_kept_as_built() -> None:
    from lightning.fabric.utilities.distributed import DistributedSamplerWrapper
    from torch.utils.data import RandomSampler, SubsetRandomSampler, WeightedRandomSampler

    data = list(range(16))
    samplers: list[Any] = [
        WeightedRandomSampler([0.0] * 8 + [1.0] * 8, 16),
        SubsetRandomSampler([1, 3, 5, 7]),
        RandomSampler(data, replacement=True),
        RandomSampler(data, num_samples=8),
        [15, 14, 13, 12],
        DistributedSamplerWrapper(WeightedRandomSampler([1.0] * 16, 16), num_replicas=2, rank=0),
    ]
    callback = SeedlockCallback(seed=1)
    for sampler in samplers:
        loader = DataLoader(data, batch_size=4, sampler=sampler)
        assert callback._rebuild(loader, _fake_trainer()) is loader, sampler
    stream = DataLoader(_Stream(), batch_size=4)
    assert callback._rebuild(stream, _fake_trainer()) is stream
    assert callback._samplers == []
    whole = DataLoader(data, batch_size=4, sampler=RandomSampler(data, num_samples=16))
    assert callback._rebuild(whole, _fake_trainer()) is not whole


# Lightning's use_distributed_sampler=False: the user splits the data themselves (a dataset sharded
# per rank, or a sampler of their own); Lightning leaves every rank's loader whole.
def test_without_lightnings_distributed_sampler_each_rank_keeps_its_whole_loader() -> None:
    data = list(range(16))
    callback = SeedlockCallback(seed=1)
    for rank in (0, 1):
        loader = DataLoader(data, batch_size=4, shuffle=True)
        trainer = _fake_trainer(rank, 2, use_distributed_sampler=False)
        rebuilt = callback._rebuild(loader, trainer)
        assert rebuilt is not loader
        assert sorted(int(i) for batch in rebuilt for i in batch) == data
    # With Lightning's default the plain loader is split between the ranks.
    split = callback._rebuild(DataLoader(data, batch_size=4, shuffle=True), _fake_trainer(1, 2))
    assert len([int(i) for batch in split for i in batch]) == 8


@pytest.mark.filterwarnings("ignore")  # Lightning's advice (workers, loggers)
def test_a_weighted_sampler_keeps_its_weights_in_a_fit_with_the_callback() -> None:
    from torch.utils.data import WeightedRandomSampler

    seen: list[int] = []
    data = [(i, float(i)) for i in range(16)]
    weights = [0.0] * 8 + [1.0] * 8
    loader = DataLoader(data, batch_size=4, sampler=WeightedRandomSampler(weights, 16))
    _fit(loader, SeedlockCallback(seed=1), max_epochs=1, seen=seen)
    assert len(seen) == 16 and min(seen) >= 8


@pytest.mark.filterwarnings("ignore")
def test_an_iterable_dataset_trains_with_the_callback() -> None:
    seen: list[int] = []
    _fit(DataLoader(_Stream(), batch_size=4), SeedlockCallback(seed=1), max_epochs=1, seen=seen)
    assert seen == list(range(8))


def test_a_seedlock_loader_rebuilt_with_a_distributed_sampler_says_what_to_set() -> None:
    from seedlock.torch import dataloader

    data = list(range(10))
    with pytest.raises(SeedlockError, match="use_distributed_sampler=False"):
        dataloader(data, seed=1, sampler=DistributedSampler(data, num_replicas=2, rank=0))


class _Augmented(torch.utils.data.Dataset):  # type: ignore[misc]
    def __len__(self) -> int:
        return 16

    def __getitem__(self, i: int) -> tuple[int, float]:
        return i, float(torch.rand(()))  # augmentation from torch's global RNG


def _rebuilt(callback: SeedlockCallback, loader: DataLoader, epoch: int = 0) -> DataLoader:
    rebuilt: DataLoader = callback._rebuild(loader, SimpleNamespace(global_rank=0, world_size=1))
    callback._samplers[-1].set_epoch(epoch)
    callback._seed_generators(epoch)
    return rebuilt


def _order_and_augmentation(streams: dict[str, int]) -> tuple[list[int], dict[int, float]]:
    seedlock.seed_everything(42, streams=streams)
    callback = SeedlockCallback(seed=42)
    loader = _rebuilt(callback, DataLoader(_Augmented(), batch_size=4, shuffle=True), epoch=1)
    pairs = [(int(i), float(x)) for ids, xs in loader for i, x in zip(ids, xs, strict=True)]
    return [i for i, _ in pairs], dict(pairs)


def test_the_data_stream_moves_the_order_alone_and_the_augment_stream_the_augmentation_alone() -> (
    None
):
    order, augmentation = _order_and_augmentation({})
    data_order, data_augmentation = _order_and_augmentation({"data": 3})
    augment_order, augment_augmentation = _order_and_augmentation({"augment": 5})
    global_order, global_augmentation = _order_and_augmentation({"global": 9})
    assert sorted(order) == sorted(data_order) == list(range(16))
    assert data_order != order and data_augmentation == augmentation
    assert augment_order == order
    assert all(augment_augmentation[i] != augmentation[i] for i in range(16))
    assert (global_order, global_augmentation) == (order, augmentation)
    # The data stream's root is what seedlock's own sampler would use with that seed.
    expected = seedlock.data.EpochShuffle(16, seed=3, rank=0, world=1)
    expected.set_epoch(1)
    assert data_order == list(expected)


# Ported from Lightning's test_seed.py::test_pl_worker_init_function: 64 ranks x 64 workers.
def test_every_rank_worker_and_epoch_of_the_callbacks_loaders_draws_its_own_streams() -> None:
    torch_draws, python_draws, numpy_draws = set(), set(), set()
    ranks, workers = 64, 64
    callback = SeedlockCallback(seed=2**32 - 1)
    for rank in range(ranks):
        data = list(range(ranks))
        sampler = DistributedSampler(data, num_replicas=ranks, rank=rank)
        loader = callback._rebuild(DataLoader(data, sampler=sampler, batch_size=1), None)
        generator = loader.generator
        for epoch in (0, 1):
            callback._seed_generators(epoch)
            # What a DataLoader iterator does: one base seed from its generator, then in
            # worker w: torch.manual_seed(base + w) and the loader's worker_init_fn(w).
            base = int(torch.empty((), dtype=torch.int64).random_(generator=generator))
            for worker in range(workers):
                torch.default_generator.manual_seed(base + worker)  # the CPU generator alone
                loader.worker_init_fn(worker)
                assert loader.worker_init_fn.user_fn is None
                torch_draws.add(tuple(torch.randint(0, 10**6, (20,)).tolist()))
                python_draws.add(tuple(random.randint(0, 10**6) for _ in range(20)))
                numpy_draws.add(tuple(np.random.randint(0, 10**6, 20).tolist()))
    count = ranks * workers * 2
    assert len(torch_draws) == len(python_draws) == len(numpy_draws) == count
    assert len(torch_draws | python_draws | numpy_draws) == 3 * count


def _batches(loader: DataLoader) -> list[list[float]]:
    return [xs.tolist() for _, xs in loader]


# Ported from Lightning's seed_everything(workers=True) contract (PL_SEED_WORKERS): Lightning adds
# pl_worker_init_function to the loader; the callback chains it after its own worker seeding.
@pytest.mark.filterwarnings("ignore::DeprecationWarning")
def test_lightnings_worker_init_chained_by_the_callback_keeps_batches_worker_invariant() -> None:
    from lightning.fabric.utilities.seed import pl_worker_init_function

    batches = []
    for workers in (0, 2):
        callback = SeedlockCallback(seed=11)
        extra: dict[str, Any] = {"multiprocessing_context": "fork"} if workers else {}
        plain = DataLoader(
            _Augmented(),
            batch_size=4,
            shuffle=True,
            num_workers=workers,
            worker_init_fn=partial(pl_worker_init_function, rank=0),
            **extra,
        )
        loader = _rebuilt(callback, plain)
        assert loader.worker_init_fn.user_fn is plain.worker_init_fn
        batches.append(_batches(loader))
    assert batches[0] == batches[1]


class _Counted(torch.utils.data.Dataset):  # type: ignore[misc]
    """Counts its loads in every process (a fork-shared counter); draws from NumPy."""

    def __init__(self) -> None:
        self.loads = torch.multiprocessing.get_context("fork").Value("i", 0)

    def __len__(self) -> int:
        return 16

    def __getitem__(self, i: int) -> tuple[int, float]:
        with self.loads.get_lock():
            self.loads.value += 1
        return i, float(np.random.random())


def test_worker_processes_start_knowing_which_global_rngs_the_items_draw_from() -> None:
    dataset = _Counted()
    plain = DataLoader(
        dataset, batch_size=4, shuffle=True, num_workers=2, multiprocessing_context="fork"
    )
    seeded = _batches(_rebuilt(SeedlockCallback(seed=3), plain))
    # Found once in the main process; a worker that had to find them would load its first
    # batch twice (16 + 2 * 4 loads).
    assert dataset.loads.value - len(dataset) < 4
    dataset.loads.value = 0
    in_process = DataLoader(dataset, batch_size=4, shuffle=True)
    assert seeded == _batches(_rebuilt(SeedlockCallback(seed=3), in_process))


def _fit(
    loader: Any, callback: SeedlockCallback, *, seen: list[int] | None = None, **options: Any
) -> Any:
    """Fit a linear model on the loader's items' second fields (or the items); ``seen`` collects
    the items' first fields (their ids), step by step and loader by loader. ``callbacks`` go
    after ``callback``; ``val`` is the validation loader."""
    import lightning.pytorch as pl

    class Linear(pl.LightningModule):  # type: ignore[misc]
        def __init__(self) -> None:
            super().__init__()
            self.layer = torch.nn.Linear(1, 1)

        def training_step(self, batch: Any, batch_idx: int) -> Any:
            # One loader's batch: a tensor, or [ids, xs]; several loaders': a list of those.
            parts = batch if isinstance(batch, list) and isinstance(batch[0], list) else [batch]
            loss = torch.zeros(())
            for part in parts:
                ids, xs = part if isinstance(part, list) else (part, part)
                if seen is not None:
                    seen.extend(ids.tolist())
                loss = loss + self.layer(xs.float().unsqueeze(1)).mean()
            return loss

        def validation_step(self, batch: Any, batch_idx: int) -> Any:
            return self.layer(batch[1].float().unsqueeze(1)).mean()

        def test_step(self, batch: Any, batch_idx: int) -> Any:
            return self.layer(batch[1].float().unsqueeze(1)).mean()

        def configure_optimizers(self) -> Any:
            return torch.optim.SGD(self.parameters(), lr=0.1)

    others = options.pop("callbacks", [])
    ckpt_path = options.pop("ckpt_path", None)
    val = options.pop("val", None)
    trainer = pl.Trainer(
        accelerator="cpu",
        logger=False,
        enable_checkpointing=bool(others),
        enable_progress_bar=False,
        enable_model_summary=False,
        callbacks=[callback, *others],
        **options,
    )
    trainer.fit(Linear(), loader, val, ckpt_path=ckpt_path)
    return trainer


@pytest.mark.filterwarnings("ignore")  # Lightning's advice (workers, loggers)
def test_lightning_dispatches_no_training_step_hook_to_the_callback() -> None:
    from lightning.pytorch.profilers import Profiler

    class Actions(Profiler):  # type: ignore[misc]
        def __init__(self) -> None:
            super().__init__()
            self.names: set[str] = set()

        def start(self, action_name: str) -> None:
            self.names.add(action_name)

        def stop(self, action_name: str) -> None:
            pass

    profiler = Actions()
    loader = DataLoader(_Augmented(), batch_size=4, shuffle=True)
    _fit(loader, SeedlockCallback(seed=1), max_steps=3, profiler=profiler)
    ours = {name.split(".")[-1] for name in profiler.names if "SeedlockCallback" in name}
    # Each dispatched hook costs a profiler context and a call, several a step; the callback's
    # work happens when training starts, at each epoch and at checkpoints.
    assert ours == {"setup", "on_train_start", "on_train_epoch_start", "on_train_end", "teardown"}


@pytest.mark.filterwarnings("ignore")
def test_the_persistent_workers_of_the_loader_the_callback_replaced_do_not_outlive_the_fit() -> (
    None
):
    import multiprocessing

    before = set(multiprocessing.active_children())
    loader = DataLoader(
        _Augmented(),
        batch_size=4,
        shuffle=True,
        num_workers=2,
        persistent_workers=True,
        multiprocessing_context="fork",
    )
    _fit(loader, SeedlockCallback(seed=1), max_epochs=2)
    assert set(multiprocessing.active_children()) - before == set()
    assert len(_batches(loader)) == 4  # the user's loader still works


@pytest.mark.filterwarnings("ignore")
def test_loaders_reloaded_every_epoch_keep_the_order_and_resume_exactly(tmp_path: Path) -> None:
    from lightning.pytorch.callbacks import ModelCheckpoint

    def fit(reload: int, out: str, **options: Any) -> list[int]:
        seen: list[int] = []
        loader = DataLoader(_Augmented(), batch_size=4, shuffle=True)
        saves = ModelCheckpoint(dirpath=tmp_path / out, save_top_k=-1, every_n_train_steps=6)
        trainer = _fit(
            loader,
            SeedlockCallback(seed=2),
            seen=seen,
            callbacks=[saves],
            reload_dataloaders_every_n_epochs=reload,
            **{"max_epochs": 3, **options},
        )
        assert trainer.fit_loop._combined_loader.flattened[0] is not loader
        return seen

    kept = fit(0, "kept")
    assert fit(1, "reloaded") == kept
    # The checkpoint inside epoch 1 (step 6 of 4-step epochs) holds the reloaded loader's position.
    checkpoint = torch.load(tmp_path / "reloaded" / "epoch=1-step=6.ckpt", weights_only=True)
    (position,) = checkpoint["seedlock"]["loaders"]
    assert (position["epoch"], position["consumed"]) == (1, 8)
    stopped = fit(1, "stopped", max_steps=6)
    resumed = fit(1, "resumed", ckpt_path=tmp_path / "stopped" / "epoch=1-step=6.ckpt")
    assert stopped + resumed == kept


@pytest.mark.filterwarnings("ignore")  # Lightning's advice (workers, loggers)
def test_a_training_iterable_that_is_not_a_dataloader_is_left_alone_beside_one_that_is(
    tmp_path: Path,
) -> None:
    from lightning.pytorch.callbacks import ModelCheckpoint

    class Batches:  # Lightning takes any iterable as a training loader
        def __iter__(self) -> Any:
            return iter([torch.arange(4) + 4 * k for k in range(4)])

        def __len__(self) -> int:
            return 4

    loaders = [DataLoader(_Augmented(), batch_size=4, shuffle=True), Batches()]
    saves = ModelCheckpoint(dirpath=tmp_path, save_top_k=-1, every_n_train_steps=2)
    _fit(loaders, SeedlockCallback(seed=1), callbacks=[saves], max_epochs=1)
    positions = torch.load(tmp_path / "epoch=0-step=2.ckpt", weights_only=True)["seedlock"]
    assert [(p["epoch"], p["consumed"]) for p in positions["loaders"]] == [(0, 8)]


def test_an_explicit_seed_is_taken_whatever_lightnings_variable_holds(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("PL_GLOBAL_SEED", "abc")  # Lightning itself only warns about it
    assert SeedlockCallback(seed=5).root == 5


# Lightning's default for several training loaders, CombinedLoader(mode="max_size_cycle"), starts a
# shorter loader again each time it runs out within the epoch.
@pytest.mark.filterwarnings("ignore")
def test_several_training_loaders_resume_mid_epoch_where_each_one_stood(tmp_path: Path) -> None:
    from lightning.pytorch.callbacks import ModelCheckpoint

    class Long(_Augmented):
        def __len__(self) -> int:
            return 24

    class Short(_Augmented):
        def __len__(self) -> int:
            return 8

    def fit(out: str, **options: Any) -> list[int]:
        seen: list[int] = []
        loaders = [
            DataLoader(Long(), batch_size=4, shuffle=True),  # 6 batches an epoch
            DataLoader(Short(), batch_size=4, shuffle=True),  # 2 batches, run 3 times an epoch
        ]
        saves = ModelCheckpoint(dirpath=tmp_path / out, save_top_k=-1, every_n_train_steps=9)
        _fit(loaders, SeedlockCallback(seed=4), seen=seen, callbacks=[saves], **options)
        return seen

    whole = fit("whole", max_epochs=2)
    stopped = fit("stopped", max_epochs=2, max_steps=9)
    # Step 9 is the 3rd of epoch 1: the short loader has run 1 batch of its 2nd round, and
    # starts its 3rd round from the top after the next step.
    checkpoint = tmp_path / "stopped" / "epoch=1-step=9.ckpt"
    positions = torch.load(checkpoint, weights_only=True)["seedlock"]["loaders"]
    assert [(p["epoch"], p["consumed"]) for p in positions] == [(1, 12), (1, 4)]
    assert stopped + fit("resumed", max_epochs=2, ckpt_path=checkpoint) == whole


@pytest.mark.filterwarnings("ignore")
def test_a_checkpoint_saved_after_fit_and_test_holds_the_rng_state_and_position(
    tmp_path: Path,
) -> None:
    loader = DataLoader(_Augmented(), batch_size=4, shuffle=True)
    trainer = _fit(loader, SeedlockCallback(seed=1), max_steps=3)  # 3 of epoch 0's 4 batches
    trainer.test(trainer.lightning_module, loader, verbose=False)  # drops the fit's loaders
    trainer.save_checkpoint(tmp_path / "final.ckpt")
    state = torch.load(tmp_path / "final.ckpt", weights_only=True)["seedlock"]
    assert state["snapshot"] == seedlock.snapshot().to_dict()
    assert [(p["epoch"], p["consumed"]) for p in state["loaders"]] == [(0, 12)]


# Ported from Lightning's loops/test_fit_loop_step_resume.py::
# test_resume_completed_epoch_with_max_steps (step-based, with validation): Lightning numbers the
# resumed epoch 1 but hands its samplers set_epoch(2); the callback's order follows the trainer's.
@pytest.mark.filterwarnings("ignore")
def test_a_step_based_run_resumed_after_a_whole_epoch_continues_with_the_next_epochs_order(
    tmp_path: Path,
) -> None:
    from lightning.pytorch.callbacks import ModelCheckpoint

    def fit(out: str, epochs: int, ckpt_path: str | None = None) -> list[int]:
        seen: list[int] = []
        saves = ModelCheckpoint(
            dirpath=tmp_path / out, save_last=True, save_top_k=-1, save_on_train_epoch_end=True
        )
        _fit(
            DataLoader(_Augmented(), batch_size=4, shuffle=True),  # 4 steps an epoch
            SeedlockCallback(seed=6),
            seen=seen,
            callbacks=[saves],
            val=DataLoader(_Augmented(), batch_size=8),
            max_epochs=-1,
            max_steps=4 * epochs,
            num_sanity_val_steps=0,
            ckpt_path=ckpt_path,
        )
        return seen

    whole = fit("whole", 2)
    first = fit("first", 1)
    assert first + fit("resumed", 2, str(tmp_path / "first" / "last.ckpt")) == whole


# Lightning resumes a checkpoint saved at an epoch's last batch at the next epoch, skipping the
# validation that the uninterrupted run did after that batch.
@pytest.mark.filterwarnings("ignore")
def test_a_checkpoint_at_an_epochs_last_batch_resumes_exactly_when_validation_draws(
    tmp_path: Path,
) -> None:
    import lightning.pytorch as pl
    from lightning.pytorch.callbacks import ModelCheckpoint

    class Noisy(pl.LightningModule):  # type: ignore[misc]
        def __init__(self) -> None:
            super().__init__()
            self.layer = torch.nn.Linear(1, 1)
            self.draws: list[float] = []

        def training_step(self, batch: Any, batch_idx: int) -> Any:
            self.draws.append(float(torch.rand(())))  # as dropout draws
            return self.layer(batch[1].float().unsqueeze(1)).mean()

        def validation_step(self, batch: Any, batch_idx: int) -> Any:
            return torch.rand(())  # Monte Carlo dropout, augmentation in the main process

        def configure_optimizers(self) -> Any:
            return torch.optim.SGD(self.parameters(), lr=0.1)

    def fit(out: str, ckpt_path: Path | None = None, **options: Any) -> list[float]:
        model = Noisy()
        saves = ModelCheckpoint(dirpath=tmp_path / out, save_top_k=-1, every_n_train_steps=4)
        trainer = pl.Trainer(
            accelerator="cpu",
            logger=False,
            enable_progress_bar=False,
            enable_model_summary=False,
            callbacks=[SeedlockCallback(seed=5), saves],
            **{"max_epochs": 2, **options},
        )
        train = DataLoader(_Augmented(), batch_size=4, shuffle=True)  # 4 batches an epoch
        trainer.fit(model, train, DataLoader(_Augmented(), batch_size=8), ckpt_path=ckpt_path)
        return model.draws

    whole = fit("whole")
    stopped = fit("stopped", max_steps=4)
    resumed = fit("resumed", ckpt_path=tmp_path / "stopped" / "epoch=0-step=4.ckpt")
    assert stopped + resumed == whole


# Lightning refuses two stateful callbacks with one state_key; the callback's checkpoint entry is
# one too (the second callback's, without the loaders the first one replaced, was the one kept).
@pytest.mark.filterwarnings("ignore")
def test_a_trainer_with_two_seedlock_callbacks_is_refused_with_the_fix(tmp_path: Path) -> None:
    loader = DataLoader(_Augmented(), batch_size=4, shuffle=True)
    with pytest.raises(SeedlockError, match=r"2 SeedlockCallbacks.*Pass one"):
        _fit(
            loader,
            SeedlockCallback(seed=1),
            callbacks=[SeedlockCallback(seed=1)],
            max_steps=1,
            default_root_dir=tmp_path,
        )


# Ported from test_seed.py::test_correct_seed_with_environment_variable: Lightning's seed_everything
# (and LightningCLI's `seed_everything:`) leave the seed in PL_GLOBAL_SEED.
def test_a_callback_without_a_seed_takes_lightnings_seed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PL_GLOBAL_SEED", "2020")
    assert SeedlockCallback().root == 2020
    assert seedlock.root_seed() == 2020


def test_seedlocks_own_root_seed_wins_over_lightnings(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PL_GLOBAL_SEED", "2020")
    monkeypatch.setenv("SEEDLOCK_SEED", "7")  # seedlock run / seedlock sweep
    assert SeedlockCallback().root == 7
    assert SeedlockCallback(seed=3).root == 3


# A notebook or script that trains once per seed: `for seed in seeds: seed_everything(seed)` then a
# Trainer with a new callback. The root the first callback took must not outlive Lightning's reseed.
def test_each_new_lightning_seed_reaches_the_next_callback(monkeypatch: pytest.MonkeyPatch) -> None:
    from lightning.fabric.utilities.seed import seed_everything as lightning_seed_everything

    monkeypatch.setenv("PL_GLOBAL_SEED", "0")  # restored after the test
    roots = []
    for seed in (1, 2, 3):
        lightning_seed_everything(seed, verbose=False)
        roots.append(SeedlockCallback().root)
        assert SeedlockCallback().root == seed  # no reseed in between: the same run
    assert roots == [1, 2, 3]
    seedlock.seed_everything(9)  # a root the user set still wins over Lightning's
    for seed in (4, 5):
        lightning_seed_everything(seed, verbose=False)
        assert SeedlockCallback().root == 9


# Ported from test_seed.py::test_invalid_seed, without Lightning's silent fallback to another seed.
def test_an_invalid_lightning_seed_is_refused_with_the_fix(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PL_GLOBAL_SEED", "invalid")
    with pytest.raises(SeedlockError, match=r"PL_GLOBAL_SEED, which is 'invalid'.*seed=\.\.\."):
        SeedlockCallback()


# Ported from test_seed.py::test_seed_stays_same_with_multiple_seed_everything_calls.
def test_a_callback_without_any_seed_draws_one_that_later_callbacks_keep() -> None:
    first = SeedlockCallback()
    assert SeedlockCallback().root == first.root == seedlock.root_seed()
    assert os.environ["SEEDLOCK_SEED"] == str(first.root)  # DDP processes started later agree


# Ported from test_seed.py::test_reset_seed_everything: Lightning's DDP strategies call reset_seed()
# in every process before the callbacks' setup; training must still start from seedlock's seed.
def test_the_callbacks_setup_seeds_after_lightnings_reset_seed() -> None:
    from lightning.fabric.utilities.seed import reset_seed
    from lightning.fabric.utilities.seed import seed_everything as lightning_seed_everything

    callback = SeedlockCallback(seed=42)
    expected = torch.rand(3)
    lightning_seed_everything(1, verbose=False)
    reset_seed()
    callback.setup(SimpleNamespace(callbacks=[callback]), None, "fit")
    assert torch.equal(torch.rand(3), expected)


# Ported from test_seed.py::test_isolate_rng: seedlock.isolate keeps the contract of Lightning's
# isolate_rng, and Lightning's isolate_rng undoes the callback's seeding.
def test_isolate_gives_lightnings_isolate_rng_contract_around_the_callback() -> None:
    from lightning.pytorch.utilities.seed import isolate_rng

    for isolation in (seedlock.isolate, isolate_rng):
        torch.rand(1), np.random.rand(1), random.random()
        with isolation():
            inside = [(torch.rand(2), np.random.rand(2), random.random()) for _ in range(3)]
            SeedlockCallback(seed=5)
        after = (torch.rand(2), np.random.rand(2), random.random())
        assert torch.equal(after[0], inside[0][0])
        assert np.array_equal(after[1], inside[0][1])
        assert after[2] == inside[0][2]


@pytest.mark.filterwarnings("ignore")
def test_the_digits_lightning_example_resumed_mid_epoch_lands_on_the_same_result(
    tmp_path: Path, one_thread: None
) -> None:
    pytest.importorskip("sklearn")
    spec = importlib.util.spec_from_file_location(
        "digits", ROOT / "examples" / "digits_lightning.py"
    )
    assert spec is not None and spec.loader is not None
    example = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(example)
    # 96 images, batch 32: 3 steps an epoch; the checkpoint at step 4 is inside epoch 2, and the
    # loss is the mean over the last epoch, which both runs train whole.
    args = ["--seed", "3", "--epochs", "3", "--train-size", "96", "--workers", "0", "--every", "4"]
    full = example.main([*args, "--out", str(tmp_path / "full")])
    ckpt = tmp_path / "full" / "step=4.ckpt"
    resumed = example.main([*args, "--out", str(tmp_path / "resumed"), "--resume", str(ckpt)])
    assert resumed == full
    assert 0 <= full["accuracy"] <= 1 and full["loss"] > 0
