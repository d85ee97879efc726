"""``seedlock.fingerprint()``: what it records, its persisted form, and what it never imports."""

from __future__ import annotations

import json
import os
import platform
import shutil
import subprocess
import sys
import types
from pathlib import Path

import numpy as np
import pytest

import seedlock
from seedlock import StateError
from seedlock.env import Fingerprint, fingerprint
from seedlock.env import _fingerprint as collector

FRAMEWORKS = ("torch", "tensorflow", "jax", "keras", "scipy", "matplotlib", "ray", "mlflow")


def test_fingerprint_records_python_platform_cpu_and_package_versions() -> None:
    fp = seedlock.fingerprint()
    assert fp.python["version"] == platform.python_version()
    assert fp.platform["machine"] == platform.machine()
    assert fp.cpu["count"] == os.cpu_count()
    assert fp.packages["numpy"] == np.__version__
    assert fp.packages["seedlock"] == seedlock.__version__
    assert isinstance(fp.flags["python.hash_seed_fixed"], bool)


def test_package_versions_agree_with_importlib_metadata() -> None:
    from importlib import metadata

    expected = {}
    for name in collector.PACKAGES:
        try:
            expected[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            continue
    assert fingerprint().packages == expected


def test_relevant_environment_variables_are_recorded_and_others_are_not(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("CUBLAS_WORKSPACE_CONFIG", ":4096:8")
    monkeypatch.setenv("SEEDLOCK_SEED", "42")
    monkeypatch.setenv("OMP_NUM_THREADS", "3")
    monkeypatch.setenv("UNRELATED_SECRET_TOKEN", "x")
    monkeypatch.delenv("MKL_NUM_THREADS", raising=False)
    fp = fingerprint()
    assert fp.env["CUBLAS_WORKSPACE_CONFIG"] == ":4096:8"
    assert fp.env["SEEDLOCK_SEED"] == "42"
    assert "UNRELATED_SECRET_TOKEN" not in fp.env
    assert fp.threads["OMP_NUM_THREADS"] == "3"
    assert fp.threads["MKL_NUM_THREADS"] is None


@pytest.mark.torch
def test_an_imported_torch_adds_its_flags_threads_and_cuda_versions() -> None:
    torch = pytest.importorskip("torch")
    fp = fingerprint()
    assert fp.flags["torch.deterministic_algorithms"] == (
        torch.are_deterministic_algorithms_enabled()
    )
    assert fp.flags["torch.cudnn.benchmark"] == torch.backends.cudnn.benchmark
    assert fp.threads["torch"] == torch.get_num_threads()
    assert fp.cuda["source"] == "torch"
    assert fp.cuda["cuda"] == torch.version.cuda


@pytest.mark.jax
def test_a_started_jax_backend_is_recorded() -> None:
    jax = pytest.importorskip("jax")
    jax.numpy.zeros(1).block_until_ready()
    assert "cpu" in fingerprint().flags["jax.backends"].split(",")


def test_gpus_are_read_from_nvidia_smi(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(
        collector,
        "_run",
        lambda argv, env=None: (
            "NVIDIA H100 80GB HBM3, 550.54.15, 81559 MiB\nNVIDIA H100, 550.54.15, 81559 MiB\n"
        ),
    )
    gpus = fingerprint().gpus
    assert gpus is not None
    assert gpus[0] == {
        "name": "NVIDIA H100 80GB HBM3",
        "driver": "550.54.15",
        "memory": "81559 MiB",
    }
    assert len(gpus) == 2


def test_gpus_are_unknown_without_nvidia_smi_or_torch_cuda(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(collector, "_run", lambda argv, env=None: None)
    fake_torch = types.SimpleNamespace(cuda=types.SimpleNamespace(is_available=lambda: False))
    monkeypatch.setitem(sys.modules, "torch", fake_torch)
    assert collector._gpus() is None


@pytest.mark.skipif(shutil.which("git") is None, reason="needs git")
def test_git_commit_and_dirty_state_of_the_working_directory(tmp_path: Path) -> None:
    assert fingerprint(tmp_path).git is None

    def git(*args: str) -> str:
        return subprocess.run(
            ["git", "-c", "user.name=t", "-c", "user.email=t@t", *args],
            cwd=tmp_path,
            check=True,
            capture_output=True,
            text=True,
        ).stdout.strip()

    git("init", "-q")
    (tmp_path / "train.py").write_text("print(1)\n")
    git("add", "train.py")
    git("commit", "-q", "-m", "first")
    git_state = fingerprint(tmp_path).git
    assert git_state is not None
    assert git_state["commit"] == git("rev-parse", "HEAD")
    assert git_state["dirty"] is False
    (tmp_path / "train.py").write_text("print(2)\n")
    assert fingerprint(tmp_path).git == {**git_state, "dirty": True}


# -- persisted form ----------------------------------------------------------------------------


def test_fingerprint_round_trips_through_dict_and_json_file(tmp_path: Path) -> None:
    fp = fingerprint()
    assert Fingerprint.from_dict(json.loads(json.dumps(fp.to_dict()))) == fp
    path = tmp_path / "env.json"
    fp.save(path)
    assert Fingerprint.load(path) == fp
    assert json.loads(path.read_text())["format"] == 1


def _valid() -> dict[str, object]:
    return fingerprint().to_dict()


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d.update(format=2), "newer than this seedlock reads"),
        (lambda d: d.update(format=0), "invalid format 0; expected an int >= 1"),
        (lambda d: d.pop("format"), "invalid format None"),
        (lambda d: d.update(format="1"), "invalid format '1'"),
        (lambda d: d.update(kind="seedlock-snapshot"), "not a seedlock fingerprint: 'kind' is"),
        (lambda d: (d.pop("kind"), d.pop("format")), "not a seedlock fingerprint"),
        (lambda d: d.pop("packages"), "section 'packages' must be a dict"),
        (lambda d: d.update(packages={"torch": ["2.1"]}), "values must be strings"),
        (lambda d: d.update(gpus={"name": "x"}), "'gpus' must be null or a list"),
        (lambda d: d.update(created=3), "'created' must be a str"),
    ],
)
def test_from_dict_rejects_corrupt_or_newer_fingerprints(change: object, message: str) -> None:
    data = _valid()
    change(data)  # type: ignore[operator]
    with pytest.raises(StateError, match=message):
        Fingerprint.from_dict(data)


def test_from_dict_rejects_a_non_dict() -> None:
    with pytest.raises(StateError, match="must be a dict, got list"):
        Fingerprint.from_dict([1, 2])


def test_load_gives_a_clear_error_for_missing_truncated_or_foreign_files(tmp_path: Path) -> None:
    with pytest.raises(StateError, match="cannot read fingerprint file"):
        Fingerprint.load(tmp_path / "missing.json")
    truncated = tmp_path / "truncated.json"
    truncated.write_text(json.dumps(_valid())[:50])
    with pytest.raises(StateError, match="not valid JSON"):
        Fingerprint.load(truncated)
    binary = tmp_path / "binary.json"
    binary.write_bytes(b"\x80\xff\x00")
    with pytest.raises(StateError, match="not UTF-8 text"):
        Fingerprint.load(binary)
    foreign = tmp_path / "foreign.json"
    foreign.write_text('{"name": "not a fingerprint"}')
    with pytest.raises(StateError, match="not a seedlock fingerprint"):
        Fingerprint.load(foreign)


# -- import cost -------------------------------------------------------------------------------


def test_import_doctor_and_fingerprint_import_no_framework() -> None:
    code = (
        "import sys, seedlock, seedlock.cli.env, seedlock.cli.doctor\n"
        "seedlock.doctor(); seedlock.fingerprint(); seedlock.fingerprint_diff("
        "seedlock.fingerprint(), seedlock.fingerprint())\n"
        f"print(sorted(m for m in {FRAMEWORKS!r} if m in sys.modules))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert out.strip() == "[]"


@pytest.mark.gpu
@pytest.mark.torch
def test_a_cuda_machine_records_its_gpus_and_cuda_version() -> None:
    torch = pytest.importorskip("torch")
    fp = fingerprint()
    assert fp.gpus is not None
    assert len(fp.gpus) >= torch.cuda.device_count() >= 1
    assert fp.cuda["cuda"] == torch.version.cuda
    assert fp.cuda["cudnn"] == str(torch.backends.cudnn.version())
