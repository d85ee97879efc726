"""CuPy's per-device global ``RandomState``.

Determinism contract: ``seed(s)`` is ``cupy.random.seed(s)``. cuRAND does not expose its
generator state, so CuPy's state cannot be captured exactly: ``snapshot()`` leaves CuPy out
(``has_state`` is False) and says so; reseed instead.
"""

from __future__ import annotations

from collections.abc import Mapping

from seedlock._errors import StateError
from seedlock.frameworks._base import Framework, State

# Not ``typing.TYPE_CHECKING``: the start-up hook imports this module in every child process.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

__all__ = ["CuPy"]

_NO_STATE = (
    "CuPy's cuRAND generators cannot be read back, so their state cannot be saved or restored. "
    "Reseed with seedlock.seed_everything(...) or use a seeded cupy.random.Generator."
)


class CuPy(Framework):
    """``cupy.random``'s global generator on the current device."""

    name = "cupy"
    module = "cupy"
    has_state = False

    def seed(self, seed: int) -> None:
        import cupy

        cupy.random.seed(seed)

    def get_state(self) -> State:
        raise StateError(_NO_STATE)

    def set_state(self, state: Mapping[str, Any]) -> None:
        raise StateError(_NO_STATE)
