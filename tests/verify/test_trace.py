"""The PyTorch trace: per-step parameter hashes, the detail of one step, and locating divergence."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from seedlock import SeedlockError
from seedlock._verify import trace

torch = pytest.importorskip("torch")
pytestmark = pytest.mark.torch


class Net(torch.nn.Module):  # type: ignore[misc]
    def __init__(self) -> None:
        super().__init__()
        self.hidden = torch.nn.Linear(4, 8)
        self.drop = torch.nn.Dropout(0.5)
        self.out = torch.nn.Linear(8, 1)

    def forward(self, x: Any) -> Any:
        return self.out(self.drop(torch.relu(self.hidden(x))))


def _train(
    path: Path,
    *,
    detail_step: int | None = None,
    bump_at: int | None = None,
    train_seed: int = 0,
    crash_at: int | None = None,
) -> trace.Trace:
    """Train 6 steps from fixed weights; optionally nudge a weight before one step's update."""
    tracer = trace.install(path, detail_step=detail_step)
    try:
        torch.manual_seed(0)
        model = Net()
        optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
        x, y = torch.randn(8, 4), torch.randn(8, 1)
        torch.manual_seed(train_seed)  # dropout masks
        for step in range(1, 7):
            if step == crash_at:
                raise RuntimeError("crash")
            loss = ((model(x) - y) ** 2).mean()
            optimizer.zero_grad()
            loss.backward()
            if step == bump_at:
                with torch.no_grad():
                    model.out.weight[0, 0] += 1e-3
            optimizer.step()
    finally:
        tracer.remove()
    return trace.read_trace(path)


def test_identical_training_gives_identical_traces(tmp_path: Path) -> None:
    a = _train(tmp_path / "a.jsonl")
    b = _train(tmp_path / "b.jsonl")
    assert a.last_step == 6 and set(a.steps[3]["params"]) == {
        "hidden.weight",
        "hidden.bias",
        "out.weight",
        "out.bias",
    }
    assert isinstance(a.steps[1]["loss"], float)
    assert trace.first_divergence(a, b) is None


def test_a_weight_changed_before_step_five_is_named_at_step_five(tmp_path: Path) -> None:
    divergence = trace.first_divergence(
        _train(tmp_path / "a.jsonl"), _train(tmp_path / "b.jsonl", bump_at=5)
    )
    assert divergence is not None
    assert (divergence.step, divergence.kind, divergence.where) == (5, "param", "out.weight")
    detail_a = _train(tmp_path / "c.jsonl", detail_step=5)
    detail_b = _train(tmp_path / "d.jsonl", detail_step=5, bump_at=5)
    located = trace.locate_in_step(detail_a, detail_b, 5)
    assert located is not None
    assert (located.step, located.kind, located.where) == (5, "pre", "out.weight")
    assert "changed outside the optimizer" in located.describe()


def test_a_different_dropout_mask_is_located_in_the_dropout_module(tmp_path: Path) -> None:
    divergence = trace.first_divergence(
        _train(tmp_path / "a.jsonl"), _train(tmp_path / "b.jsonl", train_seed=1)
    )
    assert divergence is not None and (divergence.step, divergence.kind) == (1, "loss")
    located = trace.locate_in_step(
        _train(tmp_path / "c.jsonl", detail_step=1),
        _train(tmp_path / "d.jsonl", detail_step=1, train_seed=1),
        1,
    )
    assert located is not None and (located.kind, located.where) == ("output", "drop")


def test_different_initial_weights_are_reported_at_step_zero(tmp_path: Path) -> None:
    a = _train(tmp_path / "a.jsonl")
    b = _train(tmp_path / "b.jsonl")
    b.steps[0] = {"params": dict(b.steps[0]["params"], **{"hidden.bias": "other"})}
    divergence = trace.first_divergence(a, b)
    assert divergence is not None and (divergence.step, divergence.kind) == (0, "initial")


def test_a_crashing_run_keeps_the_steps_it_finished(tmp_path: Path) -> None:
    path = tmp_path / "crash.jsonl"
    with pytest.raises(RuntimeError, match="crash"):
        _train(path, crash_at=4)
    assert trace.read_trace(path).last_step == 3


def test_removing_the_tracer_restores_backward_and_stops_recording(tmp_path: Path) -> None:
    original = torch.Tensor.backward
    tracer = trace.install(tmp_path / "t.jsonl")
    assert torch.Tensor.backward is not original
    tracer.remove()
    assert torch.Tensor.backward is original
    _train(tmp_path / "other.jsonl")
    assert not (tmp_path / "t.jsonl").exists()


def test_unreadable_traces_are_clear_errors(tmp_path: Path) -> None:
    with pytest.raises(SeedlockError, match="cannot read the trace"):
        trace.read_trace(tmp_path / "missing.jsonl")
    future = tmp_path / "future.jsonl"
    future.write_text(json.dumps({"kind": "start", "format": 99, "pid": 1}) + "\n")
    with pytest.raises(SeedlockError, match="format 99"):
        trace.read_trace(future)


def test_bad_detail_step_in_the_environment_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(trace.TRACE_ENV, str(tmp_path / "t.jsonl"))
    monkeypatch.setenv(trace.TRACE_STEP_ENV, "0")
    with pytest.raises(SeedlockError, match="SEEDLOCK_TRACE_STEP"):
        trace.install_from_env()
