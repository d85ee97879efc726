"""Per-sample streams: golden values, purity, independence, reseeding of the globals, errors."""

from __future__ import annotations

import pickle
import random
import subprocess
import sys
from typing import Any

import numpy as np
import pytest

from seedlock import _seed
from seedlock._errors import SeedlockError, SeedlockTypeError
from seedlock.data import (
    STREAM,
    EpochIndex,
    reseed,
    sample_python_rng,
    sample_rng,
    seeded,
)
from seedlock.data import rng as rng_module


def test_golden_values_pin_the_streams() -> None:
    assert STREAM == "sfc64-splitmix-sample/2"
    assert sample_rng(5, 0, seed=42).integers(0, 2**32, 3).tolist() == [
        1754606991,
        378410906,
        2518192923,
    ]
    assert sample_rng(2**63, 7, seed="x").integers(0, 2**32, 2).tolist() == [
        3684323852,
        4227538126,
    ]
    assert sample_python_rng(5, 0, seed=42).getrandbits(32) == 3304102463
    reseed(5, 0, seed=42)
    assert random.getrandbits(32) == 3001664522
    assert np.random.randint(0, 2**31) == 1605419362  # noqa: NPY002


def test_each_purpose_uses_epoch_words_no_other_stream_uses(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # sample_rng keys SFC64 with W[0..2]; purposes 1, 2, 3 take W[3..4], W[5..6], W[7..8].
    from seedlock.data import rng

    def seeds_with(changed: dict[int, int]) -> list[list[int]]:
        words = tuple(changed.get(k, 1000 + k) for k in range(9))
        monkeypatch.setattr(rng, "_epoch_words", lambda root, epoch: words)
        return [rng._seeds(1, 0, 5, p) for p in (rng._GLOBALS, rng._PYTHON, rng._TORCH)]

    base = seeds_with({})
    for word, purpose in [(3, 0), (4, 0), (5, 1), (6, 1), (7, 2), (8, 2)]:
        moved = seeds_with({word: 7})
        assert [m != b for m, b in zip(moved, base, strict=True)] == [
            p == purpose for p in range(3)
        ]
    assert seeds_with({0: 7, 1: 7, 2: 7}) == base


def test_streams_are_pure_functions_of_root_epoch_and_index() -> None:
    first = sample_rng(3, 1, seed=9).random(4)
    sample_rng(4, 1, seed=9).random(100)  # other draws in between change nothing
    assert np.array_equal(first, sample_rng(3, 1, seed=9).random(4))
    _seed._set_root(9)
    assert np.array_equal(first, sample_rng(3, 1).random(4))


def test_index_epoch_and_seed_each_change_the_stream() -> None:
    base = sample_rng(3, 1, seed=9).random(4)
    for other in (sample_rng(4, 1, seed=9), sample_rng(3, 2, seed=9), sample_rng(3, 1, seed=10)):
        assert not np.array_equal(base, other.random(4))


def test_first_draws_across_indices_look_uniform() -> None:
    stats = pytest.importorskip("scipy.stats")
    draws = np.array([sample_rng(i, 0, seed=1).random() for i in range(4000)])
    assert stats.kstest(draws, "uniform").pvalue > 1e-3
    neighbours = np.corrcoef(draws[1:], draws[:-1])[0, 1]
    assert abs(neighbours) < 4 / np.sqrt(len(draws))


def test_reseeded_globals_first_draws_across_indices_look_uniform() -> None:
    stats = pytest.importorskip("scipy.stats")
    python, numpy_ = [], []
    for i in range(3000):
        reseed(i, 0, seed=1)
        python.append(random.random())
        numpy_.append(np.random.random())  # noqa: NPY002
    for draws in (np.array(python), np.array(numpy_)):
        assert stats.kstest(draws, "uniform").pvalue > 1e-3
        assert abs(np.corrcoef(draws[1:], draws[:-1])[0, 1]) < 4 / np.sqrt(len(draws))
    assert abs(np.corrcoef(python, numpy_)[0, 1]) < 4 / np.sqrt(len(python))


def test_torch_generator_stream_is_reproducible() -> None:
    torch = pytest.importorskip("torch")
    from seedlock.data import sample_torch_generator

    a = torch.rand(3, generator=sample_torch_generator(5, 0, seed=42))
    b = torch.rand(3, generator=sample_torch_generator(5, 0, seed=42))
    c = torch.rand(3, generator=sample_torch_generator(6, 0, seed=42))
    assert torch.equal(a, b) and not torch.equal(a, c)
    assert torch.randint(
        0, 2**31, (2,), generator=sample_torch_generator(5, 0, seed=42)
    ).tolist() == [
        527417359,
        1507382887,
    ]


class Noisy:
    def __len__(self) -> int:
        return 5

    def __getitem__(self, i: int) -> tuple[int, float, float]:
        return i, random.random(), float(np.random.random())  # noqa: NPY002


def test_seeded_dataset_gives_each_index_and_epoch_its_own_fixed_draws() -> None:
    data = seeded(Noisy(), seed=3)
    random.random()  # global draws before an item change nothing
    assert data[2] == data[2]
    assert data[2] != data[3]
    assert data[EpochIndex(2, 0)] == data[2]
    assert data[EpochIndex(2, 1)] != data[2]
    data.set_epoch(1)
    assert data[2] == data[EpochIndex(2, 1)]
    assert list(data)[4] == data[4]
    assert len(data) == 5


def test_reseeding_torch_uses_the_default_generator_only_when_torch_is_imported() -> None:
    torch = pytest.importorskip("torch")
    reseed(1, 0, seed=5)
    a = torch.rand(2)
    reseed(1, 0, seed=5)
    assert torch.equal(a, torch.rand(2))


def test_importing_seedlock_data_imports_no_framework() -> None:
    code = (
        "import sys, seedlock.data\n"
        "bad = [m for m in ('torch', 'tensorflow', 'jax', 'scipy') if m in sys.modules]\n"
        "assert not bad, bad\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_epoch_index_is_an_int_that_keeps_its_epoch_through_pickle() -> None:
    index = EpochIndex(7, 3)
    copy = pickle.loads(pickle.dumps(index))
    assert copy == 7 and copy.epoch == 3 and isinstance(copy, EpochIndex)
    assert type(copy) is type(index) is type(EpochIndex(0, 3)) is not type(EpochIndex(0, 4))
    assert [10, 20, 30, 40, 50, 60, 70, 80][index] == 80
    assert repr(index) == "EpochIndex(7, epoch=3)"
    # A pickle made by hand with a bad epoch is refused as EpochIndex(7, -1) would be.
    made = pickle.dumps(index, protocol=2)  # unframed: an opcode can be swapped in place
    assert made.count(b"K\x03") == 1  # BININT1 3, the epoch
    forged = made.replace(b"K\x03", b"J\xff\xff\xff\xff")  # BININT -1
    with pytest.raises(SeedlockError, match="-1"):
        pickle.loads(forged)


@pytest.mark.parametrize(
    ("index", "epoch", "error"),
    [
        (-1, 0, SeedlockError),
        (2**64, 0, SeedlockError),
        (1.5, 0, SeedlockTypeError),
        (1, -1, SeedlockError),
    ],
)
def test_bad_indices_and_epochs_are_errors(index: object, epoch: int, error: type) -> None:
    with pytest.raises(error):
        sample_rng(index, epoch, seed=1)  # type: ignore[arg-type]


def test_missing_root_seed_is_an_error() -> None:
    with pytest.raises(SeedlockError, match="seed_everything"):
        sample_rng(1, 0)
    with pytest.raises(SeedlockError, match="seed_everything"):
        seeded(Noisy())


def test_seeded_rejects_non_map_datasets() -> None:
    with pytest.raises(SeedlockTypeError, match="map-style"):
        seeded(iter([1, 2]), seed=1)  # type: ignore[arg-type]


def test_seeded_dataset_exposes_the_wrapped_attributes_and_refuses_double_wrapping() -> None:
    inner = Noisy()
    inner.classes = ["a", "b"]  # type: ignore[attr-defined]
    data = seeded(inner, seed=1)
    assert data.classes == ["a", "b"]
    copy = pickle.loads(pickle.dumps(data))
    assert copy[2] == data[2]
    with pytest.raises(SeedlockTypeError, match="already seeded"):
        seeded(data, seed=1)  # type: ignore[arg-type]


def test_public_names_are_pinned() -> None:
    import seedlock.data

    assert sorted(seedlock.data.__all__) == [
        "ALGORITHM",
        "EpochIndex",
        "EpochShuffle",
        "Permutation",
        "STREAM",
        "SeededDataset",
        "reseed",
        "sample_python_rng",
        "sample_rng",
        "sample_torch_generator",
        "seeded",
    ]


def test_golden_values_pin_the_torch_reseed_stream() -> None:
    torch = pytest.importorskip("torch")
    reseed(5, 0, seed=42)
    assert torch.randint(0, 2**31, (2,)).tolist() == [1656094102, 1440984800]
    reseed(2**63 + 5, 3, seed="x")
    assert random.getrandbits(32) == 102666185
    assert np.random.randint(0, 2**31) == 2011144169  # noqa: NPY002
    assert torch.randint(0, 2**31, (2,)).tolist() == [1696921742, 2041423070]


class Draws:
    """Items draw from the global RNGs named for their index (``uses(i)``), like augmentation."""

    def __init__(self, uses: Any) -> None:
        self.uses = uses

    def __len__(self) -> int:
        return 2**64

    def __getitem__(self, i: int) -> tuple[int, ...]:
        import torch

        names = self.uses(i)
        return (
            i,
            random.getrandbits(32) if "random" in names else -1,
            int(np.random.randint(0, 2**31)) if "numpy" in names else -1,  # noqa: NPY002
            int(torch.randint(0, 2**31, ())) if "torch" in names else -1,
        )


def reseeded_reference(data: Any, indices: list[Any], root: int) -> list[Any]:
    """What the definition gives: reseed all three globals for each item, then load it."""
    out = []
    for index in indices:
        epoch = index.epoch if isinstance(index, EpochIndex) else 0
        reseed(int(index), epoch, seed=root)
        out.append(data[int(index)])
    return out


ALL = ("random", "numpy", "torch")


@pytest.mark.parametrize(
    "indices",
    [
        [EpochIndex(i, 3) for i in (5, 0, 2**64 - 1, 2**63 + 5, 7)],
        [3, 1, 4, 1, 5],
        [EpochIndex(1, 0), EpochIndex(2, 1), 3],  # mixed epochs take the per-item path
        [np.int64(4), 2],
    ],
)
def test_a_batch_gives_every_item_the_values_of_reseeding_it_alone(indices: list[Any]) -> None:
    pytest.importorskip("torch")
    data = Draws(lambda i: ALL)
    expected = reseeded_reference(data, indices, root=11)
    assert seeded(data, seed=11).__getitems__(indices) == expected
    assert [seeded(data, seed=11)[i] for i in indices] == expected


class Sized(Draws):
    """``Draws`` of a dataset with a length: its batches read the per-epoch seed table."""

    def __len__(self) -> int:
        return 40


@pytest.mark.parametrize("table", [True, False])
def test_batches_of_a_sized_dataset_give_the_values_of_reseeding_each_item_alone(
    table: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    pytest.importorskip("torch")
    if not table:
        monkeypatch.setattr(rng_module, "_TABLE_LIMIT", 10)  # indices up to 45: no table
    data = Sized(lambda i: ALL)
    wrapped = seeded(data, seed=5, globals=ALL)
    for epoch in (0, 1, 0, 7):
        order = np.random.default_rng(epoch).permutation(40).tolist()
        for first in range(0, 40, 16):
            batch = [EpochIndex(i, epoch) for i in order[first : first + 16]]
            assert wrapped.__getitems__(batch) == reseeded_reference(data, batch, root=5)
    # Plain ints read the dataset's epoch; an index past the length is still seeded alike.
    wrapped.set_epoch(3)
    expected = reseeded_reference(data, [EpochIndex(i, 3) for i in (39, 0, 45)], root=5)
    assert wrapped.__getitems__([39, 0, 45]) == expected


class Unsized(Draws):
    def __init__(self, uses: Any, error: type[Exception]) -> None:
        super().__init__(uses)
        self.error = error

    def __len__(self) -> int:
        raise self.error("this dataset's length is not known")


@pytest.mark.parametrize("error", [TypeError, NotImplementedError, ValueError])
def test_batches_never_ask_the_datasets_length(error: type[Exception]) -> None:
    pytest.importorskip("torch")
    data = Unsized(lambda i: ALL, error)
    batch = [EpochIndex(i, 4) for i in (9, 2, 30)]
    expected = reseeded_reference(data, batch, root=5)
    assert rng_module.SeededDataset(data, 5, globals=ALL).__getitems__(batch) == expected


class Nested(Sized):
    """Items that draw, then load a batch of another seeded dataset (its own workspace)."""

    def __init__(self, inner: Any) -> None:
        super().__init__(lambda i: ALL)
        self.inner = inner

    def __getitem__(self, i: int) -> tuple[Any, ...]:
        mine = super().__getitem__(i)
        return (*mine, self.inner.__getitems__([EpochIndex(i, 0), EpochIndex(i + 1, 0)]))


def test_a_batch_loaded_inside_an_item_leaves_the_outer_batchs_states_alone() -> None:
    pytest.importorskip("torch")
    data = Nested(seeded(Sized(lambda i: ALL), seed=8, globals=ALL))
    batch = [EpochIndex(i, 2) for i in (3, 17, 4, 29, 0)]
    expected = reseeded_reference(data, batch, root=9)
    assert seeded(data, seed=9, globals=ALL).__getitems__(batch) == expected


def test_undeclared_globals_are_found_and_reseeded_from_the_first_batch_that_draws() -> None:
    pytest.importorskip("torch")
    # Only index 6 draws from random, and only 9 from NumPy: both are found when they first
    # draw, and that batch is loaded again, so every value equals reseeding all three.
    data = Draws(
        lambda i: ("torch",) + (("random",) if i == 6 else ()) + (("numpy",) if i == 9 else ())
    )
    wrapped = seeded(data, seed=2)
    batches = [[EpochIndex(i, 1) for i in range(k, k + 4)] for k in (0, 4, 8)]
    got = [wrapped.__getitems__(batch) for batch in batches[:1]]
    assert wrapped.reseeding == (False, False, True)
    got += [wrapped.__getitems__(batch) for batch in batches[1:]]
    assert wrapped.reseeding == (True, True, True)
    assert got == [reseeded_reference(data, batch, root=2) for batch in batches]


def test_declared_globals_are_not_watched() -> None:
    pytest.importorskip("torch")
    wrapped = seeded(Draws(lambda i: ALL), seed=2, globals=("torch",))
    first = wrapped.__getitems__([EpochIndex(1, 0)])
    assert wrapped.reseeding == (False, False, True)
    assert first[0][3] == reseeded_reference(Draws(lambda i: ALL), [EpochIndex(1, 0)], 2)[0][3]


def test_a_batch_puts_back_the_callers_state_also_when_an_item_fails() -> None:
    torch = pytest.importorskip("torch")

    class Fails(Draws):
        def __getitem__(self, i: int) -> tuple[int, ...]:
            if i == 3:
                raise KeyError(i)
            return super().__getitem__(i)

    wrapped = seeded(Fails(lambda i: ALL if i == 2 else ("torch",)), seed=4)
    states = random.getstate(), np.random.get_state(), torch.get_rng_state()  # noqa: NPY002
    wrapped.__getitems__([EpochIndex(1, 0)])  # finds torch only
    with pytest.raises(KeyError):
        wrapped.__getitems__([EpochIndex(2, 0), EpochIndex(3, 0)])
    assert random.getstate() == states[0]
    assert np.array_equal(np.random.get_state()[1], states[1][1])  # noqa: NPY002
    assert torch.equal(torch.get_rng_state(), states[2])


def numpy_state() -> tuple[Any, ...]:
    name, key, pos, has_gauss, gauss = np.random.get_state()  # noqa: NPY002
    return name, key.tolist(), pos, has_gauss, gauss


@pytest.mark.parametrize("fast", [True, False])
@pytest.mark.parametrize("cached_normal", [False, True])
@pytest.mark.parametrize("draws_numpy", [False, True])
def test_a_batch_puts_back_the_callers_state_with_or_without_cached_normals(
    cached_normal: bool, draws_numpy: bool, fast: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    from seedlock.data import rng

    monkeypatch.setattr(rng, "_FAST", [fast, fast])
    random.seed(8)
    random.gauss(0, 1) if cached_normal else random.random()  # gauss caches its second normal
    python_before = random.getstate()
    np.random.seed(8)  # noqa: NPY002
    np.random.standard_normal(3 if cached_normal else 2)  # noqa: NPY002  (odd: one is cached)
    before = numpy_state()
    assert before[3] == int(cached_normal)
    names = ("numpy", "random") if draws_numpy else ("random",)
    data = Draws(lambda i: names)
    wrapped = seeded(data, seed=6)
    got = wrapped.__getitems__([EpochIndex(i, 0) for i in range(5)])
    assert numpy_state() == before
    assert random.getstate() == python_before
    assert wrapped.reseeding == (True, draws_numpy, False)
    assert got == reseeded_reference(data, [EpochIndex(i, 0) for i in range(5)], root=6)
    np.random.seed(8)  # noqa: NPY002
    np.random.standard_normal(3 if cached_normal else 2)  # noqa: NPY002
    assert numpy_state() == before
    assert wrapped.__getitems__([EpochIndex(i, 0) for i in range(5, 9)]) == reseeded_reference(
        data, [EpochIndex(i, 0) for i in range(5, 9)], root=6
    )


def test_numpys_global_state_is_read_through_its_bit_generator_when_numpy_allows() -> None:
    from seedlock.data import rng

    if hasattr(np.random, "get_bit_generator"):  # NumPy >= 1.25
        assert rng._numpy_key_target() is not None


class Normals:
    """Each item draws an odd number of normals (one is left cached) unless ``i`` is even."""

    def __len__(self) -> int:
        return 100

    def __getitem__(self, i: int) -> tuple[float, ...]:
        k = 2 if i % 2 == 0 else 1
        python = [random.gauss(0, 1) for _ in range(k)]
        return (*python, *np.random.standard_normal(k).tolist())  # noqa: NPY002


@pytest.mark.parametrize("fast", [True, False])
def test_an_items_cached_normals_never_reach_the_next_item(
    fast: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    from seedlock.data import rng

    monkeypatch.setattr(rng, "_FAST", [fast, fast])
    wrapped = seeded(Normals(), seed=3, globals=("random", "numpy"))
    alone = [wrapped.__getitems__([EpochIndex(i, 0)])[0] for i in (1, 2, 5)]
    assert wrapped.__getitems__([EpochIndex(i, 0) for i in (1, 2, 5)]) == alone
    assert [wrapped[EpochIndex(i, 0)] for i in (1, 2, 5)] == alone


def test_the_slow_paths_give_the_values_of_the_direct_writes(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    pytest.importorskip("torch")
    from seedlock.data import rng

    indices = [EpochIndex(i, 2) for i in (4, 0, 9, 2**64 - 1)]
    data = Draws(lambda i: ALL)
    fast = seeded(data, seed=8).__getitems__(indices)
    monkeypatch.setattr(rng, "_FAST", [False, False])
    assert seeded(data, seed=8).__getitems__(indices) == fast
    assert reseeded_reference(data, indices, root=8) == fast
    random.seed(1)
    np.random.seed(1)  # noqa: NPY002
    np.random.standard_normal()  # noqa: NPY002  (a cached normal too)
    before = random.getstate(), numpy_state()
    assert seeded(Normals(), seed=8).__getitems__(indices[:3]) == seeded(
        Normals(), seed=8, globals=("random", "numpy")
    ).__getitems__(indices[:3])
    assert (random.getstate(), numpy_state()) == before


def test_the_direct_writes_are_used_where_the_layouts_check_out() -> None:
    from seedlock.data import rng

    if sys.implementation.name == "cpython" and sys.byteorder == "little":
        assert rng._python_target(random.seed.__self__) is not None  # type: ignore[attr-defined]
    if hasattr(np.random, "get_bit_generator") and sys.byteorder == "little":
        assert rng._numpy_gauss_target(np.random.get_state.__self__) is not None  # type: ignore[attr-defined]


def test_a_layout_that_does_not_check_out_is_not_written(monkeypatch: pytest.MonkeyPatch) -> None:
    from seedlock.data import rng

    class Other(random.Random):
        pass

    instance = Other(5)
    state = instance.getstate()
    monkeypatch.setattr(rng.ctypes, "string_at", lambda address, size: bytes(size))
    assert rng._python_target(instance) is None
    assert rng._numpy_gauss_target(np.random.RandomState(1)) is None
    assert instance.getstate() == state


@pytest.fixture
def pcg_global() -> Any:
    """NumPy's global bit generator replaced by a PCG64 for the test (NumPy >= 1.25)."""
    get = getattr(np.random, "get_bit_generator", None)
    if get is None:
        pytest.skip("np.random.set_bit_generator needs NumPy >= 1.25")
    original = get()
    np.random.set_bit_generator(np.random.PCG64(1))
    yield
    np.random.set_bit_generator(original)


@pytest.mark.usefixtures("pcg_global")
def test_another_global_numpy_bit_generator_is_reseeded_by_its_own_seeding() -> None:
    reseed(3, 0, seed=1)
    first = np.random.random(2)  # noqa: NPY002
    reseed(3, 0, seed=1)
    assert np.array_equal(first, np.random.random(2))  # noqa: NPY002
    reseed(4, 0, seed=1)
    assert not np.array_equal(first, np.random.random(2))  # noqa: NPY002


@pytest.mark.usefixtures("pcg_global")
@pytest.mark.parametrize("declared", [None, ("random", "numpy")])
def test_with_another_global_numpy_bit_generator_cached_normals_stay_in_their_item(
    declared: tuple[str, ...] | None,
) -> None:
    # np.random.seed keeps a cached normal for such generators; each item must start clean.
    wrapped = seeded(Normals(), seed=3, globals=declared)
    alone = [wrapped.__getitems__([EpochIndex(i, 0)])[0] for i in (1, 2, 5)]
    assert wrapped.__getitems__([EpochIndex(i, 0) for i in (1, 2, 5)]) == alone
    assert [wrapped[EpochIndex(i, 0)] for i in (1, 2, 5)] == alone


@pytest.mark.usefixtures("pcg_global")
def test_with_another_global_numpy_bit_generator_the_callers_state_is_put_back() -> None:
    np.random.standard_normal()  # noqa: NPY002  (leaves a cached normal)
    before = np.random.get_state(legacy=False)  # noqa: NPY002
    seeded(Normals(), seed=3).__getitems__([EpochIndex(i, 0) for i in (1, 2)])
    after = np.random.get_state(legacy=False)  # noqa: NPY002
    assert after["state"] == before["state"]
    assert (after["has_gauss"], after["gauss"]) == (before["has_gauss"], before["gauss"]) != (0, 0)


def test_reseeding_reaches_what_random_draws_from_when_random_seed_is_rebound(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    data = _RandomItems()
    expected = seeded(data, seed=4).__getitems__([EpochIndex(i, 0) for i in (3, 7)])
    monkeypatch.setattr(random, "seed", lambda *args, **kwargs: None)  # "no reseeding here"
    assert seeded(data, seed=4).__getitems__([EpochIndex(i, 0) for i in (3, 7)]) == expected
    assert [seeded(data, seed=4)[EpochIndex(i, 0)] for i in (3, 7)] == expected


class _RandomItems:
    def __len__(self) -> int:
        return 10

    def __getitem__(self, i: int) -> float:
        return random.random()


def test_only_workspaces_of_ordinary_batches_are_kept(monkeypatch: pytest.MonkeyPatch) -> None:
    pytest.importorskip("torch")
    monkeypatch.setattr(rng_module, "_SPARE", [])
    monkeypatch.setattr(rng_module, "_KEEP_ROWS", 200)
    wrapped = seeded(Draws(lambda i: ("random",)), seed=1, globals=("random",))
    wrapped.__getitems__([EpochIndex(i, 0) for i in range(40)])
    assert [len(kept.rows) for kept in rng_module._SPARE] == [128]
    wrapped.__getitems__([EpochIndex(i, 0) for i in range(300)])  # 300 rows: not kept
    assert all(len(kept.rows) <= 200 for kept in rng_module._SPARE)
