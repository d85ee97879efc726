"""Deterministic mode, thread pinning, the hash-seed check and the doctor."""

from __future__ import annotations

import os
import subprocess
import sys
import types
from collections.abc import Iterator

import pytest

from seedlock import SeedlockError, _doctor
from seedlock._base import rootseed
from seedlock._doctor import SEVERITIES, Finding, doctor
from seedlock.determinism import (
    Change,
    deterministic_env,
    enable_env,
    enable_for,
    pin_threads,
    thread_env,
)
from seedlock.frameworks import python as python_adapter
from seedlock.frameworks import torch as torch_adapter


def _ids() -> set[str]:
    return {f.id for f in doctor()}


@pytest.fixture
def torch_settings() -> Iterator[types.ModuleType]:
    """torch, with its global determinism, TF32 and thread settings put back after the test."""
    torch = pytest.importorskip("torch")
    saved = (
        torch.are_deterministic_algorithms_enabled(),
        torch.is_deterministic_algorithms_warn_only_enabled(),
        torch.backends.cudnn.deterministic,
        torch.backends.cudnn.benchmark,
        torch.backends.cuda.matmul.allow_tf32,
        torch.backends.cudnn.allow_tf32,
        torch.get_float32_matmul_precision(),
        torch.get_num_threads(),
    )
    yield torch
    torch.use_deterministic_algorithms(saved[0], warn_only=saved[1])
    torch.backends.cudnn.deterministic = saved[2]
    torch.backends.cudnn.benchmark = saved[3]
    torch.backends.cuda.matmul.allow_tf32 = saved[4]
    torch.backends.cudnn.allow_tf32 = saved[5]
    torch.set_float32_matmul_precision(saved[6])
    torch.set_num_threads(saved[7])


# -- environment -------------------------------------------------------------------------------


