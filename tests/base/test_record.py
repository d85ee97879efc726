"""Frozen value classes: what ``@dataclass(frozen=True)`` gave, without importing dataclasses."""

from __future__ import annotations

import copy
import pickle

import pytest

from seedlock import SeedReport
from seedlock._base.record import Frozen
from seedlock.frameworks import Change, Finding, HookState, Settings


def test_a_report_has_the_fields_it_was_given_and_fresh_empty_defaults() -> None:
    one, two = SeedReport(1, "argument"), SeedReport(1, "argument")
    assert one.frameworks == {} and one.changes == [] and one.warnings == []
    assert one.frameworks is not two.frameworks and one.pending is not two.pending


def test_equal_fields_make_equal_values_and_a_different_class_never_does() -> None:
    assert Change("t", "1") == Change("t", "1", True, "")
    assert Change("t", "1") != Change("t", "1", effective=False)
    assert Settings(3) == Settings(3, False, False, None) != Settings(4)
    assert Finding("a", "b", "c", "d", "e") != ("a", "b", "c", "d", "e")
    assert hash(Change("t", "1")) == hash(Change("t", "1"))


def test_the_repr_names_every_field_like_a_dataclass() -> None:
    assert repr(Change("t", "1")) == "Change(target='t', value='1', effective=True, note='')"


def test_a_field_cannot_be_assigned_or_deleted() -> None:
    change = Change("t", "1")
    with pytest.raises(AttributeError, match="cannot assign to field 'value' of Change"):
        change.value = "2"  # type: ignore[misc]
    with pytest.raises(AttributeError, match="cannot delete field 'value'"):
        del change.value  # type: ignore[misc]
    with pytest.raises(AttributeError):
        change.other = 1  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    "value",
    [
        SeedReport(7, "env", {"python": 7}, {}, ["torch"], [Change("t", "1")], ["w"]),
        Finding("a", "warning", "t", "d", "f"),
        HookState(Settings(1, True), {"numpy": 1}, None),
    ],
)
def test_values_survive_pickling_and_copying(value: Frozen) -> None:
    assert pickle.loads(pickle.dumps(value)) == value
    assert copy.copy(value) == value and copy.deepcopy(value) == value
