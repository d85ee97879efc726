"""Export a run, reproduce it from another checkout, and refuse hostile run files."""

from __future__ import annotations

import io
import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from seedlock.cli import main
from seedlock.reproduce import load_bundle, recipe
from seedlock.store import Store

_SCRIPT = """
import random
import seedlock
words = {"alpha", "beta", "gamma", "delta", "epsilon"}
data = [float(x) for x in open("data.txt").read().split()]
total = sum(v * random.random() for v in data) + sum(i * len(w) for i, w in enumerate(words))
print("total", total)
seedlock.log(total=total)
"""

_TORCH_SCRIPT = """
import torch
import seedlock
torch.set_num_threads(1)
data = [float(x) for x in open("data.txt").read().split()]
model = torch.nn.Sequential(torch.nn.Linear(4, 8), torch.nn.ReLU(), torch.nn.Linear(8, 1))
opt = torch.optim.SGD(model.parameters(), lr=0.05)
x = torch.tensor(data).reshape(-1, 4)
y = x.sum(1, keepdim=True)
for step in range(4):
    loss = ((model(x) - y) ** 2).mean()
    opt.zero_grad()
    loss.backward()
    opt.step()
seedlock.log(loss=loss.item())
"""


def _git(cwd: Path, *args: str) -> None:
    subprocess.run(
        ["git", "-c", "user.email=t@t", "-c", "user.name=t", *args],
        cwd=cwd,
        check=True,
        capture_output=True,
    )


def _checkout(root: Path, script: str) -> Path:
    origin = root / "origin"
    origin.mkdir()
    (origin / "train.py").write_text(script)
    (origin / "data.txt").write_text(" ".join(str(i / 10) for i in range(32)) + "\n")
    (origin / ".gitignore").write_text(".seedlock/\n")
    _git(origin, "init", "-q")
    _git(origin, "add", "-A")
    _git(origin, "commit", "-qm", "init")
    return origin


def _export(origin: Path, bundle: Path, monkeypatch: pytest.MonkeyPatch, *run_args: str) -> str:
    monkeypatch.chdir(origin)
    assert main(["run", "--seed", "11", *run_args, "--", sys.executable, "train.py"]) == 0
    record = Store().runs()[0]
    assert main(["export", record.id, "-o", str(bundle), "--input", "data.txt"]) == 0
    return record.id


def _clone(root: Path, origin: Path) -> Path:
    clone = root / "clone"
    _git(root, "clone", "-q", str(origin), str(clone))
    return clone


