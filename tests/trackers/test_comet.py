"""Comet: an OfflineExperiment archive written into a temp dir holds the seed and metrics."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from seedlock.store import RunRecord
from seedlock.trackers import log_run

pytest.importorskip("comet_ml")

SEED = 987654321987654321


@pytest.fixture(autouse=True)
def _offline_comet(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for key in ("COMET_API_KEY", "COMET_OFFLINE_DIRECTORY"):
        monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("COMET_DISABLE_AUTO_LOGGING", "1")
    monkeypatch.setenv("COMET_CONFIG", str(tmp_path / "no-comet-config"))
    monkeypatch.chdir(tmp_path)


def test_offline_archive_contains_the_seed_policy_and_metrics(tmp_path: Path) -> None:
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
        fingerprint={"python": {"version": "3.11.7"}},
        metrics={"accuracy": 0.91},
        metric_history=[{"metrics": {"accuracy": 0.91}, "step": 1}],
    )
    log_run(record, "comet", offline_directory=str(tmp_path / "comet"))
    (archive,) = (tmp_path / "comet").glob("*.zip")
    with zipfile.ZipFile(archive) as zf:
        text = "\n".join(zf.read(name).decode("utf-8", "replace") for name in zf.namelist())
    assert str(SEED) in text
    assert "seedlock-derive-v1" in text
    assert "accuracy" in text and "0.91" in text
    assert "seedlock-fingerprint.json" in text
