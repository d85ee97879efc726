"""Each framework adapter: seeding matches the framework's own call, state round trips exactly."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator

import numpy as np
import pytest

import seedlock
from seedlock._errors import StateError
from seedlock.frameworks import _registry, get
from seedlock.state import _plain

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")


@pytest.fixture(autouse=True)
def _no_import_hook() -> Iterator[None]:
    yield
    _registry._uninstall_hook()


def _through_json(state: dict[str, object]) -> dict[str, object]:
    loaded: dict[str, object] = json.loads(json.dumps(_plain(state, "test")))
    return loaded


@pytest.mark.parametrize("name", ["python", "numpy"])
def test_python_and_numpy_states_survive_json(name: str) -> None:
    adapter = get(name)
    adapter.seed(3)
    state = _through_json(adapter.get_state())
    first = seedlock.snapshot().frameworks[name]
    adapter.seed(4)
    adapter.set_state(state)
    assert _plain(seedlock.snapshot().frameworks[name], "x") == _plain(first, "x")


@pytest.mark.torch
def test_torch_state_survives_json_and_rejects_wrong_dtypes() -> None:
    torch = pytest.importorskip("torch")
    adapter = get("torch")
    adapter.seed(9)
    state = _through_json(adapter.get_state())
    first = torch.rand(3)
    adapter.set_state(state)
    assert torch.equal(first, torch.rand(3))
    with pytest.raises(StateError, match="uint8"):
        adapter.set_state({"cpu": torch.zeros(3)})
    with pytest.raises(StateError, match="corrupt"):
        adapter.set_state({"cpu": [1, 2, 3]})


@pytest.mark.torch
@pytest.mark.gpu
def test_torch_state_covers_every_cuda_device() -> None:
    torch = pytest.importorskip("torch")
    seedlock.seed_everything(5)
    torch.rand(1, device="cuda")
    snap = seedlock.snapshot()
    assert len(snap.frameworks["torch"]["cuda"]) == torch.cuda.device_count()
    first = [torch.rand(3, device=f"cuda:{i}") for i in range(torch.cuda.device_count())]
    seedlock.restore(snap.to_dict())
    again = [torch.rand(3, device=f"cuda:{i}") for i in range(torch.cuda.device_count())]
    assert all(torch.equal(a, b) for a, b in zip(first, again, strict=True))


@pytest.mark.tensorflow
def test_tensorflow_state_continues_ops_and_the_global_generator_exactly() -> None:
    tf = pytest.importorskip("tensorflow")
    seedlock.seed_everything(8)
    tf.random.uniform([2])
    adapter = get("tensorflow")
    state = _through_json(adapter.get_state())

    def draws() -> list[list[float]]:
        return [
            tf.random.uniform([2]).numpy().tolist(),
            tf.random.normal([2]).numpy().tolist(),
            tf.random.get_global_generator().normal([2]).numpy().tolist(),
        ]

    first = draws()
    adapter.set_state(state)
    assert draws() == first
    with pytest.raises(StateError, match="global_seed"):
        adapter.set_state({"op_seeds": None})


@pytest.mark.tensorflow
def test_keras_matches_set_random_seed_and_round_trips() -> None:
    pytest.importorskip("tensorflow")
    keras = pytest.importorskip("keras")
    seedlock.seed_everything(42)
    ours = np.asarray(keras.random.normal((3,)))
    keras.utils.set_random_seed(42)
    assert np.array_equal(ours, np.asarray(keras.random.normal((3,))))
    adapter = get("keras")
    state = _through_json(adapter.get_state())
    first = np.asarray(keras.random.normal((3,)))
    adapter.set_state(state)
    assert np.array_equal(first, np.asarray(keras.random.normal((3,))))


def test_cupy_and_jax_hold_no_restorable_state() -> None:
    assert not get("cupy").has_state and not get("jax").has_state
    with pytest.raises(StateError, match="cuRAND"):
        get("cupy").get_state()
    assert "cupy" not in seedlock.snapshot().frameworks


def test_seeded_reports_what_seed_everything_gave_each_loaded_framework() -> None:
    report = seedlock.seed_everything("named")
    seeded = seedlock.frameworks.seeded()
    for name in seedlock.frameworks.loaded():
        assert seeded[name] == report.frameworks[name]
