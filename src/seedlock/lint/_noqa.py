"""``# noqa`` and ``# noqa: SLxxx`` comments.

Determinism contract: a finding is suppressed by a comment on its first or last line only.
"""

from __future__ import annotations

import re

__all__ = ["suppressed"]

_NOQA = re.compile(r"#\s*noqa(?::\s*(?P<codes>[A-Za-z]+[0-9]+(?:[\s,]+[A-Za-z]+[0-9]+)*))?", re.I)
_CODE = re.compile(r"[A-Za-z]+[0-9]+")


def suppressed(lines: list[str], first: int, last: int, code: str) -> bool:
    for number in {first, last}:
        if not 0 < number <= len(lines):
            continue
        text = lines[number - 1]
        if "#" not in text:
            continue
        match = _NOQA.search(text)
        if match is None:
            continue
        codes = match.group("codes")
        if codes is None or code in {c.upper() for c in _CODE.findall(codes)}:
            return True
    return False
