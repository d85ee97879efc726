"""Python's global ``random`` module.

Determinism contract: ``seed(s)`` is ``random.seed(s)``; the state is the Mersenne Twister
words plus the cached Gaussian, so a restore continues the exact stream.
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from typing import Any

from seedlock._errors import StateError
from seedlock.frameworks._base import Framework, State, require

__all__ = ["PythonRandom", "random_state", "set_random_state"]


def random_state(rng: random.Random) -> State:
    """The state of a ``random.Random`` as a JSON-able dict.

    Example:
        >>> rng = random.Random(1)
        >>> state = random_state(rng)
        >>> first = rng.random()
        >>> set_random_state(rng, state)
        >>> rng.random() == first
        True
    """
    version, internal, gauss_next = rng.getstate()
    return {
        "version": version,
        "internal": internal,
        "gauss_next": None if gauss_next is None else float(gauss_next).hex(),
    }


def set_random_state(rng: random.Random, state: Mapping[str, Any]) -> None:
    """Put a :func:`random_state` dict back into ``rng``."""
    version = require(state, "version", int, "random")
    # random.setstate checks every word itself (type and range); no second pass here.
    internal = tuple(require(state, "internal", (list, tuple), "random"))
    gauss = state.get("gauss_next")
    if gauss is not None and not isinstance(gauss, str):
        raise StateError(
            f"random state['gauss_next'] must be None or a float.hex() str, got {gauss!r}. "
            "The snapshot is corrupt."
        )
    try:
        gauss_next = None if gauss is None else float.fromhex(gauss)
        rng.setstate((version, internal, gauss_next))
    except (ValueError, TypeError, OverflowError) as exc:
        raise StateError(
            f"random state cannot be applied: {exc}. The snapshot is corrupt."
        ) from exc


class PythonRandom(Framework):
    """The global ``random`` module (always loaded)."""

    name = "python"
    module = "random"

    def seed(self, seed: int) -> None:
        random.seed(seed)

    def get_state(self) -> State:
        return random_state(random._inst)

    def set_state(self, state: Mapping[str, Any]) -> None:
        set_random_state(random._inst, state)
