"""``seedlock lint --fix``: rewrite the mechanical cases, and nothing else.

Fixes (each only inserts text; nothing is removed or reordered):

- SL001: wrap ``os.listdir(...)``, ``glob.glob/iglob(...)``, ``Path.glob/rglob/iterdir(...)``
  in ``sorted(...)`` (not ``os.scandir``, whose entries do not compare, nor ``os.walk``).
- SL007, SL014: add ``random_state=<seed>``; SL015: add ``seed=<seed>``;
  SL004: pass ``<seed>`` to ``default_rng()`` / ``RandomState()`` / ``random.Random()``;
  SL005: add ``generator=torch.Generator().manual_seed(<seed>)`` — all only when the module
  already defines a seed variable (a module-level ``SEED`` / ``seed`` / ``RANDOM_STATE`` /
  ``random_seed`` ... assigned above the finding).

Determinism contract: a pure function of the source text and the enabled rules. A rewrite that
would not parse is dropped whole, so a fixed file always parses.
"""

from __future__ import annotations

import ast
import re
from typing import Any

__all__ = ["FIXABLE", "fix_source"]

#: Rules with a mechanical fix.
FIXABLE = frozenset({"SL001", "SL004", "SL005", "SL007", "SL014", "SL015"})
_SEED_NAME = re.compile(r"^(?:_?(?:global_|random_|rng_|base_)?seed|random_state|rand_seed)$", re.I)
_SORTABLE = frozenset({"os.listdir()", "glob.glob()", "glob.iglob()"})
_KEYWORD = {"SL007": "random_state", "SL014": "random_state", "SL015": "seed"}


def _seed_names(tree: ast.Module) -> list[tuple[int, str]]:
    """(line, name) of module-level assignments to a seed-like name."""
    out = []
    for statement in tree.body:
        targets: list[Any] = []
        if type(statement) is ast.Assign:
            targets = statement.targets
        elif type(statement) is ast.AnnAssign and statement.value is not None:
            targets = [statement.target]
        for target in targets:
            if type(target) is ast.Name and _SEED_NAME.match(target.id):
                out.append((statement.end_lineno or statement.lineno, target.id))
    return out


def _torch_name(aliases: dict[str, str]) -> str | None:
    return next((local for local, name in aliases.items() if name == "torch"), None)


def fix_source(
    source: str, path: str = "<string>", enabled: frozenset[str] | None = None
) -> tuple[str, int]:
    """The source with every mechanically fixable finding fixed, and how many were fixed.

    Example:
        >>> fix_source("import os\\nnames = os.listdir('d')\\n")
        ("import os\\nnames = sorted(os.listdir('d'))\\n", 1)
    """
    from seedlock.lint._checker import _Checker
    from seedlock.lint._noqa import suppressed
    from seedlock.lint._rules import RULES

    active = frozenset(RULES) if enabled is None else enabled
    try:
        tree = ast.parse(source, filename=path)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return source, 0
    checker = _Checker(source.encode("utf-8"), path, active & FIXABLE)
    checker.run(tree)
    lines = source.splitlines(keepends=True)
    plain = [line.rstrip("\r\n") for line in lines]
    seeds = _seed_names(tree)
    torch_name = _torch_name(checker.aliases)
    inserts: list[tuple[int, int, int, str]] = []  # (line, column, priority, text)
    fixed = 0
    seen: set[tuple[int, str]] = set()
    for node, code, message in checker.found:
        if (id(node), code) in seen or type(node) is not ast.Call:
            continue
        last = node.end_lineno or node.lineno
        if suppressed(plain, node.lineno, last, code):
            continue
        seed = next((name for line, name in reversed(seeds) if line < node.lineno), None)
        edit = _edit(node, code, message, seed, torch_name, plain)
        if edit:
            seen.add((id(node), code))
            inserts.extend(edit)
            fixed += 1
    if not fixed:
        return source, 0
    text = _apply(lines, inserts)
    try:
        ast.parse(text, filename=path)
    except (SyntaxError, ValueError):
        return source, 0
    return text, fixed


def _edit(
    node: Any,
    code: str,
    message: str,
    seed: str | None,
    torch_name: str | None,
    lines: list[str],
) -> list[tuple[int, int, int, str]]:
    end_line = node.end_lineno
    end_col = node.end_col_offset
    if code == "SL001":
        subject = message.split(" ", 1)[0]
        if subject not in _SORTABLE and not subject.startswith("Path."):
            return []
        return [
            (node.lineno, node.col_offset, 1, "sorted("),
            (end_line, end_col, 0, ")"),
        ]
    if seed is None:
        return []
    if code in _KEYWORD:
        return _add_argument(node, f"{_KEYWORD[code]}={seed}", lines)
    if code == "SL004":
        if node.args or node.keywords or message.startswith("torch."):
            return []
        return [(end_line, end_col - 1, 2, seed)]
    if code == "SL005" and torch_name is not None:
        return _add_argument(node, f"generator={torch_name}.Generator().manual_seed({seed})", lines)
    return []


def _add_argument(node: Any, text: str, lines: list[str]) -> list[tuple[int, int, int, str]]:
    """Insert ``text`` as the last argument, just before the call's closing parenthesis."""
    end_line = node.end_lineno
    close = node.end_col_offset - 1  # the ")" (a byte offset)
    arguments = [*node.args, *node.keywords]
    if not arguments:
        return [(end_line, close, 2, text)]
    last = max(arguments, key=lambda a: (a.end_lineno, a.end_col_offset))
    between = _slice(lines, last.end_lineno, last.end_col_offset, end_line, close)
    if "#" in between:
        return []  # a comment before the parenthesis: leave it to a person
    sep = " " if between.strip() == "," else ", "
    return [(last.end_lineno, last.end_col_offset + len(between.rstrip().encode()), 2, sep + text)]


def _slice(lines: list[str], line1: int, col1: int, line2: int, col2: int) -> str:
    if line1 == line2:
        return lines[line1 - 1].encode()[col1:col2].decode()
    parts = [lines[line1 - 1].encode()[col1:].decode()]
    parts += lines[line1 : line2 - 1]
    parts.append(lines[line2 - 1].encode()[:col2].decode())
    return "\n".join(parts)


def _apply(lines: list[str], inserts: list[tuple[int, int, int, str]]) -> str:
    by_line: dict[int, list[tuple[int, int, str]]] = {}
    for at, column, priority, text in inserts:
        by_line.setdefault(at, []).append((column, priority, text))
    out: list[str] = []
    for number, original in enumerate(lines, 1):
        edits = by_line.get(number)
        if not edits:
            out.append(original)
            continue
        data = original.encode()
        pieces = []
        previous = 0
        for column, _, text in sorted(edits):
            pieces.append(data[previous:column])
            pieces.append(text.encode())
            previous = column
        pieces.append(data[previous:])
        out.append(b"".join(pieces).decode())
    return "".join(out)
