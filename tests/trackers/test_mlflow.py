"""MLflow: a run logged into a local SQLite tracking store holds the seed, policy and metrics."""

from __future__ import annotations

from pathlib import Path

import pytest

from seedlock.store import RunRecord
from seedlock.trackers import DERIVATION_POLICY, log_run

pytest.importorskip("mlflow")

pytestmark = [
    # mlflow's SQLAlchemy store uses a loader strategy that SQLAlchemy 2.1 deprecates.
    pytest.mark.filterwarnings("ignore:The ``noload`` loader strategy is deprecated"),
]

SEED = 2**100 + 7


def _record() -> RunRecord:
    return RunRecord(
        id="0123456789ab",
        name="adam",
        command=["python", "train.py", "--lr", "0.1"],
        cwd="/tmp",
        seed=SEED,
        status="finished",
        exit_code=0,
        started=1.0,
        ended=2.0,
        deterministic=True,
        sweep="adam",
        tags={"lr": "0.1"},
        fingerprint={"python": {"version": "3.11.7"}, "packages": {"numpy": "2.0"}},
        metrics={"accuracy": 0.91, "split": "val"},
        metric_history=[
            {"metrics": {"accuracy": 0.5}, "step": 0},
            {"metrics": {"accuracy": 0.91}, "step": 1},
        ],
    )


def test_run_in_sqlite_store_has_seed_policy_tags_and_metric_history(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from mlflow.tracking import MlflowClient

    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("MLFLOW_DISABLE_TELEMETRY", "true")
    monkeypatch.setenv("DO_NOT_TRACK", "true")
    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    log_run(_record(), "mlflow", tracking_uri=uri, experiment="sweeps")
    client = MlflowClient(tracking_uri=uri)
    experiment = client.get_experiment_by_name("sweeps")
    (run,) = client.search_runs([experiment.experiment_id])
    assert run.data.params["seedlock.seed"] == str(SEED)
    assert run.data.params["seedlock.derivation"] == DERIVATION_POLICY
    assert run.data.params["seedlock.deterministic"] == "True"
    assert run.data.tags["seedlock.sweep"] == "adam"
    assert run.data.tags["seedlock.env.python.version"] == "3.11.7"
    assert run.data.tags["tag.lr"] == "0.1"
    assert run.data.tags["metric.split"] == "val"
    assert run.data.metrics["accuracy"] == pytest.approx(0.91)
    history = client.get_metric_history(run.info.run_id, "accuracy")
    assert [(m.step, m.value) for m in sorted(history, key=lambda m: m.step)] == [
        (0, 0.5),
        (1, 0.91),
    ]
    assert run.info.status == "FINISHED"
    assert run.info.run_name == f"adam-seed{SEED}"
