"""Which frameworks are loaded, what seedlock seeded, and the hook that seeds later imports.

Determinism contract: ``seed_everything`` seeds every loaded framework and leaves a
``sys.meta_path`` finder for the others; when one of them (numpy, torch, tensorflow, keras, cupy,
jax) finishes importing, the finder seeds it with the pending seed and applies the pending
deterministic/thread settings, and puts back any Python/NumPy draws the import itself made, so the
draws do not depend on import order. The hook never imports
anything itself and lets every error of the framework's own import through unchanged.
"""

from __future__ import annotations

import importlib.machinery
import importlib.util
import sys
import threading
from collections.abc import Mapping, Sequence

from seedlock._base.record import Frozen
from seedlock._errors import SeedlockError
from seedlock.frameworks._base import Change, Framework
from seedlock.frameworks.cupy import CuPy
from seedlock.frameworks.jax import Jax
from seedlock.frameworks.keras import Keras
from seedlock.frameworks.numpy import NumPy
from seedlock.frameworks.python import PythonRandom
from seedlock.frameworks.tensorflow import TensorFlow
from seedlock.frameworks.torch import Torch

# Not ``typing.TYPE_CHECKING``: the start-up hook imports this module in every child process.
TYPE_CHECKING = False
if TYPE_CHECKING:
    import logging
    from types import ModuleType
    from typing import Any

__all__ = [
    "FRAMEWORKS",
    "HookState",
    "Settings",
    "apply",
    "configure",
    "get",
    "hook_state",
    "install_hook",
    "loaded",
    "pending",
    "record_seeded",
    "seeded",
    "set_hook_state",
]


def _log() -> logging.Logger:
    # logging is imported on first use: the start-up hook of `seedlock run` loads this module in
    # every Python process of a run, and nearly all of them never log.
    import logging

    return logging.getLogger("seedlock")


#: Every RNG owner, in seeding order. Keras comes after TensorFlow (its backend) and after
#: Python, whose seeded stream rebuilds Keras' global SeedGenerator.
FRAMEWORKS: tuple[Framework, ...] = (
    PythonRandom(),
    NumPy(),
    Torch(),
    TensorFlow(),
    Keras(),
    CuPy(),
    Jax(),
)
_BY_NAME = {fw.name: fw for fw in FRAMEWORKS}
_PYTHON = _BY_NAME["python"]
_NUMPY = _BY_NAME["numpy"]
#: Frameworks that may be imported after seed_everything (Python's random always is loaded).
_HOOKABLE = {fw.module: fw for fw in FRAMEWORKS if fw.module != "random"}

_lock = threading.RLock()
_seeded: dict[str, int] = {}
_installed: dict[str, bool] = {}


class Settings(Frozen):
    """What seed_everything asked for, applied to each framework now or at its import."""

    __slots__ = ("seed", "deterministic", "warn_only", "threads")
    seed: int
    deterministic: bool
    warn_only: bool
    threads: int | None

    def __init__(
        self,
        seed: int,
        deterministic: bool = False,
        warn_only: bool = False,
        threads: int | None = None,
    ) -> None:
        self._init(seed=seed, deterministic=deterministic, warn_only=warn_only, threads=threads)


_settings: Settings | None = None
_pending: dict[str, Framework] = {}
#: NumPy's state right after the hook seeded it at its import. A framework whose import pulled
#: NumPy in (torch does) may draw from it afterwards; putting this back undoes those draws.
_numpy_seeded_state: dict[str, Any] | None = None


def get(name: str) -> Framework:
    """The adapter called ``name`` (``"python"``, ``"numpy"``, ``"torch"`` ...).

    Raises:
        SeedlockError: for an unknown name.

    Example:
        >>> get("numpy").module
        'numpy'
    """
    try:
        return _BY_NAME[name]
    except KeyError:
        raise SeedlockError(
            f"unknown framework {name!r}; seedlock knows {sorted(_BY_NAME)}."
        ) from None


