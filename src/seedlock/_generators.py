"""Fresh generators on derived streams: one named stream per consumer, for every framework.

Determinism contract: each helper returns a new generator seeded by a pure function of (root
seed, path) only: ``numpy_rng`` runs PCG64 on ``seed_sequence(*path)``, the others are seeded with
``derive(*path)``. They read no global RNG state and change none, so two helpers with different
paths never share a stream, and the same path gives the same draws in every process.
"""

from __future__ import annotations

import random
from typing import TYPE_CHECKING, Any

from seedlock._seed import PathItem, SeedLike, derive, seed_sequence

if TYPE_CHECKING:
    import numpy as np

__all__ = ["jax_key", "numpy_rng", "python_rng", "tf_generator", "torch_generator"]

_M32 = 0xFFFFFFFF
_key_words: dict[str, int] = {}


def numpy_rng(*path: PathItem, seed: SeedLike | None = None) -> np.random.Generator:
    """A NumPy ``Generator`` (PCG64) on the stream ``path``.

    Args:
        *path: ints and strs naming the stream, e.g. ``("augment", epoch)``.
        seed: the root seed; ``None`` uses the process's root seed (``seed_everything``).

    Example:
        >>> rng = numpy_rng("augment", 0, seed=42)
        >>> int(rng.integers(1000)) == int(numpy_rng("augment", 0, seed=42).integers(1000))
        True
    """
    import numpy as np

    return np.random.Generator(np.random.PCG64(seed_sequence(*path, seed=seed)))


def python_rng(*path: PathItem, seed: SeedLike | None = None) -> random.Random:
    """A ``random.Random`` on the stream ``path``.

    Example:
        >>> python_rng("split", seed=42).random() == python_rng("split", seed=42).random()
        True
    """
    return random.Random(derive(*path, seed=seed))


def torch_generator(*path: PathItem, device: Any = "cpu", seed: SeedLike | None = None) -> Any:
    """A ``torch.Generator`` on ``device`` seeded for the stream ``path``.

    Example:
        >>> import torch
        >>> g = torch_generator("init", seed=42)
        >>> again = torch_generator("init", seed=42)
        >>> torch.equal(torch.rand(2, generator=g), torch.rand(2, generator=again))
        True
    """
    import torch

    generator = torch.Generator(device=device)
    generator.manual_seed(derive(*path, seed=seed))
    return generator


def jax_key(*path: PathItem, seed: SeedLike | None = None, impl: str | None = None) -> Any:
    """A typed JAX key (``jax.random.key``) for the stream ``path``.

    Typed keys are JAX's current API: they carry their PRNG implementation, work with every
    ``jax.random`` function and cannot be mixed up with integer arrays; ``jax.random.key_data``
    gives the raw ``uint32`` words where a legacy API needs them. The key is built from all 64
    bits of ``derive(*path)`` (it equals ``jax.random.key(derive(*path))`` under
    ``jax_enable_x64``): ``jax.random.key(int)`` alone would keep only 32 bits without x64 and
    make streams collide.

    Args:
        *path: ints and strs naming the stream.
        seed: the root seed; ``None`` uses the process's root seed.
        impl: a JAX PRNG implementation name (``"threefry2x32"``, ``"rbg"``, ...); default JAX's.

    Example:
        >>> import jax
        >>> k = jax_key("dropout", seed=42)
        >>> bool((jax.random.key_data(k) == jax.random.key_data(jax_key("dropout", seed=42))).all())
        True
    """
    import jax
    import numpy as np

    value = derive(*path, seed=seed)
    name = impl if impl is not None else str(getattr(jax.config, "jax_default_prng_impl"))  # noqa: B009
    words = _key_words.get(name)
    if words is None:
        words = int(np.prod(jax.random.key_data(jax.random.key(0, impl=impl)).shape))
        _key_words[name] = words
    if words == 2:
        data: Any = np.array([value >> 32, value & _M32], dtype=np.uint32)
    else:
        data = seed_sequence(*path, seed=seed).generate_state(words, np.uint32)
    return jax.random.wrap_key_data(data, impl=impl)


def tf_generator(*path: PathItem, seed: SeedLike | None = None) -> Any:
    """A ``tf.random.Generator`` (Philox) seeded for the stream ``path``.

    Example:
        >>> g = tf_generator("noise", seed=42)  # doctest: +SKIP
    """
    import tensorflow as tf

    return tf.random.Generator.from_seed(derive(*path, seed=seed))
