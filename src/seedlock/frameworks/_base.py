"""The protocol every RNG owner (Python, NumPy, torch, TensorFlow, Keras, CuPy, JAX) implements.

Determinism contract: an adapter touches its framework only when the framework is already in
``sys.modules`` (``is_loaded`` never imports it, and this module does not import NumPy).
``seed(s)`` puts the framework's global RNGs in the state the framework's own seeding call gives,
and ``set_state(get_state())`` is exact: the draws after it equal the draws after the matching
``get_state``. Everything seedlock knows about a framework lives in its adapter: seeding, state,
generator types, deterministic switches, thread pinning, doctor checks and fingerprint fields.
"""

from __future__ import annotations

import numbers
import sys
from abc import ABC, abstractmethod
from collections.abc import Mapping

from seedlock._base.record import Frozen
from seedlock._errors import StateError

# Not ``typing.TYPE_CHECKING``: the start-up hook imports this module in every child process.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, TypeAlias

__all__ = [
    "FIX_DETERMINISTIC",
    "RUN_HINT",
    "Change",
    "Finding",
    "Framework",
    "State",
    "as_int_list",
    "require",
]

#: A framework's RNG state: a dict of ints, strs, lists, ``None`` and arrays only.
if TYPE_CHECKING:
    State: TypeAlias = dict[str, Any]
else:
    State = dict

#: How to set something before start-up, for notes on settings that came too late.
RUN_HINT = "`seedlock run --deterministic -- python ...` sets it before start-up"
#: The fix a doctor finding gives for a deterministic switch that is off.
FIX_DETERMINISTIC = (
    "call seedlock.seed_everything(SEED, deterministic=True), or launch with "
    "`seedlock run --seed SEED --deterministic -- python ...`"
)


class Change(Frozen):
    """One setting that deterministic mode or thread pinning applied.

    Attributes:
        target: what was set: ``"torch.use_deterministic_algorithms"``,
            ``"env:CUBLAS_WORKSPACE_CONFIG"``, ``"torch.set_num_threads"``...
        value: the value set, as text.
        effective: ``False`` when it came too late to take effect in this process.
        note: why it is not (fully) effective and what to do instead.

    Example:
        >>> Change("torch.set_num_threads", "1").to_dict()["effective"]
        True
    """

    __slots__ = ("target", "value", "effective", "note")
    target: str
    value: str
    effective: bool
    note: str

    def __init__(self, target: str, value: str, effective: bool = True, note: str = "") -> None:
        self._init(target=target, value=value, effective=effective, note=note)

    def to_dict(self) -> dict[str, object]:
        """A JSON-ready dict of the change."""
        return {
            "target": self.target,
            "value": self.value,
            "effective": self.effective,
            "note": self.note,
        }


class Finding(Frozen):
    """One reproducibility hazard found in the current process.

    Attributes:
        id: a stable identifier (``"hash-randomization"``), for scripts and ``--json`` output.
        severity: ``"error"``, ``"warning"`` or ``"info"``.
        title: one line saying what is wrong.
        detail: why it changes results.
        fix: the concrete command, call or variable that removes it.

    Example:
        >>> Finding("no-root-seed", "warning", "t", "d", "f").to_dict()["id"]
        'no-root-seed'
    """

    __slots__ = ("id", "severity", "title", "detail", "fix")
    id: str
    severity: str
    title: str
    detail: str
    fix: str

    def __init__(self, id: str, severity: str, title: str, detail: str, fix: str) -> None:  # noqa: A002
        self._init(id=id, severity=severity, title=title, detail=detail, fix=fix)

    def to_dict(self) -> dict[str, object]:
        """A JSON-ready dict of the finding."""
        return {
            "id": self.id,
            "severity": self.severity,
            "title": self.title,
            "detail": self.detail,
            "fix": self.fix,
        }


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

    #: Environment variables that size this framework's thread pools (set by thread pinning).
    thread_vars: tuple[str, ...] = ()
    #: Generator types :func:`seedlock.track` accepts for this framework, by kind name.
    generator_kinds: tuple[str, ...] = ()

    def deterministic_env(self, environ: Mapping[str, str]) -> dict[str, str]:
        """Environment variables this framework reads at start-up for deterministic mode.

        Args:
            environ: the current environment, whose values are kept or extended.
        """
        return {}

    def env_too_late(self, name: str, value: str) -> str:
        """Why setting variable ``name`` now no longer reaches this process ("" if it does)."""
        return ""

    def enable_determinism(self, *, warn_only: bool) -> list[Change]:
        """Switch on the framework's deterministic settings (it is loaded); the changes made."""
        return []

    def pin_threads(self, threads: int) -> list[Change]:
        """Pin the framework's intra-op thread pools in this process (it is loaded)."""
        return []

    def doctor(self) -> list[Finding]:
        """Reproducibility hazards in the framework's current settings (it is loaded)."""
        return []

    def fingerprint_threads(self) -> dict[str, Any]:
        """Thread counts to record in an environment fingerprint (it is loaded)."""
        return {}

    def fingerprint_flags(self) -> dict[str, Any]:
        """Determinism and precision flags to record in a fingerprint (it is loaded)."""
        return {}

    def fingerprint_cuda(self) -> dict[str, Any] | None:
        """CUDA/cuDNN/HIP versions the framework was built with (it is loaded), if it knows."""
        return None

    def fingerprint_gpus(self) -> list[dict[str, Any]] | None:
        """The GPUs the framework sees (it is loaded), when ``nvidia-smi`` cannot say."""
        return None

    def generator_kind(self, generator: object) -> str | None:
        """The kind name (one of :attr:`generator_kinds`) of ``generator``, or None."""
        return None

    def generator_state(self, kind: str, generator: Any) -> State:
        """The state of a generator of ``kind`` (see :meth:`generator_kind`)."""
        raise StateError(f"{self.name} has no generator kind {kind!r}.")

    def set_generator_state(self, kind: str, generator: Any, state: Mapping[str, Any]) -> None:
        """Put a :meth:`generator_state` dict back into ``generator``."""
        raise StateError(f"{self.name} has no generator kind {kind!r}.")

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