def test_deterministic_env_has_the_cublas_tf_and_xla_settings(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("CUBLAS_WORKSPACE_CONFIG", raising=False)
    monkeypatch.delenv("XLA_FLAGS", raising=False)
    assert deterministic_env() == {
        "CUBLAS_WORKSPACE_CONFIG": ":4096:8",
        "TF_DETERMINISTIC_OPS": "1",
        "XLA_FLAGS": "--xla_gpu_deterministic_ops=true",
    }


def test_deterministic_env_keeps_existing_xla_flags_and_overrides_a_false_flag(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("XLA_FLAGS", "--xla_dump_to=/tmp/x --xla_gpu_deterministic_ops=false")
    assert deterministic_env()["XLA_FLAGS"] == (
        "--xla_dump_to=/tmp/x --xla_gpu_deterministic_ops=true"
    )


def test_deterministic_env_keeps_the_other_valid_cublas_workspace(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("CUBLAS_WORKSPACE_CONFIG", ":16:8")
    assert deterministic_env()["CUBLAS_WORKSPACE_CONFIG"] == ":16:8"
    monkeypatch.setenv("CUBLAS_WORKSPACE_CONFIG", ":0:0")
    assert deterministic_env()["CUBLAS_WORKSPACE_CONFIG"] == ":4096:8"


def test_enable_env_sets_os_environ_and_reports_each_variable(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("TF_DETERMINISTIC_OPS", raising=False)
    changes = enable_env()
    assert {c.target for c in changes} == {
        "env:CUBLAS_WORKSPACE_CONFIG",
        "env:TF_DETERMINISTIC_OPS",
        "env:XLA_FLAGS",
    }
    for change in changes:
        assert os.environ[change.target.removeprefix("env:")] == change.value


def test_cublas_variable_is_reported_too_late_once_torch_cuda_is_initialised(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    fake_torch = types.SimpleNamespace(cuda=types.SimpleNamespace(is_initialized=lambda: True))
    monkeypatch.setitem(sys.modules, "torch", fake_torch)
    monkeypatch.delenv("CUBLAS_WORKSPACE_CONFIG", raising=False)
    by_target = {c.target: c for c in enable_env()}
    cublas = by_target["env:CUBLAS_WORKSPACE_CONFIG"]
    assert not cublas.effective
    assert "seedlock run --deterministic" in cublas.note
    assert os.environ["CUBLAS_WORKSPACE_CONFIG"] == ":4096:8"


def test_xla_flags_are_reported_too_late_once_a_jax_backend_exists(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    bridge = types.ModuleType("jax._src.xla_bridge")
    bridge._backends = {"cpu": object()}  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "jax._src.xla_bridge", bridge)
    monkeypatch.delenv("XLA_FLAGS", raising=False)
    by_target = {c.target: c for c in enable_env()}
    assert not by_target["env:XLA_FLAGS"].effective
    assert "--xla_gpu_deterministic_ops=true" in os.environ["XLA_FLAGS"]


def test_a_variable_already_set_to_its_value_is_effective_even_when_late(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    bridge = types.ModuleType("jax._src.xla_bridge")
    bridge._backends = {"cpu": object()}  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "jax._src.xla_bridge", bridge)
    monkeypatch.setenv("XLA_FLAGS", "--xla_gpu_deterministic_ops=true")
    by_target = {c.target: c for c in enable_env()}
    assert by_target["env:XLA_FLAGS"].effective


def test_change_to_dict_holds_every_field() -> None:
    change = Change("env:X", "1", effective=False, note="too late")
    assert change.to_dict() == {
        "target": "env:X",
        "value": "1",
        "effective": False,
        "note": "too late",
    }


# -- argument checking -------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["pytorch", "Torch", "", None, 3])
def test_unknown_framework_names_are_rejected_with_the_accepted_ones(name: object) -> None:
    accepted = r"accepted: python, numpy, torch, tensorflow, keras, cupy, jax\."
    with pytest.raises(SeedlockError, match=accepted):
        enable_for(name)  # type: ignore[arg-type]
    if name is not None:  # None is pin_threads' "environment only"
        with pytest.raises(SeedlockError, match=r"accepted: python, numpy, torch"):
            pin_threads(1, name)  # type: ignore[arg-type]


@pytest.mark.parametrize("threads", [0, -2, 1.5, True, "2", None])
def test_thread_counts_must_be_positive_ints(threads: object) -> None:
    with pytest.raises(SeedlockError, match=r"threads must be a positive int \(at most 4096\)"):
        thread_env(threads)  # type: ignore[arg-type]
    with pytest.raises(SeedlockError, match=repr(threads) if threads != 0 else "got 0"):
        pin_threads(threads)  # type: ignore[arg-type]


@pytest.mark.parametrize("name", ["numpy", "cupy", "keras"])
def test_frameworks_without_a_switch_need_no_changes(name: str) -> None:
    assert enable_for(name) == []


def test_a_framework_that_is_not_imported_is_left_alone(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delitem(sys.modules, "cupy", raising=False)
    assert enable_for("cupy") == []
    assert pin_threads(2, "cupy") == []


# -- threads -----------------------------------------------------------------------------------


def test_thread_env_pins_openmp_blas_numexpr_and_tensorflow_pools() -> None:
    env = thread_env(3)
    assert set(env.values()) == {"3"}
    assert {"OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"} <= set(env)
    assert {"VECLIB_MAXIMUM_THREADS", "NUMEXPR_NUM_THREADS", "TF_NUM_INTRAOP_THREADS"} <= set(env)


def test_pin_threads_without_framework_sets_env_for_children() -> None:
    changes = pin_threads(2)
    assert all(c.effective and "child processes" in c.note for c in changes)
    assert all(os.environ[c.target.removeprefix("env:")] == "2" for c in changes)


def test_pin_threads_for_numpy_limits_the_blas_pool() -> None:
    threadpoolctl = pytest.importorskip("threadpoolctl")
    with threadpoolctl.threadpool_limits(limits=None):
        (change,) = pin_threads(1, "numpy")
        assert change.effective
        assert all(info["num_threads"] == 1 for info in threadpoolctl.threadpool_info())


@pytest.mark.torch
def test_pin_threads_sets_torch_intra_op_threads(torch_settings: types.ModuleType) -> None:
    assert pin_threads(1, "torch") == [Change("torch.set_num_threads", "1")]
    assert torch_settings.get_num_threads() == 1


# -- frameworks --------------------------------------------------------------------------------


@pytest.mark.torch
@pytest.mark.parametrize("warn_only", [False, True])
def test_enable_for_torch_turns_on_every_torch_switch(
    torch_settings: types.ModuleType, warn_only: bool
) -> None:
    torch = torch_settings
    torch.backends.cudnn.benchmark = True
    changes = enable_for("torch", warn_only=warn_only)
    assert torch.are_deterministic_algorithms_enabled()
    assert torch.is_deterministic_algorithms_warn_only_enabled() is warn_only
    assert torch.backends.cudnn.deterministic
    assert not torch.backends.cudnn.benchmark
    assert [c.target for c in changes] == [
        "torch.use_deterministic_algorithms",
        "torch.backends.cudnn.deterministic",
        "torch.backends.cudnn.benchmark",
    ]
    assert all(c.effective for c in changes)


@pytest.mark.jax
def test_enable_for_jax_says_the_flag_is_too_late_after_the_backend_started(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    jax = pytest.importorskip("jax")
    jax.numpy.zeros(1).block_until_ready()
    monkeypatch.delenv("XLA_FLAGS", raising=False)
    (change,) = enable_for("jax")
    assert change.target == "env:XLA_FLAGS"
    assert not change.effective
    assert "before the first JAX computation" in change.note


@pytest.mark.tensorflow
def test_enable_for_tensorflow_enables_op_determinism_and_doctor_sees_it() -> None:
    tf = pytest.importorskip("tensorflow")
    from tensorflow.python.framework import config

    before = config.is_op_determinism_enabled()
    try:
        config.disable_op_determinism()
        assert "tf-op-determinism" in _ids()
        assert enable_for("tensorflow") == [
            Change("tf.config.experimental.enable_op_determinism", "True")
        ]
        assert config.is_op_determinism_enabled()
        assert "tf-op-determinism" not in _ids()
        tf.constant(1.0) + 1.0  # starts the context, after which thread pools are fixed
        changes = pin_threads(1, "tensorflow")
        assert [c.effective for c in changes] == [False, False]
        assert "TF_NUM_INTRAOP_THREADS" in changes[0].note
    finally:
        (config.enable_op_determinism if before else config.disable_op_determinism)()


# -- hash randomisation ------------------------------------------------------------------------

_HASH_PROBE = """
import os, sys
from seedlock.determinism import hash_seed_fixed
from seedlock.frameworks._hashseed import expected_bytes_hash
data = [b"", b"a", b"12345678", b"seedlock" * 5]
seed = int(os.environ.get("PYTHONHASHSEED", "0") or 0)
algorithm = sys.hash_info.algorithm
print(
    hash_seed_fixed(),
    not seed or all(expected_bytes_hash(seed, d, algorithm) == hash(d) for d in data),
)
os.environ["PYTHONHASHSEED"] = "42"
print(hash_seed_fixed())
"""


def _probe(env_value: str | None) -> list[str]:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONHASHSEED"}
    if env_value is not None:
        env["PYTHONHASHSEED"] = env_value
    done = subprocess.run(
        [sys.executable, "-c", _HASH_PROBE], env=env, capture_output=True, text=True, check=True
    )
    return done.stdout.split()


def test_hash_seed_is_fixed_only_when_the_interpreter_started_with_it() -> None:
    # Started with a fixed seed: fixed, and our SipHash reproduces CPython's hashes exactly;
    # changing the variable afterwards to another value is seen as not in effect.
    assert _probe("987654") == ["True", "True", "False"]
    # Started randomised: setting the variable afterwards is recognised as too late.
    assert _probe(None) == ["False", "True", "False"]


def test_enable_for_python_reports_hash_randomisation_as_not_changeable(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(python_adapter, "hash_seed_fixed", lambda: False)
    (change,) = enable_for("python")
    assert not change.effective
    assert "PYTHONHASHSEED" in change.note
    monkeypatch.setattr(python_adapter, "hash_seed_fixed", lambda: True)
    assert enable_for("python") == []


# -- doctor ------------------------------------------------------------------------------------


def test_doctor_flags_hash_randomisation_only_when_it_is_on(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(python_adapter, "hash_seed_fixed", lambda: False)
    assert "hash-randomization" in _ids()
    monkeypatch.setattr(python_adapter, "hash_seed_fixed", lambda: True)
    assert "hash-randomization" not in _ids()


def test_doctor_flags_a_missing_root_seed_until_one_is_set(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(rootseed, "_root", None)
    monkeypatch.delenv("SEEDLOCK_SEED", raising=False)
    assert "no-root-seed" in _ids()
    monkeypatch.setenv("SEEDLOCK_SEED", "7")
    assert "no-root-seed" not in _ids()


def test_doctor_flags_unpinned_threads_until_the_variables_are_set(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for name in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
        monkeypatch.delenv(name, raising=False)
    (finding,) = [f for f in doctor() if f.id == "threads-unpinned"]
    assert "OMP_NUM_THREADS" in finding.title
    assert "OMP_NUM_THREADS=1" in finding.fix
    pin_threads(1)
    assert "threads-unpinned" not in _ids()


def test_doctor_lists_errors_then_warnings_then_notes_with_a_fix_each(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(python_adapter, "hash_seed_fixed", lambda: False)
    monkeypatch.delenv("OMP_NUM_THREADS", raising=False)
    findings = doctor()
    order = [SEVERITIES.index(f.severity) for f in findings]
    assert order == sorted(order)
    assert {"warning", "info"} <= {f.severity for f in findings}
    assert all(isinstance(f, Finding) and f.fix and f.title and f.detail for f in findings)
    assert set(findings[0].to_dict()) == {"id", "severity", "title", "detail", "fix"}


def test_doctor_names_frameworks_loaded_but_not_seeded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_doctor, "loaded", lambda: ["numpy", "python", "torch"])
    monkeypatch.setattr(_doctor, "seeded", lambda: {"python": 1})
    (finding,) = [f for f in doctor() if f.id == "unseeded-frameworks"]
    assert finding.title.endswith("numpy, torch")
    assert "seed_everything" in finding.fix
    monkeypatch.setattr(_doctor, "seeded", lambda: {"numpy": 1, "python": 1, "torch": 1})
    assert "unseeded-frameworks" not in _ids()


@pytest.mark.torch
def test_doctor_flags_torch_benchmark_nondeterminism_and_tf32(
    torch_settings: types.ModuleType,
) -> None:
    torch = torch_settings
    torch.backends.cudnn.benchmark = True
    torch.use_deterministic_algorithms(False)
    torch.backends.cuda.matmul.allow_tf32 = True
    ids = _ids()
    assert {"cudnn-benchmark", "torch-deterministic-off", "tf32"} <= ids
    enable_for("torch")
    torch.backends.cuda.matmul.allow_tf32 = False
    torch.backends.cudnn.allow_tf32 = False
    torch.set_float32_matmul_precision("highest")
    assert not {"cudnn-benchmark", "torch-deterministic-off", "tf32"} & _ids()


@pytest.mark.torch
@pytest.mark.parametrize(("cuda", "severity"), [(True, "warning"), (False, "info")])
def test_deterministic_algorithms_off_is_a_warning_only_with_cuda(
    torch_settings: types.ModuleType,
    monkeypatch: pytest.MonkeyPatch,
    cuda: bool,
    severity: str,
) -> None:
    torch_settings.use_deterministic_algorithms(False)
    monkeypatch.setattr(torch_adapter, "_cuda_available", lambda torch: cuda)
    (finding,) = [f for f in doctor() if f.id == "torch-deterministic-off"]
    assert finding.severity == severity


@pytest.mark.torch
def test_doctor_flags_the_cublas_variable_when_cuda_is_available(
    torch_settings: types.ModuleType, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(torch_settings.cuda, "is_available", lambda: True)
    monkeypatch.delenv("CUBLAS_WORKSPACE_CONFIG", raising=False)
    (finding,) = [f for f in doctor() if f.id == "cublas-workspace"]
    assert "CUBLAS_WORKSPACE_CONFIG=:4096:8" in finding.fix
    monkeypatch.setenv("CUBLAS_WORKSPACE_CONFIG", ":4096:8")
    assert "cublas-workspace" not in _ids()


@pytest.mark.torch
def test_doctor_flags_unpinned_torch_threads(torch_settings: types.ModuleType) -> None:
    torch_settings.set_num_threads(2)
    os.environ.pop("OMP_NUM_THREADS", None)
    assert "torch-threads" in _ids()
    pin_threads(2)
    assert "torch-threads" not in _ids()


def test_doctor_flags_jax_without_deterministic_gpu_ops_when_a_gpu_backend_exists(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    bridge = types.ModuleType("jax._src.xla_bridge")
    bridge._backends = {"cuda": object()}  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "jax._src.xla_bridge", bridge)
    monkeypatch.setitem(sys.modules, "jax", sys.modules.get("jax", types.ModuleType("jax")))
    monkeypatch.setenv("XLA_FLAGS", "--xla_dump_to=/tmp/x")
    assert "jax-deterministic-ops" in _ids()
    monkeypatch.setenv("XLA_FLAGS", "--xla_dump_to=/tmp/x --xla_gpu_deterministic_ops=true")
    assert "jax-deterministic-ops" not in _ids()
    bridge._backends = {"cpu": object()}  # type: ignore[attr-defined]
    monkeypatch.setenv("XLA_FLAGS", "")
    assert "jax-deterministic-ops" not in _ids()


@pytest.mark.gpu
@pytest.mark.torch
def test_cublas_variable_is_too_late_after_real_cuda_initialisation(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    torch = pytest.importorskip("torch")
    torch.zeros(1, device="cuda")
    monkeypatch.delenv("CUBLAS_WORKSPACE_CONFIG", raising=False)
    assert "cublas-workspace" in _ids()
    change = {c.target: c for c in enable_env()}["env:CUBLAS_WORKSPACE_CONFIG"]
    assert not change.effective
    assert "before the first CUDA call" in change.note
