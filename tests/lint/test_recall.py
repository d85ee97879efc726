"""Recall on a planted set: lines marked ``# expect: SLxxx`` in tests/lint/recall/*.py must be
reported (>= 90% of them) and no unmarked line may be (the negatives: sorted-later, seeded-later,
shadowed names, order-free uses ...)."""

from __future__ import annotations

import re
from pathlib import Path

from seedlock.lint import lint_source

RECALL = Path(__file__).parent / "recall"
_EXPECT = re.compile(r"#\s*expect:\s*(SL\d{3})")


def _planted() -> tuple[set[tuple[str, int, str]], set[tuple[str, int, str]]]:
    expected: set[tuple[str, int, str]] = set()
    found: set[tuple[str, int, str]] = set()
    for file in sorted(RECALL.glob("*.py")):
        text = file.read_text()
        for number, line in enumerate(text.splitlines(), 1):
            match = _EXPECT.search(line)
            if match:
                expected.add((file.name, number, match.group(1)))
        found |= {(file.name, d.line, d.code) for d in lint_source(text, file.name)}
    return expected, found


def test_the_planted_set_has_at_least_40_positive_cases_over_every_rule_family() -> None:
    expected, _ = _planted()
    assert len(expected) >= 40
    assert {code for _, _, code in expected} >= {f"SL{i:03d}" for i in range(1, 16)} - {"SL000"}


def test_recall_on_the_planted_set_is_at_least_90_percent() -> None:
    expected, found = _planted()
    missed = sorted(expected - found)
    assert (len(expected) - len(missed)) / len(expected) >= 0.9, missed


def test_no_unmarked_line_of_the_planted_set_is_reported() -> None:
    expected, found = _planted()
    assert sorted(found - expected) == []
