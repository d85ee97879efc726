"""JAX: no global random state; keys come from :func:`seedlock.jax_key`.

Determinism contract: JAX randomness is explicit (keys passed to every call), so there is nothing
to seed or save. seed_everything lists JAX as handled because ``seedlock.jax_key(*path)`` gives
keys that are a pure function of the root seed and the path.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from seedlock.frameworks._base import Framework, State

__all__ = ["Jax"]


class Jax(Framework):
    """JAX, which keeps no global RNG state."""

    name = "jax"
    module = "jax"
    has_state = False

    def seed(self, seed: int) -> None:
        """Nothing to do: JAX keys are explicit (see :func:`seedlock.jax_key`)."""

    def get_state(self) -> State:
        return {}

    def set_state(self, state: Mapping[str, Any]) -> None:
        """Nothing to do: JAX has no global RNG state."""
