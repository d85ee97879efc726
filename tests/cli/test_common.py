"""Shared CLI options: declared once, checked by argparse with the flag's name; the library names
parameters, never flags."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest

from seedlock import SeedlockError
from seedlock._verify import verify_command
from seedlock.cli import build_parser, main
from seedlock.store import Store

_FLAG = re.compile(r"(^|\s)(-n|--\w+)\b")


@pytest.mark.parametrize(
    ("argv", "flag"),
    [
        (["verify", "-n", "1", "--", "python", "-c", "pass"], "-n"),
        (["verify", "--jobs", "0", "--", "python", "-c", "pass"], "--jobs"),
        (["run", "--threads", "0", "--", "python", "-c", "pass"], "--threads"),
        (["sweep", "--name", "x", "--seeds", "0-1", "--jobs", "zero", "--", "true"], "--jobs"),
    ],
)
def test_a_bad_flag_value_is_a_usage_error_naming_the_flag(
    argv: list[str], flag: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exited:
        main(argv)
    assert exited.value.code == 2
    assert f"argument {flag}" in capsys.readouterr().err


def test_run_verify_and_sweep_share_one_declaration_of_each_option() -> None:
    parser = build_parser()
    subparsers = next(a for a in parser._actions if a.dest == "subcommand")
    choices = subparsers.choices  # type: ignore[attr-defined]
    for option in ("--deterministic", "--threads", "--store"):
        helps = {
            name: next(a.help for a in choices[name]._actions if option in a.option_strings)
            for name in ("run", "verify", "sweep")
        }
        assert len(set(helps.values())) == 1, (option, helps)
    for name in ("run", "sweep"):
        track = next(a for a in choices[name]._actions if "--track" in a.option_strings)
        assert tuple(track.choices) == ("mlflow", "comet", "wandb")


@pytest.mark.parametrize(
    "kwargs", [{"n": 1}, {"jobs": 0}, {"trace": True}, {"ignore": ["("]}, {"outputs": [".."]}]
)
def test_verify_command_errors_name_parameters_not_flags(kwargs: dict[str, object]) -> None:
    command = ["echo", "hi"] if kwargs.get("trace") else [sys.executable, "-c", "pass"]
    with pytest.raises(SeedlockError) as raised:
        verify_command(command, seed=1, **kwargs)  # type: ignore[arg-type]
    message = str(raised.value)
    assert not _FLAG.search(message), message
    assert next(iter(kwargs)) in message


def test_store_errors_name_no_flag(tmp_path: Path) -> None:
    with pytest.raises(SeedlockError) as raised:
        Store(tmp_path).runs()
    assert "--store" not in str(raised.value) and "$SEEDLOCK_STORE" in str(raised.value)
    bad = tmp_path / "not.db"
    bad.write_text("hello")
    with pytest.raises(SeedlockError) as raised:
        Store(bad).runs()
    assert "--store" not in str(raised.value)
