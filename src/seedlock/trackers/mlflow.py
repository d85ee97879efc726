"""Log a seedlock run to MLflow (any tracking store: a server, ``sqlite:///...``, ``./mlruns``).

Determinism contract: uses an explicit ``MlflowClient`` (no global active run is started or
changed in this process) and logs exactly the payload built from the run record.
"""

from __future__ import annotations

import time
from typing import Any

from seedlock.trackers._payload import Payload

__all__ = ["log"]

_BATCH = 100
_DEFAULT_EXPERIMENT = "seedlock"


def log(payload: Payload, *, tracking_uri: str | None = None, experiment: str | None = None) -> str:
    """Create one MLflow run holding the payload; return its MLflow run id.

    Args:
        payload: from :func:`seedlock.trackers.build_payload`.
        tracking_uri: e.g. ``"sqlite:///mlflow.db"``; default ``$MLFLOW_TRACKING_URI`` or
            ``./mlruns``.
        experiment: experiment name (created if missing); default ``$MLFLOW_EXPERIMENT_NAME``
            or ``"seedlock"``.

    Example:
        >>> log(payload, tracking_uri="sqlite:///mlflow.db")  # doctest: +SKIP
    """
    import os

    from mlflow.entities import Metric, Param, RunTag
    from mlflow.tracking import MlflowClient

    client = MlflowClient(tracking_uri=tracking_uri)
    name = experiment or os.environ.get("MLFLOW_EXPERIMENT_NAME") or _DEFAULT_EXPERIMENT
    found = client.get_experiment_by_name(name)
    experiment_id = found.experiment_id if found is not None else client.create_experiment(name)
    run = client.create_run(experiment_id, run_name=payload.run_name)
    run_id: str = run.info.run_id
    now = int(time.time() * 1000)
    metrics: list[Any] = [
        Metric(key, value, now, step)
        for step, values in payload.history
        for key, value in values.items()
    ]
    logged = {m.key for m in metrics}
    metrics += [Metric(k, v, now, 0) for k, v in payload.metrics.items() if k not in logged]
    params = [Param(k, v) for k, v in payload.params.items()]
    tags = [RunTag(k, v) for k, v in payload.tags.items()]
    for start in range(0, max(len(metrics), len(params), len(tags)), _BATCH):
        client.log_batch(
            run_id,
            metrics=metrics[start : start + _BATCH],
            params=params[start : start + _BATCH],
            tags=tags[start : start + _BATCH],
        )
    client.set_terminated(run_id, status="FINISHED" if payload.ok else "FAILED")
    return run_id
