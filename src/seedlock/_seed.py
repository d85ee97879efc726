"""Root seeds and the derivation of independent streams from them.

Determinism contract: ``derive(*path, seed=s)`` is a pure function of ``(s, path)``. It uses
NumPy's ``SeedSequence`` mixing on an unambiguous encoding of the path (ints as fixed-width words,
strings through BLAKE2b), never Python's ``hash()``, so it gives the same value in every process,
on every machine and in every seedlock version; golden-value tests pin it.

A *stream* is a named branch of the seed tree (``global``, ``data``, ``augment`` or a user's
name). A stream can be given its own root (``seed_everything(42, streams={"data": 3})``,
``$SEEDLOCK_STREAMS="data=3"``): ``derive("data", ...)`` then draws from root 3 while every other
stream stays on the run's root. Without overrides nothing changes.
"""

from __future__ import annotations

import functools
import numbers
import os
import sys
from collections.abc import Mapping, Sequence

from seedlock._base import envvars, limits, rootseed
from seedlock._errors import SeedlockError, SeedlockTypeError

try:  # the builtin module: hashlib would also load OpenSSL, which costs ~20 ms of import time
    from _blake2 import blake2b
except ImportError:  # pragma: no cover - interpreters without the _blake2 builtin
    from hashlib import blake2b

# Not ``typing.TYPE_CHECKING``: the start-up hook imports this module in every child process.
TYPE_CHECKING = False
if TYPE_CHECKING:
    import numpy as np

__all__ = [
    "MAX_SEED",
    "PathItem",
    "SeedLike",
    "derive",
    "derive_many",
    "framework_seed",
    "normalize_seed",
    "parse_seed_text",
    "resolve_seed",
    "root_seed",
    "seed_sequence",
    "STREAMS",
    "STREAMS_ENV_VAR",
    "format_streams",
    "normalize_streams",
    "parse_streams",
    "stream_seeds",
]

#: Root seeds are ints in ``[0, MAX_SEED)``.
MAX_SEED = 2**128
#: Derived seeds are ints in ``[0, 2**63)`` so that every framework (int64 seeds) accepts them.
_DERIVED_MASK = 2**63 - 1
_COMPAT_LIMIT = 2**32
ENV_VAR = envvars.SEED
#: Per-stream roots as text, ``"data=3,augment=7"``, read by every process of a run.
STREAMS_ENV_VAR = envvars.STREAMS

#: The streams seedlock itself draws from, and what each one carries.
STREAMS: dict[str, str] = {
    "global": "the framework global RNGs seed_everything seeds (random, np.random, torch, TF, "
    "Keras, CuPy): weight initialisation, dropout and anything else drawn from global state",
    "data": "data order: EpochShuffle, seedlock.torch loaders and samplers, derive('data', ...)",
    "augment": "per-sample randomness: sample_rng(), seeded() and reseed() (augmentation)",
}
_NAME_FIRST = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz_")
_NAME_REST = _NAME_FIRST | frozenset("0123456789.-")


def _is_stream_name(key: object) -> bool:
    # Not a regular expression: `re` would cost the start-up hook of `seedlock run` an import.
    return (
        isinstance(key, str)
        and 0 < len(key) <= 64
        and key[0] in _NAME_FIRST
        and all(char in _NAME_REST for char in key)
    )


SeedLike = int | str
PathItem = int | str

_TAG_INT = 0
_TAG_STR = 1

# The SeedSequence constants (numpy/random/bit_generator.pyx); the scalar and the vectorised
# mixers must agree with numpy bit for bit, which the golden and equivalence tests check.
_INIT_A = 0x43B0D7E5
_MULT_A = 0x931E8875
_INIT_B = 0x8B51F9DD
_MULT_B = 0x58F38DED
_MIX_MULT_L = 0xCA01F9DD
_MIX_MULT_R = 0x4973F715
_XSHIFT = 16
_POOL_SIZE = 4
_M32 = 0xFFFFFFFF


def _describe(value: object) -> str:
    text = repr(value)
    if len(text) > 60:
        text = text[:57] + "..."
    return f"{text} ({type(value).__name__})"


