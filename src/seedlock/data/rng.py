"""Per-sample randomness: generators and global reseeding keyed by (root, epoch, index).

Determinism contract: the stream of sample ``i`` in epoch ``e`` is a pure function of
``(root, e, i)`` and of nothing else (not the worker, the worker count, the rank or earlier draws),
so an augmentation drawn from it is the same wherever and whenever the sample is loaded.

The streams, precisely (``STREAM = "sfc64-splitmix-sample/2"``; all arithmetic modulo 2**64,
``mix(z)`` is the SplitMix64 finaliser ``z ^= z >> 30; z *= 0xBF58476D1CE4E5B9; z ^= z >> 27;
z *= 0x94D049BB133111EB; z ^= z >> 31`` and ``G = 0x9E3779B97F4A7C15``):

* Epoch words: ``W = seed_sequence("data", "sample", e, seed=root).generate_state(9, uint64)``,
  computed once per epoch and cached (so the per-sample path costs a few microseconds, not a
  ``SeedSequence``); batches whose indices are below 2**18 read their items' seeds from a
  per-epoch table computed from them (the same values, one lookup per batch).
* :func:`sample_rng`: NumPy's ``SFC64`` seeded with the words ``(W[0], W[1], mix(i ^ W[2]))``
  (NumPy discards its first 12 outputs), wrapped in a ``Generator``. ``mix`` is a bijection, so
  distinct indices get distinct seeds.
* Seeds for purpose ``p`` (1: :func:`reseed`/:func:`seeded`, 2: :func:`sample_python_rng`,
  3: :func:`sample_torch_generator`): SplitMix64 outputs ``mix(s + j * G)`` for ``j = 1, 2, 3``
  from ``s = W[2p + 1] ^ mix(i ^ W[2p + 2])``.
* :func:`reseed` uses the three seeds ``a, b, c`` of purpose 1. Python's ``random`` and NumPy's
  legacy global RNG (both MT19937) get the key ``mix(a + j * G)``, respectively
  ``mix(b + j * G)``, for ``j = 1 .. 312`` (each the low, then the high 32-bit word) at position
  0, with no cached normal: written straight into the generators' memory (one copy each,
  instead of ``seed()``'s ~1,900 MT steps and the twist that follows it), where the layout is
  found and self-checked, else through ``setstate``/``set_state`` (same values, slower). A
  global NumPy bit generator other than MT19937 is seeded with ``np.random.seed(b >> 32)``
  and its cached normal cleared.
  torch's CPU default generator gets ``manual_seed(c)`` (only if torch is already imported);
  ``sample_python_rng`` is ``random.Random(a)`` and ``sample_torch_generator`` a CPU
  ``torch.Generator`` seeded with ``a`` of their purposes. Seeding ``torch.default_generator``
  rather than calling ``torch.manual_seed`` keeps the cost at a few microseconds:
  ``manual_seed`` also seeds every accelerator, and sample loading (augmentation) runs on the
  CPU generator.

``reseed`` changes global RNG state on purpose: it is the documented exception to "only
``seed_everything`` touches global state", for augmentation code that uses the globals.
``seeded`` reseeds before each item but, in the process that iterates (a ``DataLoader`` with
``num_workers=0``, or direct indexing), puts the caller's global state back afterwards: once
per batch through ``__getitems__``, which ``DataLoader`` uses, so the training loop's own draws
(dropout, ``torch.rand``) are never taken over by the loader. In DataLoader worker processes
nothing is put back (no one else draws there). ``globals=`` names the RNGs a pipeline uses; the
others are neither reseeded nor saved, which saves their cost; a reseeded RNG gets the same value
either way. Without ``globals=``, the RNGs the items draw from are found: a batch reseeds those it
has seen drawn from and checks the others' state once; one that moved is reseeded from then on
and the batch is loaded again. Every item gets exactly the values it would get with all three
reseeded (an RNG it does not draw from cannot change them); the cost is one reloaded batch each
time a pipeline is first seen drawing from another RNG (datasets whose ``__getitem__`` has side
effects should declare ``globals=``).
"""

from __future__ import annotations

import _random
import ctypes
import random
import struct
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from functools import lru_cache, wraps
from itertools import repeat
from typing import TYPE_CHECKING, Any, Generic, NamedTuple, Protocol, TypeVar

import numpy as np
from numpy.random.bit_generator import ISeedSequence

from seedlock._base.validate import check_int
from seedlock._errors import SeedlockError, SeedlockTypeError
from seedlock._seed import MAX_SEED, SeedLike, resolve_seed, seed_words
from seedlock.data.sampler import check_epoch

if TYPE_CHECKING:
    import torch

__all__ = [
    "STREAM",
    "EpochIndex",
    "SeededDataset",
    "reseed",
    "sample_python_rng",
    "sample_rng",
    "sample_torch_generator",
    "seeded",
]

#: Identifies the per-sample stream definition above.
STREAM = "sfc64-splitmix-sample/2"
_GLOBALS, _PYTHON, _TORCH = 1, 2, 3
_M64 = 2**64 - 1
_GAMMA = 0x9E3779B97F4A7C15

T_co = TypeVar("T_co", covariant=True)


class _MapDataset(Protocol[T_co]):
    def __getitem__(self, index: int, /) -> T_co: ...
    def __len__(self) -> int: ...


