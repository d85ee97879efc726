"""The process's root seed and stream roots, saved and restored with their variables.

``seed_everything`` records its root (and the roots of streams given their own) here;
:func:`preserved` (a context manager) and the pair :func:`save` / :func:`restore` put back the
recorded roots, ``$SEEDLOCK_SEED`` and ``$SEEDLOCK_STREAMS`` as they were, for code that seeds
temporarily (``isolate``, in-process ``verify``, the pytest plugin).

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

__all__ = [
    "Saved",
    "get",
    "get_streams",
    "preserved",
    "restore",
    "save",
    "set_root",
    "set_streams",
]

_root: int | None = None
#: Stream roots set by ``seed_everything``; ``None`` means "read ``$SEEDLOCK_STREAMS``".
_streams: dict[str, int] | None = None

Saved = tuple[int | None, "dict[str, int] | None", str | None, str | None]
"""What :func:`save` returns: the recorded roots and ``$SEEDLOCK_SEED``/``$SEEDLOCK_STREAMS``."""


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


def get_streams() -> dict[str, int] | None:
    """The stream roots recorded by the last ``seed_everything`` (``None``: none recorded)."""
    return None if _streams is None else dict(_streams)


def set_streams(streams: dict[str, int] | None) -> None:
    """Record the process's stream roots (``seed_everything`` and :func:`restore` only)."""
    global _streams
    _streams = None if streams is None else dict(streams)


def save() -> Saved:
    """The recorded roots, ``$SEEDLOCK_SEED`` and ``$SEEDLOCK_STREAMS``, for :func:`restore`.

    Example:
        >>> restore(save())
    """
    return (
        _root,
        get_streams(),
        os.environ.get(envvars.SEED),
        os.environ.get(envvars.STREAMS),
    )


def restore(saved: Saved) -> None:
    """Put back the roots and variables that :func:`save` returned."""
    root, streams, env, streams_env = saved
    set_root(root)
    set_streams(streams)
    for var, text in ((envvars.SEED, env), (envvars.STREAMS, streams_env)):
        if text is None:
            os.environ.pop(var, None)
        else:
            os.environ[var] = text


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
