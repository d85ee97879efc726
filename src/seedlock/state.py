"""Capture and restore every RNG state: for checkpoints, exact resume and isolation.

Determinism contract: ``restore(snapshot())`` puts every loaded framework's global RNG and every
tracked generator back exactly, so the draws after a restore equal the draws after the snapshot.
The persisted form holds only ints, strs, lists and dicts (it loads with
``torch.load(..., weights_only=True)``) and is read by a validating loader, never by unpickling.
"""

from __future__ import annotations

import contextlib
import json
import numbers
import os
import sys
import tempfile
import threading
import warnings
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from seedlock._base import persist, rootseed
from seedlock._errors import SeedlockError, SeedlockTypeError, StateError
from seedlock.frameworks import FRAMEWORKS, Framework, HookState, get, hook_state, set_hook_state

__all__ = ["FORMAT", "Snapshot", "isolate", "restore", "snapshot", "track", "untrack"]

#: Version of the snapshot layout; loaders refuse newer versions.
FORMAT = 1
_KIND = "seedlock.snapshot"

_tracked: dict[str, Any] = {}
_tracked_lock = threading.Lock()


def _is_int_array(value: Any) -> bool:
    # A NumPy array exists only once NumPy is loaded; nothing here imports it.
    np = sys.modules.get("numpy")
    return (
        np is not None
        and isinstance(value, np.ndarray)
        and bool(np.issubdtype(value.dtype, np.integer))
    )


def _plain(value: Any, where: str) -> Any:
    """``value`` as ints, strs, lists, dicts and None only (JSON, torch weights_only)."""
    if value is None or isinstance(value, (str, int)):
        return int(value) if isinstance(value, bool) else value
    if isinstance(value, numbers.Integral):
        return int(value)
    if isinstance(value, Mapping):
        return {str(k): _plain(v, f"{where}.{k}") for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v, where) for v in value]
    if _is_int_array(value):
        return value.tolist()
    torch = sys.modules.get("torch")
    if torch is not None and isinstance(value, torch.Tensor) and not value.is_floating_point():
        return value.tolist()
    raise StateError(
        f"cannot store {type(value).__name__} at {where} in a snapshot; states hold ints, strs, "
        "lists and integer arrays only. This is a bug in a seedlock framework adapter."
    )


def _check_plain(value: Any, where: str) -> None:
    """Reject anything a snapshot cannot contain (floats, objects, ...)."""
    if value is None or isinstance(value, (str, int)):
        return
    if isinstance(value, Mapping):
        for key, item in value.items():
            if not isinstance(key, str):
                raise StateError(f"snapshot key {key!r} at {where} is not a str. Corrupt input.")
            _check_plain(item, f"{where}.{key}")
        return
    if isinstance(value, (list, tuple)):
        for item in value:
            _check_plain(item, where)
        return
    if _is_int_array(value):
        return
    torch = sys.modules.get("torch")
    if torch is not None and isinstance(value, torch.Tensor) and not value.is_floating_point():
        return
    raise StateError(
        f"a snapshot holds ints, strs, lists, dicts and integer arrays only, found "
        f"{type(value).__name__} at {where}. The input is corrupt or not a seedlock snapshot."
    )