def loaded() -> list[str]:
    """Names of the frameworks imported in this process (never imports any).

    Example:
        >>> "python" in loaded()
        True
    """
    return [fw.name for fw in FRAMEWORKS if fw.is_loaded()]


def seeded() -> dict[str, int]:
    """What seedlock seeded in this process: framework name -> the seed it was given.

    Example:
        >>> import seedlock
        >>> _ = seedlock.seed_everything(3)
        >>> seeded()["python"]
        3
    """
    with _lock:
        return dict(_seeded)


def pending() -> list[str]:
    """Frameworks that will be seeded when they are imported (installed, not yet loaded)."""
    with _lock:
        return [fw.name for fw in FRAMEWORKS if fw.module in _pending]


def _is_installed(module: str) -> bool:
    # Cached: a path scan per call would cost more than seeding itself.
    known = _installed.get(module)
    if known is None:
        try:
            known = importlib.util.find_spec(module) is not None
        except (ImportError, ValueError):
            known = False
        _installed[module] = known
    return known


def apply(framework: Framework, settings: Settings) -> list[Change]:
    """Seed ``framework``, record it, and apply the deterministic/thread settings to it.

    Returns:
        The determinism changes made (empty unless ``deterministic`` or ``threads``).
    """
    framework.seed(settings.seed)
    record_seeded({framework.name: settings.seed})
    return configure(framework, settings)


def record_seeded(seeds: Mapping[str, int]) -> None:
    """Remember that seedlock gave these frameworks these seeds (see :func:`seeded`)."""
    with _lock:
        _seeded.update(seeds)


def configure(framework: Framework, settings: Settings) -> list[Change]:
    """Apply the deterministic/thread settings of ``settings`` to ``framework`` (not its seed)."""
    changes: list[Change] = []
    if settings.deterministic:
        changes += framework.enable_determinism(warn_only=settings.warn_only)
    if settings.threads:
        changes += framework.pin_threads(settings.threads)
    return changes


def install_hook(settings: Settings, frameworks: Sequence[Framework]) -> list[str]:
    """Seed ``frameworks`` at their import with ``settings`` (replacing earlier settings).

    Returns:
        The names of the frameworks now waiting for their import.
    """
    global _settings
    with _lock:
        _settings = settings
        _pending.clear()
        for fw in frameworks:
            if fw.module in _HOOKABLE and not fw.is_loaded() and _is_installed(fw.module):
                _pending[fw.module] = fw
        if _pending:
            if _FINDER not in sys.meta_path:
                sys.meta_path.insert(0, _FINDER)
        elif _FINDER in sys.meta_path:
            sys.meta_path.remove(_FINDER)
        return [fw.name for fw in _pending.values()]


class HookState(Frozen):
    """What ``seed_everything`` left in the registry: settings for later imports, seeds used."""

    __slots__ = ("settings", "seeded", "numpy_state")
    settings: Settings | None
    seeded: dict[str, int]
    numpy_state: dict[str, Any] | None

    def __init__(
        self,
        settings: Settings | None,
        seeded: dict[str, int],
        numpy_state: dict[str, Any] | None,
    ) -> None:
        self._init(settings=settings, seeded=seeded, numpy_state=numpy_state)


def hook_state() -> HookState:
    """The registry's current settings, for :func:`set_hook_state` to put back (``isolate``)."""
    with _lock:
        return HookState(_settings, dict(_seeded), _numpy_seeded_state)


def set_hook_state(state: HookState) -> None:
    """Put back settings saved by :func:`hook_state`; frameworks still unimported wait again."""
    global _numpy_seeded_state
    with _lock:
        _seeded.clear()
        _seeded.update(state.seeded)
        _numpy_seeded_state = state.numpy_state
    if state.settings is None:
        _uninstall_hook()
        with _lock:
            _seeded.update(state.seeded)
    else:
        install_hook(state.settings, FRAMEWORKS)


