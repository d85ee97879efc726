"""Inputs checked by the one validator: messages name the function, the parameter and the value."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

import seedlock
from seedlock._errors import SeedlockError, SeedlockTypeError
from seedlock._verify import trace
from seedlock.store import Store
from seedlock.sweep._sweep import run_sweep


def _store(tmp: Path) -> Store:
    return Store(tmp / "runs.db")


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (
            lambda tmp: seedlock.seed_everything(1, deterministic=1),
            SeedlockTypeError,
            r"seed_everything\(\): deterministic must be True or False, got 1\. Pass a bool\.",
        ),
        (
            lambda tmp: seedlock.seed_everything(1, warn_only="yes"),
            SeedlockTypeError,
            r"seed_everything\(\): warn_only must be True or False, got 'yes' \(str\)",
        ),
        (
            lambda tmp: seedlock.log(loss=1.0, step=2.0),
            SeedlockTypeError,
            r"seedlock\.log\(\): step must be an int or None, got 2\.0 \(float\)\. Pass int",
        ),
        (
            lambda tmp: seedlock.log(loss=1.0, step=True),
            SeedlockTypeError,
            r"seedlock\.log\(\): step must be an int or None, got True \(bool\)",
        ),
        (
            lambda tmp: _store(tmp).start_run(name=None, command=["x"], cwd="/", seed=-1),
            SeedlockError,
            r"Store\.start_run\(\): seed must be an int >= 0, got -1\.",
        ),
        (
            lambda tmp: trace.install(tmp / "t.jsonl", detail_step=0),
            SeedlockError,
            r"install\(\): detail_step must be an optimizer step >= 1, got 0\. Steps are counted",
        ),
        (
            lambda tmp: trace.install(tmp / "t.jsonl", detail_step="3"),
            SeedlockTypeError,
            r"install\(\): detail_step must be an optimizer step >= 1, got '3' \(str\)",
        ),
        (
            lambda tmp: run_sweep("s", ["true"], True, store=_store(tmp)),
            SeedlockTypeError,
            r"run_sweep\(\): seeds must be a count in \[1, \d+\] or a list of seeds, got True",
        ),
        (
            lambda tmp: run_sweep("s", ["true"], 0, store=_store(tmp)),
            SeedlockError,
            r"run_sweep\(\): seeds must be a count in \[1, \d+\] or a list of seeds, got 0\.",
        ),
        (
            lambda tmp: _store(tmp).runs(limit=-1),
            SeedlockError,
            r"Store\.iter_runs\(\): limit must be an int >= 0, got -1\.",
        ),
        (
            lambda tmp: _store(tmp).runs(limit=2.5),
            SeedlockTypeError,
            r"Store\.iter_runs\(\): limit must be an int >= 0, got 2\.5 \(float\)",
        ),
        (
            lambda tmp: _store(tmp).runs(status="done"),
            SeedlockError,
            r"Store\.iter_runs\(\): status must be one of 'running', .*got 'done' \(str\)",
        ),
        (
            lambda tmp: run_sweep("s", ["true"], 2, backend="slurm", store=_store(tmp)),
            SeedlockError,
            r"run_sweep\(\): backend must be one of 'local', 'ray', got 'slurm' \(str\)",
        ),
    ],
)
def test_a_bad_argument_names_the_function_the_parameter_and_the_value(
    tmp_path: Path, call: Callable[[Path], object], error: type[Exception], message: str
) -> None:
    with pytest.raises(error, match=message):
        call(tmp_path)
