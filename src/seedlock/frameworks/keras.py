"""Keras 3's own seed state: its global seed and the global ``SeedGenerator``.

Determinism contract: ``seed(s)`` does what ``keras.utils.set_random_seed(s)`` does to Keras'
own state (record ``s``, drop the global ``SeedGenerator`` so it is rebuilt from the seeded Python
RNG), but never reseeds Python, NumPy or the backend: those have their own adapters, and
reseeding them when Keras is imported after ``seed_everything`` would rewind them mid-run.
"""

from __future__ import annotations

from collections.abc import Mapping

from seedlock._errors import StateError
from seedlock.frameworks._base import Framework, State, as_int_list

# Not ``typing.TYPE_CHECKING``: the start-up hook imports this module in every child process.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

__all__ = ["Keras"]

_SEED_ATTR = "global_random_seed"
_GENERATOR_ATTR = "global_seed_generator"


def _global_state() -> Any:
    """Keras 3's global-state module, or None for Keras 2 (which has no seed state of its own)."""
    try:
        from keras.src.backend.common import global_state
    except ImportError:
        return None
    return global_state


class Keras(Framework):
    """Keras 3's global seed and ``SeedGenerator`` (used by ``keras.random`` without a seed)."""

    name = "keras"
    module = "keras"

    def seed(self, seed: int) -> None:
        global_state = _global_state()
        if global_state is None:
            return
        global_state.set_global_attribute(_SEED_ATTR, seed)
        global_state.set_global_attribute(_GENERATOR_ATTR, None)

    def get_state(self) -> State:
        global_state = _global_state()
        if global_state is None:
            return {"seed": None, "generator": None}
        generator = global_state.get_global_attribute(_GENERATOR_ATTR)
        words = None
        if generator is not None:
            words = [int(v) for v in generator.state.numpy().tolist()]
        return {"seed": global_state.get_global_attribute(_SEED_ATTR), "generator": words}

    def set_state(self, state: Mapping[str, Any]) -> None:
        if not isinstance(state, Mapping) or "seed" not in state or "generator" not in state:
            raise StateError(
                "keras state must be a dict with 'seed' and 'generator'. The snapshot is corrupt."
            )
        seed = state["seed"]
        if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int)):
            raise StateError(f"keras state['seed'] must be an int or None, got {seed!r}.")
        words = None if state["generator"] is None else as_int_list(state["generator"])
        global_state = _global_state()
        if global_state is None:
            return
        global_state.set_global_attribute(_SEED_ATTR, seed)
        if words is None:
            global_state.set_global_attribute(_GENERATOR_ATTR, None)
            return
        from keras import ops
        from keras.random import SeedGenerator

        generator = global_state.get_global_attribute(_GENERATOR_ATTR)
        if generator is None:
            generator = SeedGenerator(seed=words[0])
            global_state.set_global_attribute(_GENERATOR_ATTR, generator)
        generator.state.assign(ops.convert_to_tensor(words, dtype=generator.state.dtype))
