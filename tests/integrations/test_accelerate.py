"""seedlock.accelerate: prepared seedlock loaders and exact save_state/load_state resume.

The multi-process tests start 2 CPU processes (gloo) as ``torchrun`` does
(tests/integrations/trainer_scripts.run_ranks), each seeded with its own root (``7 + rank``).
"""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from trainer_scripts import Ranks, rank_runs, step_digests

pytest.importorskip("torch")
pytest.importorskip("accelerate")

import torch  # noqa: E402
from accelerate import Accelerator  # noqa: E402
from accelerate.data_loader import skip_first_batches  # noqa: E402

import seedlock  # noqa: E402
import seedlock.accelerate  # noqa: E402
import seedlock.torch  # noqa: E402
from seedlock import SeedlockError, StateError  # noqa: E402
from seedlock.accelerate import SeedlockState  # noqa: E402

pytestmark = pytest.mark.torch

SCRIPT = Path(__file__).with_name("accelerate_run.py")


def _run(out: Path, workers: int, *modes: str) -> dict[str, str]:
    return step_digests(SCRIPT, out, workers, modes)


@pytest.fixture(scope="module")
def weights(tmp_path_factory: pytest.TempPathFactory) -> dict[tuple[int, str], str]:
    """Final-weight digests: 3 epochs straight, and stopped mid-epoch 2 then resumed anew."""
    root = tmp_path_factory.mktemp("accelerate")
    with ThreadPoolExecutor(2) as pool:
        first = {w: pool.submit(_run, root / str(w), w, "full", "stop") for w in (0, 2)}
        results = {(w, m): d for w, f in first.items() for m, d in f.result().items()}
        resumed = {w: pool.submit(_run, root / str(w), w, "resume") for w in (0, 2)}
        results.update({(w, "resume"): f.result()["resume"] for w, f in resumed.items()})
    return results


@pytest.mark.parametrize("workers", [0, 2])
def test_load_state_in_a_new_process_resumes_to_bit_identical_weights(
    weights: dict[tuple[int, str], str], workers: int
) -> None:
    assert weights[workers, "resume"] == weights[workers, "full"]


def test_weights_are_identical_for_0_and_2_workers(weights: dict[tuple[int, str], str]) -> None:
    assert weights[0, "full"] == weights[2, "full"]


@pytest.fixture(scope="module")
def two_processes(tmp_path_factory: pytest.TempPathFactory) -> dict[int, Ranks]:
    """2 processes, 0 and 2 workers: 3 epochs straight; stopped mid-epoch 2; resumed anew."""
    root = tmp_path_factory.mktemp("accelerate2")
    with ThreadPoolExecutor(2) as pool:
        first = {
            w: pool.submit(rank_runs, SCRIPT, root / str(w), w, ("full", "stop")) for w in (0, 2)
        }
        ranks = {w: f.result() for w, f in first.items()}
        resumed = {w: pool.submit(rank_runs, SCRIPT, root / str(w), w, ("resume",)) for w in (0, 2)}
        for w, future in resumed.items():
            for rank, result in zip(ranks[w], future.result(), strict=True):
                rank.update(result)
    return ranks


@pytest.mark.slow
def test_two_processes_see_every_sample_once_an_epoch_for_0_and_2_workers(
    two_processes: dict[int, Ranks],
) -> None:
    for workers, ranks in two_processes.items():
        for epoch in range(3):
            ids = [i for r in ranks for step in r["full"][1] if step[0] == epoch for i in step[1:]]
            assert sorted(ids) == list(range(48)), (workers, epoch)
    zero, two = two_processes[0], two_processes[2]
    assert [r["full"] for r in zero] == [r["full"] for r in two]
    assert zero[0]["full"][0] == zero[1]["full"][0]  # DDP keeps the ranks' weights equal


@pytest.mark.slow
def test_two_processes_seeded_per_rank_resume_mid_epoch_in_new_processes_bit_exactly(
    two_processes: dict[int, Ranks],
) -> None:
    for workers, ranks in two_processes.items():
        for rank in ranks:
            (full, full_seen), (stop, stop_seen) = rank["full"], rank["stop"]
            resumed, resumed_seen = rank["resume"]
            assert stop_seen + resumed_seen == full_seen, workers
            assert resumed == full != stop, workers


