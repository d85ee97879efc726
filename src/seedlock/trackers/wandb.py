"""Log a seedlock run to Weights & Biases (online, or offline with ``mode="offline"``).

Determinism contract: logs exactly the payload built from the run record into a new W&B run
(``reinit="create_new"``, so a run the program already has open is left alone), with console
capture, code saving and system stats turned off.
"""

from __future__ import annotations

from typing import Any

from seedlock.trackers._payload import Payload

__all__ = ["log"]

_EXACT_INT = 2**53


def log(
    payload: Payload,
    *,
    project: str | None = None,
    entity: str | None = None,
    mode: str | None = None,
    dir: str | None = None,  # noqa: A002  (W&B's own name for it)
) -> str:
    """Log the payload as one W&B run; return its run id.

    Args:
        payload: from :func:`seedlock.trackers.build_payload`.
        project: W&B project (default ``$WANDB_PROJECT`` or ``"seedlock"``).
        entity: W&B entity (default ``$WANDB_ENTITY``).
        mode: ``"online"``, ``"offline"`` or ``"disabled"`` (default ``$WANDB_MODE``).
        dir: where W&B writes its run directory (default ``$WANDB_DIR`` or ``.``).

    Example:
        >>> log(payload, mode="offline", dir="wandb-runs")  # doctest: +SKIP
    """
    import os

    import wandb

    seed: Any = payload.seed if payload.seed < _EXACT_INT else str(payload.seed)
    config: dict[str, Any] = {"seed": seed, **payload.params}
    if payload.fingerprint is not None:
        config["seedlock.fingerprint"] = payload.fingerprint
    settings = wandb.Settings(
        console="off", save_code=False, disable_git=True, x_disable_stats=True, silent=True
    )
    run = wandb.init(
        project=project or os.environ.get("WANDB_PROJECT") or "seedlock",
        entity=entity,
        name=payload.run_name,
        config=config,
        tags=["seedlock"],
        group=payload.tags.get("seedlock.sweep"),
        mode=mode,  # type: ignore[arg-type]
        dir=dir,
        reinit="create_new",
        settings=settings,
    )
    try:
        for step, values in payload.history:
            run.log(values, step=step)
        run.summary.update({**payload.metrics, **payload.tags})
        run_id: str = run.id
    finally:
        run.finish(exit_code=0 if payload.ok else 1)
    return run_id