class _Key(ISeedSequence):
    """Hands SFC64 ready seed words, skipping ``SeedSequence`` (the costly part of seeding)."""

    __slots__ = ("words",)

    def __init__(self, words: np.ndarray) -> None:
        self.words = words

    def generate_state(self, n_words: int, dtype: Any = np.uint32) -> np.ndarray:
        if n_words != 3 or np.dtype(dtype) != np.uint64:
            raise SeedlockError(
                f"seedlock's per-sample SFC64 seeding expects a request for 3 uint64 words, got "
                f"{n_words} {np.dtype(dtype)}. This NumPy version changed SFC64 seeding."
            )
        return self.words


@lru_cache(maxsize=64)
def _epoch_words(root: int, epoch: int) -> tuple[int, ...]:
    return tuple(seed_words(("data", "sample", epoch), root, 9, wide=True))


def _mix(z: int) -> int:
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & _M64
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & _M64
    return z ^ (z >> 31)


def _check_index(index: object, func: str) -> int:
    if type(index) is int and 0 <= index <= _M64:
        return index
    return check_int(
        index,
        func=func,
        param="index",
        low=0,
        high=_M64,
        accepted="an int in [0, 2**64)",
        fix="Pass the dataset index of the sample.",
    )


def _seeds(root: int, epoch: int, index: int, purpose: int) -> list[int]:
    words = _epoch_words(root, epoch)
    state = words[2 * purpose + 1] ^ _mix(index ^ words[2 * purpose + 2])
    # _mix inlined: this runs before every item of a seeded dataset.
    out = []
    for step in (_GAMMA, 2 * _GAMMA, 3 * _GAMMA):
        z = (state + step) & _M64
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & _M64
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & _M64
        out.append(z ^ (z >> 31))
    return out


_MIX1, _MIX2 = np.uint64(0xBF58476D1CE4E5B9), np.uint64(0x94D049BB133111EB)
_SHIFTS = (np.uint64(30), np.uint64(27), np.uint64(31))
_STEPS = np.array([[_GAMMA], [2 * _GAMMA & _M64], [3 * _GAMMA & _M64]], dtype=np.uint64)


def _mix_array(z: np.ndarray) -> np.ndarray:
    """``_mix`` on a uint64 array (array arithmetic wraps modulo 2**64, as ``_mix`` does)."""
    z = (z ^ (z >> _SHIFTS[0])) * _MIX1
    z = (z ^ (z >> _SHIFTS[1])) * _MIX2
    mixed: np.ndarray = z ^ (z >> _SHIFTS[2])
    return mixed


def _global_seeds_array(root: int, epoch: int, indices: Sequence[int] | np.ndarray) -> np.ndarray:
    """``_seeds(root, epoch, i, _GLOBALS)`` for every ``i`` at once: a ``(3, len)`` uint64 array.

    One batch costs a few NumPy calls instead of a Python big-int loop per sample.
    """
    words = _epoch_words(root, epoch)
    index = np.asarray(indices, dtype=np.uint64)
    state = np.uint64(words[3]) ^ _mix_array(index ^ np.uint64(words[4]))
    return _mix_array(state[np.newaxis, :] + _STEPS)


# Indices below this read their seeds from a per-epoch table (24 bytes an index, at most 6 MiB):
# one lookup per batch instead of ~20 small NumPy calls (~1 us per item at batch 32).
_TABLE_LIMIT = 1 << 18


@lru_cache(maxsize=4)
def _seed_table(root: int, epoch: int, n: int) -> np.ndarray:
    """``_global_seeds_array`` of every index in ``range(n)``: a read-only ``(3, n)`` array.

    Four are kept (a loader's current and next epoch, a second loader's): at most 24 MiB.
    """
    table = _global_seeds_array(root, epoch, np.arange(n, dtype=np.uint64))
    table.flags.writeable = False
    return table


def _batch_seeds(root: int, epoch: int, indices: list[int]) -> np.ndarray:
    """The ``(3, len)`` seeds of a batch of valid indices.

    Indices below ``_TABLE_LIMIT`` read them from the epoch's table of the first power of two
    above the largest index (the dataset's length is not asked: it may be costly, unknown or
    wrong); larger ones compute them.
    """
    top = max(indices)
    if top < _TABLE_LIMIT:
        return _seed_table(root, epoch, 1 << top.bit_length())[:, indices]
    return _global_seeds_array(root, epoch, indices)


def sample_rng(index: int, epoch: int, *, seed: SeedLike | None = None) -> np.random.Generator:
    """A NumPy ``Generator`` for sample ``index`` in ``epoch``: the same in every process.

    Args:
        index: the dataset index, an int in ``[0, 2**64)``.
        epoch: the epoch, an int ``>= 0``.
        seed: the root seed; ``None`` uses the process's root seed.

    Example:
        >>> a = sample_rng(5, 0, seed=42).random()
        >>> b = sample_rng(5, 0, seed=42).random()
        >>> a == b, a != sample_rng(6, 0, seed=42).random()
        (True, True)
    """
    # Exact-type fast paths: validation would otherwise cost as much as seeding the generator.
    root = (
        seed
        if type(seed) is int and 0 <= seed < MAX_SEED
        else resolve_seed(seed, caller="sample_rng", stream="augment")
    )
    if type(epoch) is not int or epoch < 0:
        epoch = check_epoch(epoch, "sample_rng")
    if type(index) is not int or not 0 <= index <= _M64:
        index = _check_index(index, "sample_rng")
    words = _epoch_words(root, epoch)
    key = np.array((words[0], words[1], _mix(index ^ words[2])), dtype=np.uint64)
    return np.random.Generator(np.random.SFC64(_Key(key)))  # type: ignore[arg-type]