@dataclass(frozen=True)
class Snapshot:
    """The RNG states of a process at one moment.

    Attributes:
        frameworks: framework name -> that framework's global RNG state.
        tracked: tracked name -> ``{"kind": ..., "state": ...}`` for generators given to
            :func:`track`.

    Example:
        >>> import random
        >>> snap = snapshot()
        >>> a = random.random()
        >>> restore(snap)
        >>> random.random() == a
        True
    """

    frameworks: dict[str, dict[str, Any]] = field(default_factory=dict)
    tracked: dict[str, dict[str, Any]] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """A versioned dict of ints, strs, lists and dicts only.

        It can sit inside a checkpoint and be read back with ``torch.load(...,
        weights_only=True)`` or JSON; rebuild with :meth:`from_dict`.
        """
        return {
            **persist.header(_KIND, FORMAT),
            "frameworks": _plain(self.frameworks, "frameworks"),
            "tracked": _plain(self.tracked, "tracked"),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Snapshot:
        """Rebuild a snapshot from :meth:`to_dict` output, validating it.

        Raises:
            StateError: for a foreign, corrupt or newer-version dict.
        """
        if not isinstance(data, Mapping):
            raise StateError(
                f"a snapshot dict is expected, got {type(data).__name__}. "
                "Pass the value of Snapshot.to_dict()."
            )
        persist.check_header(
            data,
            kind=_KIND,
            current=FORMAT,
            what="a seedlock snapshot",
            fix="Pass the value of Snapshot.to_dict() or a file written by Snapshot.save().",
        )
        frameworks = data.get("frameworks")
        tracked = data.get("tracked")
        if not isinstance(frameworks, Mapping) or not isinstance(tracked, Mapping):
            raise StateError(
                "a snapshot needs dicts 'frameworks' and 'tracked'. The input is corrupt."
            )
        _check_plain(frameworks, "frameworks")
        _check_plain(tracked, "tracked")
        for name, state in frameworks.items():
            if not isinstance(state, Mapping):
                raise StateError(f"snapshot frameworks[{name!r}] is not a dict. Corrupt input.")
        for name, entry in tracked.items():
            if (
                not isinstance(entry, Mapping)
                or not isinstance(entry.get("kind"), str)
                or not isinstance(entry.get("state"), Mapping)
            ):
                raise StateError(
                    f"snapshot tracked[{name!r}] must be a dict with a str 'kind' and a dict "
                    "'state'. Corrupt input."
                )
        return cls(
            {str(k): dict(v) for k, v in frameworks.items()},
            {str(k): {"kind": v["kind"], "state": dict(v["state"])} for k, v in tracked.items()},
        )

    def save(self, path: str | os.PathLike[str]) -> None:
        """Write the snapshot as versioned JSON, atomically (a crash leaves the old file).

        Example:
            >>> import tempfile, os
            >>> target = os.path.join(tempfile.mkdtemp(), "rng.json")
            >>> snapshot().save(target)
            >>> isinstance(Snapshot.load(target), Snapshot)
            True
        """
        target = Path(path)
        text = json.dumps(self.to_dict(), separators=(",", ":"))
        handle, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
        try:
            with os.fdopen(handle, "w", encoding="utf-8") as out:
                out.write(text)
                out.flush()
                os.fsync(out.fileno())
            os.replace(tmp, target)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> Snapshot:
        """Read a file written by :meth:`save`.

        Raises:
            StateError: for a missing, corrupt, truncated, foreign or newer-version file.
        """
        target = Path(path)
        try:
            text = target.read_text(encoding="utf-8")
        except FileNotFoundError:
            raise StateError(f"no snapshot file at {str(target)!r}. Check the path.") from None
        except (OSError, UnicodeDecodeError) as exc:
            raise StateError(f"cannot read the snapshot file {str(target)!r}: {exc}.") from exc
        try:
            data = persist.loads(text)
        except ValueError as exc:
            raise StateError(
                f"{str(target)!r} is not a seedlock snapshot: {exc}. The file is "
                "corrupt or truncated; use another checkpoint."
            ) from None
        try:
            return cls.from_dict(data)
        except StateError as exc:
            raise StateError(f"{str(target)!r}: {exc}") from None


def _generator_kind(generator: object) -> tuple[Framework, str] | None:
    """The adapter that owns ``generator`` and the generator's kind name."""
    for fw in FRAMEWORKS:
        if fw.generator_kinds and fw.is_loaded():
            kind = fw.generator_kind(generator)
            if kind is not None:
                return fw, kind
    return None


def track(name: str, generator: Any) -> None:
    """Include ``generator`` in every :func:`snapshot` under ``name`` (replacing an earlier one).

    Accepted: ``np.random.Generator``, ``BitGenerator``, ``RandomState``, ``random.Random``,
    ``torch.Generator``, ``tf.random.Generator``. seedlock keeps a reference until
    :func:`untrack`.

    Raises:
        SeedlockTypeError: for any other object or a non-str name.

    Example:
        >>> import seedlock
        >>> rng = seedlock.numpy_rng("augment", seed=1)
        >>> track("augment", rng)
        >>> "augment" in snapshot().tracked
        True
        >>> untrack("augment")
    """
    if not isinstance(name, str) or not name:
        raise SeedlockTypeError(
            f"track() needs a non-empty str name, got {name!r} ({type(name).__name__})."
        )
    if _generator_kind(generator) is None:
        raise SeedlockTypeError(
            f"track() accepts np.random.Generator, BitGenerator, RandomState, random.Random, "
            f"torch.Generator or tf.random.Generator, got {type(generator).__name__}."
        )
    with _tracked_lock:
        _tracked[name] = generator


def untrack(name: str) -> None:
    """Stop including the generator tracked as ``name``.

    Raises:
        SeedlockError: when nothing is tracked under ``name``.
    """
    with _tracked_lock:
        if name not in _tracked:
            raise SeedlockError(
                f"untrack({name!r}): no generator is tracked under that name; tracked: "
                f"{sorted(_tracked)}."
            )
        del _tracked[name]


def snapshot() -> Snapshot:
    """The RNG states of every loaded framework and every tracked generator.

    CuPy (cuRAND cannot be read back) and JAX (no global state) are not included, and neither
    is a framework not imported yet (NumPy included).

    Example:
        >>> import numpy as np
        >>> snap = snapshot()
        >>> "python" in snap.frameworks and "numpy" in snap.frameworks
        True
    """
    frameworks = {fw.name: fw.get_state() for fw in FRAMEWORKS if fw.has_state and fw.is_loaded()}
    with _tracked_lock:
        items = list(_tracked.items())
    tracked = {}
    for name, generator in items:
        owner = _generator_kind(generator)
        assert owner is not None
        fw, kind = owner
        tracked[name] = {"kind": kind, "state": fw.generator_state(kind, generator)}
    return Snapshot(frameworks, tracked)


def restore(snap: Snapshot | Mapping[str, Any], *, strict: bool = False) -> None:
    """Put back every RNG state in ``snap``.

    Args:
        snap: a :class:`Snapshot` or its :meth:`Snapshot.to_dict` form.
        strict: raise instead of warning when the snapshot names a framework that is not loaded
            here or a generator that is not tracked here.

    Raises:
        StateError: for a corrupt snapshot, a generator of another type under a tracked name,
            or (``strict=True``) anything that cannot be restored.

    Example:
        >>> import numpy as np
        >>> snap = snapshot()
        >>> a = np.random.rand()
        >>> restore(snap)
        >>> np.random.rand() == a
        True
    """
    if not isinstance(snap, Snapshot):
        snap = Snapshot.from_dict(snap)
    missing = []
    frameworks = []
    for name, state in snap.frameworks.items():
        try:
            framework = get(name)
        except SeedlockError:
            missing.append(f"{name} (unknown to this seedlock)")
            continue
        if framework.name == "numpy" and not framework.is_loaded():
            # NumPy is a dependency of seedlock, present wherever a snapshot of it was taken;
            # importing it here keeps the state for the program's later `import numpy`.
            import numpy  # noqa: F401
        if not framework.is_loaded():
            missing.append(f"{name} (not imported in this process)")
            continue
        frameworks.append((framework, state))
    with _tracked_lock:
        current = dict(_tracked)
    generators: list[tuple[Framework, str, Any, Mapping[str, Any]]] = []
    for name, entry in snap.tracked.items():
        generator = current.get(name)
        if generator is None:
            missing.append(f"tracked generator {name!r} (not tracked here; call track())")
            continue
        owner = _generator_kind(generator)
        kind = None if owner is None else owner[1]
        if owner is None or kind != entry["kind"]:
            raise StateError(
                f"the snapshot holds a {entry['kind']} state for {name!r}, but the generator "
                f"tracked under that name is a {kind}. Track a generator of the same type."
            )
        generators.append((owner[0], owner[1], generator, entry["state"]))
    if missing:
        text = "restore() could not put back: " + ", ".join(missing)
        if strict:
            raise StateError(text + ". Import/track them first, or pass strict=False.")
        warnings.warn(text + "; restored the rest.", RuntimeWarning, stacklevel=2)
    # All or nothing: a state that fails to apply half-way must not leave some RNGs restored and
    # others not, so the states as they are now are put back before the error propagates.
    before = snapshot()
    try:
        for framework, framework_state in frameworks:
            framework.set_state(framework_state)
        for adapter, kind, generator, generator_state in generators:
            adapter.set_generator_state(kind, generator, generator_state)
    except BaseException:
        _apply_all(before)
        raise


def _apply_all(snap: Snapshot) -> None:
    """Apply a snapshot taken in this process (its frameworks and generators are all present)."""
    for name, state in snap.frameworks.items():
        get(name).set_state(state)
    with _tracked_lock:
        current = dict(_tracked)
    for name, entry in snap.tracked.items():
        generator = current.get(name)
        owner = None if generator is None else _generator_kind(generator)
        if owner is not None:
            owner[0].set_generator_state(entry["kind"], generator, entry["state"])


class isolate(contextlib.ContextDecorator):
    """RNG use inside leaves no trace outside: a context manager and a decorator.

    On exit (also on an exception) every framework's global RNG, every tracked generator and the
    root seed are put back as they were on entry.

    Example:
        >>> import random
        >>> before = random.getstate()
        >>> with isolate():
        ...     _ = random.random()
        >>> random.getstate() == before
        True
    """

    def __init__(self) -> None:
        self._saved: list[tuple[Snapshot, rootseed.Saved, HookState]] = []

    def __enter__(self) -> isolate:
        saved = (snapshot(), rootseed.save(), hook_state())
        self._saved.append(saved)
        return self

    def __exit__(self, *exc: object) -> None:
        snap, seeds, hook = self._saved.pop()
        try:
            restore(snap)
        finally:
            # A seed_everything inside the block must not decide how frameworks imported after
            # it are seeded.
            set_hook_state(hook)
            rootseed.restore(seeds)
