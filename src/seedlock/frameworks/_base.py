"""The protocol every RNG owner (Python, NumPy, torch, TensorFlow, Keras, CuPy, JAX) implements.

Determinism contract: an adapter touches its framework only when the framework is already in
``sys.modules`` (``is_loaded`` never imports it, and this module does not import NumPy).
``seed(s)`` puts the framework's global RNGs in the state the framework's own seeding call gives,
and ``set_state(get_state())`` is exact: the draws after it equal the draws after the matching
``get_state``.
"""

from __future__ import annotations

import numbers
import sys
from abc import ABC, abstractmethod
from collections.abc import Mapping
from typing import Any

from seedlock._errors import StateError

__all__ = ["Framework", "State", "as_int_list", "require"]

#: A framework's RNG state: a dict of ints, strs, lists, ``None`` and arrays only.
State = dict[str, Any]


class Framework(ABC):
    """One owner of global random state.

    Attributes:
        name: the name seedlock reports (``"torch"``).
        module: the top-level module whose presence in ``sys.modules`` means "loaded".

    Example:
        >>> from seedlock.frameworks import get
        >>> get("python").is_loaded()
        True
    """

    name: str
    module: str
    #: False where the framework's RNG state cannot be read back exactly (CuPy's cuRAND) or
    #: where there is no global state at all (JAX); snapshot() then leaves it out.
    has_state: bool = True

    def is_loaded(self) -> bool:
        """Whether the framework has been imported (never imports it)."""
        return self.module in sys.modules

    @abstractmethod
    def seed(self, seed: int) -> None:
        """Seed the framework's global RNGs with a 32-bit ``seed``."""

    @abstractmethod
    def get_state(self) -> State:
        """The framework's global RNG state as a JSON-able dict (arrays and tensors allowed)."""

    @abstractmethod
    def set_state(self, state: Mapping[str, Any]) -> None:
        """Put back a state returned by :meth:`get_state` (lists accepted for arrays)."""

    def __repr__(self) -> str:
        return f"<seedlock framework {self.name!r}>"


def require(state: Mapping[str, Any], key: str, kinds: type | tuple[type, ...], owner: str) -> Any:
    """``state[key]`` checked against ``kinds``; a clear StateError otherwise."""
    if not isinstance(state, Mapping):
        raise StateError(
            f"{owner} state must be a dict, got {type(state).__name__}. "
            "Pass the dict that snapshot() produced."
        )
    if key not in state:
        raise StateError(
            f"{owner} state lacks the key {key!r} (has {sorted(state)}). "
            "The snapshot is corrupt or was written by another program."
        )
    value = state[key]
    if isinstance(value, bool) or not isinstance(value, kinds):
        raise StateError(
            f"{owner} state[{key!r}] has type {type(value).__name__}, which is not accepted here. "
            "The snapshot is corrupt or was written by another program."
        )
    return value


def as_int_list(value: object) -> list[int]:
    """A list of Python ints from a list, tuple, NumPy array or torch tensor."""
    # An array exists only once NumPy is loaded; this never imports it.
    np = sys.modules.get("numpy")
    if np is not None and isinstance(value, np.ndarray):
        if not np.issubdtype(value.dtype, np.integer):
            raise StateError(
                f"expected integer words in an RNG state, got an array of {value.dtype}. "
                "The snapshot is corrupt."
            )
        words: list[int] = value.tolist()
        return words
    tolist = getattr(value, "tolist", None)
    if callable(tolist) and not isinstance(value, (list, tuple)):
        value = tolist()
    if not isinstance(value, (list, tuple)):
        raise StateError(
            f"expected a list of ints in an RNG state, got {type(value).__name__}. "
            "The snapshot is corrupt or was written by another program."
        )
    # One C-level pass for the common case; the slow loop only runs to name the bad item.
    if all(type(item) is int for item in value):
        return list(value)
    for item in value:
        if isinstance(item, bool) or not isinstance(item, numbers.Integral):
            raise StateError(
                f"expected a list of ints in an RNG state, found {item!r} "
                f"({type(item).__name__}). The snapshot is corrupt."
            )
    return [int(item) for item in value]
