"""Log seedlock runs to experiment trackers: MLflow, Comet (offline too) and Weights & Biases.

Determinism contract: logging reads a finished run record and writes it out; it never touches
RNG state, so logging a run cannot change it. Each tracker library is imported only when a run is
logged to it (``pip install 'seedlock[mlflow]'``, ``[comet]``, ``[wandb]``).

Every tracker gets: the root seed (exact, as a string param and as hex), the derivation policy,
the launch flags (deterministic, threads), the command, sweep and status as tags, the flattened
environment fingerprint as ``seedlock.env.*`` tags, the final numeric metrics and their history.

Example:
    >>> from seedlock.trackers import BACKENDS
    >>> BACKENDS
    ('mlflow', 'comet', 'wandb')
"""

from __future__ import annotations

import importlib
import inspect
from typing import Any

from seedlock._errors import SeedlockError
from seedlock.store import RunRecord
from seedlock.trackers._payload import DERIVATION_POLICY, Payload, build_payload

__all__ = ["BACKENDS", "DERIVATION_POLICY", "Payload", "build_payload", "log_run"]

BACKENDS = ("mlflow", "comet", "wandb")
_EXTRAS = {"mlflow": "mlflow", "comet": "comet_ml", "wandb": "wandb"}


def log_run(record: RunRecord, backend: str, **options: Any) -> None:
    """Log one finished run to a tracker.

    Args:
        record: the run (from :func:`seedlock.launch.run_command` or the store).
        backend: ``"mlflow"``, ``"comet"`` or ``"wandb"``.
        **options: passed to the backend: MLflow ``tracking_uri``, ``experiment``; Comet
            ``offline``, ``offline_directory``, ``project_name``, ``workspace``, ``api_key``;
            W&B ``project``, ``entity``, ``mode``, ``dir``. Unset options fall back to the
            tracker's own environment variables (``MLFLOW_TRACKING_URI``, ``COMET_API_KEY``,
            ``WANDB_MODE``, ...).

    Raises:
        SeedlockError: unknown backend or option, or the tracker library is not installed.

    Example:
        >>> log_run(None, "neptune")  # doctest: +IGNORE_EXCEPTION_DETAIL
        Traceback (most recent call last):
        seedlock._errors.SeedlockError: unknown tracker 'neptune'; accepted: mlflow, comet, wandb.
    """
    if backend not in BACKENDS:
        raise SeedlockError(f"unknown tracker {backend!r}; accepted: {', '.join(BACKENDS)}.")
    if not isinstance(record, RunRecord):
        raise SeedlockError(
            f"log_run() needs a RunRecord, got {type(record).__name__}. Pass result.record from "
            "run_command() or a record from Store().get(run_id)."
        )
    module = importlib.import_module(f"seedlock.trackers.{backend}")
    accepted = [name for name in inspect.signature(module.log).parameters if name != "payload"]
    unknown = sorted(set(options) - set(accepted))
    if unknown:
        raise SeedlockError(
            f"unknown {backend} option {unknown[0]!r}; accepted: {', '.join(accepted)}."
        )
    try:
        importlib.import_module(_EXTRAS[backend])
    except ImportError:
        raise SeedlockError(
            f"tracking to {backend} needs the {_EXTRAS[backend]} package, which is not installed. "
            f"Install it with `pip install 'seedlock[{backend}]'`."
        ) from None
    module.log(build_payload(record), **options)
