"""`seedlock lint` on files: noqa, pyproject settings, walking, output formats, exit codes."""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

import pytest

from seedlock.cli.lint import register
from seedlock.lint import LintConfig, lint_paths, load_config

LISTING = "import os\nnames = os.listdir('.')\n"
SEEDLESS = "import random\nrandom.seed()\n"


def _lint(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    parser = argparse.ArgumentParser()
    register(parser.add_subparsers())
    args = parser.parse_args(["lint", *argv])
    code = args.handler(args)
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "b.py").write_text(LISTING)
    (tmp_path / "pkg" / "a.py").write_text(SEEDLESS)
    (tmp_path / "pkg" / "notes.txt").write_text("os.listdir('.')\n")
    for skipped in (".venv", "build", "__pycache__", ".git"):
        (tmp_path / "pkg" / skipped).mkdir()
        (tmp_path / "pkg" / skipped / "c.py").write_text(LISTING)
    return tmp_path


def test_text_output_is_sorted_ruff_style_lines_and_exit_1(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = _lint(capsys, str(project / "pkg"))
    pkg = project / "pkg"
    assert code == 1
    assert out.splitlines() == [
        f"{pkg / 'a.py'}:2:1: SL003 random.seed() with no seed seeds from entropy, so every run "
        "draws different numbers; pass an explicit seed, or call seedlock.seed_everything(seed)",
        f"{pkg / 'b.py'}:2:9: SL001 os.listdir() returns files in file-system order, "
        "which differs between machines and file systems; wrap it in sorted(...)",
    ]
    assert "2 findings in 2 files" in err


def test_clean_code_exits_0(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "ok.py").write_text("import os\nnames = sorted(os.listdir('.'))\n")
    code, out, _ = _lint(capsys, str(tmp_path / "ok.py"))
    assert (code, out) == (0, "")


def test_a_file_named_twice_is_linted_once(tmp_path: Path) -> None:
    (tmp_path / "a.py").write_text(SEEDLESS)
    result = lint_paths([tmp_path, tmp_path / "a.py", str(tmp_path / "." / "a.py")])
    assert result.files == 1
    assert [d.code for d in result.findings] == ["SL003"]


def test_usage_errors_exit_2(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = _lint(capsys, str(project / "missing.py"))
    assert code == 2 and "no such file or directory" in err
    code, _, err = _lint(capsys, str(project), "--select", "SL042")
    assert code == 2 and "unknown rule id 'SL042'" in err


def test_noqa_silences_the_named_rule_or_all_rules_on_that_line(tmp_path: Path) -> None:
    source = (
        "import os, random\n"
        "a = os.listdir('.')  # noqa: SL001\n"
        "b = os.listdir('.')  # noqa\n"
        "c = os.listdir('.')  # noqa: SL003\n"
        "d = os.listdir('.')  # noqa:SL003,SL001\n"
        "random.seed()  # noqa: E501\n"
    )
    (tmp_path / "m.py").write_text(source)
    findings = lint_paths([tmp_path / "m.py"], config=LintConfig()).findings
    assert [(d.line, d.code) for d in findings] == [(4, "SL001"), (6, "SL003")]


def test_pyproject_select_ignore_and_exclude_apply(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (project / "pyproject.toml").write_text(
        '[tool.seedlock.lint]\nselect = ["SL00"]\nignore = ["SL003"]\nexclude = ["pkg/skip"]\n'
    )
    (project / "pkg" / "skip").mkdir()
    (project / "pkg" / "skip" / "d.py").write_text(LISTING)
    config = load_config(project / "pkg")
    assert config.select == ("SL00",) and config.ignore == ("SL003",)
    code, out, _ = _lint(capsys, str(project / "pkg"))
    assert code == 1
    assert [line.split(": ")[1].split()[0] for line in out.splitlines()] == ["SL001"]
    assert "skip" not in out
    code, out, _ = _lint(capsys, str(project / "pkg"), "--ignore", "SL001")
    assert (code, out) == (0, "")
    code, out, _ = _lint(capsys, str(project / "pkg"), "--isolated")
    assert out.count("SL00") == 3


def test_cli_select_replaces_the_configured_select(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (project / "pyproject.toml").write_text('[tool.seedlock.lint]\nselect = ["SL001"]\n')
    code, out, _ = _lint(capsys, str(project / "pkg"), "--select", "SL003")
    assert code == 1 and "SL003" in out and "SL001" not in out


def test_a_bad_setting_is_a_usage_error(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (project / "pyproject.toml").write_text('[tool.seedlock.lint]\nselect = "SL001"\n')
    code, _, err = _lint(capsys, str(project / "pkg"))
    assert code == 2 and "must be a list of strings" in err


@pytest.mark.parametrize("text", ["[tool]\nseedlock = 1\n", "[tool.seedlock]\nlint = 2\n"])
def test_a_seedlock_setting_that_is_not_a_table_is_a_usage_error(
    project: Path, capsys: pytest.CaptureFixture[str], text: str
) -> None:
    (project / "pyproject.toml").write_text(text)
    code, _, err = _lint(capsys, str(project / "pkg"))
    assert code == 2 and "must be a table" in err


def test_an_unparsable_file_is_reported_and_the_rest_is_checked(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "a.py").write_text("def broken(:\n")
    (tmp_path / "b.py").write_text(LISTING)
    code, out, _ = _lint(capsys, str(tmp_path))
    assert code == 1
    assert [line.split(": ")[1].split()[0] for line in out.splitlines()] == ["SL000", "SL001"]


def test_json_output_carries_a_format_version(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = _lint(capsys, str(project / "pkg"), "--format", "json")
    document = json.loads(out)
    assert code == 1
    assert document["format"] == 1 and document["files"] == 2
    assert [f["code"] for f in document["findings"]] == ["SL003", "SL001"]
    assert document["findings"][1]["line"] == 2 and document["findings"][1]["column"] == 9


def test_sarif_output_is_valid_sarif_2_1_0(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = _lint(capsys, str(project / "pkg"), "--format", "sarif")
    log = json.loads(out)
    assert code == 1 and log["version"] == "2.1.0"
    run = log["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    for result in run["results"]:
        assert rules[result["ruleIndex"]]["id"] == result["ruleId"]
        region = result["locations"][0]["physicalLocation"]["region"]
        assert region["startLine"] >= 1 and region["startColumn"] >= 1
        assert result["level"] in ("error", "warning", "note")
    assert {r["ruleId"] for r in run["results"]} == {"SL001", "SL003"}


def test_statistics_count_findings_per_rule(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (project / "pkg" / "e.py").write_text(LISTING + LISTING)
    _, out, _ = _lint(capsys, str(project / "pkg"), "--statistics")
    assert "    3  SL001  unsorted-listing" in out
    assert "    1  SL003  seed-without-value" in out


def test_list_rules_names_every_rule(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _lint(capsys, "--list-rules")
    assert code == 0
    ids = [f"SL{i:03d}" for i in range(16)] + ["SL101"]
    assert [line.split()[0] for line in out.splitlines()] == ids
    assert [line for line in out.splitlines() if "opt-in" in line] == [out.splitlines()[-1]]


def test_importing_the_linter_imports_no_framework() -> None:
    code = (
        "import sys, seedlock.lint, seedlock.cli.lint\n"
        "heavy = {'torch', 'tensorflow', 'jax', 'sklearn'} & set(sys.modules)\n"
        "assert not heavy, heavy\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


@pytest.mark.skipif(sys.platform == "win32", reason="symlinks and FIFOs")
def test_symlink_loops_and_dangling_links_warn_and_the_rest_is_checked(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import os

    (tmp_path / "ok.py").write_text("x = 1\n")
    (tmp_path / "a.py").symlink_to(tmp_path / "b.py")
    (tmp_path / "b.py").symlink_to(tmp_path / "a.py")
    (tmp_path / "gone.py").symlink_to(tmp_path / "missing.py")
    os.mkfifo(tmp_path / "fifo.py")  # reading it would block forever
    with pytest.warns(UserWarning, match="skipping") as caught:
        code, out, _ = _lint(capsys, str(tmp_path))
    assert (code, out) == (0, "")
    skipped = sorted(Path(str(w.message).split("skipping ")[1].split(":")[0]).name for w in caught)
    assert skipped == ["a.py", "b.py", "gone.py"]


def test_an_unknown_coding_cookie_is_sl000_at_column_1_in_sarif(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "bad.py").write_bytes(b"# coding: bogus-codec\nx = 1\n")
    code, out, _ = _lint(capsys, "--format", "sarif", str(tmp_path / "bad.py"))
    region = json.loads(out)["runs"][0]["results"][0]["locations"][0]["physicalLocation"]
    assert code == 1
    assert region["region"]["startColumn"] >= 1


def test_github_output_is_one_escaped_annotation_per_finding(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "a, b.py").write_text(LISTING)
    code, out, _ = _lint(capsys, "--output-format", "github", "--isolated", str(tmp_path))
    assert code == 1
    (line,) = out.splitlines()
    assert line.startswith("::warning title=seedlock (SL001),file=")
    assert "a%2C b.py,line=2,col=9::" in line
    assert line.endswith("; wrap it in sorted(...)")


def test_per_file_ignores_skip_rules_in_matching_files(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "pyproject.toml").write_text(
        '[tool.seedlock.lint]\nper-file-ignores = {"tests/*" = ["SL001"], "x.py" = ["SL00"]}\n'
    )
    (tmp_path / "tests").mkdir()
    (tmp_path / "tests" / "t.py").write_text(LISTING + SEEDLESS)
    (tmp_path / "x.py").write_text(LISTING)
    (tmp_path / "y.py").write_text(LISTING)
    code, out, _ = _lint(capsys, "--statistics", str(tmp_path))
    assert code == 1
    assert [line.split(":")[0].rsplit("/", 1)[-1] for line in out.splitlines()[:2]] == [
        "t.py",
        "y.py",
    ]
    assert "SL003" in out.splitlines()[0]
    assert "    1  SL001  unsorted-listing" in out


def test_a_bad_per_file_ignores_setting_is_a_usage_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "pyproject.toml").write_text(
        '[tool.seedlock.lint]\nper-file-ignores = {"tests/*" = "SL001"}\n'
    )
    (tmp_path / "a.py").write_text(LISTING)
    code, _, err = _lint(capsys, str(tmp_path))
    assert code == 2
    assert "per-file-ignores 'tests/*'" in err


def test_the_pre_commit_hook_definition_runs_seedlock_lint_on_python_files() -> None:
    yaml = pytest.importorskip("yaml")
    hooks = yaml.safe_load(
        (Path(__file__).resolve().parents[2] / ".pre-commit-hooks.yaml").read_text()
    )
    (hook,) = hooks
    assert hook["id"] == "seedlock-lint"
    assert hook["entry"] == "seedlock lint"
    assert hook["language"] == "python"
    assert hook["types"] == ["python"]