def normalize_seed(seed: object, *, name: str = "seed") -> int:
    """Turn a user-given seed into a root seed int in ``[0, 2**128)``.

    Ints are taken as they are; non-empty strings are hashed with BLAKE2b (stable everywhere).

    Args:
        seed: an ``int`` in ``[0, 2**128)`` or a non-empty ``str``.
        name: what to call the value in error messages.

    Raises:
        SeedlockTypeError: for floats, bools, arrays and other types.
        SeedlockError: for negative or too large ints and empty strings.

    Example:
        >>> normalize_seed(42)
        42
        >>> normalize_seed("experiment-a") == normalize_seed("experiment-a")
        True
    """
    # numbers.Integral covers NumPy's integer scalars (NumPy registers them) without importing it.
    if isinstance(seed, bool) or not isinstance(seed, (int, str, numbers.Integral)):
        raise SeedlockTypeError(
            f"{name} must be an int in [0, 2**128) or a non-empty str, got {_describe(seed)}. "
            + (
                "Pass int(seed) if it is a whole number."
                if _is_float(seed)
                else "Pass an int or a string."
            )
        )
    if isinstance(seed, str):
        if not seed:
            raise SeedlockError(
                f"{name} must be an int in [0, 2**128) or a non-empty str, got '' (empty str). "
                "Pass a name such as 'baseline' or an int."
            )
        digest = blake2b(seed.encode("utf-8"), digest_size=16, person=b"seedlock-root").digest()
        return int.from_bytes(digest, "little")
    value = int(seed)
    if value < 0:
        raise SeedlockError(
            f"{name} must be an int in [0, 2**128) or a non-empty str, got {value} (int). "
            "Pass abs(seed) or a string."
        )
    if value >= MAX_SEED:
        raise SeedlockError(
            f"{name} must be an int in [0, 2**128) or a non-empty str, got {value} (int), "
            f"which has {value.bit_length()} bits. Pass seed % 2**128 or a string."
        )
    return value


def _is_float(value: object) -> bool:
    if isinstance(value, float):
        return True
    # A NumPy float can only exist once NumPy is loaded; nothing is imported here.
    np_module = sys.modules.get("numpy")
    return np_module is not None and isinstance(value, np_module.floating)


def _set_root(seed: int | None) -> None:
    """Record the process's root seed (called by ``seed_everything`` only)."""
    rootseed.set_root(seed)


def root_seed() -> int | None:
    """The root seed of this process: the last ``seed_everything`` seed, else ``$SEEDLOCK_SEED``.

    Returns ``None`` when neither is set.

    Example:
        >>> import seedlock
        >>> _ = seedlock.seed_everything(7)
        >>> seedlock.root_seed()
        7
    """
    root = rootseed.get()
    if root is not None:
        return root
    env = os.environ.get(ENV_VAR)
    if env:
        return parse_seed_text(env)
    return None


def parse_seed_text(text: str, *, name: str = f"${ENV_VAR}") -> int:
    """A root seed written as text (``$SEEDLOCK_SEED``, ``--seed``): an int literal or any string.

    ``"42"``, ``"0042"`` and ``"0x2a"`` are the int 42; other text is hashed as a string seed.

    Example:
        >>> parse_seed_text("0x2a") == parse_seed_text("0042") == 42
        True
    """
    text = text.strip()
    if len(text) > limits.MAX_SEED_CHARS:
        raise SeedlockError(
            f"{name} must be an int in [0, 2**128) or a text of at most {limits.MAX_SEED_CHARS} "
            f"characters, got {len(text)} characters. Pass a shorter seed."
        )
    try:
        value: object = int(text, 0)
    except ValueError:
        value = int(text) if text.isdigit() else text
    return normalize_seed(value, name=name)


def resolve_seed(
    seed: SeedLike | None, *, caller: str = "derive", stream: str | None = None
) -> int:
    """The root seed to use: ``seed`` if given, else ``stream``'s own root, else :func:`root_seed`.

    Raises:
        SeedlockError: when no seed is given and no root seed is set.
    """
    if seed is not None:
        return normalize_seed(seed)
    if stream is not None:
        override = stream_seeds().get(stream)
        if override is not None:
            return override
    root = root_seed()
    if root is None:
        raise SeedlockError(
            f"{caller}() needs a root seed, but none is set: seed_everything() has not been called "
            f"and ${ENV_VAR} is unset. Call seedlock.seed_everything(...) first or pass seed=..."
        )
    return root