def sample_python_rng(index: int, epoch: int, *, seed: SeedLike | None = None) -> random.Random:
    """A ``random.Random`` for sample ``index`` in ``epoch``.

    Example:
        >>> sample_python_rng(5, 0, seed=42).random() == sample_python_rng(5, 0, seed=42).random()
        True
    """
    root = resolve_seed(seed, caller="sample_python_rng", stream="augment")
    return random.Random(
        _seeds(
            root,
            check_epoch(epoch, "sample_python_rng"),
            _check_index(index, "sample_python_rng"),
            _PYTHON,
        )[0]
    )


def sample_torch_generator(
    index: int, epoch: int, *, seed: SeedLike | None = None
) -> torch.Generator:
    """A CPU ``torch.Generator`` for sample ``index`` in ``epoch`` (needs torch).

    Example:
        >>> import torch
        >>> g = sample_torch_generator(5, 0, seed=42)
        >>> torch.rand(1, generator=g).item() == torch.rand(
        ...     1, generator=sample_torch_generator(5, 0, seed=42)
        ... ).item()
        True
    """
    import torch

    root = resolve_seed(seed, caller="sample_torch_generator", stream="augment")
    generator = torch.Generator()
    generator.manual_seed(
        _seeds(
            root,
            check_epoch(epoch, "sample_torch_generator"),
            _check_index(index, "sample_torch_generator"),
            _TORCH,
        )[0]
    )
    return generator


#: The global RNGs that :func:`reseed` and :func:`seeded` can reseed.
GLOBAL_RNGS = ("random", "numpy", "torch")

