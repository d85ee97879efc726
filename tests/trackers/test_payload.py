"""What trackers receive, and log_run's input checks (no tracker library needed)."""

from __future__ import annotations

import subprocess
import sys

import pytest

from seedlock._errors import SeedlockError
from seedlock.store import RunRecord
from seedlock.trackers import DERIVATION_POLICY, build_payload, log_run


def _record(**changes: object) -> RunRecord:
    fields: dict[str, object] = {
        "id": "0123456789ab",
        "name": None,
        "command": ["python", "train.py", "--note", "a b"],
        "cwd": "/",
        "seed": 2**127 + 1,
        "status": "failed",
        "exit_code": 3,
        "started": 0.0,
        "ended": 1.0,
        "sweep": "sgd",
        "threads": 4,
        "fingerprint": {"cpu": {"count": 2}, "gpus": None, "packages": {"numpy": "2.0"}},
        "metrics": {"loss": 0.5, "phase": "train", "bad": float("nan")},
        "metric_history": [
            {"metrics": {"loss": 0.9}, "step": 5},
            {"metrics": {"loss": 0.7, "phase": "x"}},
            {"metrics": {"loss": 0.5}, "step": 2},
        ],
    }
    fields.update(changes)
    return RunRecord(**fields)  # type: ignore[arg-type]


def test_payload_carries_the_exact_seed_policy_flags_and_fingerprint() -> None:
    p = build_payload(_record())
    assert p.params["seedlock.seed"] == str(2**127 + 1)
    assert int(p.params["seedlock.seed_hex"], 16) == 2**127 + 1
    assert p.params["seedlock.derivation"] == DERIVATION_POLICY
    assert p.params["seedlock.threads"] == "4"
    assert p.tags["seedlock.command"] == "python train.py --note 'a b'"
    assert p.tags["seedlock.env.cpu.count"] == "2"
    assert p.tags["seedlock.env.packages.numpy"] == "2.0"
    assert "seedlock.env.gpus" not in p.tags
    assert p.tags["metric.phase"] == "train"
    assert p.metrics == {"loss": 0.5}
    assert p.run_name == f"sgd-seed{2**127 + 1}"
    assert not p.ok


def test_history_is_in_step_order_and_unstepped_entries_use_their_index() -> None:
    assert build_payload(_record()).history == [
        (1, {"loss": 0.7}),
        (2, {"loss": 0.5}),
        (5, {"loss": 0.9}),
    ]


def test_log_run_refuses_unknown_backends_options_and_non_records() -> None:
    with pytest.raises(SeedlockError, match="unknown tracker 'neptune'"):
        log_run(_record(), "neptune")
    with pytest.raises(SeedlockError, match="needs a RunRecord"):
        log_run({"seed": 1}, "mlflow")  # type: ignore[arg-type]


def test_log_run_refuses_options_the_backend_does_not_take() -> None:
    with pytest.raises(SeedlockError, match="unknown comet option 'project'.*project_name"):
        log_run(_record(), "comet", project="x")


def test_importing_trackers_imports_no_tracker_library() -> None:
    code = (
        "import sys, seedlock.trackers; "
        "print(sorted(m for m in ('mlflow', 'comet_ml', 'wandb') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
