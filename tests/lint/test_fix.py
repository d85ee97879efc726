"""``seedlock lint --fix``: mechanical fixes only, shown as a diff or written; the fixed file
parses and re-lints clean of the fixed rules."""

from __future__ import annotations

import argparse
import ast
from pathlib import Path

import pytest

from seedlock.cli.lint import register
from seedlock.lint import fix_source, lint_source

SOURCE = """\
import glob
import os
from pathlib import Path

import numpy as np
import pandas as pd
import torch
from sklearn.ensemble import RandomForestClassifier
from sklearn.model_selection import train_test_split
from torch.utils.data import DataLoader

SEED = 1234
files = os.listdir("data")  # a comment stays
images = list(Path("imgs").rglob("*.jpg"))
a, b = train_test_split(x, y,)
model = RandomForestClassifier(
    n_estimators=10,
)
model.fit(a, b)
rng = np.random.default_rng()
loader = DataLoader(ds, shuffle=True)
rows = pd.read_csv("t.csv").sample(frac=0.1)
pairs = train_test_split(glob.glob("*.png"))
with os.scandir(".") as it:
    names = [e.name for e in it]
"""
FIXED = {"SL001", "SL004", "SL005", "SL007", "SL014"}


def _lint(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    parser = argparse.ArgumentParser()
    register(parser.add_subparsers())
    args = parser.parse_args(["lint", *argv])
    code = args.handler(args)
    out, err = capsys.readouterr()
    return code, out, err


def test_the_fixed_source_parses_and_relints_clean_but_for_what_cannot_be_fixed() -> None:
    fixed, count = fix_source(SOURCE)
    ast.parse(fixed)
    assert count == 9
    left = [(d.code, d.line) for d in lint_source(fixed)]
    assert left == [("SL001", 24)]  # os.scandir entries do not compare: left to a person
    assert 'files = sorted(os.listdir("data"))  # a comment stays' in fixed
    assert "list(sorted(Path(" in fixed
    assert "train_test_split(x, y, random_state=SEED)" in fixed
    assert "n_estimators=10, random_state=SEED\n)" in fixed
    assert "np.random.default_rng(SEED)" in fixed
    assert "generator=torch.Generator().manual_seed(SEED))" in fixed
    assert ".sample(frac=0.1, random_state=SEED)" in fixed
    assert 'train_test_split(sorted(glob.glob("*.png")), random_state=SEED)' in fixed


def test_fixing_only_inserts_text() -> None:
    fixed, _ = fix_source(SOURCE)
    # Every character of the original survives, in order.
    it = iter(fixed)
    assert all(char in it for char in SOURCE)


def test_without_a_seed_variable_only_listings_are_fixed() -> None:
    source = SOURCE.replace("SEED = 1234\n", "")
    fixed, count = fix_source(source)
    assert count == 3
    assert "random_state" not in fixed
    assert {d.code for d in lint_source(fixed)} == {"SL001", "SL004", "SL005", "SL007", "SL014"}


def test_noqa_and_deselected_rules_are_not_fixed() -> None:
    source = "import os\na = os.listdir('x')  # noqa: SL001\nb = os.listdir('y')\n"
    assert (
        fix_source(source)[0]
        == "import os\na = os.listdir('x')  # noqa: SL001\nb = sorted(os.listdir('y'))\n"
    )
    assert fix_source(source, enabled=frozenset({"SL007"})) == (source, 0)


def test_fix_shows_a_diff_and_changes_nothing_until_write(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "train.py"
    target.write_text(SOURCE)
    code, out, err = _lint(capsys, "--fix", "--isolated", str(target))
    assert code == 1
    assert out.startswith(f"--- a/{target.as_posix()}\n+++ b/{target.as_posix()}\n")
    assert '+files = sorted(os.listdir("data"))  # a comment stays' in out
    assert "9 fixable findings in 1 file" in err
    assert target.read_text() == SOURCE
    code, out, err = _lint(capsys, "--fix", "--write", "--isolated", str(target))
    assert code == 1  # the os.scandir finding is still there
    assert "fixed 9 findings in 1 file" in err
    assert target.read_text() == fix_source(SOURCE)[0]
    assert [line.split()[1] for line in out.splitlines()] == ["SL001"]
    code, out, _ = _lint(capsys, "--fix", "--isolated", str(target))
    assert (code, out) == (0, "")


def test_write_without_fix_is_a_usage_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "a.py").write_text("x = 1\n")
    code, _, err = _lint(capsys, "--write", str(tmp_path))
    assert code == 2
    assert "--fix" in err