_MT_N = 624  # MT19937's key words; Python's and NumPy's generators both keep 624 + a position
_MT_BYTES = _MT_N * 4 + 4
# A row of _mt_rows is a zero uint64, the 312 key uint64s and a zero uint64: its bytes
# [4, 2504) are CPython's Random state (int index = 0, then the key), [8, 2508) NumPy's
# mt19937_state (the key, then int pos = 0).
_PYTHON_BYTES = slice(4, 4 + _MT_BYTES)
_NUMPY_BYTES = slice(8, 8 + _MT_BYTES)
_MT_STEPS = (np.arange(1, _MT_N // 2 + 1, dtype=np.uint64) * np.uint64(_GAMMA))[np.newaxis, :]


def _mt_rows(seeds: np.ndarray, workspace: _Workspace | None = None) -> np.ndarray:
    """MT19937 states expanded from 64-bit ``seeds``, one ``(314,)`` uint64 row each.

    Row ``k``'s key is ``mix(s + j * G)`` for ``j = 1 .. 312``, each giving two 32-bit words (the
    low, then the high half), at position 0: the key words, tempered, are the next 624 outputs,
    so an item's first draw does not run a twist (the one after ``seed()`` costs about a
    microsecond per generator per item). The one invalid MT state (every key bit zero but the
    low 31 of word 0) has probability 2**-19937. The key sits between two zero uint64s, so on
    little-endian machines a row's bytes ``_PYTHON_BYTES`` and ``_NUMPY_BYTES`` are the state
    exactly as CPython's ``random.Random`` and NumPy's ``mt19937_state`` lay it out. The rows
    are computed in ``workspace`` when given (a view of its memory is returned), else in fresh
    arrays.
    """
    n = len(seeds)
    if workspace is None:
        rows = np.zeros((n, _MT_N // 2 + 2), dtype=np.uint64)
        work = np.empty((2, min(n, _WORK_ROWS), _MT_N // 2), dtype=np.uint64)
    else:
        rows, work = workspace.rows[:n], workspace.work
    # _mix_array in place, chunk by chunk, in two scratch arrays: one ufunc pass per step.
    for first in range(0, n, len(work[0])):
        part = seeds[first : first + len(work[0])]
        z, t = work[0, : len(part)], work[1, : len(part)]
        np.add(part[:, np.newaxis], _MT_STEPS, out=z)
        np.right_shift(z, _SHIFTS[0], out=t)
        np.bitwise_xor(z, t, out=z)
        np.multiply(z, _MIX1, out=z)
        np.right_shift(z, _SHIFTS[1], out=t)
        np.bitwise_xor(z, t, out=z)
        np.multiply(z, _MIX2, out=z)
        np.right_shift(z, _SHIFTS[2], out=t)
        np.bitwise_xor(z, t, out=rows[first : first + len(part), 1:-1])
    return rows


# Rows of scratch work space per chunk: 2 x 128 x 2.5 KB stays in the CPU's L2 cache.
_WORK_ROWS = 128


class _Workspace:
    """Memory a batch's MT rows are computed in, kept from one batch to the next.

    Fresh arrays of a few hundred KB per batch cost their allocation and zeroing (128 rows:
    169-287 us fresh, 132-161 us kept, measured); kept memory is reused. A batch takes one for
    its whole load (:func:`_workspace`), so a batch loaded inside an item gets its own.
    """

    __slots__ = ("rows", "work")

    def __init__(self, capacity: int) -> None:
        # The first and last uint64 of every row stay zero (see _mt_rows): only keys are written.
        self.rows = np.zeros((capacity, _MT_N // 2 + 2), dtype=np.uint64)
        self.work = np.empty((2, min(capacity, _WORK_ROWS), _MT_N // 2), dtype=np.uint64)


_SPARE: list[_Workspace] = []
# Workspaces for larger batches are not kept (1,024 rows: 2.5 MiB of states).
_KEEP_ROWS = 1024


@contextmanager
def _workspace(rows: int) -> Iterator[_Workspace]:
    """A kept :class:`_Workspace` with room for ``rows`` rows, for the duration of one batch."""
    try:
        workspace: _Workspace | None = _SPARE.pop()
    except IndexError:  # none spare (a batch inside an item's load, or another thread's)
        workspace = None
    if workspace is None or len(workspace.rows) < rows:
        workspace = _Workspace(max(rows, _WORK_ROWS))
    try:
        yield workspace
    finally:
        if len(_SPARE) < 2 and len(workspace.rows) <= _KEEP_ROWS:
            _SPARE.append(workspace)


def _key_words(rows: np.ndarray) -> np.ndarray:
    """The ``(len, 624)`` uint32 keys of :func:`_mt_rows`, on any byte order."""
    return np.ascontiguousarray(rows[:, 1:-1], dtype="<u8").view("<u4").astype(np.uint32)


# Object layouts and ids as addresses are CPython's; elsewhere the setstate paths are used.
_CPYTHON_LITTLE_ENDIAN = sys.implementation.name == "cpython" and sys.byteorder == "little"


def _writable(address: int, size: int) -> memoryview:
    return memoryview((ctypes.c_char * size).from_address(address)).cast("B")


def _remembered(probe: Callable[[Any], memoryview | None]) -> Callable[[Any], memoryview | None]:
    """``probe`` run once per object: its result is kept for the last object probed.

    Holding that object keeps its id from being reused by another; a different object (the
    global generator replaced) is probed afresh.
    """
    last: dict[int, tuple[Any, memoryview | None]] = {}

    @wraps(probe)
    def remembered(obj: Any) -> memoryview | None:
        hit = last.get(id(obj))
        if hit is not None and hit[0] is obj:
            return hit[1]
        result = probe(obj)
        last.clear()
        last[id(obj)] = (obj, result)
        return result

    return remembered


@_remembered
def _python_target(instance: Any) -> memoryview | None:
    """CPython's ``random.Random`` state (``int index; uint32_t state[624]``) as writable memory.

    ``Random.seed(x)`` runs ~1,900 MT19937 steps (about 7 us); writing a ready state is one
    copy. CPython documents no address for it: the layout is trusted only after the bytes read
    there equal ``getstate()`` and a test write reads back through ``getstate()``; otherwise
    ``None`` (other interpreters and builds), and states are written with ``setstate``.
    """
    target: memoryview | None = None
    offset = object.__basicsize__  # the object header; _random.Random's fields follow it
    if (
        _CPYTHON_LITTLE_ENDIAN
        and isinstance(instance, _random.Random)
        and _random.Random.__basicsize__ >= offset + _MT_BYTES
        and type(instance).__basicsize__ >= offset + _MT_BYTES
    ):
        saved = _random.Random.getstate(instance)
        expected = np.array((saved[-1], *saved[:-1]), dtype="<u4").tobytes()
        if ctypes.string_at(id(instance) + offset, _MT_BYTES) == expected:
            candidate = _writable(id(instance) + offset, _MT_BYTES)
            probe = _mt_rows(np.array([_GAMMA], dtype=np.uint64))
            try:
                candidate[:] = probe.view(np.uint8)[0, _PYTHON_BYTES].tobytes()
                expected_state = (*_key_words(probe)[0].tolist(), 0)
                if _random.Random.getstate(instance) == expected_state:
                    target = candidate
            finally:
                _random.Random.setstate(instance, saved)
    return target


_NO_GAUSS = bytes(16)


@_remembered
def _numpy_gauss_target(legacy: Any) -> memoryview | None:
    """The cached-normal fields (``int has_gauss; double gauss``) of NumPy's global RandomState.

    ``np.random.seed`` clears them; writing a ready key must too, or an odd number of normals
    drawn by one item would hand its cached second normal to the next. NumPy has no address for
    them: the one place in the object where they are found to change as ``get_state()`` shows,
    and where zeroing them reads back as no cached normal, is trusted; otherwise ``None``.
    """
    target: memoryview | None = None
    saved = legacy.get_state()
    size = type(legacy).__basicsize__
    if _CPYTHON_LITTLE_ENDIAN and isinstance(saved, tuple) and saved[0] == "MT19937":
        try:
            legacy.set_state(("MT19937", saved[1], saved[2], 0, 0.0))
            clear = ctypes.string_at(id(legacy), size)
            legacy.standard_normal()
            _, _, _, has_gauss, gauss = legacy.get_state()
            cached_bytes = ctypes.string_at(id(legacy), size)
            found = struct.pack("<i", 1), struct.pack("<d", gauss)
            offsets = [
                o
                for o in range(0, size - 15, 8)
                if (cached_bytes[o : o + 4], cached_bytes[o + 8 : o + 16]) == found
                and clear[o : o + 4] == bytes(4)
                and clear[o + 8 : o + 16] == bytes(8)
            ]
            if has_gauss == 1 and len(offsets) == 1:
                candidate = _writable(id(legacy) + offsets[0], 16)
                candidate[:4] = bytes(4)
                candidate[8:] = bytes(8)
                if legacy.get_state()[3:] == (0, 0.0):
                    target = candidate
        finally:
            legacy.set_state(saved)
    return target


# A reseeding is a lazy iterator that, advanced once, writes the next item's state into one
# global RNG. Built per batch from C callables over ready per-item arguments (map, repeat), so
# zip(indices, *reseedings) does all of an item's writes without a Python frame (see _load_all).
Reseeding = Iterator[object]


def _python_global() -> Any:
    """The ``random.Random`` behind the module's functions (``random.random`` is bound to it).

    Found through the draw functions, not ``random.seed``: a program may rebind ``random.seed``
    (to disable seeding, say), and reseeding must reach what ``random.random()`` draws from.
    """
    return random.random.__self__  # type: ignore[attr-defined]


def _numpy_global() -> Any:
    """NumPy's legacy global ``RandomState`` (what ``np.random.rand()`` and friends draw from)."""
    return np.random.mtrand._rand


def _seed_other_numpy(seed: int) -> None:
    """Seed a global bit generator that is not MT19937, clearing the cached normal as well.

    ``np.random.seed`` leaves a cached second normal in place for such generators, so an item
    that drew an odd number of normals would hand its leftover to the next item.
    """
    np.random.seed(seed)  # noqa: NPY002  (the module function seeds any bit generator)
    legacy = _numpy_global()
    state = legacy.get_state(legacy=False)
    if state["has_gauss"]:
        state["has_gauss"], state["gauss"] = 0, 0.0
        legacy.set_state(state)


def _python_reseeding(rows: np.ndarray) -> Reseeding:
    """Item ``k``'s state (``rows[k]``) into Python's global ``random``, item by item."""
    instance = _python_global()
    target = _python_target(instance) if _FAST[0] else None
    if target is None:
        keys = _key_words(rows).tolist()
        return map(instance.setstate, [(3, (*key, 0), None) for key in keys])
    states = rows.view(np.uint8)[:, _PYTHON_BYTES]
    n = len(states)
    gauss_next = map(setattr, repeat(instance, n), repeat("gauss_next", n), repeat(None, n))
    return zip(map(target.__setitem__, repeat(_ALL, n), states), gauss_next, strict=True)


def _numpy_reseeding(rows: np.ndarray, seeds: np.ndarray) -> Reseeding:
    """Item ``k``'s state (``rows[k]``, from ``seeds[k]``) into NumPy's legacy global RNG."""
    legacy = _numpy_global()
    targets = _numpy_targets()
    if targets is None and legacy.get_state(legacy=False)["bit_generator"] != "MT19937":
        # Another bit generator was made global (np.random.set_bit_generator): no MT key to
        # write; its own seeding from the top 32 bits, as np.random.seed(int) takes.
        return map(_seed_other_numpy, (seeds >> np.uint64(32)).tolist())
    if targets is None:
        keys = _key_words(rows)
        return map(legacy.set_state, [("MT19937", key, 0, 0, 0.0) for key in keys])
    key, gauss = targets
    states = rows.view(np.uint8)[:, _NUMPY_BYTES]
    n = len(states)
    cleared = map(gauss.__setitem__, repeat(_ALL, n), repeat(_NO_GAUSS, n))
    return zip(map(key.__setitem__, repeat(_ALL, n), states), cleared, strict=True)


def _torch_reseeding(seeds: np.ndarray) -> Reseeding | None:
    torch = sys.modules.get("torch")
    if torch is None:
        return None
    return map(torch.default_generator.manual_seed, seeds.tolist())


_ALL = slice(None)

#: Whether the direct writes may be used (Python, NumPy); tests force the slow paths with it.
_FAST = [True, True]


def _reseedings(
    seeds: np.ndarray, which: tuple[bool, bool, bool], workspace: _Workspace | None = None
) -> list[Reseeding]:
    """The reseedings of the chosen global RNGs for items of the ``(3, len)`` uint64 ``seeds``.

    The MT states are computed in ``workspace`` when given: the reseedings read them from
    there, so it must stay the caller's until they are exhausted.
    """
    if not any(which):
        return []
    # Python's and NumPy's keys in one pass (one set of NumPy calls per batch).
    keyed = [purpose for purpose in (0, 1) if which[purpose]]
    rows = _mt_rows(seeds[keyed].ravel(), workspace) if keyed else seeds
    n = len(seeds[0])
    reseedings: list[Reseeding | None] = [
        _python_reseeding(rows[:n]) if which[0] else None,
        _numpy_reseeding(rows[-n:], seeds[1]) if which[1] else None,
        _torch_reseeding(seeds[2]) if which[2] else None,
    ]
    return [reseeding for reseeding in reseedings if reseeding is not None]


def _reseed_root(
    root: int, epoch: int, index: int, which: tuple[bool, bool, bool] = (True, True, True)
) -> None:
    if not any(which):
        return
    # One index: the scalar seeds are cheaper than the batch's array computation.
    seeds = np.array([_seeds(root, epoch, index, _GLOBALS)], dtype=np.uint64).T
    for _ in zip(*_reseedings(seeds, which), strict=True):
        pass


def _check_globals(names: object) -> tuple[bool, bool, bool]:
    if names is None:
        return (True, True, True)
    if isinstance(names, str) or not all(name in GLOBAL_RNGS for name in names):  # type: ignore[attr-defined]
        raise SeedlockError(
            f"globals must be a tuple of names from {GLOBAL_RNGS}, got {names!r}. Name the global "
            "RNGs your augmentation draws from, e.g. globals=('torch',)."
        )
    chosen = set(names)  # type: ignore[call-overload]
    return ("random" in chosen, "numpy" in chosen, "torch" in chosen)


def _in_worker() -> bool:
    data = sys.modules.get("torch.utils.data")
    return data is not None and data.get_worker_info() is not None


def _numpy_key_target() -> memoryview | None:
    """NumPy's global MT19937 key and position (``mt19937_state``) as writable memory, or ``None``.

    ``np.random.get_state``/``set_state`` copy the 624 key words one at a time in Python (about
    0.1 ms each); the bit generator's documented ``ctypes.state_address`` gives the same words
    in a microsecond. Checked once against ``get_state`` before it is trusted.
    """
    get = getattr(np.random, "get_bit_generator", None)  # NumPy >= 1.25
    if get is None or not _FAST[1]:
        return None
    return _mt_key_target(get())


@_remembered
def _mt_key_target(generator: Any) -> memoryview | None:
    if type(generator) is not np.random.MT19937 or sys.byteorder != "little":
        return None
    candidate = int(generator.ctypes.state_address)
    _, key, pos, _, _ = np.random.get_state()  # noqa: NPY002
    expected = np.asarray(key, dtype="<u4").tobytes() + int(pos).to_bytes(4, "little")
    if ctypes.string_at(candidate, _MT_BYTES) != expected:
        return None
    return _writable(candidate, _MT_BYTES)


def _numpy_targets() -> tuple[memoryview, memoryview] | None:
    """NumPy's global key and cached-normal memory, when both layouts check out."""
    key = _numpy_key_target()
    if key is None:
        return None
    gauss = _numpy_gauss_target(_numpy_global())
    return None if gauss is None else (key, gauss)


class _Raw(NamedTuple):
    """A global generator's state read from its memory, with its cached normal."""

    words: bytes
    cached: Any


def _save_python() -> Any:
    instance = _python_global()
    target = _python_target(instance) if _FAST[0] else None
    if target is None:
        return random.getstate()
    return _Raw(target.tobytes(), instance.gauss_next)


def _put_back_python(saved: Any) -> None:
    if isinstance(saved, _Raw):
        instance = _python_global()
        target = _python_target(instance)
        if target is None:  # pragma: no cover  (the layout was trusted when saved)
            raise SeedlockError("Python's global random.Random changed during a seeded batch.")
        target[:] = saved.words
        instance.gauss_next = saved.cached
    else:
        random.setstate(saved)


def _python_moved(saved: Any) -> bool:
    if isinstance(saved, _Raw):
        instance = _python_global()
        target = _python_target(instance)
        return target is None or (target.tobytes(), instance.gauss_next) != tuple(saved)
    return bool(random.getstate() != saved)


def _save_numpy() -> Any:
    """The caller's NumPy global state: raw key and cached-normal bytes, or ``get_state()``."""
    targets = _numpy_targets()
    if targets is None:
        # The dict form works for every bit generator (the tuple form only for MT19937).
        return _numpy_global().get_state(legacy=False)
    return _Raw(targets[0].tobytes(), targets[1].tobytes())


def _put_back_numpy(saved: Any) -> None:
    if isinstance(saved, _Raw):
        targets = _numpy_targets()
        if targets is None:  # the global generator was replaced meanwhile
            raise SeedlockError(
                "NumPy's global bit generator was replaced while a seeded batch was loading "
                "(np.random.set_bit_generator); its state cannot be put back."
            )
        targets[0][:] = saved.words
        targets[1][:] = saved.cached
    else:
        _numpy_global().set_state(saved)


def _numpy_moved(saved: Any) -> bool:
    if isinstance(saved, _Raw):
        targets = _numpy_targets()
        return targets is None or (targets[0].tobytes(), targets[1].tobytes()) != tuple(saved)
    return bool(_comparable(_numpy_global().get_state(legacy=False)) != _comparable(saved))


def _comparable(state: Any) -> Any:
    """A NumPy ``get_state(legacy=False)`` dict with its arrays as tuples, so ``==`` compares."""
    if isinstance(state, dict):
        return {key: _comparable(value) for key, value in state.items()}
    if isinstance(state, np.ndarray):
        return tuple(state.tolist())
    return state


def _save(which: tuple[bool, bool, bool]) -> tuple[Any, Any, Any]:
    torch = sys.modules.get("torch")
    return (
        _save_python() if which[0] else None,
        _save_numpy() if which[1] else None,
        torch.default_generator.get_state() if which[2] and torch is not None else None,
    )


def _drawn(
    before: tuple[Any, Any, Any], watched: tuple[bool, bool, bool]
) -> tuple[bool, bool, bool]:
    """Which ``watched`` RNGs were drawn from (their state moved) since ``before`` was saved."""
    python, numpy_, torch_ = watched
    torch_moved = False
    if torch_:
        module = sys.modules.get("torch")
        # torch imported by an item since the batch began counts as drawn: nothing to compare.
        torch_moved = module is not None and (
            before[2] is None or not module.equal(module.default_generator.get_state(), before[2])
        )
    return (
        python and _python_moved(before[0]),
        numpy_ and _numpy_moved(before[1]),
        torch_moved,
    )


def _put_back(saved: tuple[Any, Any, Any]) -> None:
    python, numpy_state, torch_state = saved
    if python is not None:
        _put_back_python(python)
    if numpy_state is not None:
        _put_back_numpy(numpy_state)
    if torch_state is not None:
        sys.modules["torch"].default_generator.set_state(torch_state)


def reseed(index: int, epoch: int, *, seed: SeedLike | None = None) -> None:
    """Reseed Python's ``random``, NumPy's legacy global RNG and torch's CPU default generator.

    The values are a pure function of ``(root, epoch, index)``; torch is reseeded only if it is
    already imported. This changes global state on purpose (see the module docstring).

    Example:
        >>> import random
        >>> reseed(3, 0, seed=42); a = random.random()
        >>> reseed(3, 0, seed=42); a == random.random()
        True
    """
    root = resolve_seed(seed, caller="reseed", stream="augment")
    _reseed_root(root, check_epoch(epoch, "reseed"), _check_index(index, "reseed"))


class EpochIndex(int):
    """A dataset index that carries its epoch, so that worker processes know it.

    ``seedlock.torch`` samplers yield these; it is an ``int`` everywhere else, so datasets that
    know nothing of epochs index with it as usual. Each epoch has its own subclass with
    ``epoch`` as a class attribute (:func:`epoch_index_type`), so that a sampler makes one with
    ``int.__new__`` at C speed; test with ``isinstance(x, EpochIndex)``.

    Example:
        >>> i = EpochIndex(7, 2)
        >>> i + 1, i.epoch
        (8, 2)
    """

    __slots__ = ()
    epoch: int

    def __new__(cls, index: int, epoch: int) -> EpochIndex:
        return int.__new__(epoch_index_type(check_epoch(epoch, "EpochIndex")), index)

    def __reduce__(self) -> tuple[Callable[[int, int], EpochIndex], tuple[int, int]]:
        # Batches of these are pickled to DataLoader workers: _epoch_index rebuilds one without
        # the checks __new__ makes of an epoch a caller passes.
        return (_epoch_index, (int(self), self.epoch))

    def __repr__(self) -> str:
        return f"EpochIndex({int(self)}, epoch={self.epoch})"


def _epoch_index(index: int, epoch: int) -> EpochIndex:
    """Unpickle an :class:`EpochIndex` (what ``__reduce__`` gives is taken as it is).

    Pickles name this function: its name and module must not change.
    """
    if type(epoch) is int and epoch >= 0:
        return int.__new__(epoch_index_type(epoch), index)
    return EpochIndex(index, epoch)  # a hand-made pickle: checked as a caller's would be


@lru_cache(maxsize=256)
def epoch_index_type(epoch: int) -> type[EpochIndex]:
    """The :class:`EpochIndex` subclass of ``epoch``: ``int.__new__(cls, i)`` makes its indices."""
    return type("EpochIndex", (EpochIndex,), {"__slots__": (), "epoch": epoch})


T = TypeVar("T")


class SeededDataset(Generic[T]):
    """A map-style dataset whose ``__getitem__`` first reseeds the global RNGs (see :func:`seeded`).

    The epoch comes with the index when it is an :class:`EpochIndex` (what ``seedlock.torch``
    samplers yield, so it survives worker processes, persistent ones included); plain int
    indices use :attr:`epoch`, set with :meth:`set_epoch`. :attr:`reseeding` says which of
    ``(random, numpy, torch)`` a batch reseeds per item: the declared ``globals``, or those
    found in use so far (see the module docstring).
    """

    def __init__(
        self,
        dataset: _MapDataset[T],
        root: int,
        epoch: int = 0,
        globals: tuple[str, ...] | None = None,  # noqa: A002
    ) -> None:
        self.dataset = dataset
        self.root = root
        self.epoch = epoch
        self.which = _check_globals(globals)
        # Undeclared globals are detected: the RNGs items were seen to draw from are reseeded
        # per item, the others are watched once per batch (see __getitems__).
        self.detect = globals is None
        self.reseeding = (False, False, False) if self.detect else self.which
        self._learned = False

    def set_epoch(self, epoch: int) -> None:
        """The epoch used for plain int indices."""
        self.epoch = check_epoch(epoch, "SeededDataset.set_epoch")

    def _load(self, index: int, which: tuple[bool, bool, bool]) -> T:
        if isinstance(index, EpochIndex):
            epoch, plain = index.epoch, int(index)
        else:
            epoch, plain = self.epoch, _check_index(index, "SeededDataset.__getitem__")
        _reseed_root(self.root, epoch, plain, which)
        return self.dataset[plain]

    def __getitem__(self, index: int) -> T:
        if _in_worker():
            return self._load(index, self.which)
        saved = _save(self.which)
        try:
            return self._load(index, self.which)
        finally:
            _put_back(saved)

    def __getitems__(self, indices: list[int]) -> list[T]:
        """Load a batch; the caller's global RNG state is put back once (DataLoader calls it).

        Without declared ``globals``, the RNGs not yet seen drawn from are not reseeded but
        watched: when one of them moved during the batch, it is reseeded from then on and the
        batch is loaded again, so every item gets the values it would get with all three
        reseeded, at the cost of one reloaded batch each time a new RNG is found in use.
        """
        caller = None if _in_worker() else _save(self.which)
        watched = self._watched()
        before = caller if caller is not None else _save(watched)
        try:
            while True:
                out = self._load_all(indices)
                drawn = _drawn(before, watched) if any(watched) else (False, False, False)
                if not any(drawn):
                    break
                self.reseeding = (
                    self.reseeding[0] or drawn[0],
                    self.reseeding[1] or drawn[1],
                    self.reseeding[2] or drawn[2],
                )
                watched = self._watched()
        except BaseException:
            if caller is not None:
                _put_back(caller)
            raise
        if caller is not None:
            # The watched RNGs did not move; only the reseeded ones need their state back.
            python, numpy_, torch_ = self.reseeding
            _put_back(
                (
                    caller[0] if python else None,
                    caller[1] if numpy_ else None,
                    caller[2] if torch_ else None,
                )
            )
        return out

    def _watched(self) -> tuple[bool, bool, bool]:
        if not self.detect:
            return (False, False, False)
        return (not self.reseeding[0], not self.reseeding[1], not self.reseeding[2])

    def learn(self, index: int) -> None:
        """Find the global RNGs items draw from by loading ``index`` (caller's state kept).

        ``seedlock.torch`` loaders call it in the main process before worker processes start,
        so that workers begin with what was found rather than each finding it again.
        """
        if self.detect and not self._learned:
            self.__getitems__([index])
            self._learned = True

    def _batch_epoch(self, indices: list[int]) -> int | None:
        """The one epoch of a batch of valid int indices; ``None`` sends it down the per-item path.

        Batches from ``seedlock.torch`` samplers are all :class:`EpochIndex` of one epoch (one
        type), and foreign samplers give plain ints; anything else (mixed epochs, NumPy ints,
        bad values) takes the per-item path, which gives the same values and the usual errors.
        """
        kinds = {type(index) for index in indices}
        if len(kinds) != 1:
            return None  # mixed epochs, or EpochIndex mixed with ints
        kind = kinds.pop()
        if kind is int:
            epoch = self.epoch
        elif issubclass(kind, EpochIndex):
            epoch = kind.epoch
        else:
            return None
        if min(indices) < 0 or max(indices) > _M64:
            return None
        return epoch

    def _load_all(self, indices: list[int]) -> list[T]:
        epoch = self._batch_epoch(indices) if indices else None
        if epoch is None:
            return [self._load(index, self.reseeding) for index in indices]
        # The per-sample path of every seeded batch: the states come from one vectorised
        # computation per batch, and zip advances the reseedings (all C calls) before each item
        # is loaded, so the Python overhead per item is this loop alone. The values equal
        # _reseed_root's, which runs the same reseedings for one index.
        plain = [int(index) for index in indices] if type(indices[0]) is not int else indices
        dataset = self.dataset
        if not any(self.reseeding):
            return [dataset[index] for index in plain]
        seeds = _batch_seeds(self.root, epoch, plain)
        with _workspace(len(plain) * (self.reseeding[0] + self.reseeding[1])) as workspace:
            reseedings = _reseedings(seeds, self.reseeding, workspace)
            return [dataset[item[0]] for item in zip(plain, *reseedings, strict=True)]

    def __len__(self) -> int:
        return len(self.dataset)

    def __getattr__(self, name: str) -> Any:
        # Attributes of the wrapped dataset (classes, targets, ...) stay reachable; the guard
        # keeps unpickling in worker processes from recursing before ``dataset`` is set.
        if name == "dataset":
            raise AttributeError(name)
        return getattr(self.dataset, name)

    def __iter__(self) -> Iterator[T]:
        for index in range(len(self)):
            yield self[index]

    def __repr__(self) -> str:
        return f"seeded({self.dataset!r})"


def seeded(
    dataset: _MapDataset[T],
    *,
    seed: SeedLike | None = None,
    epoch: int = 0,
    globals: tuple[str, ...] | None = None,  # noqa: A002
) -> SeededDataset[T]:
    """Wrap a map-style dataset so each ``dataset[i]`` first calls ``reseed(i, epoch)``.

    Augmentation code that draws from the global RNGs (torchvision transforms use torch's,
    albumentations uses ``random`` and NumPy's) then gives sample ``i`` of epoch ``e`` the same
    augmentation in any worker, with any worker count or world size.

    Args:
        dataset: anything with ``__getitem__(int)`` and ``__len__``.
        seed: the root seed; ``None`` reads the process's root seed now, so the wrapper carries
            it into worker processes started with spawn or forkserver.
        epoch: the epoch for plain int indices (``EpochIndex`` indices carry their own).
        globals: the global RNGs the dataset draws from, names from ``("random", "numpy",
            "torch")``; ``None`` finds them (batches reseed those seen in use and watch the
            others, giving the values of reseeding all three). Naming them skips the watching;
            an RNG left out is neither reseeded nor put back, so drawing from it is not
            reproducible.

    Example:
        >>> import random
        >>> class Noisy:
        ...     def __getitem__(self, i): return i + random.random()
        ...     def __len__(self): return 3
        >>> data = seeded(Noisy(), seed=42)
        >>> data[1] == data[1]
        True
    """
    if not (hasattr(dataset, "__getitem__") and hasattr(dataset, "__len__")):
        raise SeedlockTypeError(
            f"seeded() needs a map-style dataset with __getitem__ and __len__, got "
            f"{type(dataset).__name__}. For an IterableDataset use seedlock.torch.shard() and "
            "sample_rng() inside its __iter__."
        )
    if isinstance(dataset, SeededDataset):
        raise SeedlockTypeError(
            "seeded() was given a dataset that is already seeded; wrapping twice would reseed "
            "twice per item. Pass the inner dataset (seeded_dataset.dataset)."
        )
    root = resolve_seed(seed, caller="seeded", stream="augment")
    return SeededDataset(dataset, root, check_epoch(epoch, "seeded"), globals=globals)
