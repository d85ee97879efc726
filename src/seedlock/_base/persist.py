"""The persisted-file header and the one bounded, validating JSON reader.

Every file seedlock writes starts with the header ``{"kind": <str>, "format": <int>}``: ``kind``
says what the file is (``"seedlock-snapshot"``), ``format`` its version. Every loader reads
through :func:`read_json` (size, UTF-8, depth and integer-size limits, never a
``RecursionError``) and :func:`check_header` (kind, format, migration of older headers).

Example:
    >>> data = {**header("seedlock-demo", 1), "x": 3}
    >>> check_header(data, kind="seedlock-demo", current=1, what="a demo file")
    1
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, TypeGuard

from seedlock._base import limits
from seedlock._errors import SeedlockError, StateError

__all__ = [
    "check_header",
    "header",
    "jsonable",
    "loads",
    "loads_checked",
    "read_json",
    "read_text",
]


def header(kind: str, format: int) -> dict[str, Any]:  # noqa: A002 - the field's name
    """The header every persisted file starts with.

    Example:
        >>> header("seedlock-sweep", 2)
        {'kind': 'seedlock-sweep', 'format': 2}
    """
    return {"kind": kind, "format": format}


def jsonable(value: Any) -> Any:
    """``value`` with tuples as lists and NaN and infinities as ``None``, at any depth.

    Strict JSON has no NaN or infinity; results' ``to_dict`` methods pass their fields through
    this so that ``json.dumps(..., allow_nan=False)`` accepts them.

    Example:
        >>> jsonable({"mean": float("nan"), "ci": (0.5, float("inf")), "n": 3})
        {'mean': None, 'ci': [0.5, None], 'n': 3}
    """
    if isinstance(value, dict):
        return {k: jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def _int(text: str) -> int:
    digits = len(text.lstrip("-"))
    if digits > limits.MAX_JSON_INT_DIGITS:
        raise ValueError(
            f"an integer has {digits} digits (at most {limits.MAX_JSON_INT_DIGITS} are read)"
        )
    return int(text)


def _constant(text: str) -> float:
    raise ValueError(f"{text} is not JSON")


def _depth_ok(data: object) -> bool:
    stack: list[tuple[object, int]] = [(data, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, (list, dict)):
            if depth > limits.MAX_JSON_DEPTH:
                return False
            children = item.values() if isinstance(item, dict) else item
            stack.extend((c, depth + 1) for c in children if isinstance(c, (list, dict)))
    return True


def loads(text: str) -> Any:
    """Parse JSON text within the limits of :mod:`seedlock._base.limits`.

    Raises:
        ValueError: invalid JSON, an integer of more than ``MAX_JSON_INT_DIGITS`` digits, NaN or
            Infinity, or nesting deeper than ``MAX_JSON_DEPTH``. The message is one line.

    Example:
        >>> loads('{"a": [1, 2]}')
        {'a': [1, 2]}
    """
    try:
        data = json.loads(text, parse_int=_int, parse_constant=_constant)
    except RecursionError:
        raise ValueError(f"nested deeper than {limits.MAX_JSON_DEPTH} levels") from None
    except json.JSONDecodeError as exc:
        raise ValueError(f"not valid JSON ({exc})") from None
    if not _depth_ok(data):
        raise ValueError(f"nested deeper than {limits.MAX_JSON_DEPTH} levels")
    return data


def read_text(
    path: str | os.PathLike[str],
    *,
    what: str,
    error: Callable[[str], SeedlockError] = StateError,
    fix: str = "",
) -> str:
    """The UTF-8 text of the regular file ``path``, at most ``MAX_FILE_BYTES`` long.

    Raises:
        FileNotFoundError: there is no file (callers decide whether that is an error).
        SeedlockError: ``error`` for a directory, device, FIFO, oversized, unreadable or
            non-UTF-8 file.

    Example:
        >>> read_text("/nonexistent/x.json", what="a demo file")
        Traceback (most recent call last):
        ...
        FileNotFoundError: [Errno 2] No such file or directory: '/nonexistent/x.json'
    """
    target = Path(path)
    name = repr(str(target))
    tail = f" {fix}" if fix else ""
    try:
        # O_NONBLOCK: opening a FIFO must not wait for a writer.
        fd = os.open(target, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except FileNotFoundError:
        raise
    except OSError as exc:
        raise error(f"cannot read {what} {name}: {exc.strerror or exc}.{tail}") from None
    with os.fdopen(fd, "rb") as handle:
        if not os.path.isfile(target) or not _regular(handle.fileno()):
            raise error(f"{what} {name} is not a regular file.{tail}")
        try:
            raw = handle.read(limits.MAX_FILE_BYTES + 1)
        except OSError as exc:
            raise error(f"cannot read {what} {name}: {exc.strerror or exc}.{tail}") from None
    if len(raw) > limits.MAX_FILE_BYTES:
        raise error(
            f"{what} {name} is larger than {limits.MAX_FILE_BYTES // 2**20} MiB, the most "
            f"seedlock reads.{tail}"
        )
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        raise error(f"{what} {name} is not UTF-8 text.{tail}") from None


def _regular(fd: int) -> bool:
    import stat

    return stat.S_ISREG(os.fstat(fd).st_mode)


def read_json(
    path: str | os.PathLike[str],
    *,
    what: str,
    error: Callable[[str], SeedlockError] = StateError,
    fix: str = "",
) -> Any:
    """Read and parse the JSON file ``path`` within every limit.

    Raises:
        FileNotFoundError: there is no file.
        SeedlockError: ``error`` for an unreadable, oversized, non-UTF-8, invalid or too deep
            file, with ``what`` naming the file (``"snapshot file"``) and ``fix`` the remedy.

    Example:
        >>> import pathlib, tempfile
        >>> path = pathlib.Path(tempfile.mkdtemp(), "x.json")
        >>> _ = path.write_text("[" * 1000 + "]" * 1000)
        >>> read_json(path, what="demo file")  # doctest: +ELLIPSIS
        Traceback (most recent call last):
        ...
        seedlock._errors.StateError: demo file '...' is not usable: nested deeper than 64 levels.
    """
    text = read_text(path, what=what, error=error, fix=fix)
    try:
        return loads(text)
    except ValueError as exc:
        tail = f" {fix}" if fix else ""
        raise error(f"{what} {str(path)!r} is not usable: {exc}.{tail}") from None


def check_header(
    data: object,
    *,
    kind: str,
    current: int,
    what: str,
    legacy: Mapping[str, int] | None = None,
    unkinded: int = 0,
    error: Callable[[str], SeedlockError] = StateError,
    fix: str = "",
) -> int:
    """Validate the header of ``data`` and return its format (migrating older headers).

    Args:
        data: the parsed file.
        kind: the expected ``"kind"``.
        current: the newest format this seedlock reads and writes.
        what: the file's description for messages (``"a seedlock snapshot"``).
        legacy: older headers that carry no ``kind`` but a string ``"format"`` equal to a key of
            this mapping and an int ``"version"``; the value is the format that version-1 file
            maps to (``{"seedlock-sweep": 1}``).
        unkinded: the newest format written before files carried a ``kind``: a file with no
            ``kind`` and an int ``format`` up to this one is read as that format (``0``: none).
        error: the exception class to raise.
        fix: a sentence saying what to pass instead, added to a foreign or corrupt file's error.

    Raises:
        SeedlockError: ``error`` for a non-dict, a foreign kind, an invalid or a newer format.

    Example:
        >>> check_header({"format": "seedlock-sweep", "version": 1}, kind="seedlock-sweep",
        ...              current=2, what="a sweep file", legacy={"seedlock-sweep": 1})
        1
        >>> check_header({"format": 1}, kind="seedlock-fingerprint", current=1,
        ...              what="a fingerprint", unkinded=1)
        1
    """
    tail = f" {fix}" if fix else ""
    if not isinstance(data, Mapping):
        raise error(f"not {what}: a JSON object is expected, got {type(data).__name__}.{tail}")
    version = data.get("format")
    if legacy and "kind" not in data and isinstance(version, str) and version in legacy:
        old = data.get("version")
        if not _is_format(old):
            raise error(f"not {what}: its 'version' is {_short(old)}, expected an int >= 1.{tail}")
        version = legacy[version] + old - 1
    elif "kind" not in data and _is_format(version) and version <= unkinded:
        pass
    elif data.get("kind") != kind:
        raise error(f"not {what}: 'kind' is {_short(data.get('kind'))}, expected {kind!r}.{tail}")
    if not _is_format(version):
        raise error(f"{what} has the invalid format {_short(version)}; expected an int >= 1.{tail}")
    if version > current:
        raise error(
            f"{what} has format {version}, newer than this seedlock reads ({current}). "
            "Upgrade seedlock to read it."
        )
    return version


def loads_checked(
    text: str,
    *,
    kind: str,
    current: int,
    what: str,
    error: Callable[[str], SeedlockError] = StateError,
    fix: str = "",
) -> dict[str, Any]:
    """Parse JSON text with :func:`loads` and check its header with :func:`check_header`.

    Raises:
        SeedlockError: ``error`` for invalid or too deep JSON (``"<what> is not usable: ..."``)
            and for a foreign, corrupt or newer header.

    Example:
        >>> loads_checked('{"kind": "seedlock-demo", "format": 1}', kind="seedlock-demo",
        ...               current=1, what="a demo file")
        {'kind': 'seedlock-demo', 'format': 1}
    """
    try:
        data = loads(text)
    except ValueError as exc:
        tail = f" {fix}" if fix else ""
        raise error(f"{what} is not usable: {exc}.{tail}") from None
    check_header(data, kind=kind, current=current, what=what, error=error, fix=fix)
    return dict(data)


def _is_format(value: object) -> TypeGuard[int]:
    return not isinstance(value, bool) and isinstance(value, int) and value >= 1


def _short(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."
