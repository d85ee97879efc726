"""``[tool.seedlock.lint]`` settings read from the nearest ``pyproject.toml``.

Determinism contract: the configuration is a pure function of the files on disk: the nearest
``pyproject.toml`` above the starting directory, read with ``tomllib`` (or ``tomli`` on Python
3.10). Missing settings mean "every rule, nothing excluded".
"""

from __future__ import annotations

import sys
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from seedlock._errors import SeedlockError

__all__ = ["LintConfig", "find_pyproject", "load_config"]


@dataclass(frozen=True)
class LintConfig:
    """The lint settings of a project.

    Attributes:
        select: rule ids or prefixes to check (``None``: all rules).
        ignore: rule ids or prefixes to skip.
        exclude: glob patterns of files and directories to skip while walking directories,
            relative to ``root``.
        root: the directory holding the ``pyproject.toml`` (``None`` when there is none).
        entry_points: glob patterns (relative to ``root``) of the files a program starts from,
            for SL013; empty: every checked file with an ``if __name__ == "__main__":`` block.
        per_file_ignores: ``(glob, rule ids or prefixes)`` pairs: rules skipped in files whose
            path relative to ``root`` (or whose name) matches the glob.

    Example:
        >>> LintConfig(select=("SL001",)).select
        ('SL001',)
    """

    select: tuple[str, ...] | None = None
    ignore: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    root: Path | None = field(default=None, compare=False)
    entry_points: tuple[str, ...] = ()
    per_file_ignores: tuple[tuple[str, tuple[str, ...]], ...] = ()


def find_pyproject(start: Path) -> Path | None:
    """The nearest ``pyproject.toml`` in ``start`` or a parent directory, else ``None``.

    Example:
        >>> find_pyproject(Path("/")) is None or True
        True
    """
    directory = start.resolve()
    if not directory.is_dir():
        directory = directory.parent
    for candidate in (directory, *directory.parents):
        path = candidate / "pyproject.toml"
        if path.is_file():
            return path
    return None


def _read_toml(path: Path) -> dict[str, Any] | None:
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - exercised on Python 3.10 only
        try:
            import tomli as tomllib
        except ImportError:
            warnings.warn(
                f"seedlock lint: ignoring {path}: reading pyproject.toml on Python 3.10 needs "
                "the 'tomli' package; pip install tomli to use [tool.seedlock.lint]",
                stacklevel=3,
            )
            return None
    try:
        with path.open("rb") as handle:
            data: dict[str, Any] = tomllib.load(handle)
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise SeedlockError(
            f"cannot read {path}: {exc}. Fix the file or run seedlock lint with --isolated."
        ) from exc
    return data


def _strings(table: dict[str, Any], key: str, path: Path) -> tuple[str, ...] | None:
    value = table.get(key)
    if value is None:
        return None
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise SeedlockError(
            f"[tool.seedlock.lint] {key} in {path} must be a list of strings, got {value!r}. "
            f'Write e.g. {key} = ["SL001"].'
        )
    return tuple(value)


def load_config(start: Path) -> LintConfig:
    """Read ``[tool.seedlock.lint]`` from the nearest ``pyproject.toml`` above ``start``.

    Raises:
        SeedlockError: when the file is not valid TOML or a setting has the wrong type.

    Example:
        >>> isinstance(load_config(Path(".")), LintConfig)
        True
    """
    path = find_pyproject(start)
    if path is None:
        return LintConfig()
    data = _read_toml(path)
    if data is None:
        return LintConfig(root=path.parent)
    table: Any = data.get("tool", {})
    for key in ("seedlock", "lint"):
        table = table.get(key, {}) if isinstance(table, dict) else table
    if not isinstance(table, dict):
        raise SeedlockError(
            f"[tool.seedlock.lint] in {path} must be a table, got {table!r}. "
            'Write it as a section: [tool.seedlock.lint] then select = ["SL001"].'
        )
    unknown = sorted(set(table) - _SETTINGS)
    if unknown:
        raise SeedlockError(
            f"unknown [tool.seedlock.lint] setting(s) {unknown} in {path}; accepted are "
            f"{', '.join(sorted(_SETTINGS))}."
        )
    return LintConfig(
        select=_strings(table, "select", path),
        ignore=_strings(table, "ignore", path) or (),
        exclude=_strings(table, "exclude", path) or (),
        root=path.parent,
        entry_points=_strings(table, "entry-points", path) or (),
        per_file_ignores=_per_file_ignores(table, path),
    )


_SETTINGS = frozenset({"select", "ignore", "exclude", "entry-points", "per-file-ignores"})


def _per_file_ignores(table: dict[str, Any], path: Path) -> tuple[tuple[str, tuple[str, ...]], ...]:
    value = table.get("per-file-ignores")
    if value is None:
        return ()
    if not isinstance(value, dict):
        raise SeedlockError(
            f"[tool.seedlock.lint] per-file-ignores in {path} must be a table of glob = list of "
            f'rule ids, got {value!r}. Write e.g. per-file-ignores = {{"tests/*" = ["SL001"]}}.'
        )
    out = []
    for pattern, codes in sorted(value.items()):
        key = f"per-file-ignores {pattern!r}"
        found = _strings({key: codes}, key, path)
        out.append((pattern, found or ()))
    return tuple(out)
