"""``seedlock env``: readable listing, JSON that loads back, ``--diff`` of two saved files."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import pytest

import seedlock
from seedlock import StateError
from seedlock.cli.env import register
from seedlock.env import Fingerprint


def _run(*argv: str) -> int:
    parser = argparse.ArgumentParser(prog="seedlock")
    register(parser.add_subparsers(dest="command"))
    args = parser.parse_args(["env", *argv])
    return int(args.handler(args))


def test_env_lists_every_section(capsys: pytest.CaptureFixture[str]) -> None:
    assert _run() == 0
    out = capsys.readouterr().out
    for section in ("[python]", "[platform]", "[cpu]", "[packages]", "[threads]", "[git]"):
        assert section in out
    assert "seedlock environment fingerprint (format 1" in out
    assert seedlock.__version__ in out


def test_env_json_loads_back_as_a_fingerprint(capsys: pytest.CaptureFixture[str]) -> None:
    assert _run("--json") == 0
    fp = Fingerprint.from_dict(json.loads(capsys.readouterr().out))
    assert fp.python == seedlock.fingerprint().python


def _save(path: Path, **packages: str) -> str:
    data = seedlock.fingerprint().to_dict()
    data["packages"].update(packages)
    path.write_text(json.dumps(data))
    return str(path)


def test_env_diff_ranks_differences_and_exits_1_on_a_high_impact_one(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    a = _save(tmp_path / "a.json", torch="2.1.0")
    b = _save(tmp_path / "b.json", torch="2.2.0")
    assert _run("--diff", a, b) == 1
    out = capsys.readouterr().out
    assert "1 difference (1 high)" in out
    assert "packages.torch" in out
    assert "2.1.0 -> 2.2.0" in out
    assert _run("--diff", a, b, "--json") == 1
    (item,) = json.loads(capsys.readouterr().out)
    assert (item["key"], item["impact"]) == ("packages.torch", "high")


def test_env_diff_of_identical_files_exits_0(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    a = _save(tmp_path / "a.json")
    assert _run("--diff", a, a) == 0
    assert "no differences" in capsys.readouterr().out


def test_env_diff_of_a_corrupt_file_is_a_clear_error(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text("{")
    with pytest.raises(StateError, match="not valid JSON"):
        _run("--diff", str(bad), str(bad))
