"""Exact comparison of metrics, printed lines, files, tensors and returned values."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pytest

from seedlock import SeedlockError, SeedlockTypeError
from seedlock._base.commands import is_python_command
from seedlock._verify._compare import (
    compare_exit_codes,
    compare_files,
    compare_metric_history,
    compare_outputs,
    compare_stdout,
    load_tensors,
    normalize_stdout,
    same_scalar,
    to_portable,
)
from seedlock._verify._report import VerifyResult, rank_findings
from seedlock._verify.trace import Divergence


def test_floats_compare_by_bits() -> None:
    assert same_scalar(float("nan"), float("nan"))
    assert not same_scalar(0.0, -0.0)
    assert not same_scalar(0.1 + 0.2, 0.3)
    assert not same_scalar(1, 1.0)
    assert same_scalar("a", "a")


def test_exit_codes_report_each_run_that_differs_from_run_one() -> None:
    diffs = compare_exit_codes([0, 0, 3])
    assert [(d.run, d.first, d.other) for d in diffs] == [(3, "0", "3")]


def test_metric_history_names_the_first_differing_value_and_its_step() -> None:
    first = [{"metrics": {"loss": 0.5}, "step": 1}, {"metrics": {"loss": 0.25}, "step": 2}]
    other = [{"metrics": {"loss": 0.5}, "step": 1}, {"metrics": {"loss": 0.2500001}, "step": 2}]
    diffs, count = compare_metric_history(first, other, run=2)
    assert count == 2
    assert diffs[0].where == "loss (step 2)"
    assert diffs[0].max_abs_diff == pytest.approx(1e-7)


def test_metric_history_reports_a_different_number_of_values() -> None:
    diffs, _ = compare_metric_history([{"metrics": {"a": 1}}], [], run=2)
    assert [d.where for d in diffs] == ["count"]


def test_timings_are_masked_but_other_numbers_are_kept() -> None:
    text = (
        "epoch 1 loss 0.5 took 3.2s\n"
        "2026-01-02 10:11:12 step 3 acc 0.91\n"
        "100%|###| 10/10 [00:01<00:00, 7.5it/s]\n"
        "epoch_time: 12.5\n"
        "<object at 0x7f3a12345678>\n"
    )
    lines = [norm for _, _, norm in normalize_stdout(text)]
    assert lines[0] == "epoch 1 loss 0.5 took <t>"
    assert lines[1] == "<date> step 3 acc 0.91"
    assert "7.5" not in lines[2] and "00:01" not in lines[2] and "10/10" in lines[2]
    assert lines[3] == "epoch_time: <t>"
    assert lines[4] == "<object at <addr>>"


def test_stdout_difference_shows_both_lines_and_the_largest_number_gap() -> None:
    first = "start\nepoch 1 loss 0.50 (1.0s)\nacc 0.91 f1 0.80\n"
    other = "start\nepoch 1 loss 0.50 (2.0s)\nacc 0.91 f1 0.75\n"
    diffs, count = compare_stdout(first, other, run=2)
    assert count == 3
    assert diffs[0].where == "line 3"
    assert (diffs[0].first, diffs[0].other) == ("acc 0.91 f1 0.80", "acc 0.91 f1 0.75")
    assert diffs[0].max_abs_diff == pytest.approx(0.05)
    assert "run 2: acc 0.91 f1 0.75" in diffs[0].describe()


def test_ignore_patterns_remove_parts_of_lines_before_comparing() -> None:
    first, other = "saved to /tmp/abc1 ok\n", "saved to /tmp/xyz9 ok\n"
    assert compare_stdout(first, other, run=2)[0]
    diffs, _ = compare_stdout(first, other, run=2, ignore=[re.compile(r"/tmp/\S+")])
    assert diffs == []


def test_timings_are_compared_when_asked() -> None:
    diffs, _ = compare_stdout("took 1.0s\n", "took 2.0s\n", run=2, timings=True)
    assert len(diffs) == 1


def test_identical_npz_files_compare_equal_and_count_their_tensors(tmp_path: Path) -> None:
    for name in ("a.npz", "b.npz"):
        np.savez(tmp_path / name, w=np.arange(6.0), b=np.ones(2))
    diffs, tensors = compare_files(tmp_path / "a.npz", tmp_path / "b.npz", label="w.npz", run=2)
    assert (diffs, tensors) == ([], 2)


def test_differing_tensor_is_named_with_its_max_abs_diff_and_element_count(
    tmp_path: Path,
) -> None:
    w = np.arange(6.0, dtype=np.float32)
    np.savez(tmp_path / "a.npz", w=w, b=np.ones(2))
    w2 = w.copy()
    w2[4] += 0.25
    np.savez(tmp_path / "b.npz", w=w2, b=np.ones(2))
    diffs, _ = compare_files(tmp_path / "a.npz", tmp_path / "b.npz", label="out.npz", run=2)
    assert [d.kind for d in diffs] == ["file", "tensor"]
    assert diffs[1].where == "out.npz:w"
    assert diffs[1].max_abs_diff == pytest.approx(0.25)
    assert diffs[1].other == "1 of 6 elements differ"


def test_negative_zero_differs_from_zero_in_a_tensor(tmp_path: Path) -> None:
    np.save(tmp_path / "a.npy", np.array([0.0]))
    np.save(tmp_path / "b.npy", np.array([-0.0]))
    diffs, _ = compare_files(tmp_path / "a.npy", tmp_path / "b.npy", label="z.npy", run=2)
    assert diffs[-1].kind == "tensor" and diffs[-1].max_abs_diff == 0.0


def test_plain_files_compare_by_hash(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("1\n")
    (tmp_path / "b.txt").write_text("2\n")
    diffs, tensors = compare_files(tmp_path / "a.txt", tmp_path / "b.txt", label="o.txt", run=2)
    assert [d.kind for d in diffs] == ["file"] and tensors == 0


def test_pickled_arrays_are_never_loaded(tmp_path: Path) -> None:
    np.save(tmp_path / "obj.npy", np.array([{"a": 1}], dtype=object), allow_pickle=True)
    with pytest.raises(SeedlockError, match="no pickled objects"):
        load_tensors(tmp_path / "obj.npy")


def test_identical_files_that_cannot_be_loaded_safely_are_identical(tmp_path: Path) -> None:
    for name in ("a.npy", "b.npy"):
        np.save(tmp_path / name, np.array([{"a": 1}], dtype=object), allow_pickle=True)
    diffs, tensors = compare_files(tmp_path / "a.npy", tmp_path / "b.npy", label="o.npy", run=2)
    assert diffs == [] and tensors == 0


@pytest.mark.torch
def test_torch_checkpoints_compare_tensor_by_tensor(tmp_path: Path) -> None:
    torch = pytest.importorskip("torch")
    state = {"model": {"w": torch.zeros(3, dtype=torch.bfloat16)}, "epoch": 3}
    torch.save(state, tmp_path / "a.pt")
    state["model"]["w"][1] = 0.5
    state["epoch"] = 4
    torch.save(state, tmp_path / "b.pt")
    diffs, tensors = compare_files(tmp_path / "a.pt", tmp_path / "b.pt", label="ck.pt", run=2)
    assert tensors == 1
    by_where = {d.where: d for d in diffs}
    assert by_where["ck.pt:model.w"].max_abs_diff == 0.5
    assert "ck.pt:['epoch']" in by_where


@pytest.mark.torch
def test_safetensors_files_compare_tensor_by_tensor(tmp_path: Path) -> None:
    torch = pytest.importorskip("torch")
    save_file = pytest.importorskip("safetensors.torch").save_file
    save_file({"w": torch.ones(4)}, str(tmp_path / "a.safetensors"))
    save_file({"w": torch.tensor([1.0, 1.0, 3.0, 1.0])}, str(tmp_path / "b.safetensors"))
    diffs, _ = compare_files(
        tmp_path / "a.safetensors", tmp_path / "b.safetensors", label="m.safetensors", run=2
    )
    assert diffs[-1].where == "m.safetensors:w" and diffs[-1].max_abs_diff == 2.0


def test_values_compare_exactly_through_nested_containers() -> None:
    first = to_portable({"loss": [0.5, 0.25], "w": np.zeros(3), "name": "a"})
    other = to_portable({"loss": [0.5, 0.25], "w": np.array([0.0, 1e-12, 0.0]), "name": "a"})
    assert compare_outputs(first, first, run=2) == []
    diffs = compare_outputs(first, other, run=2)
    assert [d.where for d in diffs] == ["result['w']"]
    assert diffs[0].max_abs_diff == pytest.approx(1e-12)


def test_values_of_other_types_are_refused_with_the_path() -> None:
    with pytest.raises(SeedlockTypeError, match=r"result\[.model.\] has type object"):
        to_portable({"model": object()})


def test_findings_are_deduplicated_and_ranked_by_severity() -> None:
    warning = {"id": "threads", "severity": "warning", "title": "threads"}
    error = {"id": "workers", "severity": "error", "title": "DataLoader workers not seeded"}
    info = {"id": "x", "severity": "info", "title": "x"}
    assert [f["id"] for f in rank_findings([[info, warning], [warning, error]])] == [
        "workers",
        "threads",
        "x",
    ]


def test_report_puts_the_first_difference_and_diagnosis_first() -> None:
    result = VerifyResult(
        identical=False,
        runs=2,
        seed=7,
        command=["python", "t.py"],
        differences=compare_stdout("a 1\n", "a 2\n", run=2)[0] + compare_exit_codes([0, 1]),
        divergence=Divergence(5, "param", "out.weight", "changed"),
        findings=[{"id": "h", "severity": "warning", "title": "hash seed", "fix": "set it"}],
    )
    text = str(result)
    assert not result
    assert text.index("first difference:\n  exit_code") < text.index("stdout line 1")
    assert "trace: first divergence at step 5 in out.weight: changed" in text
    assert "[warning] hash seed" in text and "fix: set it" in text
    data = json.loads(json.dumps(result.to_dict()))
    assert data["divergence"]["step"] == 5 and data["differences"][0]["kind"] == "exit_code"


def test_python_commands_are_recognised() -> None:
    assert is_python_command(["python3.11", "-m", "train"])
    assert is_python_command(["/usr/bin/env", "python", "x.py"])
    assert not is_python_command(["echo", "hi"])