def normalize_streams(streams: Mapping[str, object], *, name: str = "streams") -> dict[str, int]:
    """Per-stream roots as ``{name: root}``, each name checked and each seed normalised.

    Example:
        >>> normalize_streams({"data": 3, "augment": "a"})["data"]
        3
    """
    if not isinstance(streams, Mapping):
        raise SeedlockTypeError(
            f"{name} must be a dict of stream name to seed, got {_describe(streams)}. "
            'Pass e.g. {"data": 3}.'
        )
    out: dict[str, int] = {}
    for key, value in streams.items():
        if not _is_stream_name(key):
            raise SeedlockError(
                f"{name} has the stream name {key!r}; a name is 1-64 letters, digits, '_', '.' "
                f"or '-' starting with a letter or '_'. Known streams: {', '.join(STREAMS)}."
            )
        out[key] = normalize_seed(value, name=f"{name}[{key!r}]")
    return out


def parse_streams(text: str, *, name: str = f"${STREAMS_ENV_VAR}") -> dict[str, int]:
    """Per-stream roots written as text, ``"data=3,augment=7"`` (seeds read by parse_seed_text).

    Example:
        >>> parse_streams("data=3, augment=0x7")
        {'data': 3, 'augment': 7}
    """
    streams: dict[str, object] = {}
    for part in text.split(","):
        part = part.strip()
        if not part:
            continue
        key, sep, value = part.partition("=")
        if not sep or not value.strip():
            raise SeedlockError(
                f"{name} must be STREAM=SEED pairs separated by commas, got {part!r} in "
                f"{text!r}. Example: data=3,augment=7"
            )
        key = key.strip()
        if key in streams:
            raise SeedlockError(f"{name} gives the stream {key!r} twice in {text!r}.")
        streams[key] = parse_seed_text(value, name=f"{name} ({key})")
    return normalize_streams(streams, name=name)


def format_streams(streams: Mapping[str, int]) -> str:
    """The text form of per-stream roots, sorted by name (``parse_streams`` reads it back).

    Example:
        >>> format_streams({"global": 2, "data": 3})
        'data=3,global=2'
    """
    return ",".join(f"{key}={streams[key]}" for key in sorted(streams))


@functools.lru_cache(maxsize=8)
def _parse_streams_env(text: str) -> tuple[tuple[str, int], ...]:
    return tuple(parse_streams(text).items())


def stream_seeds() -> dict[str, int]:
    """The streams of this process that have their own root, as ``{name: root}``.

    Set by ``seed_everything(..., streams=...)``, else read from ``$SEEDLOCK_STREAMS``; empty when
    every stream uses the run's root seed.

    Example:
        >>> import seedlock
        >>> _ = seedlock.seed_everything(42, streams={"data": 3})
        >>> seedlock.stream_seeds()
        {'data': 3}
        >>> _ = seedlock.seed_everything(42, streams={})
    """
    recorded = rootseed.get_streams()
    if recorded is not None:
        return recorded
    text = os.environ.get(STREAMS_ENV_VAR, "").strip()
    return dict(_parse_streams_env(text)) if text else {}


def _set_streams(streams: dict[str, int] | None) -> None:
    """Record this process's stream roots (called by ``seed_everything`` only)."""
    rootseed.set_streams(streams)


def draw_entropy_seed() -> int:
    """A fresh root seed from OS entropy (128 bits)."""
    import secrets

    return secrets.randbits(128)


def _int_words(value: int) -> list[int]:
    """Little-endian uint32 words of a non-negative int, as SeedSequence coerces entropy."""
    if value == 0:
        return [0]
    words = []
    while value:
        words.append(value & _M32)
        value >>= 32
    return words