def test_a_run_exported_here_reproduces_bit_for_bit_in_a_fresh_clone(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    origin = _checkout(tmp_path, _SCRIPT)
    bundle = tmp_path / "run.seedlock"
    _export(origin, bundle, monkeypatch)
    loaded = load_bundle(bundle)
    assert loaded.command == ["python", "train.py"] and loaded.run["seed"] == 11
    assert loaded.env["SEEDLOCK_SEED"] == "11" and "PYTHONHASHSEED" in loaded.env
    assert set(loaded.inputs) == {"data.txt"} and loaded.git is not None
    assert any(line.startswith("numpy==") for line in loaded.packages)
    clone = _clone(tmp_path, origin)
    monkeypatch.chdir(clone)
    monkeypatch.setenv("PYTHONHASHSEED", "12345")  # the colleague's shell differs
    capsys.readouterr()
    assert main(["reproduce", str(bundle), "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["verdict"] == "bit-identical"
    assert [m for m in result["mismatches"] if m["impact"] == "high"] == []


def test_an_edited_input_is_the_top_difference_and_the_trace_names_the_batch(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    pytest.importorskip("torch")
    origin = _checkout(tmp_path, _TORCH_SCRIPT)
    bundle = tmp_path / "run.seedlock"
    _export(origin, bundle, monkeypatch, "--trace")
    assert load_bundle(bundle).trace
    clone = _clone(tmp_path, origin)
    monkeypatch.chdir(clone)
    (clone / "data.txt").write_text(" ".join(str(i / 9) for i in range(32)) + "\n")
    _git(clone, "commit", "-qam", "new data")  # the code is the colleague's own commit
    capsys.readouterr()
    assert main(["reproduce", str(bundle), "--check-only", "--json"]) == 0
    before = json.loads(capsys.readouterr().out)
    assert (before[0]["kind"], before[0]["key"]) == ("input", "data.txt")
    assert main(["reproduce", str(bundle), "--json"]) == 1
    result = json.loads(capsys.readouterr().out)
    assert result["verdict"] == "not-reproduced"
    assert result["divergence"]["step"] == 1 and result["divergence"]["kind"] == "input"
    # diff between the exported run and the new one uses both traces
    new_id = result["run_id"]
    assert main(["diff", str(bundle), new_id]) == 1
    assert "traces: first divergence at step 1 in the input batch" in capsys.readouterr().out


def _rewrite(bundle: Path, target: Path, edit: object) -> None:
    with zipfile.ZipFile(bundle) as zf:
        members = {name: zf.read(name) for name in zf.namelist()}
    data = json.loads(members["run.json"])
    edit(data)  # type: ignore[operator]
    members["run.json"] = json.dumps(data).encode()
    with zipfile.ZipFile(target, "w") as zf:
        for name, content in members.items():
            zf.writestr(name, content)


@pytest.mark.parametrize(
    ("label", "edit", "top_key"),
    [
        ("package", lambda d: d["fingerprint"]["packages"].update(numpy="1.0.0"), "packages.numpy"),
        ("threads", None, "threads.OMP_NUM_THREADS"),
    ],
)
def test_a_changed_package_or_thread_count_is_the_top_ranked_difference(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    label: str,
    edit: object,
    top_key: str,
) -> None:
    origin = _checkout(tmp_path, _SCRIPT)
    bundle = tmp_path / "run.seedlock"
    monkeypatch.setenv("OMP_NUM_THREADS", "1")
    _export(origin, bundle, monkeypatch)
    if edit is not None:
        _rewrite(bundle, bundle, edit)
    else:
        monkeypatch.setenv("OMP_NUM_THREADS", "3")
    clone = _clone(tmp_path, origin)
    monkeypatch.chdir(clone)
    capsys.readouterr()
    assert main(["reproduce", str(bundle), "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["mismatches"][0]["key"] == top_key, label
    assert result["mismatches"][0]["impact"] == "high"
    assert result["verdict"] == "bit-identical"  # this script does not depend on either


def test_the_recipe_names_the_commit_and_the_command(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    origin = _checkout(tmp_path, _SCRIPT)
    _export(origin, tmp_path / "run.seedlock", monkeypatch, "--stream", "data=4")
    record = Store().runs()[0]
    capsys.readouterr()
    assert main(["runs", "show", record.id, "--recipe"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[1].startswith("pip install seedlock")
    assert lines[2].startswith("git checkout ")
    assert lines[-1] == "seedlock run --seed 11 --stream data=4 -- python train.py"
    assert recipe(load_bundle(tmp_path / "run.seedlock")).splitlines()[-1] == lines[-1]


# Hostile files: a clear error, exit 2, nothing written outside the working directory.


def _valid(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    origin = _checkout(tmp_path, _SCRIPT)
    bundle = tmp_path / "run.seedlock"
    _export(origin, bundle, monkeypatch)
    return bundle


def _zip(path: Path, members: dict[str, bytes]) -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        for name, content in members.items():
            zf.writestr(name, content)
    path.write_bytes(buffer.getvalue())


def _deep(depth: int) -> bytes:
    return b'{"kind": "seedlock-run", "format": 1, "run": ' + b"[" * depth + b"]" * depth + b"}"


@pytest.mark.parametrize(
    ("case", "message"),
    [
        ("traversal-input", "not a path inside the working directory"),
        ("traversal-output", "not a path inside the working directory"),
        ("traversal-member", "unexpected member"),
        ("newer", "format 99"),
        ("deep", "not valid JSON|nested deeper"),
        ("huge-int", "not valid JSON|seed"),
        ("not-zip", "not a zip archive"),
        ("foreign", "not the seedlock run file .*'kind' is"),
        ("env", "never sets"),
    ],
)
def test_hostile_run_files_are_refused_with_exit_2_and_nothing_written(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    case: str,
    message: str,
) -> None:
    bundle = _valid(tmp_path, monkeypatch)
    bad = tmp_path / "bad.seedlock"
    if case == "traversal-input":
        _rewrite(bundle, bad, lambda d: d["inputs"].update({"../../etc/passwd": "0" * 64}))
    elif case == "traversal-output":
        _rewrite(bundle, bad, lambda d: d["run"]["outputs"].update({"/tmp/evil": "0"}))
    elif case == "traversal-member":
        _zip(bad, {"run.json": b"{}", "../evil.py": b"print(1)"})
    elif case == "newer":
        _rewrite(bundle, bad, lambda d: d.update(format=99))
    elif case == "deep":
        _zip(bad, {"run.json": _deep(100_000)})
    elif case == "huge-int":
        _zip(
            bad,
            {
                "run.json": b'{"kind": "seedlock-run", "format": 1, "run": {"seed": 1'
                + b"0" * 400
                + b"}}"
            },
        )
    elif case == "not-zip":
        bad.write_bytes(b"\x00" * 100)
    elif case == "foreign":
        _zip(bad, {"run.json": b'{"kind": "something-else", "format": 1}'})
    elif case == "env":
        _rewrite(bundle, bad, lambda d: d["env"].update(LD_PRELOAD="/tmp/x.so"))
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    before = sorted(p.name for p in tmp_path.iterdir())
    capsys.readouterr()
    assert main(["reproduce", str(bad)]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "Traceback" not in err
    import re

    assert re.search(message, err), err
    assert sorted(p.name for p in tmp_path.iterdir()) == before
    assert list(work.iterdir()) == []


def test_export_refuses_an_input_outside_the_working_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    origin = _checkout(tmp_path, _SCRIPT)
    monkeypatch.chdir(origin)
    assert main(["run", "--seed", "1", "--", sys.executable, "train.py"]) == 0
    record = Store().runs()[0]
    (tmp_path / "outside.txt").write_text("x")
    out = tmp_path / "run.seedlock"
    assert main(["export", record.id, "-o", str(out), "--input", "../outside.txt"]) == 2
    assert "outside the working directory" in capsys.readouterr().err
    assert not out.exists()
    shutil.rmtree(origin / ".seedlock")
    assert os.listdir(tmp_path)  # nothing else removed
