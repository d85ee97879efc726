"""The process's root seed, and saving and restoring it with ``$SEEDLOCK_SEED``.

``seed_everything`` records its root here; :func:`preserved` (a context manager) and the pair
:func:`save` / :func:`restore` put back both the recorded root and ``$SEEDLOCK_SEED`` as they
were, for code that seeds temporarily (``isolate``, in-process ``verify``, the pytest plugin).

Example:
    >>> before = get()
    >>> with preserved():
    ...     set_root(123)
    >>> get() == before
    True
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager

from seedlock._base import envvars

__all__ = ["Saved", "get", "preserved", "restore", "save", "set_root"]

_root: int | None = None

Saved = tuple[int | None, str | None]
"""What :func:`save` returns: the recorded root and the value of ``$SEEDLOCK_SEED``."""


def get() -> int | None:
    """The root recorded by the last ``seed_everything`` (``None`` if none).

    Example:
        >>> set_root(5); get()
        5
    """
    return _root


def set_root(seed: int | None) -> None:
    """Record the process's root seed (``seed_everything`` and :func:`restore` only)."""
    global _root
    _root = seed


def save() -> Saved:
    """The recorded root and ``$SEEDLOCK_SEED``, for :func:`restore`.

    Example:
        >>> restore(save())
    """
    return _root, os.environ.get(envvars.SEED)


def restore(saved: Saved) -> None:
    """Put back the root and ``$SEEDLOCK_SEED`` that :func:`save` returned."""
    root, env = saved
    set_root(root)
    if env is None:
        os.environ.pop(envvars.SEED, None)
    else:
        os.environ[envvars.SEED] = env


@contextmanager
def preserved() -> Iterator[None]:
    """Restore the root seed and ``$SEEDLOCK_SEED`` when the block ends, however it ends.

    Example:
        >>> with preserved():
        ...     pass
    """
    saved = save()
    try:
        yield
    finally:
        restore(saved)
