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
    assert located is not None and (located.kind, located.where) == ("output", "drop (Dropout)")


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


# One planted cause per kind: each is located at the right step and tensor (steps from 1).


def _planted(path: Path, plant: str | None, *, detail_step: int | None = None) -> trace.Trace:
    """Train 6 steps; at step 4 plant one cause of divergence (when ``plant`` is given)."""
    tracer = trace.install(path, detail_step=detail_step)
    try:
        torch.manual_seed(0)
        model = Net()
        optimizer = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
        x, y = torch.randn(8, 4), torch.randn(8, 1)
        handle = None
        for step in range(1, 7):
            torch.manual_seed(100 + step)  # the dropout masks of each step
            batch = x
            if step == 4 and plant == "input":
                batch = x + 1e-3
            if step == 4 and plant == "outside":
                with torch.no_grad():
                    model.out.bias[0] += 1e-3
            if step == 4 and plant == "dropout":
                torch.manual_seed(999)
            if step == 4 and plant == "grad":
                handle = model.hidden.bias.register_hook(lambda g: g * 1.001)
            loss = ((model(batch) - y) ** 2).mean()
            optimizer.zero_grad()
            loss.backward()
            if handle is not None:
                handle.remove()
                handle = None
            if step == 4 and plant == "lr":
                optimizer.param_groups[0]["lr"] = 0.1001
            optimizer.step()
            if step == 4 and plant == "lr":
                optimizer.param_groups[0]["lr"] = 0.1
    finally:
        tracer.remove()
    return trace.read_trace(path)


@pytest.mark.parametrize(
    ("plant", "first_kind", "kind", "where", "words"),
    [
        ("input", "input", "input", "the input batch", "data order"),
        ("outside", "loss", "outside", "out.bias", "between the end of step 3 and the forward"),
        ("dropout", "loss", "output", "drop (Dropout)", "same parameters and same input"),
        ("grad", "param", "grad", "hidden.bias", "gradient differs"),
        ("lr", "param", "lr", "the learning rate", "learning-rate schedule"),
    ],
)
def test_each_planted_cause_is_named_at_its_step_and_tensor(
    tmp_path: Path, plant: str, first_kind: str, kind: str, where: str, words: str
) -> None:
    divergence = trace.first_divergence(
        _planted(tmp_path / "a.jsonl", None), _planted(tmp_path / "b.jsonl", plant)
    )
    assert divergence is not None and (divergence.step, divergence.kind) == (4, first_kind)
    located = trace.locate_in_step(
        _planted(tmp_path / "c.jsonl", None, detail_step=4),
        _planted(tmp_path / "d.jsonl", plant, detail_step=4),
        4,
    )
    assert located is not None
    assert (located.step, located.kind, located.where) == (4, kind, where)
    assert words in located.describe()


def test_optimizer_state_that_differs_is_named(tmp_path: Path) -> None:
    a = _planted(tmp_path / "a.jsonl", None, detail_step=4)
    b = _planted(tmp_path / "b.jsonl", None, detail_step=4)
    b.opt[4] = dict(b.opt[4], state=dict(b.opt[4]["state"], **{"out.bias": "other"}))
    located = trace.locate_in_step(a, b, 4)
    assert located is not None and (located.kind, located.where) == ("optimizer-state", "out.bias")


def test_format_one_traces_still_read(tmp_path: Path) -> None:
    old = tmp_path / "old.jsonl"
    records = [
        {"kind": "start", "format": 1, "pid": 1},
        {"kind": "step", "step": 1, "loss": 0.5, "params": {"w": "aa"}},
    ]
    old.write_text("".join(json.dumps(r) + "\n" for r in records))
    assert trace.read_trace(old).last_step == 1
