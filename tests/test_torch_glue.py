"""seedlock.torch: batches identical for any workers, world size, start method and resume point."""

from __future__ import annotations

import json
import multiprocessing
import random
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from seedlock._errors import SeedlockError, SeedlockTypeError, StateError  # noqa: E402
from seedlock.data import EpochShuffle  # noqa: E402
from seedlock.torch import (  # noqa: E402
    EpochSampler,
    dataloader,
    shard,
    worker_init_fn,
)

pytestmark = [
    pytest.mark.torch,
    # 3 workers on a 2-core machine: torch warns that it may be slow, which is fine here.
    pytest.mark.filterwarnings("ignore:This DataLoader will create:UserWarning"),
]


class Augmented:
    """Each item is (index, a draw from each global RNG), like random augmentation."""

    def __init__(self, n: int = 23) -> None:
        self.n = n

    def __len__(self) -> int:
        return self.n

    def __getitem__(self, i: int) -> Any:
        draws = [float(i), random.random(), np.random.random(), torch.rand(()).item()]  # noqa: NPY002
        return torch.tensor(draws, dtype=torch.float64)


class Stream(torch.utils.data.IterableDataset):  # type: ignore[misc]
    def __iter__(self) -> Any:
        return iter(range(20))


def _one_rank(dataset: Any, seed: int, num_workers: int, batch_size: int, persistent: bool) -> Any:
    """A one-rank seedlock loader of ``dataset``, its workers forked (persistent or not)."""
    return dataloader(
        dataset,
        batch_size=batch_size,
        num_workers=num_workers,
        seed=seed,
        rank=0,
        world=1,
        persistent_workers=persistent,
        multiprocessing_context="fork" if num_workers else None,
    )


def epochs(loader: Any, count: int = 2) -> Any:
    return torch.cat([batch for _ in range(count) for batch in loader])


def reference(n: int = 23, count: int = 2) -> Any:
    return epochs(dataloader(Augmented(n), batch_size=1, seed=42, rank=0, world=1), count)


def test_order_and_augmentation_are_identical_for_any_num_workers_and_batch_size() -> None:
    expected = reference()
    assert sorted(expected[:23, 0].tolist()) == [float(i) for i in range(23)]
    for num_workers, batch_size, persistent in [
        (0, 7, False),
        (0, 32, False),
        (1, 1, False),
        (1, 32, True),
        (2, 7, False),
        (2, 1, True),
        (3, 32, False),
        (3, 7, True),
    ]:
        loader = _one_rank(Augmented(), 42, num_workers, batch_size, persistent)
        assert torch.equal(epochs(loader), expected), (num_workers, batch_size, persistent)


def test_epoch_advances_on_each_iteration_and_follows_epoch_shuffle() -> None:
    loader = dataloader(Augmented(10), batch_size=4, seed=7, rank=0, world=1)
    orders = [[int(x) for b in loader for x in b[:, 0]] for _ in range(3)]
    sampler = EpochShuffle(10, seed=7, rank=0, world=1)
    for epoch, order in enumerate(orders):
        sampler.set_epoch(epoch)
        assert order == list(sampler)
    assert loader.epoch == 3  # the epoch the next iteration starts
    loader.set_epoch(1)
    assert [int(x) for b in loader for x in b[:, 0]] == orders[1]


def test_extra_random_calls_in_the_main_process_change_nothing() -> None:
    expected = reference()
    loader = dataloader(
        Augmented(),
        batch_size=5,
        num_workers=2,
        seed=42,
        rank=0,
        world=1,
        multiprocessing_context="fork",
    )
    torch.rand(5)
    first = torch.cat(list(loader))
    random.random()
    torch.rand(3)
    np.random.random()  # noqa: NPY002
    second = torch.cat(list(loader))
    assert torch.equal(torch.cat([first, second]), expected)


def rows(loader: Any) -> Any:
    batches = list(loader)
    return torch.cat(batches) if batches else torch.empty((0, 4), dtype=torch.float64)


def interleave_batches(per_rank: list[Any]) -> Any:
    """Rows of the ranks' outputs merged back by global position (rank r: r, r + w, ...)."""
    world = len(per_rank)
    merged = torch.empty((sum(len(p) for p in per_rank), per_rank[0].shape[1]), dtype=torch.float64)
    for rank, rows in enumerate(per_rank):
        merged[rank::world] = rows
    return merged


