"""Every persisted file starts with ``{"kind", "format"}``; files users already have still load.

Per file kind: what this seedlock writes carries the header, a file in the old header form loads,
and a foreign or newer file is refused with an error naming the file kind and the fix.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest

from seedlock._base import persist
from seedlock._errors import StateError
from seedlock.accelerate import SeedlockState
from seedlock.env import Fingerprint, fingerprint
from seedlock.launch._run import _read_json, _save_exit
from seedlock.state import Snapshot, snapshot
from seedlock.sweep._spec import SPEC_VERSION, SweepSpec, load_spec, save_spec


def test_a_header_names_the_kind_and_an_int_format() -> None:
    assert persist.header("seedlock-x", 3) == {"kind": "seedlock-x", "format": 3}


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ([], "not a demo file: a JSON object is expected, got list"),
        ({"kind": "other", "format": 1}, "'kind' is 'other', expected 'seedlock-demo'"),
        ({"format": 1}, "'kind' is None"),
        ({"kind": "seedlock-demo", "format": True}, "invalid format True"),
        (
            {"kind": "seedlock-demo", "format": 3},
            "format 3, newer than this seedlock reads \\(2\\)",
        ),
        ({"format": "seedlock-demo", "version": 0}, "'version' is 0"),
    ],
)
def test_check_header_refuses_foreign_corrupt_and_newer_headers(data: object, message: str) -> None:
    with pytest.raises(StateError, match=message) as caught:
        persist.check_header(
            data,
            kind="seedlock-demo",
            current=2,
            what="a demo file",
            legacy={"seedlock-demo": 1},
            fix="Write it again.",
        )
    fix = "Upgrade seedlock to read it." if "newer" in message else "Write it again."
    assert str(caught.value).endswith(fix)


def test_old_headers_map_to_their_format() -> None:
    legacy = {"seedlock-demo": 1}
    check = persist.check_header
    assert (
        check(
            {"format": "seedlock-demo", "version": 2},
            kind="seedlock-demo",
            current=2,
            what="x",
            legacy=legacy,
        )
        == 2
    )
    assert check({"format": 1}, kind="seedlock-demo", current=2, what="x", unkinded=1) == 1
    with pytest.raises(StateError, match="'kind' is None"):
        check({"format": 2}, kind="seedlock-demo", current=2, what="x", unkinded=1)


# -- snapshot ------------------------------------------------------------------------------


def test_a_snapshot_file_carries_the_header_and_its_format_1_form_loads(tmp_path: Path) -> None:
    path = tmp_path / "rng.json"
    snap = snapshot()
    snap.save(path)
    data = json.loads(path.read_text())
    assert (data["kind"], data["format"]) == ("seedlock.snapshot", 1)
    assert Snapshot.load(path).to_dict() == snap.to_dict()


@pytest.mark.parametrize(
    ("header", "message"),
    [
        ({"kind": "seedlock-fingerprint", "format": 1}, "not a seedlock snapshot: 'kind' is"),
        ({"kind": "seedlock.snapshot", "format": 2}, "format 2, newer than this seedlock"),
    ],
)
def test_a_foreign_or_newer_snapshot_file_is_refused(
    tmp_path: Path, header: dict[str, object], message: str
) -> None:
    path = tmp_path / "rng.json"
    path.write_text(json.dumps({**snapshot().to_dict(), **header}))
    with pytest.raises(StateError, match=message):
        Snapshot.load(path)


# -- sweep spec ----------------------------------------------------------------------------


def _spec() -> SweepSpec:
    return SweepSpec(name="s", command=["python", "t.py", "{seed}"], seeds=[1, 2], created=1.0)


@pytest.mark.parametrize("version", [1, 2])
def test_a_sweep_file_with_the_old_format_and_version_header_loads(
    tmp_path: Path, version: int
) -> None:
    data = {k: v for k, v in _spec().to_dict().items() if k not in ("kind", "format")}
    if version == 1:
        data = {k: v for k, v in data.items() if k not in ("vary", "design", "base_seed")}
    path = tmp_path / "s.json"
    path.write_text(json.dumps({"format": "seedlock-sweep", "version": version, **data}))
    assert load_spec(path) == _spec()


def test_a_sweep_file_is_written_with_the_header(tmp_path: Path) -> None:
    path = tmp_path / "s.json"
    save_spec(_spec(), path)
    data = json.loads(path.read_text())
    assert (data["kind"], data["format"]) == ("seedlock-sweep", SPEC_VERSION)
    assert "version" not in data and load_spec(path) == _spec()


@pytest.mark.parametrize(
    ("header", "message"),
    [
        ({"kind": "seedlock-snapshot", "format": 1}, "'kind' is 'seedlock-snapshot'.* Delete it"),
        ({"kind": "seedlock-sweep", "format": SPEC_VERSION + 1}, "newer .* Upgrade seedlock"),
    ],
)
def test_a_foreign_or_newer_sweep_file_is_refused_saying_what_to_do(
    tmp_path: Path, header: dict[str, object], message: str
) -> None:
    path = tmp_path / "s.json"
    path.write_text(json.dumps({**_spec().to_dict(), **header}))
    with pytest.raises(StateError, match=message):
        load_spec(path)


# -- fingerprint ---------------------------------------------------------------------------


def test_a_fingerprint_file_without_a_kind_still_loads(tmp_path: Path) -> None:
    fp = fingerprint()
    old = {k: v for k, v in fp.to_dict().items() if k != "kind"}
    path = tmp_path / "env.json"
    path.write_text(json.dumps(old))
    assert Fingerprint.load(path) == fp
    fp.save(path)
    assert json.loads(path.read_text())["kind"] == "seedlock-fingerprint"


@pytest.mark.parametrize(
    ("header", "message"),
    [
        ({"kind": "seedlock-sweep", "format": 1}, "not a seedlock fingerprint: 'kind' is"),
        ({"kind": "seedlock-fingerprint", "format": 2}, "newer than this seedlock reads"),
        ({"format": 2}, "'kind' is None"),
    ],
)
def test_a_foreign_or_newer_fingerprint_is_refused(header: dict[str, object], message: str) -> None:
    data = {k: v for k, v in fingerprint().to_dict().items() if k != "kind"}
    with pytest.raises(StateError, match=message):
        Fingerprint.from_dict({**data, **header})


# -- accelerate state ----------------------------------------------------------------------


def test_an_accelerate_state_carries_the_header_and_a_foreign_one_is_refused() -> None:
    state = SeedlockState(seed=4)
    saved = state.state_dict()
    data = json.loads(saved["seedlock"])
    assert (data["kind"], data["format"]) == ("seedlock.accelerate", 1)
    state.load_state_dict(saved)
    foreign = json.dumps({**data, "kind": "seedlock.transformers"})
    with pytest.raises(StateError, match="not a SeedlockState: 'kind' is 'seedlock.transformers'"):
        state.load_state_dict({"seedlock": foreign})


# -- run directory files -------------------------------------------------------------------


def test_run_files_written_before_the_header_still_read(tmp_path: Path) -> None:
    (tmp_path / "exit.json").write_text('{"exit_code": 3, "status": "failed", "ended": 2.0}')
    (tmp_path / "doctor.json").write_text('[{"id": "x"}]')
    fp = {k: v for k, v in fingerprint().to_dict().items() if k != "kind"}
    (tmp_path / "fingerprint.json").write_text(json.dumps(fp))
    assert _read_json(tmp_path / "exit.json") == {"exit_code": 3, "status": "failed", "ended": 2.0}
    assert _read_json(tmp_path / "doctor.json") == [{"id": "x"}]
    assert _read_json(tmp_path / "fingerprint.json") == fp


def test_the_exit_file_is_written_with_the_header_and_read_without_it(tmp_path: Path) -> None:
    (tmp_path / "exit.json").write_bytes(b"{}".ljust(512))
    _save_exit(tmp_path, {"exit_code": 0, "status": "finished", "ended": 5.0})
    data = json.loads((tmp_path / "exit.json").read_text())
    assert (data["kind"], data["format"]) == ("seedlock-exit", 1)
    assert _read_json(tmp_path / "exit.json") == {
        "exit_code": 0,
        "status": "finished",
        "ended": 5.0,
    }


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("exit.json", {"kind": "seedlock-exit", "format": 2, "exit_code": 0}),
        ("doctor.json", {"kind": "seedlock-snapshot", "format": 1, "findings": []}),
        ("fingerprint.json", {"kind": "seedlock-fingerprint", "format": 9}),
    ],
)
def test_a_foreign_or_newer_run_file_is_ignored_with_a_warning_naming_it(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, name: str, content: dict[str, object]
) -> None:
    (tmp_path / name).write_text(json.dumps(content))
    with caplog.at_level(logging.WARNING, logger="seedlock"):
        assert _read_json(tmp_path / name) is None
    assert name in caplog.text and "Ignoring it." in caplog.text