def _encode_item(item: object, position: int) -> list[int]:
    # Three words per item (tag, low, high), so that no two distinct paths share an encoding:
    # SeedSequence would otherwise read the int 2**32 and the pair (0, 1) as the same words.
    if isinstance(item, bool) or not isinstance(item, (int, str, numbers.Integral)):
        raise SeedlockTypeError(
            f"path items must be ints in [0, 2**64) or strs, got {_describe(item)} at position "
            f"{position}. Convert it with int(...) or str(...)."
        )
    if isinstance(item, str):
        return list(_str_words(item))
    value = int(item)
    if not 0 <= value < 2**64:
        raise SeedlockError(
            f"path items must be ints in [0, 2**64) or strs, got {value} at position {position}. "
            "Epochs, ranks and indices are non-negative."
        )
    return [_TAG_INT, value & _M32, value >> 32]


@functools.lru_cache(maxsize=256)
def _str_words(item: str) -> tuple[int, int, int]:
    """The words of a str path item: its keyed hash, computed once per name."""
    digest = blake2b(item.encode("utf-8"), digest_size=8, person=b"seedlock-path").digest()
    value = int.from_bytes(digest, "little")
    return (_TAG_STR, value & _M32, value >> 32)


def _encode_path(path: Sequence[object]) -> list[int]:
    words: list[int] = []
    for position, item in enumerate(path):
        words.extend(_encode_item(item, position))
    return words


def _stream_of(path: Sequence[object]) -> str | None:
    """The stream a path belongs to: its first item when that is a name."""
    return path[0] if path and isinstance(path[0], str) else None


def seed_sequence(*path: PathItem, seed: SeedLike | None = None) -> np.random.SeedSequence:
    """The ``numpy.random.SeedSequence`` of the stream ``path`` under the root seed.

    Example:
        >>> ss = seed_sequence("data", "shuffle", 0, seed=42)
        >>> ss.entropy
        42
    """
    import numpy as np

    root = resolve_seed(seed, caller="seed_sequence", stream=_stream_of(path))
    return np.random.SeedSequence(root, spawn_key=tuple(_encode_path(path)))


def seed_words(
    path: Sequence[PathItem], root: int, n_words: int, *, wide: bool = False
) -> list[int]:
    """``seed_sequence(*path, seed=root).generate_state(n_words, uint64 if wide else uint32)``.

    The same words as ints, from the cached pure-Python pools: no ``SeedSequence`` object, and
    only the path's last item mixed in afresh (for per-epoch derivations on a hot path).

    Example:
        >>> import numpy as np
        >>> seed_words(("data", 3), 42, 2, wide=True) == seed_sequence(
        ...     "data", 3, seed=42).generate_state(2, np.uint64).tolist()
        True
    """
    if not wide:
        return _state_words(root, _encode_path(path), n_words)
    words = _state_words(root, _encode_path(path), 2 * n_words)
    return [words[2 * i] | words[2 * i + 1] << 32 for i in range(n_words)]


def derive(*path: PathItem, seed: SeedLike | None = None) -> int:
    """A seed for the stream named by ``path``: a pure function of (root seed, path).

    Path items are ints in ``[0, 2**64)`` or strings. With ``seed=None`` the process's root seed
    (see :func:`root_seed`) is used, or the stream's own root when the first item names a stream
    that has one (see :func:`stream_seeds`).

    Returns:
        An int in ``[0, 2**63)``, accepted as a seed by every framework.

    Example:
        >>> derive("data", "shuffle", 3, seed=42)
        6163578755725815011
        >>> derive("rank", 0, seed=42) != derive("rank", 1, seed=42)
        True
    """
    root = resolve_seed(seed, caller="derive", stream=_stream_of(path))
    low, high = _state_words(root, _encode_path(path), 2)
    return (low | high << 32) & _DERIVED_MASK


def framework_seed(root: int) -> int:
    """The 32-bit seed given to framework global RNGs for the root seed ``root``.

    Roots below ``2**32`` are used as they are, so ``seed_everything(42)`` draws exactly what
    ``random.seed(42); np.random.seed(42); torch.manual_seed(42)`` draws. Larger roots (and
    string roots) are reduced through the derivation.

    Example:
        >>> framework_seed(42)
        42
        >>> 0 <= framework_seed(2**100) < 2**32
        True
    """
    if root < _COMPAT_LIMIT:
        return root
    return _state_words(root, [], 1)[0]


