"""Finding the files to lint and linting them.

Determinism contract: directories are walked in sorted order and findings are sorted by
(path, line, column, rule), so a lint run prints the same lines in the same order on every
machine and file system.
"""

from __future__ import annotations

import fnmatch
import gc
import os
import stat
import warnings
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from seedlock._errors import SeedlockError
from seedlock.lint._checker import Diagnostic, check_source, check_source_facts
from seedlock.lint._config import LintConfig, load_config
from seedlock.lint._program import ProgramFacts, program_findings
from seedlock.lint._rules import select_rules

__all__ = [
    "SKIPPED_DIRS",
    "FixedFile",
    "LintResult",
    "fix_paths",
    "iter_python_files",
    "lint_paths",
    "lint_source",
]

#: Directory names never entered while walking.
SKIPPED_DIRS = frozenset(
    {
        ".git",
        ".hg",
        ".svn",
        ".venv",
        "venv",
        ".tox",
        ".nox",
        "__pycache__",
        ".mypy_cache",
        ".pytest_cache",
        ".ruff_cache",
        "build",
        "dist",
        "node_modules",
        ".eggs",
    }
)


@dataclass(frozen=True)
class LintResult:
    """What a lint run found.

    Attributes:
        findings: every finding, sorted by path, line, column and rule.
        files: how many files were checked.
        lines: how many lines those files have.

    Example:
        >>> LintResult((), 0, 0).files
        0
    """

    findings: tuple[Diagnostic, ...]
    files: int
    lines: int


def lint_source(
    source: str | bytes,
    path: str = "<string>",
    *,
    select: Iterable[str] | None = None,
    ignore: Iterable[str] | None = None,
) -> list[Diagnostic]:
    """Lint one module's source text (never imported or run).

    Args:
        source: the module's text.
        path: the name findings are reported under.
        select: rule ids or prefixes to check (``None``: all).
        ignore: rule ids or prefixes to skip.

    Raises:
        SeedlockError: for an unknown rule id.

    Example:
        >>> [d.code for d in lint_source("import random\\nrandom.seed()\\n")]
        ['SL003']
    """
    return check_source(source, path, select_rules(select, ignore))


def _excluded(path: Path, root: Path | None, patterns: Sequence[str]) -> bool:
    if not patterns:
        return False
    try:
        relative = path.resolve().relative_to(root.resolve()) if root else path
    except ValueError:
        relative = path
    text = relative.as_posix()
    return any(
        fnmatch.fnmatch(text, pattern)
        or fnmatch.fnmatch(path.name, pattern)
        or text.startswith(pattern.rstrip("/") + "/")
        for pattern in patterns
    )


def iter_python_files(paths: Sequence[str | Path], config: LintConfig) -> Iterator[Path]:
    """The files to lint: given files as they are, ``*.py`` files under given directories.

    Directories are walked in sorted order, skipping :data:`SKIPPED_DIRS`, ``*.egg-info`` and
    ``exclude`` patterns.

    Raises:
        SeedlockError: when a path does not exist.

    Example:
        >>> next(iter_python_files([__file__], LintConfig())).name
        '_runner.py'
    """
    seen: set[Path] = set()
    for given in paths:
        path = Path(given)
        if path.is_file():
            found: Iterator[Path] = iter((path,))
        elif path.is_dir():
            found = _walk(path, config)
        else:
            raise SeedlockError(
                f"no such file or directory: {str(given)!r}. Pass Python files or directories "
                "that exist."
            )
        # Overlapping arguments (`pkg pkg/a.py`) must not lint, and report, a file twice.
        for file in found:
            try:
                key = file.resolve(strict=True)
            except (OSError, RuntimeError) as exc:  # a symlink loop is a RuntimeError before 3.13
                _skip(file, f"cannot resolve it ({exc})")
                continue
            if key not in seen:
                seen.add(key)
                yield file


def _walk(directory: Path, config: LintConfig) -> Iterator[Path]:
    for dirpath, dirnames, filenames in os.walk(directory):
        base = Path(dirpath)
        dirnames[:] = sorted(
            name
            for name in dirnames
            if name not in SKIPPED_DIRS
            and not name.endswith(".egg-info")
            and not _excluded(base / name, config.root, config.exclude)
        )
        for name in sorted(filenames):
            if name.endswith(".py"):
                file = base / name
                if not _excluded(file, config.root, config.exclude) and _regular(file):
                    yield file


def _regular(file: Path) -> bool:
    """Whether ``file`` is a regular file; a dangling or looping symlink is skipped with a
    warning, a FIFO, socket or device silently (reading one could block forever)."""
    try:
        mode = file.stat().st_mode
    except (OSError, RuntimeError) as exc:
        _skip(file, f"cannot follow it ({exc.__class__.__name__}: {exc})")
        return False
    return stat.S_ISREG(mode)


def _skip(file: Path, why: str) -> None:
    warnings.warn(f"seedlock lint: skipping {file}: {why}", stacklevel=4)


