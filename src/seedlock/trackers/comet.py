"""Log a seedlock run to Comet, online or as an offline archive (``OfflineExperiment``).

Determinism contract: logs exactly the payload built from the run record, with Comet's own
automatic logging (code, git, environment, stdout capture) turned off so nothing else is sent.
"""

from __future__ import annotations

import json
import os
from typing import Any

from seedlock.trackers._payload import Payload

__all__ = ["log"]

_DEFAULT_OFFLINE_DIR = os.path.join(".seedlock", "comet")
_QUIET: dict[str, Any] = {
    "log_code": False,
    "log_graph": False,
    "auto_param_logging": False,
    "auto_metric_logging": False,
    "parse_args": False,
    "auto_output_logging": None,
    "log_env_details": False,
    "log_git_metadata": False,
    "log_git_patch": False,
    "log_env_gpu": False,
    "log_env_host": False,
    "log_env_cpu": False,
    "log_env_network": False,
    "log_env_disk": False,
    "display_summary_level": 0,
}


def log(
    payload: Payload,
    *,
    offline: bool | None = None,
    offline_directory: str | None = None,
    project_name: str | None = None,
    workspace: str | None = None,
    api_key: str | None = None,
) -> str:
    """Log the payload as one Comet experiment; return the experiment key.

    Args:
        payload: from :func:`seedlock.trackers.build_payload`.
        offline: write an offline archive instead of uploading; default: offline when no API key
            is given or set in ``$COMET_API_KEY``.
        offline_directory: where offline archives go; default ``$COMET_OFFLINE_DIRECTORY`` or
            ``.seedlock/comet``.
        project_name: Comet project (default ``$COMET_PROJECT_NAME`` or Comet's default).
        workspace: Comet workspace.
        api_key: Comet API key (default ``$COMET_API_KEY``).

    Example:
        >>> log(payload, offline=True, offline_directory="comet")  # doctest: +SKIP
    """
    import comet_ml

    key = api_key or os.environ.get("COMET_API_KEY")
    if offline is None:
        offline = not key
    options = dict(_QUIET, project_name=project_name, workspace=workspace)
    experiment: Any
    if offline:
        directory = (
            offline_directory or os.environ.get("COMET_OFFLINE_DIRECTORY") or _DEFAULT_OFFLINE_DIR
        )
        os.makedirs(directory, exist_ok=True)
        experiment = comet_ml.OfflineExperiment(offline_directory=directory, **options)
    else:
        experiment = comet_ml.Experiment(api_key=key, **options)
    try:
        experiment.set_name(payload.run_name)
        experiment.log_parameters(payload.params)
        experiment.log_others(payload.tags)
        experiment.add_tags([f"seed={payload.seed}", "seedlock"])
        for step, values in payload.history:
            experiment.log_metrics(values, step=step)
        experiment.log_metrics(payload.metrics)
        if payload.fingerprint is not None:
            experiment.log_asset_data(
                json.dumps(payload.fingerprint, indent=2, sort_keys=True),
                name="seedlock-fingerprint.json",
            )
        return str(experiment.get_key())
    finally:
        experiment.end()
