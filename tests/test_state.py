"""snapshot/restore/isolate/track: exact round trips, safe persisted form, clear errors."""

from __future__ import annotations

import io
import json
import os
import random
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

import seedlock
from seedlock import state
from seedlock._errors import SeedlockError, SeedlockTypeError, StateError
from seedlock.frameworks import _registry
from seedlock.state import Snapshot


@pytest.fixture(autouse=True)
def _clean_registry() -> Iterator[None]:
    yield
    _registry._uninstall_hook()
    for name in list(state._tracked):
        seedlock.untrack(name)


def _draws() -> list[float]:
    out = [random.random(), random.gauss(0, 1), float(np.random.rand()), float(np.random.randn())]
    torch = __import__("sys").modules.get("torch")
    if torch is not None:
        out += torch.rand(3).tolist()
    return out


def _prime_caches() -> None:
    # Leave a cached Gaussian in both Python and NumPy, the state people forget.
    random.gauss(0, 1)
    np.random.standard_normal()


def test_draws_after_restore_equal_draws_after_snapshot() -> None:
    seedlock.seed_everything(11)
    _prime_caches()
    snap = seedlock.snapshot()
    first = _draws()
    _draws()
    seedlock.restore(snap)
    assert _draws() == first


@pytest.mark.torch
def test_torch_cpu_state_round_trips() -> None:
    torch = pytest.importorskip("torch")
    seedlock.seed_everything(11)
    snap = seedlock.snapshot()
    first = torch.randn(5)
    seedlock.restore(snap)
    assert torch.equal(first, torch.randn(5))


@pytest.mark.torch
def test_a_snapshot_dict_inside_a_checkpoint_loads_with_weights_only() -> None:
    torch = pytest.importorskip("torch")
    seedlock.seed_everything(3)
    _prime_caches()
    snap = seedlock.snapshot()
    first = _draws()
    buffer = io.BytesIO()
    torch.save({"model": {"w": torch.zeros(2)}, "rng": snap.to_dict()}, buffer)
    buffer.seek(0)
    checkpoint = torch.load(buffer, weights_only=True)
    _draws()
    seedlock.restore(Snapshot.from_dict(checkpoint["rng"]))
    assert _draws() == first


def test_to_dict_holds_only_ints_strs_lists_and_dicts() -> None:
    def check(value: object) -> None:
        if isinstance(value, dict):
            for key, item in value.items():
                assert isinstance(key, str)
                check(item)
        elif isinstance(value, list):
            for item in value:
                check(item)
        else:
            assert value is None or type(value) in (int, str), type(value)

    check(seedlock.snapshot().to_dict())


def test_save_and_load_round_trip_through_json(tmp_path: Path) -> None:
    seedlock.seed_everything(5)
    _prime_caches()
    target = tmp_path / "rng.json"
    seedlock.snapshot().save(target)
    first = _draws()
    loaded = Snapshot.load(target)
    seedlock.restore(loaded)
    assert _draws() == first
    data = json.loads(target.read_text())
    assert data["kind"] == "seedlock.snapshot" and data["format"] == state.FORMAT
    assert os.listdir(tmp_path) == ["rng.json"]


def test_save_replaces_an_existing_file_atomically(tmp_path: Path) -> None:
    target = tmp_path / "rng.json"
    target.write_text("old")
    seedlock.snapshot().save(target)
    assert isinstance(Snapshot.load(target), Snapshot)
    assert os.listdir(tmp_path) == ["rng.json"]


@pytest.mark.parametrize(
    ("content", "match"),
    [
        (b"\x00\xffgarbage", "cannot read|invalid JSON|not valid JSON|not UTF-8"),
        (None, "invalid JSON|not valid JSON"),  # a truncated valid file
        (b'{"kind": "other.thing", "format": 1}', "not a seedlock snapshot"),
        (b'{"kind": "seedlock.snapshot", "format": 99, "frameworks": {}, "tracked": {}}', "newer"),
        (
            b'{"kind": "seedlock.snapshot", "format": "1", "frameworks": {}, "tracked": {}}',
            "format",
        ),
        (b"[1, 2]", "expected"),
    ],
)
def test_corrupt_truncated_foreign_and_newer_files_raise_state_error(
    tmp_path: Path, content: bytes | None, match: str
) -> None:
    target = tmp_path / "rng.json"
    if content is None:
        seedlock.snapshot().save(target)
        content = target.read_bytes()[:-40]
    target.write_bytes(content)
    with pytest.raises(StateError, match=match):
        Snapshot.load(target)


def test_a_missing_file_raises_state_error(tmp_path: Path) -> None:
    with pytest.raises(StateError, match="no snapshot file"):
        Snapshot.load(tmp_path / "nope.json")


def test_from_dict_rejects_values_a_snapshot_cannot_hold() -> None:
    data = seedlock.snapshot().to_dict()
    data["frameworks"]["python"]["internal"][0] = 1.5
    with pytest.raises(StateError, match="float"):
        Snapshot.from_dict(data)
    with pytest.raises(StateError, match="corrupt"):
        Snapshot.from_dict({**seedlock.snapshot().to_dict(), "tracked": []})


def test_restore_warns_about_a_framework_not_loaded_and_restores_the_rest() -> None:
    snap = seedlock.snapshot()
    data = snap.to_dict()
    data["frameworks"]["cupy"] = {"seed": 1}
    first = _draws()
    with pytest.warns(RuntimeWarning, match="cupy"):
        seedlock.restore(data)
    assert _draws() == first


def test_restore_strict_raises_and_changes_nothing() -> None:
    snap = seedlock.snapshot()
    data = snap.to_dict()
    data["frameworks"]["cupy"] = {"seed": 1}
    random.random()
    before = random.getstate()
    with pytest.raises(StateError, match="cupy"):
        seedlock.restore(data, strict=True)
    assert random.getstate() == before