def test_the_registered_state_is_json_text_that_loads_without_unpickling(
    weights: dict[tuple[int, str], str], tmp_path_factory: pytest.TempPathFactory
) -> None:
    del weights  # the checkpoints it wrote
    saved = sorted(tmp_path_factory.getbasetemp().glob("accelerate*/0/checkpoint"))
    assert saved
    state = torch.load(saved[0] / "custom_checkpoint_0.pkl", weights_only=True)
    assert set(state) == {"seedlock"} and isinstance(state["seedlock"], str)
    assert '"kind":"seedlock.accelerate"' in state["seedlock"]


# Ported from accelerate's tests/test_data_loader.py (skip_first_batches, set_epoch reaching the
# sampler of a prepared loader) for seedlock's loaders.


def _prepared(seed: int = 5, n: int = 12) -> torch.utils.data.DataLoader:  # type: ignore[type-arg]
    loader = seedlock.torch.dataloader(list(range(n)), batch_size=3, seed=seed, rank=0, world=1)
    return Accelerator(cpu=True).prepare(loader)


def test_a_prepared_loader_keeps_seedlocks_order_epoch_by_epoch() -> None:
    prepared = _prepared()
    plain = seedlock.torch.dataloader(list(range(12)), batch_size=3, seed=5, rank=0, world=1)
    for _ in range(3):
        assert [b.tolist() for b in prepared] == [b.tolist() for b in plain]


@pytest.mark.parametrize("epoch", [0, 1, 2])
def test_skip_first_batches_continues_the_same_epochs_order(epoch: int) -> None:
    prepared = _prepared()
    prepared.set_epoch(epoch)
    whole = [b.tolist() for b in prepared]
    prepared.set_epoch(epoch)
    assert [b.tolist() for b in skip_first_batches(prepared, 2)] == whole[2:]


def test_load_state_restores_a_tracked_generator_that_accelerate_alone_does_not(
    tmp_path: Path,
) -> None:
    seedlock.seed_everything(4)
    rng = seedlock.numpy_rng("noise")
    seedlock.track("noise", rng)
    try:
        accelerator = Accelerator(cpu=True)
        accelerator.register_for_checkpointing(SeedlockState())
        accelerator.save_state(str(tmp_path))
        expected = (rng.random(), torch.rand(2).tolist())
        rng.random()
        accelerator.load_state(str(tmp_path))
        assert (rng.random(), torch.rand(2).tolist()) == expected
    finally:
        seedlock.untrack("noise")


def test_seedlocks_accelerate_loader_refuses_a_rank_or_world_that_prepare_would_split_again() -> (
    None
):
    with pytest.raises(SeedlockError, match=r"got world=2, but accelerator.prepare splits"):
        seedlock.accelerate.dataloader(list(range(8)), batch_size=2, seed=1, world=2)


