"""``verify_command`` end to end on tiny scripts (each test starts a few Python processes)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from seedlock import SeedlockError
from seedlock._verify import verify_command
from seedlock.store import Store

SCRIPTS = Path(__file__).parent / "scripts"


def _plain(script: str, cwd: Path, **env: str) -> str:
    """Run a script without seedlock and return its stdout."""
    return subprocess.run(
        [sys.executable, str(SCRIPTS / script)],
        cwd=cwd,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        check=True,
    ).stdout


@pytest.fixture
def store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Store:
    monkeypatch.chdir(tmp_path)
    return Store(tmp_path / "runs.db")


@pytest.mark.torch
def test_unmodified_torch_script_with_loader_workers_is_identical_only_under_seedlock(
    store: Store, tmp_path: Path
) -> None:
    pytest.importorskip("torch")
    result = verify_command([sys.executable, str(SCRIPTS / "loader.py")], seed=11, store=store)
    assert result.identical, str(result)
    assert result.compared["stdout lines"] == 4
    assert [r.tags["verify_run"] for r in map(store.get, result.run_ids)] == ["1", "2"]
    first, second = _plain("loader.py", tmp_path), _plain("loader.py", tmp_path)
    assert first.splitlines()[-1].startswith("loader ")
    assert all(a != b for a, b in zip(first.splitlines(), second.splitlines(), strict=True))


@pytest.mark.torch
def test_trace_names_step_five_and_the_weight_changed_by_the_clock(store: Store) -> None:
    pytest.importorskip("torch")
    result = verify_command(
        [sys.executable, str(SCRIPTS / "planted.py")], seed=3, trace=True, store=store
    )
    assert not result.identical
    first = result.sorted_differences()[0]
    assert (first.kind, first.where) == ("stdout", "line 6")
    assert result.divergence is not None
    assert (result.divergence.step, result.divergence.where) == (5, "out.weight")
    assert "first divergence at step 5 in out.weight" in str(result)
    assert len(store.runs()) == 4  # two runs, then two traced at step 5


@pytest.mark.torch
def test_trace_names_a_weight_edited_outside_the_optimizer_before_a_forward(store: Store) -> None:
    pytest.importorskip("torch")
    result = verify_command(
        [sys.executable, str(SCRIPTS / "edit_before_forward.py")], seed=3, trace=True, store=store
    )
    assert result.divergence is not None
    divergence = result.divergence
    assert (divergence.step, divergence.kind, divergence.where) == (6, "outside", "2.weight")
    assert "between the end of step 5 and the forward of step 6" in str(result)


@pytest.mark.tensorflow
@pytest.mark.slow
def test_trace_covers_keras_fit_and_names_the_weight_changed_between_batches(
    store: Store,
) -> None:
    pytest.importorskip("keras")
    result = verify_command(
        [sys.executable, str(SCRIPTS / "keras_planted.py")], seed=3, trace=True, store=store
    )
    assert result.divergence is not None
    divergence = result.divergence
    assert (divergence.step, divergence.kind) == (4, "outside")
    assert divergence.where.endswith("kernel") and "dense_1" in divergence.where


def test_string_set_order_is_reproducible_under_seedlock(store: Store, tmp_path: Path) -> None:
    result = verify_command([sys.executable, str(SCRIPTS / "hash_order.py")], seed=5, store=store)
    assert result.identical, str(result)
    one = _plain("hash_order.py", tmp_path, PYTHONHASHSEED="1")
    two = _plain("hash_order.py", tmp_path, PYTHONHASHSEED="2")
    assert one != two


def test_urandom_is_reported_with_the_first_differing_line_and_metric(store: Store) -> None:
    result = verify_command([sys.executable, str(SCRIPTS / "urandom.py")], seed=5, store=store)
    assert not result.identical
    kinds = {d.kind: d for d in result.differences}
    assert kinds["stdout"].where == "line 2"
    assert kinds["stdout"].first.startswith("nonce ")
    assert kinds["metric"].where == "nonce (call 1)"
    report = str(result)
    assert "NOT reproducible" in report and "run 1: nonce" in report


def test_output_tensors_are_compared_and_copies_do_not_go_stale(
    store: Store, tmp_path: Path
) -> None:
    (tmp_path / "arrays.npz").write_bytes(b"stale")
    result = verify_command(
        [sys.executable, str(SCRIPTS / "outputs.py")],
        seed=1,
        n=3,
        jobs=2,
        outputs=["arrays.npz", "log.txt"],
        store=store,
    )
    assert not result.identical
    tensors = [d for d in result.differences if d.kind == "tensor"]
    assert {d.where for d in tensors} == {"arrays.npz:noise"}
    assert {d.run for d in tensors} == {2, 3}
    assert all(d.other == "1 of 4 elements differ" for d in tensors)
    assert not any(d.where == "log.txt" for d in result.differences)
    assert result.compared["tensors"] == 4
    assert "one at a time" in " ".join(result.notes)
    assert np.load(tmp_path / "arrays.npz")["weights"].shape == (6,)


def test_missing_output_file_is_a_clear_error(store: Store) -> None:
    with pytest.raises(SeedlockError, match="'nothing.bin'"):
        verify_command(
            [sys.executable, "-c", "print(1)"], seed=1, outputs=["nothing.bin"], store=store
        )


def test_bad_input_is_refused_before_anything_runs(store: Store, tmp_path: Path) -> None:
    with pytest.raises(SeedlockError, match="no command"):
        verify_command([], seed=1, store=store)
    with pytest.raises(SeedlockError, match="does not look like Python"):
        verify_command(["echo", "hi"], seed=1, trace=True, store=store)
    with pytest.raises(SeedlockError, match="not a valid regular expression"):
        verify_command(["echo"], seed=1, ignore=["("], store=store)
    with pytest.raises(SeedlockError, match=r"n must be an int in \[2, 10000\]"):
        verify_command(["echo"], seed=1, n=1, store=store)
    assert not (tmp_path / "runs.db").exists()


@pytest.mark.parametrize("output", [".", "..", "/tmp", "sub/../.."])
def test_outputs_outside_the_working_directory_are_refused_and_nothing_is_deleted(
    store: Store, tmp_path: Path, output: str
) -> None:
    (tmp_path / "train.py").write_text("print(1)\n")
    with pytest.raises(SeedlockError, match="not inside the working directory"):
        verify_command(["echo", "hi"], seed=1, outputs=[output], store=store)
    assert (tmp_path / "train.py").exists()
    assert not (tmp_path / "runs.db").exists()


def test_a_command_failing_in_every_run_is_an_error(store: Store) -> None:
    code = "import sys; print('broken', file=sys.stderr); sys.exit(3)"
    with pytest.raises(SeedlockError, match=r"failed in every run \(exit code 3\)[\s\S]*broken"):
        verify_command([sys.executable, "-c", code], seed=1, store=store)


@pytest.mark.gpu
@pytest.mark.torch
def test_cuda_training_is_bit_identical_in_deterministic_mode(store: Store) -> None:
    pytest.importorskip("torch")
    result = verify_command(
        [sys.executable, str(SCRIPTS / "cuda_train.py")],
        seed=2,
        deterministic=True,
        trace=True,
        outputs=["model.pt"],
        store=store,
    )
    assert result.identical, str(result)
    assert result.compared["tensors"] == 6