def test_a_corrupt_framework_state_raises_state_error() -> None:
    data = seedlock.snapshot().to_dict()
    data["frameworks"]["numpy"]["state"]["key"] = [1, 2, 3]
    with pytest.raises(StateError, match="numpy"):
        seedlock.restore(data)


def test_a_restore_that_fails_half_way_changes_no_rng() -> None:
    np.random.seed(1)
    random.seed(1)
    data = seedlock.snapshot().to_dict()
    # Python's state applies before NumPy's corrupt one fails: it must be rolled back.
    assert list(data["frameworks"]).index("python") < list(data["frameworks"]).index("numpy")
    data["frameworks"]["numpy"]["state"]["key"] = [1, 2, 3]
    random.seed(2)
    np.random.seed(2)
    expected = (random.getstate(), np.random.get_state()[1].tolist())
    with pytest.raises(StateError):
        seedlock.restore(data)
    assert (random.getstate(), np.random.get_state()[1].tolist()) == expected


def test_tracked_generators_are_captured_and_restored_in_place() -> None:
    rng = np.random.default_rng(1)
    py = random.Random(2)
    legacy = np.random.RandomState(3)
    seedlock.track("np", rng)
    seedlock.track("py", py)
    seedlock.track("legacy", legacy)
    legacy.standard_normal()
    snap = seedlock.snapshot()
    first = [rng.random(), py.random(), legacy.standard_normal()]
    seedlock.restore(Snapshot.from_dict(json.loads(json.dumps(snap.to_dict()))))
    assert [rng.random(), py.random(), legacy.standard_normal()] == first


@pytest.mark.torch
def test_a_tracked_torch_generator_is_restored() -> None:
    torch = pytest.importorskip("torch")
    gen = seedlock.torch_generator("t", seed=1)
    seedlock.track("t", gen)
    snap = seedlock.snapshot()
    first = torch.rand(3, generator=gen)
    seedlock.restore(snap.to_dict())
    assert torch.equal(first, torch.rand(3, generator=gen))


def test_a_tracked_name_bound_to_another_type_raises() -> None:
    seedlock.track("g", np.random.default_rng(1))
    snap = seedlock.snapshot()
    seedlock.track("g", random.Random(1))
    with pytest.raises(StateError, match="same type"):
        seedlock.restore(snap)


def test_a_tracked_name_missing_at_restore_warns() -> None:
    seedlock.track("g", np.random.default_rng(1))
    snap = seedlock.snapshot()
    seedlock.untrack("g")
    with pytest.warns(RuntimeWarning, match="'g'"):
        seedlock.restore(snap)


def test_track_and_untrack_validate_their_arguments() -> None:
    with pytest.raises(SeedlockTypeError, match="track\\(\\) accepts"):
        seedlock.track("x", object())
    with pytest.raises(SeedlockTypeError, match="name"):
        seedlock.track("", random.Random())
    with pytest.raises(SeedlockError, match="no generator is tracked"):
        seedlock.untrack("never")


def test_isolate_as_a_context_manager_leaves_every_rng_as_it_was() -> None:
    seedlock.seed_everything(1)
    _prime_caches()
    rng = np.random.default_rng(0)
    seedlock.track("rng", rng)
    with seedlock.isolate():
        _draws()
        rng.random()
        seedlock.seed_everything(99)
    expected_rng = np.random.default_rng(0).random()
    first = _draws()
    seedlock.seed_everything(1)
    _prime_caches()
    assert _draws() == first
    assert rng.random() == expected_rng
    assert seedlock.root_seed() == 1


def test_isolate_restores_on_exceptions_and_works_as_a_nested_decorator() -> None:
    isolated = seedlock.isolate()

    @isolated
    def consume(depth: int) -> None:
        random.random()
        if depth:
            consume(depth - 1)
        raise KeyError("boom")

    before = random.getstate()
    with pytest.raises(KeyError):
        consume(2)
    assert random.getstate() == before


def test_a_numpy_state_is_restored_in_a_process_that_has_not_imported_numpy_yet(
    tmp_path: Path,
) -> None:
    np.random.seed(11)
    np.random.rand(3)
    target = tmp_path / "rng.json"
    seedlock.snapshot().save(target)
    expected = np.random.rand(2).tolist()
    code = (
        "import sys, seedlock; from seedlock.state import Snapshot; "
        f"seedlock.restore(Snapshot.load({str(target)!r})); "
        "import numpy as np; print(np.random.rand(2).tolist())"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
    )
    assert json.loads(done.stdout) == expected


def test_seed_everything_inside_isolate_does_not_decide_later_imports() -> None:
    # In a fresh interpreter: NumPy imported after the block is seeded with the outer seed.
    code = (
        "import seedlock\n"
        "seedlock.seed_everything(1)\n"
        "with seedlock.isolate():\n"
        "    seedlock.seed_everything(2)\n"
        "import numpy as np\n"
        "a = np.random.random()\n"
        "np.random.seed(1)\n"
        "print(a == np.random.random(), seedlock.root_seed())\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["True", "1"]


def test_a_torch_state_byte_out_of_range_raises_state_error_and_changes_nothing() -> None:
    torch = pytest.importorskip("torch")
    before = torch.get_rng_state().clone()
    data = seedlock.snapshot().to_dict()
    data["frameworks"]["torch"]["cpu"][0] = 300
    with pytest.raises(StateError, match=r"ints in \[0, 255\]\), got 300"):
        seedlock.restore(data)
    assert torch.equal(torch.get_rng_state(), before)
