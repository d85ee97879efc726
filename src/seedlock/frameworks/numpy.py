"""NumPy's legacy global RNG (``np.random.seed`` / ``np.random.rand`` ...).

Determinism contract: ``seed(s)`` is ``np.random.seed(s)``; the state is the legacy
``RandomState``'s bit-generator state plus its cached Gaussian. ``Generator`` objects handed out
by ``np.random.default_rng()`` have no global state; use :func:`seedlock.numpy_rng` for those.
"""

from __future__ import annotations

import numbers
from collections.abc import Mapping

from seedlock._errors import StateError
from seedlock.frameworks._base import Change, Framework, State, as_int_list, require

# Not ``typing.TYPE_CHECKING``: the start-up hook imports this module in every child process.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    import numpy as np

__all__ = [
    "NumPy",
    "bit_generator_state",
    "legacy_state",
    "set_bit_generator_state",
    "set_legacy_state",
]

# Bit generators whose state holds an array (field, dtype, length); the others hold only ints
# and strs.
_ARRAY_FIELDS = {"MT19937": ("key", "uint32", 624), "SFC64": ("state", "uint64", 4)}
# What NumPy raises for a malformed state dict.
_BAD_STATE = (ValueError, TypeError, KeyError, OverflowError, IndexError)


def bit_generator_state(bit_generator: np.random.BitGenerator) -> State:
    """A BitGenerator's state as a dict (NumPy's own layout).

    Example:
        >>> import numpy as np
        >>> bg = np.random.PCG64(3)
        >>> bit_generator_state(bg)["bit_generator"]
        'PCG64'
    """
    return dict(bit_generator.state)


def _fix_arrays(state: Mapping[str, Any], owner: str) -> dict[str, Any]:
    """NumPy's layout again after a round trip through lists (JSON, torch.load)."""
    import numpy as np

    name = require(state, "bit_generator", str, owner)
    inner = require(state, "state", Mapping, owner)
    fixed: dict[str, Any] = dict(state)
    fixed_inner = dict(inner)
    field = _ARRAY_FIELDS.get(name)
    if field is not None:
        key, dtype, size = field
        raw = require(inner, key, (list, tuple, np.ndarray), owner)
        if isinstance(raw, np.ndarray) and raw.dtype == dtype and raw.shape == (size,):
            fixed["state"] = {**inner, key: raw}
            return fixed
        words = as_int_list(raw)
        if len(words) != size:
            raise StateError(
                f"{owner} {name} state[{key!r}] must hold {size} words, got {len(words)}. "
                "The snapshot is corrupt."
            )
        try:
            fixed_inner[key] = np.asarray(words, dtype)
        except OverflowError:
            raise StateError(
                f"{owner} {name} state[{key!r}] holds values outside {np.dtype(dtype).name}. "
                "The snapshot is corrupt."
            ) from None
    fixed["state"] = fixed_inner
    return fixed


def set_bit_generator_state(
    bit_generator: np.random.BitGenerator, state: Mapping[str, Any]
) -> None:
    """Put a :func:`bit_generator_state` dict back, checking the algorithm matches.

    Raises:
        StateError: when the state is for another bit generator or malformed.
    """
    name = require(state, "bit_generator", str, "numpy")
    own = type(bit_generator).__name__
    if name != own:
        raise StateError(
            f"the saved numpy state is for {name}, but this generator uses {own}. "
            "Restore into a generator with the same bit generator."
        )
    try:
        bit_generator.state = _fix_arrays(state, "numpy")
    except _BAD_STATE as exc:
        raise StateError(
            f"numpy {name} state cannot be applied: {exc}. The snapshot is corrupt."
        ) from exc


def legacy_state(random_state: np.random.RandomState) -> State:
    """A ``RandomState``'s state (bit generator and cached Gaussian) as a dict."""
    state: State = random_state.get_state(legacy=False)
    # The cached Gaussian is a float; a hex string keeps it exact through any serializer.
    state["gauss"] = float(state["gauss"]).hex()
    return state


def set_legacy_state(random_state: np.random.RandomState, state: Mapping[str, Any]) -> None:
    """Put a :func:`legacy_state` dict back into ``random_state``."""
    fixed = _fix_arrays(state, "numpy")
    fixed["has_gauss"] = int(require(state, "has_gauss", numbers.Integral, "numpy"))
    gauss = require(state, "gauss", str, "numpy")
    try:
        fixed["gauss"] = float.fromhex(gauss)
        random_state.set_state(fixed)
    except _BAD_STATE as exc:
        raise StateError(f"numpy state cannot be applied: {exc}. The snapshot is corrupt.") from exc


class NumPy(Framework):
    """The legacy global ``RandomState`` behind ``np.random.*``."""

    name = "numpy"
    module = "numpy"
    #: OpenMP, BLAS and NumExpr pools, which NumPy (and torch's CPU kernels) size at load time.
    thread_vars = (
        "OMP_NUM_THREADS",
        "MKL_NUM_THREADS",
        "OPENBLAS_NUM_THREADS",
        "VECLIB_MAXIMUM_THREADS",
        "NUMEXPR_NUM_THREADS",
    )
    generator_kinds = ("numpy.Generator", "numpy.BitGenerator", "numpy.RandomState")

    def seed(self, seed: int) -> None:
        import numpy as np

        np.random.seed(seed)

    def get_state(self) -> State:
        import numpy as np

        return legacy_state(np.random.mtrand._rand)

    def set_state(self, state: Mapping[str, Any]) -> None:
        import numpy as np

        set_legacy_state(np.random.mtrand._rand, state)

    def pin_threads(self, threads: int) -> list[Change]:
        try:
            from threadpoolctl import threadpool_limits
        except ImportError:
            return [
                Change(
                    "numpy BLAS threads",
                    str(threads),
                    effective=False,
                    note=(
                        "NumPy's BLAS thread pool is sized when it loads: install threadpoolctl, "
                        "or start with `seedlock run --threads N -- python ...`"
                    ),
                )
            ]
        # Not used as a context manager: the limit is meant to last for the rest of the process.
        threadpool_limits(limits=threads)
        return [Change("threadpoolctl.threadpool_limits", str(threads))]

    def generator_kind(self, generator: object) -> str | None:
        import numpy as np

        if isinstance(generator, np.random.Generator):
            return "numpy.Generator"
        if isinstance(generator, np.random.BitGenerator):
            return "numpy.BitGenerator"
        if isinstance(generator, np.random.RandomState):
            return "numpy.RandomState"
        return None

    def generator_state(self, kind: str, generator: Any) -> State:
        if kind == "numpy.Generator":
            return bit_generator_state(generator.bit_generator)
        if kind == "numpy.BitGenerator":
            return bit_generator_state(generator)
        return legacy_state(generator)

    def set_generator_state(self, kind: str, generator: Any, state: Mapping[str, Any]) -> None:
        if kind == "numpy.Generator":
            set_bit_generator_state(generator.bit_generator, state)
        elif kind == "numpy.BitGenerator":
            set_bit_generator_state(generator, state)
        else:
            set_legacy_state(generator, state)
