"""numpy_rng, python_rng, torch_generator, jax_key, tf_generator: pinned, independent streams."""

from __future__ import annotations

import random
from collections.abc import Iterator

import numpy as np
import pytest

import seedlock
from seedlock.frameworks import _registry

# Golden values for the stream ("golden",) under root seed 42. A change here changes every
# user's results: never update them without a format/version note.
GOLDEN_DERIVE = 8694523729299658470
GOLDEN_NUMPY = [3833305000, 2362450679, 994240959]
GOLDEN_PYTHON = 0.8043447231322082
GOLDEN_TORCH = [424441550, 651785903, 86745276]
GOLDEN_JAX_KEY = [2024351556, 672945894]
GOLDEN_TF = [5623032295357814628, 7930488640766763725, -7039240639695771863]


@pytest.fixture(autouse=True)
def _no_import_hook() -> Iterator[None]:
    yield
    _registry._uninstall_hook()


def test_numpy_rng_is_pcg64_on_the_seed_sequence_of_the_path() -> None:
    rng = seedlock.numpy_rng("golden", seed=42)
    assert isinstance(rng.bit_generator, np.random.PCG64)
    assert rng.integers(0, 2**32, 3).tolist() == GOLDEN_NUMPY
    again = np.random.Generator(np.random.PCG64(seedlock.seed_sequence("golden", seed=42)))
    assert again.integers(0, 2**32, 3).tolist() == GOLDEN_NUMPY


def test_python_rng_is_seeded_with_derive_of_the_path() -> None:
    assert seedlock.derive("golden", seed=42) == GOLDEN_DERIVE
    assert seedlock.python_rng("golden", seed=42).random() == GOLDEN_PYTHON
    assert random.Random(GOLDEN_DERIVE).random() == GOLDEN_PYTHON


def test_generators_neither_read_nor_change_global_state() -> None:
    seedlock.seed_everything(1)
    py_before, np_before = random.getstate(), np.random.get_state(legacy=False)
    a = seedlock.numpy_rng("x").random()
    b = seedlock.python_rng("x").random()
    assert random.getstate() == py_before
    assert np.random.get_state(legacy=False)["state"]["pos"] == np_before["state"]["pos"]
    random.random()
    np.random.rand()
    assert (seedlock.numpy_rng("x").random(), seedlock.python_rng("x").random()) == (a, b)


def test_streams_of_different_paths_and_roots_differ() -> None:
    draws = {
        seedlock.numpy_rng(*path, seed=seed).integers(2**62)
        for path in [("a",), ("b",), ("a", 0), ("a", 1), ()]
        for seed in (1, 2)
    }
    assert len(draws) == 10


def test_no_path_gives_a_stream_apart_from_the_global_one() -> None:
    seedlock.seed_everything(42)
    assert seedlock.python_rng().random() != random.Random(42).random()


def test_helpers_use_the_root_seed_of_seed_everything() -> None:
    with pytest.raises(seedlock.SeedlockError, match="needs a root seed"):
        seedlock.numpy_rng("x")
    seedlock.seed_everything(42)
    assert seedlock.python_rng("golden").random() == GOLDEN_PYTHON


@pytest.mark.torch
def test_torch_generator_is_pinned_and_independent_of_torch_global_state() -> None:
    torch = pytest.importorskip("torch")
    before = torch.get_rng_state()
    gen = seedlock.torch_generator("golden", seed=42)
    assert torch.equal(torch.get_rng_state(), before)
    assert gen.device.type == "cpu"
    assert torch.randint(0, 2**31, (3,), generator=gen).tolist() == GOLDEN_TORCH


@pytest.mark.jax
def test_jax_key_is_a_typed_key_from_all_64_bits_of_derive() -> None:
    jax = pytest.importorskip("jax")
    key = seedlock.jax_key("golden", seed=42)
    assert jax.dtypes.issubdtype(key.dtype, jax.dtypes.prng_key)
    assert jax.random.key_data(key).tolist() == GOLDEN_JAX_KEY
    assert GOLDEN_JAX_KEY == [GOLDEN_DERIVE >> 32, GOLDEN_DERIVE & 0xFFFFFFFF]


@pytest.mark.jax
def test_jax_key_accepts_another_prng_implementation() -> None:
    jax = pytest.importorskip("jax")
    key = seedlock.jax_key("golden", seed=42, impl="rbg")
    assert jax.random.key_data(key).shape == (4,)
    assert (
        jax.random.key_data(key).tolist()
        != jax.random.key_data(seedlock.jax_key("other", seed=42, impl="rbg")).tolist()
    )


@pytest.mark.tensorflow
def test_tf_generator_is_pinned() -> None:
    tf = pytest.importorskip("tensorflow")
    gen = seedlock.tf_generator("golden", seed=42)
    assert gen.uniform_full_int([3], dtype=tf.int64).numpy().tolist() == GOLDEN_TF
