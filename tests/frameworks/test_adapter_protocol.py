"""Each adapter is the one place that knows its framework; the loops over them see every piece."""

from __future__ import annotations

import random

import numpy as np
import pytest

from seedlock import determinism
from seedlock.frameworks import FRAMEWORKS, Framework, get


def test_there_is_one_list_of_adapters_with_unique_names() -> None:
    names = [fw.name for fw in FRAMEWORKS]
    assert names == ["python", "numpy", "torch", "tensorflow", "keras", "cupy", "jax"]
    assert all(get(name) is fw for name, fw in zip(names, FRAMEWORKS, strict=True))


def test_every_environment_variable_has_exactly_one_owner() -> None:
    owners: dict[str, list[str]] = {}
    for fw in FRAMEWORKS:
        for name in [*fw.deterministic_env({}), *fw.thread_vars]:
            owners.setdefault(name, []).append(fw.name)
    assert {name: len(by) for name, by in owners.items() if len(by) > 1} == {}
    assert set(determinism.deterministic_env()) == {
        name for fw in FRAMEWORKS for name in fw.deterministic_env({})
    }
    assert tuple(v for fw in FRAMEWORKS for v in fw.thread_vars) == determinism.THREAD_VARS


@pytest.mark.parametrize(
    ("generator", "owner", "kind"),
    [
        (random.Random(1), "python", "python.Random"),
        (np.random.default_rng(1), "numpy", "numpy.Generator"),
        (np.random.PCG64(1), "numpy", "numpy.BitGenerator"),
        (np.random.RandomState(1), "numpy", "numpy.RandomState"),
    ],
)
def test_each_generator_type_is_claimed_by_its_own_adapter_only(
    generator: object, owner: str, kind: str
) -> None:
    claims = {fw.name: fw.generator_kind(generator) for fw in FRAMEWORKS if fw.is_loaded()}
    assert {name: k for name, k in claims.items() if k is not None} == {owner: kind}
    adapter = get(owner)
    assert kind in adapter.generator_kinds
    state = adapter.generator_state(kind, generator)
    adapter.set_generator_state(kind, generator, state)


def test_fingerprint_fields_are_named_after_their_framework() -> None:
    for fw in FRAMEWORKS:
        if fw.is_loaded():
            assert all(key.startswith(f"{fw.name}.") for key in fw.fingerprint_flags())


def test_an_adapter_that_declares_nothing_changes_nothing() -> None:
    class Bare(Framework):
        name = module = "bare"

        def seed(self, seed: int) -> None:
            """Nothing."""

        def get_state(self) -> dict[str, object]:
            return {}

        def set_state(self, state: object) -> None:
            """Nothing."""

    bare = Bare()
    assert bare.enable_determinism(warn_only=False) == []
    assert bare.pin_threads(1) == []
    assert bare.doctor() == []
    assert bare.deterministic_env({}) == {} and bare.fingerprint_flags() == {}
    assert bare.generator_kind(random.Random()) is None
