"""The prefilter: which lines hold a word some rule reacts to.

Statements are walked one by one; the expressions of a statement are walked only when one of its
lines holds a trigger word (found with bytes.find, at C speed). A rule can only fire on an
expression that names its trigger, so this skips most of a file's nodes without changing what is
found (the tests compare against a walk of every line).

Determinism contract: pure functions of the source bytes.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

__all__ = ["candidate_lines", "word_lines"]


def word_lines(source: bytes, words: Iterable[bytes]) -> set[int]:
    """Line numbers holding any of ``words`` as a whole identifier."""
    positions = []
    for word in words:
        size = len(word)
        pos = source.find(word)
        while pos != -1:
            before = source[pos - 1 : pos] if pos else b" "
            after = source[pos + size : pos + size + 1]
            if not (before.isalnum() or before == b"_" or after.isalnum() or after == b"_"):
                positions.append(pos)
            pos = source.find(word, pos + size)
    return to_lines(source, positions)


def to_lines(source: bytes, positions: list[int]) -> set[int]:
    lines = set()
    line = 1
    previous = 0
    for pos in sorted(positions):
        line += source.count(b"\n", previous, pos)
        previous = pos
        lines.add(line)
    return lines


# A string followed by a comma or `for` right after `{` starts a set of strings (a dict would
# have a colon there).
_STR_SET_START = re.compile(rb"""\{\s*[rRuUfF]?(?:"[^"\n]*"|'[^'\n]*')\s*(?:,|for\b)""")


def candidate_lines(
    source: bytes,
    words: tuple[bytes, ...],
    library_words: tuple[tuple[bytes, tuple[bytes, ...]], ...] = (),
) -> set[int]:
    """Lines holding a trigger word; each ``(library, words)`` pair's words only count in a
    file that names that library (``sample`` matters only where pandas is imported)."""
    for library, extra in library_words:
        if library in source:
            words = words + extra
    lines = word_lines(source, words)
    lines.update(to_lines(source, [m.start() for m in _STR_SET_START.finditer(source)]))
    return lines
