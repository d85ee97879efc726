"""EpochShuffle: world-size invariance, O(1) resume at any position, state validation, errors."""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import pytest

from seedlock import _seed
from seedlock._errors import SeedlockError, StateError
from seedlock.data import EpochShuffle, Permutation, reseed, sample_rng
from seedlock.data.sampler import STATE_FORMAT


def interleave(streams: list[list[int]]) -> list[int]:
    """The ranks' streams merged back by global position (rank r holds positions r, r+w, ...)."""
    out: list[int] = []
    for column in range(max(len(s) for s in streams)):
        out.extend(s[column] for s in streams if column < len(s))
    return out


def run(n: int, world: int, epoch: int, seed: int = 42, **kwargs: object) -> list[list[int]]:
    streams = []
    for rank in range(world):
        sampler = EpochShuffle(n, rank=rank, world=world, seed=seed, **kwargs)  # type: ignore[arg-type]
        sampler.set_epoch(epoch)
        streams.append(list(sampler))
    return streams


def test_golden_orders_are_pinned() -> None:
    sampler = EpochShuffle(10, seed=42, rank=0, world=1)
    assert list(sampler) == [8, 6, 7, 9, 2, 4, 1, 3, 0, 5]
    sampler.set_epoch(1)
    assert list(sampler) == [8, 4, 1, 5, 6, 9, 0, 7, 2, 3]
    assert run(10, 4, 0) == [[8, 2, 0], [6, 4, 5], [7, 1, 8], [9, 3, 6]]


@pytest.mark.parametrize("n", [1, 10, 97, 1000])
@pytest.mark.parametrize("world", [1, 2, 4])
def test_union_of_ranks_in_global_order_equals_world_one(n: int, world: int) -> None:
    reference = run(n, 1, epoch=3)[0]
    streams = run(n, world, epoch=3)
    assert len({len(s) for s in streams}) == 1
    merged = interleave(streams)
    assert merged[:n] == reference
    # Padding wraps around to the start of the order, like DistributedSampler.
    assert merged[n:] == (reference * world)[: len(merged) - n]


def test_drop_last_cuts_the_tail_evenly() -> None:
    reference = run(10, 1, epoch=0)[0]
    streams = run(10, 4, epoch=0, drop_last=True)
    assert [len(s) for s in streams] == [2, 2, 2, 2]
    assert interleave(streams) == reference[:8]


def test_epochs_differ_and_each_is_a_permutation() -> None:
    sampler = EpochShuffle(100, seed=1, rank=0, world=1)
    orders = []
    for epoch in range(3):
        sampler.set_epoch(epoch)
        orders.append(list(sampler))
    assert all(sorted(o) == list(range(100)) for o in orders)
    assert orders[0] != orders[1] != orders[2]


def test_order_is_the_documented_permutation() -> None:
    sampler = EpochShuffle(1000, seed=9, rank=0, world=1)
    sampler.set_epoch(4)
    expected = Permutation(1000, _seed.derive("data", "shuffle", 4, seed=9))[:]
    assert list(sampler) == expected.tolist()


def test_seed_plus_one_does_not_alias_epoch_plus_one() -> None:
    a = EpochShuffle(50, seed=5, rank=0, world=1)
    a.set_epoch(1)
    b = EpochShuffle(50, seed=6, rank=0, world=1)
    assert list(a) != list(b)


def test_unshuffled_order_is_identity_split_by_rank() -> None:
    assert run(7, 2, 0, shuffle=False) == [[0, 2, 4, 6], [1, 3, 5, 0]]


def test_root_seed_is_read_from_the_process() -> None:
    _seed._set_root(42)
    assert list(EpochShuffle(10, rank=0, world=1)) == list(
        EpochShuffle(10, seed=42, rank=0, world=1)
    )


def test_rank_and_world_are_discovered_from_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("RANK", "1")
    monkeypatch.setenv("WORLD_SIZE", "2")
    sampler = EpochShuffle(10, seed=42)
    assert (sampler.rank, sampler.world) == (1, 2)


