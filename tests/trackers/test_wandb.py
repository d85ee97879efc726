"""Weights & Biases in offline mode: the run directory's config holds the seed."""

from __future__ import annotations

from pathlib import Path

import pytest

from seedlock.store import RunRecord
from seedlock.trackers import log_run

pytest.importorskip("wandb")

SEED = 424242


@pytest.fixture(autouse=True)
def _offline_wandb(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("WANDB_MODE", "offline")
    monkeypatch.setenv("WANDB_SILENT", "true")
    monkeypatch.setenv("WANDB_DISABLE_GIT", "true")
    monkeypatch.setenv("WANDB_CONFIG_DIR", str(tmp_path / "wandb-config"))
    monkeypatch.setenv("WANDB_CACHE_DIR", str(tmp_path / "wandb-cache"))
    monkeypatch.setenv("WANDB_DATA_DIR", str(tmp_path / "wandb-data"))
    monkeypatch.delenv("WANDB_API_KEY", raising=False)
    monkeypatch.chdir(tmp_path)


def test_offline_run_directory_config_contains_the_seed(tmp_path: Path) -> None:
    record = RunRecord(
        id="0123456789ab",
        name="adam",
        command=["python", "train.py"],
        cwd=str(tmp_path),
        seed=SEED,
        status="finished",
        exit_code=0,
        started=1.0,
        ended=2.0,
        sweep="adam",
        metrics={"accuracy": 0.91},
        metric_history=[{"metrics": {"accuracy": 0.5}, "step": 0}],
    )
    log_run(record, "wandb", dir=str(tmp_path), project="seedlock-test")
    import wandb

    wandb.teardown()  # waits for the W&B service to flush the offline run log
    (run_dir,) = (tmp_path / "wandb").glob("offline-run-*")
    # Offline W&B (0.17+) keeps the run's config records in the run-*.wandb log until it is
    # synced; older versions also write files/config.yaml. Look in both.
    (log_file,) = run_dir.glob("run-*.wandb")
    data = log_file.read_bytes()
    config_yaml = run_dir / "files" / "config.yaml"
    if config_yaml.exists():
        data += config_yaml.read_bytes()
    assert b"seedlock.seed" in data
    assert f'"{SEED}"'.encode() in data
    assert b"seedlock-derive-v1" in data