@pytest.mark.parametrize("world", [1, 2, 4])
def test_union_of_ranks_in_global_order_equals_world_one(world: int) -> None:
    n = 23
    expected = reference(n, count=1)
    per_rank = [
        torch.cat(list(dataloader(Augmented(n), batch_size=3, seed=42, rank=r, world=world)))
        for r in range(world)
    ]
    merged = interleave_batches(per_rank)
    assert torch.equal(merged[:n], expected)
    assert len(merged) == -(-n // world) * world


def _gloo_rank(rank: int, init_file: str, out_file: str) -> None:
    import torch.distributed as dist

    dist.init_process_group("gloo", init_method=f"file://{init_file}", rank=rank, world_size=2)
    try:
        loader = dataloader(Augmented(), batch_size=4, seed=42)  # rank and world discovered
        rows = epochs(loader).tolist()
        gathered: list[Any] = [None, None]
        dist.all_gather_object(gathered, {"rank": loader.epoch_sampler.order.rank, "rows": rows})
        if rank == 0:
            Path(out_file).write_text(json.dumps(gathered))
    finally:
        dist.destroy_process_group()


def _two_gloo_ranks(target: Callable[[int, str, str], None], tmp_path: Path) -> Any:
    """Run ``target(rank, init_file, out_file)`` in two forked processes; what rank 0 wrote."""
    out = tmp_path / "out.json"
    context = multiprocessing.get_context("fork")
    procs = [
        context.Process(target=target, args=(r, str(tmp_path / "init"), str(out))) for r in range(2)
    ]
    for p in procs:
        p.start()
    for p in procs:
        p.join(120)
        assert p.exitcode == 0
    return json.loads(out.read_text())


def test_real_gloo_process_group_of_two_matches_world_one(tmp_path: Path) -> None:
    pytest.importorskip("torch.distributed")
    if not torch.distributed.is_available():
        pytest.skip("torch.distributed is not available")
    gathered = _two_gloo_ranks(_gloo_rank, tmp_path)
    assert [g["rank"] for g in gathered] == [0, 1]
    n = 23
    per_rank = [torch.tensor(g["rows"], dtype=torch.float64) for g in gathered]
    padded = -(-n // 2) * 2
    expected = reference(n, count=2)
    for epoch in range(2):
        half = padded // 2
        merged = interleave_batches([rows[epoch * half : (epoch + 1) * half] for rows in per_rank])
        assert torch.equal(merged[:n], expected[epoch * n : (epoch + 1) * n])


def _gloo_rank_seeded_apart(rank: int, init_file: str, out_file: str) -> None:
    import torch.distributed as dist

    import seedlock

    dist.init_process_group("gloo", init_method=f"file://{init_file}", rank=rank, world_size=2)
    try:
        seedlock.seed_everything(1234 + rank)  # the common per-rank pattern
        loader = dataloader(Augmented(), batch_size=4)
        rows = epochs(loader).tolist()
        gathered: list[Any] = [None, None]
        dist.all_gather_object(gathered, rows)
        if rank == 0:
            Path(out_file).write_text(json.dumps(gathered))
    finally:
        dist.destroy_process_group()


def test_ranks_seeded_differently_still_split_every_epoch_exactly_once(tmp_path: Path) -> None:
    if not torch.distributed.is_available():
        pytest.skip("torch.distributed is not available")
    gathered = _two_gloo_ranks(_gloo_rank_seeded_apart, tmp_path)
    per_rank = [torch.tensor(rows, dtype=torch.float64) for rows in gathered]
    n, half = 23, 12
    expected = epochs(dataloader(Augmented(n), batch_size=1, seed=1234, rank=0, world=1))
    for epoch in range(2):
        merged = interleave_batches([rows[epoch * half : (epoch + 1) * half] for rows in per_rank])
        assert sorted(merged[:n, 0].tolist()) == [float(i) for i in range(n)]
        assert torch.equal(merged[:n], expected[epoch * n : (epoch + 1) * n])  # rank 0's seed


GLOBAL_BATCH = 12


def _loaders(world: int, n: int, **kwargs: Any) -> list[Any]:
    return [
        dataloader(
            Augmented(n), batch_size=GLOBAL_BATCH // world, seed=42, rank=r, world=world, **kwargs
        )
        for r in range(world)
    ]


@pytest.mark.parametrize(
    ("world_before", "world_after", "workers"), [(1, 1, 2), (2, 2, 0), (2, 4, 0), (4, 1, 2)]
)
def test_resume_after_k_batches_gives_exactly_the_uninterrupted_rest(
    world_before: int, world_after: int, workers: int
) -> None:
    n = 50
    expected = reference(n, count=2)
    batches = -(-n // GLOBAL_BATCH)  # the last one is partial: 50 = 4 * 12 + 2
    rng = np.random.default_rng(world_before * 7 + world_after)
    extra = {"num_workers": workers, "multiprocessing_context": "fork", "persistent_workers": True}
    for k in sorted({batches - 1, batches, int(rng.integers(0, batches))}):
        before = _loaders(world_before, n, **(extra if workers else {}))
        iterators = [iter(loader) for loader in before]
        for _ in range(k):
            for it in iterators:
                next(it)  # workers prefetch further; only delivered batches count
        state = json.loads(json.dumps(before[0].state_dict()))
        del iterators, before
        after = _loaders(world_after, n)
        for loader in after:
            loader.load_state_dict(state)
        rest = interleave_batches([rows(loader) for loader in after])
        seen = min(n, k * GLOBAL_BATCH)
        assert torch.equal(rest[: n - seen], expected[seen:n]), k
        following = interleave_batches([rows(loader) for loader in after])
        assert torch.equal(following[:n], expected[n:]), k


def test_state_counts_delivered_batches_not_prefetched_ones() -> None:
    loader = dataloader(
        Augmented(40),
        batch_size=4,
        num_workers=2,
        seed=1,
        rank=0,
        world=1,
        multiprocessing_context="fork",
        prefetch_factor=4,
    )
    it = iter(loader)
    next(it)
    next(it)
    assert loader.state_dict()["consumed"] == 8
    list(it)
    state = loader.state_dict()
    assert (state["epoch"], state["consumed"]) == (1, 0)  # the loop ended: the next epoch
    fresh = dataloader(Augmented(40), batch_size=4, seed=1, rank=0, world=1)
    fresh.load_state_dict(state)
    assert fresh.epoch == 1
    assert torch.equal(torch.cat(list(fresh)), torch.cat(list(loader)))


@pytest.mark.parametrize("method", ["fork", "spawn", "forkserver"])
def test_every_start_method_gives_the_same_batches(method: str) -> None:
    if method not in multiprocessing.get_all_start_methods():
        pytest.skip(f"{method} is not available here")
    expected = reference(8, count=1)
    # One worker: a spawned interpreter imports torch afresh, which is slow.
    loader = dataloader(
        Augmented(8),
        batch_size=3,
        num_workers=1,
        seed=42,
        rank=0,
        world=1,
        multiprocessing_context=method,
    )
    assert torch.equal(torch.cat(list(loader)), expected)


def test_loading_state_mid_iteration_is_an_error() -> None:
    loader = dataloader(Augmented(10), batch_size=2, seed=1, rank=0, world=1)
    it = iter(loader)
    next(it)
    with pytest.raises(StateError, match="mid-iteration"):
        loader.load_state_dict(loader.state_dict())


def test_state_from_another_dataset_or_format_is_an_error() -> None:
    state = dataloader(Augmented(10), seed=1, rank=0, world=1).state_dict()
    with pytest.raises(StateError, match="length"):
        dataloader(Augmented(11), seed=1, rank=0, world=1).load_state_dict(state)
    with pytest.raises(StateError, match="format"):
        dataloader(Augmented(10), seed=1, rank=0, world=1).load_state_dict({**state, "format": 2})


def test_bad_loader_arguments_are_errors() -> None:
    with pytest.raises(SeedlockError, match="sets sampler"):
        dataloader(Augmented(), seed=1, sampler=[0, 1])
    with pytest.raises(SeedlockError, match="sets generator"):
        dataloader(Augmented(), seed=1, generator=torch.Generator())
    with pytest.raises(SeedlockTypeError, match="map-style"):
        dataloader(Stream(), seed=1)
    with pytest.raises(SeedlockError, match="rank must be below world"):
        dataloader(Augmented(), seed=1, rank=2, world=2)
    with pytest.raises(SeedlockError, match="seed_everything"):
        dataloader(Augmented())


def test_epoch_sampler_yields_indices_that_carry_their_epoch() -> None:
    sampler = EpochSampler(6, seed=3, rank=1, world=2)
    sampler.set_epoch(2)
    indices = list(sampler)
    assert [i.epoch for i in indices] == [2, 2, 2]  # type: ignore[attr-defined]
    expected = EpochShuffle(6, seed=3, rank=1, world=2)
    expected.set_epoch(2)
    assert indices == list(expected)
    assert sampler.state_dict()["consumed"] == 6


def test_shard_gives_each_item_to_exactly_one_worker_of_one_rank() -> None:
    seen: list[int] = []
    for rank in range(2):
        loader = torch.utils.data.DataLoader(
            shard(Stream(), rank=rank, world=2),
            batch_size=None,
            num_workers=2,
            multiprocessing_context="fork",
        )
        seen.extend(int(x) for x in loader)
    assert sorted(seen) == list(range(20))


def test_the_documented_worker_init_fn_recipe_gives_every_rank_and_worker_its_own_streams() -> None:
    import seedlock
    import seedlock.torch

    assert "rank, epoch" in (seedlock.torch.worker_init_fn.__doc__ or "")

    class NumpyDraw:
        def __len__(self) -> int:
            return 4

        def __getitem__(self, i: int) -> float:
            return float(np.random.random())  # noqa: NPY002

    def run(rank: int, epoch: int) -> list[float]:
        loader = torch.utils.data.DataLoader(
            NumpyDraw(),
            batch_size=2,
            num_workers=2,
            worker_init_fn=worker_init_fn,
            generator=seedlock.torch_generator("data", "loader", rank, epoch, seed=5),
            multiprocessing_context="fork",
        )
        return [float(x) for batch in loader for x in batch]

    first = run(0, 0)
    torch.rand(4)  # the global torch RNG does not feed the workers' seeds
    assert first == run(0, 0)
    streams = {x for rank in range(2) for epoch in range(2) for x in run(rank, epoch)}
    assert len(streams) == 2 * 2 * 4  # no two (rank, epoch, worker) share a NumPy stream


def test_public_names_are_pinned() -> None:
    import seedlock.torch

    assert sorted(seedlock.torch.__all__) == [
        "EpochSampler",
        "SeedlockDataLoader",
        "dataloader",
        "shard",
        "worker_init_fn",
    ]


def test_loader_keeps_an_already_seeded_dataset_and_its_attributes() -> None:
    from seedlock.data import seeded

    data = seeded(Augmented(6), seed=42)
    loader = dataloader(data, batch_size=2, seed=42, rank=0, world=1)
    assert loader.dataset is data and loader.dataset.n == 6
    assert torch.equal(torch.cat(list(loader)), reference(6, count=1))


def _resumed(after_batches: int, epochs_before: int = 0) -> Any:
    """A fresh 32-item, batch-4 loader holding the state saved after some batches of an epoch."""
    first = dataloader(list(range(32)), batch_size=4, seed=1, rank=0, world=1)
    for _ in range(epochs_before):
        list(first)
    it = iter(first)
    for _ in range(after_batches):
        next(it)
    state = json.loads(json.dumps(first.state_dict()))
    fresh = dataloader(list(range(32)), batch_size=4, seed=1, rank=0, world=1)
    fresh.load_state_dict(state)
    return fresh


def test_len_of_a_resumed_loader_is_the_whole_epoch_before_and_after_it_ends() -> None:
    loader = _resumed(3)
    assert len(loader) == 8 and len(loader.sampler) == 32
    assert len(list(loader)) == 5  # it yields the rest; trainers count the 3 they already ran
    assert len(loader) == 8
    assert len(list(loader)) == 8


def test_set_epoch_reaches_the_sampler_of_a_loader_rebuilt_from_it() -> None:
    reference_loader = dataloader(list(range(32)), batch_size=4, seed=1, rank=0, world=1)
    epoch_one = [b.tolist() for _ in range(2) for b in reference_loader][8:]
    loader = dataloader(list(range(32)), batch_size=4, seed=1, rank=0, world=1)
    loader.set_epoch(1)
    # accelerate's skip_first_batches rebuilds a plain DataLoader around the batch sampler.
    rebuilt = torch.utils.data.DataLoader(loader.dataset, batch_sampler=loader.batch_sampler)
    assert [b.tolist() for b in rebuilt] == epoch_one


def test_a_loaded_position_survives_a_wrapper_that_counts_epochs_from_zero() -> None:
    reference_loader = dataloader(list(range(32)), batch_size=4, seed=1, rank=0, world=1)
    expected = [b.tolist() for _ in range(3) for b in reference_loader]
    loader = _resumed(3, epochs_before=1)  # epoch 1, after 3 batches
    # What accelerator.prepare's DataLoaderShard does: its own counter starts at 0.
    rebuilt = torch.utils.data.DataLoader(loader.dataset, batch_sampler=loader.batch_sampler)
    got = []
    for wrapper_epoch in range(2):
        loader.sampler.set_epoch(wrapper_epoch)
        got += [b.tolist() for b in rebuilt]
    assert got == expected[8 + 3 :]


def test_accelerate_prepare_keeps_a_loaded_position() -> None:
    accelerate = pytest.importorskip("accelerate")
    reference_loader = dataloader(list(range(32)), batch_size=4, seed=1, rank=0, world=1)
    expected = [b.tolist() for _ in range(3) for b in reference_loader]
    prepared = accelerate.Accelerator(cpu=True).prepare(_resumed(3, epochs_before=1))
    got = [b.tolist() for _ in range(2) for b in prepared]
    assert got == expected[8 + 3 :]


def test_loading_with_no_workers_leaves_the_training_loops_global_rng_state_as_it_was() -> None:
    import seedlock

    def training_draws(seed: int, num_workers: int) -> list[float]:
        seedlock.seed_everything(seed)
        loader = dataloader(
            Augmented(12),
            batch_size=4,
            num_workers=num_workers,
            seed=42,
            rank=0,
            world=1,
            **({"multiprocessing_context": "fork"} if num_workers else {}),
        )
        draws = []
        for batch in loader:
            draws += [torch.rand(()).item(), random.random(), float(np.random.random())]  # noqa: NPY002
            del batch
        return draws

    try:
        zero = training_draws(1, 0)
        assert zero != training_draws(2, 0)  # the loop's draws follow its own seed
        assert zero == training_draws(1, 2)  # and the same with workers
        data = seedlock.data.seeded(Augmented(3), seed=42)
        seedlock.seed_everything(1)
        python, torch_state = random.getstate(), torch.get_rng_state()
        data[1]
        assert random.getstate() == python and torch.equal(torch.get_rng_state(), torch_state)
    finally:
        seedlock._seed._set_root(None)


def test_declared_globals_reseed_only_those_and_give_the_same_values() -> None:
    full = torch.cat(list(dataloader(Augmented(8), batch_size=4, seed=3, rank=0, world=1)))
    only_torch = torch.cat(
        list(dataloader(Augmented(8), batch_size=4, seed=3, rank=0, world=1, globals=("torch",)))
    )
    assert torch.equal(full[:, 3], only_torch[:, 3])
    assert not torch.equal(full[:, 1], only_torch[:, 1])  # random was not reseeded
    with pytest.raises(SeedlockError, match="globals must be a tuple of names"):
        dataloader(Augmented(8), seed=3, rank=0, world=1, globals=("tensorflow",))


class Sometimes:
    """Items draw from torch; a few also from random or NumPy (found only when they come)."""

    def __len__(self) -> int:
        return 23

    def __getitem__(self, i: int) -> Any:
        extra = random.random() if i % 7 == 3 else np.random.random() if i == 20 else 0.0  # noqa: NPY002
        return torch.tensor([float(i), torch.rand(()).item(), extra], dtype=torch.float64)


def test_found_globals_give_the_same_batches_as_reseeding_all_for_any_num_workers() -> None:
    import seedlock

    loader = dataloader(Sometimes(), batch_size=1, seed=5, rank=0, world=1)
    got = epochs(loader)
    expected = []
    for epoch in range(2):
        order = EpochShuffle(23, seed=5, rank=0, world=1)
        order.set_epoch(epoch)
        for i in order:
            seedlock.data.reseed(i, epoch, seed=5)
            expected.append(Sometimes()[i])
    assert torch.equal(got, torch.stack(expected))
    for num_workers, batch_size, persistent in [(0, 4, False), (2, 5, False), (2, 3, True)]:
        loader = _one_rank(Sometimes(), 5, num_workers, batch_size, persistent)
        assert torch.equal(epochs(loader), got), (num_workers, batch_size, persistent)
