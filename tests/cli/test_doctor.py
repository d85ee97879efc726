"""``seedlock doctor``: readable checklist, JSON, exit status."""

from __future__ import annotations

import argparse
import json

import pytest

from seedlock import SeedlockError, _doctor
from seedlock._base import rootseed
from seedlock._doctor import Finding
from seedlock.cli.doctor import register


def _run(*argv: str) -> int:
    parser = argparse.ArgumentParser(prog="seedlock")
    register(parser.add_subparsers(dest="command"))
    args = parser.parse_args(["doctor", *argv])
    return int(args.handler(args))


_WARNING = Finding("no-root-seed", "warning", "no root seed set", "why", "seed_everything(1)")
_NOTE = Finding("threads-unpinned", "info", "threads unpinned", "why", "export OMP_NUM_THREADS=1")


def test_doctor_prints_each_finding_with_its_fix_and_exits_1_on_a_warning(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(_doctor, "doctor", lambda: [_WARNING, _NOTE])
    assert _run() == 1
    out = capsys.readouterr().out
    assert "1 warning, 1 note" in out
    assert "warning  no root seed set" in out
    assert "fix: export OMP_NUM_THREADS=1" in out


def test_doctor_exits_0_when_only_notes_or_nothing_is_found(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(_doctor, "doctor", lambda: [_NOTE])
    assert _run() == 0
    monkeypatch.setattr(_doctor, "doctor", lambda: [])
    assert _run() == 0
    assert "no reproducibility hazards found" in capsys.readouterr().out


def test_doctor_json_is_the_list_of_findings_of_this_process(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(rootseed, "_root", None)
    monkeypatch.delenv("SEEDLOCK_SEED", raising=False)
    code = _run("--json")
    data = json.loads(capsys.readouterr().out)
    expected = [f.id for f in _doctor.doctor() if f.id != "unseeded-frameworks"]
    assert [item["id"] for item in data] == expected
    assert "no-root-seed" in {item["id"] for item in data}
    assert code == 1


def test_doctor_with_an_unknown_module_is_a_usage_error() -> None:
    with pytest.raises(SeedlockError, match="--with no_such_module_xyz: cannot import it"):
        _run("--with", "no_such_module_xyz")


def test_doctor_does_not_report_its_own_process_as_unseeded(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    unseeded = Finding("unseeded-frameworks", "warning", "loaded but not seeded", "why", "fix")
    monkeypatch.setattr(_doctor, "doctor", lambda: [unseeded, _NOTE])
    assert _run() == 0
    assert "loaded but not seeded" not in capsys.readouterr().out
