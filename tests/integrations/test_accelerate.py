"""seedlock.accelerate: prepared seedlock loaders and exact save_state/load_state resume."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from trainer_scripts import step_digests

pytest.importorskip("torch")
pytest.importorskip("accelerate")

import torch  # noqa: E402
from accelerate import Accelerator  # noqa: E402
from accelerate.data_loader import skip_first_batches  # noqa: E402

import seedlock  # noqa: E402
import seedlock.torch  # noqa: E402
from seedlock import StateError  # noqa: E402
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


@pytest.mark.parametrize(
    ("state", "message"),
    [
        ({"other": 1}, "not a SeedlockState checkpoint"),
        ({"seedlock": "{not json"}, "not usable: not valid JSON"),
        ({"seedlock": '{"kind": "x"}'}, "not a SeedlockState"),
        ({"seedlock": '{"kind": "seedlock.accelerate", "format": 2}'}, "format 2"),
        ({"seedlock": '{"kind": "seedlock.accelerate", "format": 1, "seed": 8}'}, "root seed 8"),
        ({"seedlock": '{"kind": "seedlock.accelerate", "format": 1, "seed": 4}'}, "snapshot"),
    ],
)
def test_a_foreign_corrupt_or_mismatched_state_is_refused(
    state: dict[str, object], message: str
) -> None:
    with pytest.raises(StateError, match=message):
        SeedlockState(seed=4).load_state_dict(state)