def _hash_consts(count: int) -> list[int]:
    """The first ``count`` values of SeedSequence's mixing constant (it never depends on data)."""
    global _HASH_CONSTS
    consts = _HASH_CONSTS
    if len(consts) < count:
        # A new list, bound in one step: threads growing it at once never see a half-built one.
        consts = list(consts)
        while len(consts) < count:
            consts.append((consts[-1] * _MULT_A) & _M32)
        _HASH_CONSTS = consts
    return consts


_HASH_CONSTS = [_INIT_A]
#: Mixing steps that depend on the root alone: one per pool word, then every pool word into
#: every other one.
_ROOT_STEPS = _POOL_SIZE + _POOL_SIZE * (_POOL_SIZE - 1)


def _path_pool(root: int, words: tuple[int, ...]) -> tuple[int, ...]:
    """SeedSequence's pool after mixing in the root and then the spawn-key ``words``.

    The pool after a path's prefix (its items but the last, three words each) is cached, so
    derivations that differ only in their last item (an epoch, a rank, an index) mix in only
    that item's words: a few microseconds instead of tens.
    """
    cut = max(0, len(words) - 3)
    return _mixed(_prefix_pool(root, words[:cut]), words[cut:], cut)


@functools.lru_cache(maxsize=256)
def _prefix_pool(root: int, words: tuple[int, ...]) -> tuple[int, ...]:
    return _mixed(_root_pool(root), words, 0)


def _mixed(pool: tuple[int, ...], words: tuple[int, ...], before: int) -> tuple[int, ...]:
    """``pool`` after mixing in ``words``, which follow ``before`` spawn-key words."""
    mixing = list(pool)
    step = _ROOT_STEPS + _POOL_SIZE * before
    consts = _hash_consts(step + _POOL_SIZE * len(words) + 1)
    for word in words:
        for i_dst in range(_POOL_SIZE):
            value = ((word ^ consts[step]) * consts[step + 1]) & _M32
            step += 1
            value ^= value >> _XSHIFT
            mixed = (_MIX_MULT_L * mixing[i_dst] - _MIX_MULT_R * value) & _M32
            mixing[i_dst] = mixed ^ (mixed >> _XSHIFT)
    return tuple(mixing)


@functools.lru_cache(maxsize=64)
def _root_pool(root: int) -> tuple[int, ...]:
    """SeedSequence's pool after mixing in the root's words (at most four, for roots < 2**128)."""
    words = _int_words(root)
    consts = _hash_consts(_ROOT_STEPS + 1)
    pool = []
    for i in range(_POOL_SIZE):
        value = (((words[i] if i < len(words) else 0) ^ consts[i]) * consts[i + 1]) & _M32
        pool.append(value ^ (value >> _XSHIFT))
    step = _POOL_SIZE
    for i_src in range(_POOL_SIZE):
        for i_dst in range(_POOL_SIZE):
            if i_src != i_dst:
                value = ((pool[i_src] ^ consts[step]) * consts[step + 1]) & _M32
                step += 1
                value ^= value >> _XSHIFT
                mixed = (_MIX_MULT_L * pool[i_dst] - _MIX_MULT_R * value) & _M32
                pool[i_dst] = mixed ^ (mixed >> _XSHIFT)
    return tuple(pool)


def _state_words(root: int, spawn_words: list[int], n_words: int) -> list[int]:
    """``SeedSequence(root, spawn_key=spawn_words).generate_state(n_words, uint32)``, pure Python.

    The uint32 arithmetic of numpy/random/bit_generator.pyx is spelled out with masks, so a scalar
    derivation needs no NumPy import; the pools of the root and of path prefixes are cached.
    """
    pool = _path_pool(root, tuple(spawn_words))
    out = []
    hash_b = _INIT_B
    for i_dst in range(n_words):
        value = pool[i_dst % _POOL_SIZE] ^ hash_b
        hash_b = (hash_b * _MULT_B) & _M32
        value = (value * hash_b) & _M32
        out.append(value ^ (value >> _XSHIFT))
    return out


def _hashmix(value: np.ndarray, hash_const: int) -> tuple[np.ndarray, int]:
    import numpy as np

    value = value ^ np.uint32(hash_const)
    hash_const = (hash_const * _MULT_A) & _M32
    value = value * np.uint32(hash_const)
    value ^= value >> np.uint32(_XSHIFT)
    return value, hash_const