def test_seedlocks_accelerate_loader_made_before_the_process_group_of_a_launch_is_refused(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Under `accelerate launch` ranks seeded per device would each shuffle their own order.
    monkeypatch.setenv("WORLD_SIZE", "2")
    with pytest.raises(SeedlockError, match=r"WORLD_SIZE=2 .*Create the Accelerator first"):
        seedlock.accelerate.dataloader(list(range(8)), batch_size=2, seed=3)


def test_seedlocks_accelerate_loader_is_the_global_order_that_prepare_splits() -> None:
    loader = seedlock.accelerate.dataloader(list(range(12)), batch_size=3, seed=5)
    plain = seedlock.torch.dataloader(list(range(12)), batch_size=3, seed=5, rank=0, world=1)
    assert [b.tolist() for b in loader] == [b.tolist() for b in plain]


@pytest.mark.parametrize(
    ("state", "message"),
    [
        ({"other": 1}, "not a SeedlockState checkpoint"),
        ({"seedlock": "{not json"}, "not usable: not valid JSON"),
        ({"seedlock": '{"kind": "x"}'}, "not a SeedlockState"),
        ({"seedlock": '{"kind": "seedlock.accelerate", "format": 2}'}, "format 2"),
        ({"seedlock": '{"kind": "seedlock.accelerate", "format": 1, "seed": 8}'}, "root seed 8"),
        ({"seedlock": '{"kind": "seedlock.accelerate", "format": 1, "seed": 4}'}, "snapshot"),
        (
            {"seedlock": json.dumps({"kind": "seedlock.accelerate", "format": 1, "ranks": [1, 2]})},
            "RNG states of 2 processes, this run has 1",
        ),
    ],
)
def test_a_foreign_corrupt_or_mismatched_state_is_refused(
    state: dict[str, object], message: str
) -> None:
    with pytest.raises(StateError, match=message):
        SeedlockState(seed=4).load_state_dict(state)


def test_state_dict_of_a_loader_accelerate_prepared_is_refused_and_leaves_its_order_intact() -> (
    None
):
    # accelerator.register_for_checkpointing(loader) calls it from save_state: it used to save
    # epoch 0, position 0 mid-epoch 1, and reset the running epoch to epoch 0's order.
    def make() -> seedlock.torch.SeedlockDataLoader:
        return seedlock.torch.dataloader(list(range(300)), batch_size=10, seed=5, rank=0, world=1)

    plain = make()
    expected = [[b.tolist() for b in plain] for _ in range(2)]
    loader = make()
    prepared = Accelerator(cpu=True).prepare(loader)
    assert [b.tolist() for b in prepared] == expected[0]
    batches = iter(prepared)
    first = [next(batches).tolist() for _ in range(2)]
    with pytest.raises(StateError, match=r"skip_first_batches\(loader, batches_done\)"):
        loader.state_dict()
    assert first + [b.tolist() for b in batches] == expected[1]


def test_state_dict_of_a_loader_iterated_by_itself_still_counts_its_batches() -> None:
    loader = seedlock.torch.dataloader(list(range(12)), batch_size=3, seed=5, rank=0, world=1)
    batches = iter(loader)
    next(batches)
    assert loader.state_dict()["consumed"] == 3
    list(batches)
    assert loader.state_dict()["epoch"] == 1


def test_looking_at_a_loaders_order_through_its_order_object_leaves_state_dict_working() -> None:
    loader = seedlock.torch.dataloader(list(range(12)), batch_size=3, seed=5, rank=0, world=1)
    order = [int(i) for i in loader.epoch_sampler.order]
    batches = iter(loader)
    assert next(batches).tolist() == order[:3]
    assert [int(i) for i in loader.epoch_sampler.order] == order  # looked at again mid-epoch
    assert loader.state_dict()["consumed"] == 3
    list(batches)
    assert loader.state_dict()["epoch"] == 1


def test_a_look_through_loader_sampler_is_refused_until_the_loaders_next_epoch() -> None:
    # It cannot be told apart from a prepared copy iterating the sampler: refused loudly, with
    # the way to look that does not count, rather than a position that may be wrong.
    loader = seedlock.torch.dataloader(list(range(12)), batch_size=3, seed=5, rank=0, world=1)
    batches = iter(loader)
    next(batches)
    list(loader.sampler)
    with pytest.raises(StateError, match=r"loader\.epoch_sampler\.order"):
        loader.state_dict()
    list(batches)
    list(loader)  # the loader's own next epoch
    assert loader.state_dict()["epoch"] == 2


def test_state_dict_is_refused_after_a_peek_at_one_batch_and_a_prepared_copys_epochs() -> None:
    loader = seedlock.torch.dataloader(list(range(300)), batch_size=10, seed=5, rank=0, world=1)
    next(iter(loader))  # a look at one batch before training: an iterator dropped at once
    prepared = Accelerator(cpu=True).prepare(loader)
    list(prepared)
    batches = iter(prepared)
    for _ in range(5):
        next(batches)
    with pytest.raises(StateError, match="iterated by something else"):
        loader.state_dict()


@pytest.mark.parametrize("kept", [False, True])
def test_state_dict_is_refused_after_a_look_at_one_batch_and_a_prepared_copys_epoch(
    kept: bool,
) -> None:
    loader = seedlock.torch.dataloader(list(range(300)), batch_size=10, seed=5, rank=0, world=1)
    mine = iter(loader)
    next(mine)  # a look at one batch before training (the iterator kept, or dropped)
    if not kept:
        del mine
    prepared = Accelerator(cpu=True).prepare(loader)
    batches = iter(prepared)
    next(batches)
    next(batches)
    with pytest.raises(StateError, match="iterated by something else"):
        loader.state_dict()


def test_an_unused_iterator_of_the_loader_leaves_a_prepared_copys_epoch_noticed() -> None:
    loader = seedlock.torch.dataloader(list(range(30)), batch_size=3, seed=5, rank=0, world=1)
    iter(loader)  # made and dropped without a batch
    batches = iter(Accelerator(cpu=True).prepare(loader))
    next(batches)
    next(batches)
    with pytest.raises(StateError, match="iterated by something else"):
        loader.state_dict()