def _uninstall_hook() -> None:
    """Forget pending settings and remove the finder (used by tests)."""
    global _settings, _numpy_seeded_state
    with _lock:
        _settings = None
        _numpy_seeded_state = None
        _pending.clear()
        _seeded.clear()
        if _FINDER in sys.meta_path:
            sys.meta_path.remove(_FINDER)


def _on_import(module: str) -> None:
    global _numpy_seeded_state
    with _lock:
        framework = _pending.pop(module, None)
        settings = _settings
        if not _pending and _FINDER in sys.meta_path:
            sys.meta_path.remove(_FINDER)
    if framework is None or settings is None:
        return
    try:
        changes = apply(framework, settings)
        if framework is _NUMPY:
            _numpy_seeded_state = _NUMPY.get_state()
    except Exception:
        # The user's import succeeded; failing it now would break code that never asked for us.
        _log().warning("seedlock could not seed %s at its import", framework.name, exc_info=True)
        return
    _log().info(
        "seedlock seeded %s at its import with %d%s",
        framework.name,
        settings.seed,
        "".join(f"; {c.target}={c.value}" for c in changes),
    )


class _SeededLoader:
    """Runs the real loader, then seeds the framework. Invisible to the framework itself.

    Plain classes, not ``importlib.abc`` subclasses: the import system only calls these methods,
    and ``importlib.abc`` would cost the start-up hook an import of ``importlib.resources``.
    """

    def __init__(self, inner: Any, module: str) -> None:
        self._inner = inner
        self._module = module

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> ModuleType | None:
        create = getattr(self._inner, "create_module", None)
        return None if create is None else create(spec)

    def exec_module(self, module: ModuleType) -> None:
        # The framework sees its real loader (importlib.resources, pkgutil, reload).
        spec = module.__spec__
        if spec is not None:
            spec.loader = self._inner
        module.__loader__ = self._inner
        # Some frameworks draw from Python's or NumPy's global RNG while importing; putting them
        # back keeps `seed_everything(); import x` drawing what `import x; seed_everything()` draws.
        # NumPy, when this import is what loads it, goes back to its state just after the hook
        # seeded it (_on_import records it), as if it had been seeded by seed_everything itself.
        python = _PYTHON.get_state()
        # NumPy's own module is in sys.modules, half-built, while it is the one importing.
        numpy_ready = self._module != _NUMPY.module and _NUMPY.is_loaded()
        numpy = _NUMPY.get_state() if numpy_ready else None
        numpy_seeded_before = _numpy_seeded_state
        try:
            self._inner.exec_module(module)
        finally:
            _PYTHON.set_state(python)
            if numpy is not None:
                _NUMPY.set_state(numpy)
            elif _numpy_seeded_state is not numpy_seeded_before and _numpy_seeded_state:
                _NUMPY.set_state(_numpy_seeded_state)
        _on_import(self._module)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)


class _SeedOnImport:
    """Finds specs through the other finders and wraps the loader of pending frameworks."""

    def __init__(self) -> None:
        self._busy = threading.local()

    def find_spec(
        self,
        fullname: str,
        path: Sequence[str] | None = None,
        target: ModuleType | None = None,
    ) -> importlib.machinery.ModuleSpec | None:
        spec: importlib.machinery.ModuleSpec | None
        if fullname not in _pending or fullname in sys.modules:
            return None
        if getattr(self._busy, "active", False):
            return None
        self._busy.active = True
        try:
            spec = None
            for finder in list(sys.meta_path):
                if finder is self:
                    continue
                find = getattr(finder, "find_spec", None)
                if find is None:
                    continue
                spec = find(fullname, path, target)
                if spec is not None:
                    break
        finally:
            self._busy.active = False
        if spec is None or spec.loader is None or not hasattr(spec.loader, "exec_module"):
            return spec
        spec.loader = _SeededLoader(spec.loader, fullname)  # type: ignore[assignment]
        return spec


_FINDER = _SeedOnImport()