def resume(n: int, k: int, world_before: int, world_after: int, epoch: int = 2) -> list[int]:
    """Consume k global samples with world_before ranks, resume the rest with world_after."""
    samplers = [EpochShuffle(n, seed=7, rank=r, world=world_before) for r in range(world_before)]
    for sampler in samplers:
        sampler.set_epoch(epoch)
    iterators = [iter(s) for s in samplers]
    for _ in range(k // world_before):
        for it in iterators:
            next(it)
    state = json.loads(json.dumps(samplers[0].state_dict(consumed=k)))
    streams = []
    for rank in range(world_after):
        fresh = EpochShuffle(n, seed=7, rank=rank, world=world_after)
        fresh.load_state_dict(state)
        fresh.set_epoch(epoch)  # the same epoch keeps the loaded position
        streams.append(list(fresh))
    return interleave(streams)


@pytest.mark.parametrize(("world_before", "world_after"), [(1, 1), (2, 2), (4, 4), (2, 4), (4, 1)])
def test_resume_yields_exactly_the_unseen_samples(world_before: int, world_after: int) -> None:
    n = 103
    reference = run(n, 1, epoch=2, seed=7)[0]
    rng = np.random.default_rng(world_before * 10 + world_after)
    ks = {0, 4 * (n // 4), *(int(k) * 4 for k in rng.integers(0, n // 4, size=4))}
    for k in sorted(ks):
        rest = resume(n, k, world_before, world_after)
        assert rest[: n - k] == reference[k:], k
        assert len(rest) % world_after == 0


def test_resume_at_a_huge_position_is_immediate() -> None:
    n = 10**12
    sampler = EpochShuffle(n, seed=3, rank=1, world=4)
    state = sampler.state_dict(consumed=10**9)
    fresh = EpochShuffle(n, seed=3, rank=1, world=4)
    fresh.load_state_dict(state)
    first = next(iter(fresh))
    assert first == int(fresh.order()[10**9 + 1])  # type: ignore[index]
    assert len(fresh) == (n - 10**9) // 4


def test_state_dict_counts_what_the_iterator_handed_out() -> None:
    sampler = EpochShuffle(20, seed=1, rank=0, world=2)
    it = iter(sampler)
    for _ in range(3):
        next(it)
    state = sampler.state_dict()
    assert state["consumed"] == 6
    assert {"format", "algorithm", "n", "epoch", "consumed"} <= set(state)
    assert state["format"] == STATE_FORMAT and state["algorithm"] == sampler.algorithm


def test_loading_while_iterating_is_an_error() -> None:
    sampler = EpochShuffle(20, seed=1, rank=0, world=1)
    it = iter(sampler)
    next(it)
    with pytest.raises(StateError, match="iteration is in progress"):
        sampler.load_state_dict(sampler.state_dict())
    list(it)
    sampler.load_state_dict(sampler.state_dict())


@pytest.mark.parametrize(
    ("change", "match"),
    [
        ({"n": 21}, "length"),
        ({"format": 99}, "format"),
        ({"algorithm": "other/1"}, "algorithm"),
        ({"kind": "x"}, "not an EpochShuffle state"),
        ({"epoch": -1}, "'epoch' must be an int"),
        ({"consumed": "3"}, "'consumed' must be an int"),
        ({"seed_id": 1}, "another root seed"),
    ],
)
def test_foreign_or_corrupt_state_is_an_error(change: dict[str, object], match: str) -> None:
    sampler = EpochShuffle(20, seed=1, rank=0, world=1)
    state = {**sampler.state_dict(), **change}
    with pytest.raises(StateError, match=match):
        sampler.load_state_dict(state)
    with pytest.raises(StateError):
        sampler.load_state_dict([1, 2])  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"n": 0}, "n must be"),
        ({"n": -5}, "n must be"),
        ({"n": 10, "rank": 2, "world": 2}, "rank must be below world"),
        ({"n": 10, "rank": -1, "world": 2}, "rank must be an int >= 0"),
        ({"n": 10, "rank": 0, "world": 0}, "world must be an int >= 1"),
    ],
)
def test_bad_arguments_are_errors(kwargs: dict[str, int], match: str) -> None:
    with pytest.raises(SeedlockError, match=match):
        EpochShuffle(seed=1, **kwargs)  # type: ignore[arg-type]


def test_negative_epoch_is_an_error() -> None:
    with pytest.raises(SeedlockError, match="epoch must be an int >= 0"):
        EpochShuffle(10, seed=1, rank=0, world=1).set_epoch(-1)


def test_missing_root_seed_is_an_error() -> None:
    with pytest.raises(SeedlockError, match="seed_everything"):
        EpochShuffle(10, rank=0, world=1)


def test_state_right_after_set_epoch_or_a_load_counts_nothing_of_the_previous_iteration() -> None:
    sampler = EpochShuffle(10, seed=1, rank=0, world=1)
    sampler.set_epoch(0)
    list(sampler)
    sampler.set_epoch(1)
    state = sampler.state_dict()
    assert (state["epoch"], state["consumed"]) == (1, 0)
    resumed = EpochShuffle(10, seed=1, rank=0, world=1)
    resumed.load_state_dict(state)
    resumed.set_epoch(1)
    assert list(resumed) == list(sampler)

    partial = EpochShuffle(10, seed=1, rank=0, world=1)
    iterator = iter(partial)
    for _ in range(4):
        next(iterator)
    del iterator
    partial.load_state_dict({**state, "consumed": 2})
    assert partial.state_dict()["consumed"] == 2


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: EpochShuffle(True, seed=1, rank=0, world=1), r"EpochShuffle\(\): n must be"),
        (lambda: EpochShuffle(4, seed=1, rank=0, world=1.0), r"EpochShuffle\(\): world must"),
        (lambda: EpochShuffle(4, seed=1, rank=0, world=1).set_epoch(-2), r"set_epoch\(\): epoch"),
        (lambda: EpochShuffle(4, seed=1, rank=0, world=1).seek(0, -1), r"seek\(\): position"),
        (lambda: Permutation(0, seed=1), r"Permutation\(\): n must be an int in \[1, 2\*\*63\)"),
        (lambda: sample_rng(True, 0, seed=1), r"sample_rng\(\): index must be an int in"),
        (lambda: reseed(1, 1.0, seed=1), r"reseed\(\): epoch must be an int >= 0"),
    ],
)
def test_bad_arguments_are_named_with_their_function_and_parameter(call: Any, message: str) -> None:
    with pytest.raises(SeedlockError, match=message):
        call()