def _mix(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    import numpy as np

    result: np.ndarray = np.uint32(_MIX_MULT_L) * x - np.uint32(_MIX_MULT_R) * y
    result ^= result >> np.uint32(_XSHIFT)
    return result


def _seed_sequence_state(entropy: list[np.ndarray], n_words: int) -> list[np.ndarray]:
    """SeedSequence's pool mixing and ``generate_state``, vectorised over columns of words."""
    import numpy as np

    shape = entropy[0].shape
    hash_const = _INIT_A
    pool: list[np.ndarray] = []
    for i in range(_POOL_SIZE):
        word = entropy[i] if i < len(entropy) else np.zeros(shape, np.uint32)
        mixed, hash_const = _hashmix(word, hash_const)
        pool.append(mixed)
    for i_src in range(_POOL_SIZE):
        for i_dst in range(_POOL_SIZE):
            if i_src != i_dst:
                mixed, hash_const = _hashmix(pool[i_src], hash_const)
                pool[i_dst] = _mix(pool[i_dst], mixed)
    for i_src in range(_POOL_SIZE, len(entropy)):
        for i_dst in range(_POOL_SIZE):
            mixed, hash_const = _hashmix(entropy[i_src], hash_const)
            pool[i_dst] = _mix(pool[i_dst], mixed)
    out = []
    hash_b = _INIT_B
    for i_dst in range(n_words):
        value = pool[i_dst % _POOL_SIZE] ^ np.uint32(hash_b)
        hash_b = (hash_b * _MULT_B) & _M32
        value = value * np.uint32(hash_b)
        value ^= value >> np.uint32(_XSHIFT)
        out.append(value)
    return out


def derive_many(
    path_prefix: Sequence[PathItem], indices: object, *, seed: SeedLike | None = None
) -> np.ndarray:
    """Vectorised ``derive(*path_prefix, i)`` for every ``i`` in ``indices``.

    Args:
        path_prefix: the path shared by every stream, e.g. ``("data", "sample", epoch)``.
        indices: a sequence or array of ints in ``[0, 2**64)``.
        seed: the root seed; ``None`` uses the process's root seed.

    Returns:
        An ``int64`` array, element ``k`` equal to ``derive(*path_prefix, indices[k])``.

    Example:
        >>> many = derive_many(("data", "sample", 0), [0, 1, 2], seed=42)
        >>> int(many[2]) == derive("data", "sample", 0, 2, seed=42)
        True
    """
    import numpy as np

    root = resolve_seed(seed, caller="derive_many", stream=_stream_of(path_prefix))
    idx = np.asarray(indices)
    if idx.dtype == object or not (
        np.issubdtype(idx.dtype, np.integer) or (idx.size == 0 and idx.dtype == np.float64)
    ):
        raise SeedlockTypeError(
            f"derive_many indices must be an array of ints, got dtype {idx.dtype}. "
            "Pass np.arange(...) or a list of ints."
        )
    if idx.size and np.issubdtype(idx.dtype, np.signedinteger) and int(idx.min()) < 0:
        raise SeedlockError(
            f"derive_many indices must be in [0, 2**64), got {int(idx.min())}. "
            "Indices are non-negative."
        )
    flat = idx.reshape(-1).astype(np.uint64)
    prefix_words = _encode_path(path_prefix)
    root_words = _int_words(root)
    if len(root_words) < _POOL_SIZE:
        root_words = root_words + [0] * (_POOL_SIZE - len(root_words))
    shape = flat.shape
    entropy = [np.full(shape, w, np.uint32) for w in root_words + prefix_words]
    entropy.append(np.full(shape, _TAG_INT, np.uint32))
    entropy.append((flat & np.uint64(_M32)).astype(np.uint32))
    entropy.append((flat >> np.uint64(32)).astype(np.uint32))
    with np.errstate(over="ignore"):
        low, high = _seed_sequence_state(entropy, 2)
    out = (low.astype(np.uint64) | (high.astype(np.uint64) << np.uint64(32))) & np.uint64(
        _DERIVED_MASK
    )
    derived: np.ndarray = out.astype(np.int64).reshape(idx.shape)
    return derived
