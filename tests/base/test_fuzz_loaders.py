"""Every loader of a user's file, fed arbitrary bytes and arbitrary JSON: a SeedlockError or a
value, never another exception (no RecursionError, ValueError, UnicodeDecodeError, pickle)."""

from __future__ import annotations

import contextlib
import json
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from seedlock._errors import SeedlockError


def _snapshot(path: Path) -> object:
    from seedlock.state import Snapshot

    return Snapshot.load(path)


def _fingerprint(path: Path) -> object:
    from seedlock.env import Fingerprint

    return Fingerprint.load(path)


def _spec(path: Path) -> object:
    from seedlock.sweep import load_spec

    return load_spec(path)


def _values_json(path: Path) -> object:
    from seedlock.report import load_values

    target = path.with_suffix(".json")
    path.rename(target)
    return load_values(target)


def _values_csv(path: Path) -> object:
    from seedlock.report import load_values

    target = path.with_suffix(".csv")
    path.rename(target)
    return load_values(target)


def _bundle(path: Path) -> object:
    from seedlock.reproduce import load_bundle

    return load_bundle(path)


def _store(path: Path) -> object:
    from seedlock.store import Store

    return Store(path).runs(limit=1)


LOADERS: dict[str, Callable[[Path], object]] = {
    "Snapshot.load": _snapshot,
    "Fingerprint.load": _fingerprint,
    "sweep spec": _spec,
    "compare/report JSON": _values_json,
    "compare/report CSV": _values_csv,
    "run file (export)": _bundle,
    "run store": _store,
}

_JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(10**30), max_value=10**30)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(
            st.sampled_from(
                [
                    "kind",
                    "format",
                    "version",
                    "seed",
                    "seeds",
                    "states",
                    "frameworks",
                    "run",
                    "name",
                    "command",
                    "metrics",
                    "threads",
                    "python",
                    "packages",
                    "acc",
                    "x",
                ]
            )
            | st.text(max_size=8),
            children,
            max_size=5,
        )
    ),
    max_leaves=20,
)


def _check(loader: Callable[[Path], object], data: bytes) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "input"
        path.write_bytes(data)
        with contextlib.suppress(SeedlockError):
            loader(path)


_FUZZ = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@pytest.mark.parametrize("name", sorted(LOADERS))
@_FUZZ
@given(data=st.binary(max_size=300))
def test_arbitrary_bytes_give_a_seedlock_error_or_a_value(name: str, data: bytes) -> None:
    _check(LOADERS[name], data)


@pytest.mark.parametrize("name", sorted(LOADERS))
@_FUZZ
@given(value=_JSON)
def test_arbitrary_json_gives_a_seedlock_error_or_a_value(name: str, value: Any) -> None:
    _check(LOADERS[name], json.dumps(value, allow_nan=True).encode())


@pytest.mark.parametrize("name", sorted(LOADERS))
@pytest.mark.parametrize(
    "data",
    [b"[" * 100_000 + b"]" * 100_000, b'{"seed": 1' + b"0" * 5000 + b"}", b"\xff\xfe\x00garbage"],
    ids=["deep", "huge-int", "not-utf8"],
)
def test_hostile_documents_give_a_seedlock_error(name: str, data: bytes) -> None:
    _check(LOADERS[name], data)
