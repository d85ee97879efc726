"""TensorFlow's global seed, its eager op-seed counter, and the global ``tf.random.Generator``.

Determinism contract: ``seed(s)`` is ``tf.random.set_seed(s)`` (which also restarts the op-seed
sequence and clears cached random kernels) plus a global ``tf.random.Generator`` seeded from
``s``. The state holds the global seed, the position of the op-seed sequence and the global
generator's state, so ``tf.random.uniform`` and ``tf.random.get_global_generator()`` continue
exactly after a restore.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from seedlock._errors import StateError
from seedlock.frameworks._base import Framework, State, as_int_list, require
from seedlock.frameworks.python import random_state, set_random_state

__all__ = ["TensorFlow", "generator_state", "set_generator_state"]


def generator_state(generator: Any) -> State:
    """A ``tf.random.Generator``'s algorithm and state words."""
    return {"alg": int(generator.algorithm), "state": generator.state.numpy()}


def set_generator_state(generator: Any, state: Mapping[str, Any]) -> None:
    """Put a :func:`generator_state` dict back into ``generator`` (same algorithm only)."""
    import numpy as np

    alg = require(state, "alg", int, "tensorflow generator")
    if alg != int(generator.algorithm):
        raise StateError(
            f"the saved tf.random.Generator state uses algorithm {alg}, but this generator uses "
            f"{int(generator.algorithm)}. Restore into a generator with the same algorithm."
        )
    words = np.asarray(
        as_int_list(require(state, "state", object, "tensorflow generator")), np.int64
    )
    if words.shape != tuple(generator.state.shape):
        raise StateError(
            f"the saved tf.random.Generator state has {words.size} words, this generator has "
            f"{generator.state.shape[0]}. The snapshot is corrupt."
        )
    generator.reset(words)


class TensorFlow(Framework):
    """TensorFlow's global seed state and global generator."""

    name = "tensorflow"
    module = "tensorflow"

    def seed(self, seed: int) -> None:
        import tensorflow as tf
        from tensorflow.python.ops import stateful_random_ops

        tf.random.set_seed(seed)
        existing = stateful_random_ops.global_generator
        if existing is not None:
            existing.reset_from_seed(seed)
        else:
            with tf.init_scope():
                tf.random.set_global_generator(tf.random.Generator.from_seed(seed))

    def get_state(self) -> State:
        from tensorflow.python.eager import context
        from tensorflow.python.ops import stateful_random_ops

        ctx = context.context()
        state: State = {"global_seed": ctx._seed, "op_seeds": None, "generator": None}
        if ctx._seed is not None and ctx._rng is not None:
            state["op_seeds"] = random_state(ctx._rng)
        generator = stateful_random_ops.global_generator
        if generator is not None:
            state["generator"] = generator_state(generator)
        return state

    def set_state(self, state: Mapping[str, Any]) -> None:
        import tensorflow as tf
        from tensorflow.python.eager import context
        from tensorflow.python.ops import stateful_random_ops

        if not isinstance(state, Mapping) or "global_seed" not in state:
            raise StateError(
                "tensorflow state must be a dict with 'global_seed', 'op_seeds' and 'generator'. "
                "The snapshot is corrupt."
            )
        global_seed = state["global_seed"]
        if global_seed is not None and (
            isinstance(global_seed, bool) or not isinstance(global_seed, int)
        ):
            raise StateError(
                f"tensorflow state['global_seed'] must be an int or None, got {global_seed!r}."
            )
        generator = state.get("generator")
        op_seeds = state.get("op_seeds")
        # set_seed restarts the op-seed sequence and clears cached kernels; the saved position in
        # the sequence is then put back so the next op gets the seed it would have got.
        tf.random.set_seed(global_seed)
        if op_seeds is not None:
            set_random_state(context.context()._rng, op_seeds)
        if generator is not None:
            existing = stateful_random_ops.global_generator
            if existing is not None:
                set_generator_state(existing, generator)
            else:
                alg = require(generator, "alg", int, "tensorflow generator")
                words = as_int_list(require(generator, "state", object, "tensorflow generator"))
                with tf.init_scope():
                    tf.random.set_global_generator(tf.random.Generator.from_state(words, alg))
