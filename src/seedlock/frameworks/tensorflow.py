"""TensorFlow's global seed, its eager op-seed counter, and the global ``tf.random.Generator``.

Determinism contract: ``seed(s)`` is ``tf.random.set_seed(s)`` (which also restarts the op-seed
sequence and clears cached random kernels) plus a global ``tf.random.Generator`` seeded from
``s``. The state holds the global seed, the position of the op-seed sequence and the global
generator's state, so ``tf.random.uniform`` and ``tf.random.get_global_generator()`` continue
exactly after a restore. Deterministic mode is TensorFlow's op determinism; thread pools can
only be sized before its context starts.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping

from seedlock._errors import StateError
from seedlock.frameworks._base import (
    FIX_DETERMINISTIC,
    Change,
    Finding,
    Framework,
    State,
    as_int_list,
    require,
)
from seedlock.frameworks.python import random_state, set_random_state

# Not ``typing.TYPE_CHECKING``: the start-up hook imports this module in every child process.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

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
    thread_vars = ("TF_NUM_INTRAOP_THREADS", "TF_NUM_INTEROP_THREADS")
    generator_kinds = ("tensorflow.Generator",)

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

    def deterministic_env(self, environ: Mapping[str, str]) -> dict[str, str]:
        return {"TF_DETERMINISTIC_OPS": "1"}

    def env_too_late(self, name: str, value: str) -> str:
        if name == "TF_DETERMINISTIC_OPS" and _context_started():
            return (
                "TensorFlow's context is already running: "
                "tf.config.experimental.enable_op_determinism() (done by "
                "seed_everything(..., deterministic=True)) covers this process"
            )
        return ""

    def enable_determinism(self, *, warn_only: bool) -> list[Change]:
        import tensorflow as tf

        tf.config.experimental.enable_op_determinism()
        return [Change("tf.config.experimental.enable_op_determinism", "True")]

    def pin_threads(self, threads: int) -> list[Change]:
        import tensorflow as tf

        changes = []
        threading = tf.config.threading
        for kind, setter in (
            ("intra_op", threading.set_intra_op_parallelism_threads),
            ("inter_op", threading.set_inter_op_parallelism_threads),
        ):
            target = f"tf.config.threading.set_{kind}_parallelism_threads"
            try:
                setter(threads)
            except RuntimeError:
                note = (
                    "TensorFlow's context is already initialised, so its thread pools keep their "
                    f"size: set TF_NUM_{kind.replace('_', '').upper()}_THREADS before start-up or "
                    "call seed_everything(threads=...) before the first TensorFlow op"
                )
                changes.append(Change(target, str(threads), effective=False, note=note))
            else:
                changes.append(Change(target, str(threads)))
        return changes

    def doctor(self) -> list[Finding]:
        enabled = _op_determinism()
        if enabled is None or enabled:
            return []
        return [
            Finding(
                "tf-op-determinism",
                "warning",
                "TensorFlow op determinism is off",
                "Several TensorFlow GPU kernels and tf.data parallel maps are non-deterministic "
                "unless op determinism is enabled.",
                f"tf.config.experimental.enable_op_determinism(), or {FIX_DETERMINISTIC}",
            )
        ]

    def fingerprint_threads(self) -> dict[str, Any]:
        import tensorflow as tf

        threading = tf.config.threading
        return {
            "tensorflow_intra_op": threading.get_intra_op_parallelism_threads(),
            "tensorflow_inter_op": threading.get_inter_op_parallelism_threads(),
        }

    def fingerprint_flags(self) -> dict[str, Any]:
        enabled = _op_determinism()
        return {} if enabled is None else {"tensorflow.op_determinism": enabled}

    def fingerprint_cuda(self) -> dict[str, Any] | None:
        import tensorflow as tf

        info = tf.sysconfig.get_build_info()
        return {
            "cuda": info.get("cuda_version"),
            "cudnn": info.get("cudnn_version"),
            "hip": None,
            "source": "tensorflow",
        }

    def generator_kind(self, generator: object) -> str | None:
        import tensorflow as tf

        return "tensorflow.Generator" if isinstance(generator, tf.random.Generator) else None

    def generator_state(self, kind: str, generator: Any) -> State:
        return generator_state(generator)

    def set_generator_state(self, kind: str, generator: Any, state: Mapping[str, Any]) -> None:
        set_generator_state(generator, state)


def _context_started() -> bool:
    context = sys.modules.get("tensorflow.python.eager.context")
    if context is None:
        return False
    ctx = getattr(context, "_context", None)
    return ctx is not None and getattr(ctx, "_context_handle", None) is not None


def _op_determinism() -> bool | None:
    """Whether op determinism is on; None where this TensorFlow cannot say (never imports)."""
    config = sys.modules.get("tensorflow.python.framework.config")
    is_enabled = getattr(config, "is_op_determinism_enabled", None)
    return bool(is_enabled()) if callable(is_enabled) else None