def lint_paths(
    paths: Sequence[str | Path],
    *,
    select: Iterable[str] | None = None,
    ignore: Iterable[str] | None = None,
    config: LintConfig | None = None,
) -> LintResult:
    """Lint files and directories.

    Args:
        paths: files and directories to check.
        select: rule ids or prefixes to check; replaces the configuration's ``select``.
        ignore: rule ids or prefixes to skip, added to the configuration's ``ignore``.
        config: settings to use; ``None`` reads ``[tool.seedlock.lint]`` from the nearest
            ``pyproject.toml`` above the first path.

    Raises:
        SeedlockError: for a missing path, an unknown rule id or a bad configuration.

    Example:
        >>> lint_paths([__file__]).files
        1
    """
    if config is None:
        config = load_config(Path(paths[0]) if paths else Path.cwd())
    chosen_select = list(select) if select is not None else config.select
    enabled = select_rules(chosen_select, [*config.ignore, *(ignore or ())])
    per_file = [(pattern, select_rules(None, codes)) for pattern, codes in config.per_file_ignores]
    program = "SL013" in enabled
    facts: dict[Path, ProgramFacts] = {}
    shown: dict[Path, str] = {}
    findings: list[Diagnostic] = []
    files = 0
    lines = 0
    # Syntax trees hold no reference cycles, so the cyclic collector only burns time on them.
    gc_was_enabled = gc.isenabled()
    gc.disable()
    try:
        for file in iter_python_files(paths, config):
            try:
                source = file.read_bytes()
            except OSError as exc:
                raise SeedlockError(f"cannot read {file}: {exc}. Check its permissions.") from exc
            files += 1
            lines += source.count(b"\n")
            file_enabled = _file_rules(file, config, enabled, per_file)
            if not program:
                findings.extend(check_source(source, str(file), file_enabled))
                continue
            found, fact = check_source_facts(source, str(file), file_enabled | {"SL013"})
            del source
            findings.extend(found)
            if fact is not None:
                key = file.resolve()
                facts[key] = fact if "SL013" in file_enabled else replace(fact, draws=())
                shown[key] = str(file)
    finally:
        if gc_was_enabled:
            gc.enable()
    if program:
        findings.extend(
            Diagnostic(path, line, column, "SL013", message)
            for path, line, column, message in program_findings(
                facts, shown, _entry_points(facts, config)
            )
        )
    findings.sort()
    return LintResult(tuple(findings), files, lines)


def _entry_points(facts: dict[Path, ProgramFacts], config: LintConfig) -> list[Path] | None:
    """The configured entry points among the checked files, or ``None`` (use ``__main__``)."""
    if not config.entry_points:
        return None
    return [path for path in facts if _excluded(path, config.root, config.entry_points)]


def _file_rules(
    file: Path,
    config: LintConfig,
    enabled: frozenset[str],
    per_file: list[tuple[str, frozenset[str]]],
) -> frozenset[str]:
    """``enabled`` less the rules ``per-file-ignores`` skips for ``file``."""
    for pattern, allowed in per_file:
        if _excluded(file, config.root, (pattern,)):
            enabled = enabled & allowed
    return enabled


@dataclass(frozen=True)
class FixedFile:
    """One file ``seedlock lint --fix`` would change.

    Attributes:
        path: the file.
        before: its text.
        after: its text with the fixes applied.
        fixes: how many findings were fixed.

    Example:
        >>> FixedFile(Path("a.py"), "x\\n", "x\\n", 0).fixes
        0
    """

    path: Path
    before: str
    after: str
    fixes: int


def fix_paths(
    paths: Sequence[str | Path],
    *,
    select: Iterable[str] | None = None,
    ignore: Iterable[str] | None = None,
    config: LintConfig | None = None,
    write: bool = False,
) -> list[FixedFile]:
    """Fix the mechanical findings (see ``seedlock.lint._fix``) of files and directories.

    Args:
        paths: files and directories.
        select: rule ids or prefixes to fix; replaces the configuration's ``select``.
        ignore: rule ids or prefixes to leave alone.
        config: settings; ``None`` reads ``[tool.seedlock.lint]``.
        write: write the fixed text back to the files (otherwise only return it).

    Raises:
        SeedlockError: for a missing path, an unknown rule id, a bad configuration, or a file
            that cannot be read or written.

    Example:
        >>> fix_paths([__file__])
        []
    """
    from seedlock.lint._fix import fix_source

    if config is None:
        config = load_config(Path(paths[0]) if paths else Path.cwd())
    chosen_select = list(select) if select is not None else config.select
    enabled = select_rules(chosen_select, [*config.ignore, *(ignore or ())])
    per_file = [(pattern, select_rules(None, codes)) for pattern, codes in config.per_file_ignores]
    out = []
    for file in iter_python_files(paths, config):
        try:
            data = file.read_bytes()
            before = data.decode("utf-8")
        except (OSError, UnicodeDecodeError):
            continue  # not UTF-8 (or unreadable): never rewritten
        after, fixes = fix_source(before, str(file), _file_rules(file, config, enabled, per_file))
        if not fixes:
            continue
        if write:
            try:
                with file.open("w", encoding="utf-8", newline="") as handle:
                    handle.write(after)
            except OSError as exc:
                raise SeedlockError(f"cannot write {file}: {exc}. Check its permissions.") from exc
        out.append(FixedFile(file, before, after, fixes))
    return out
