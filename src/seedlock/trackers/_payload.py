"""What every tracker receives for a run: seed and policy params, tags, metrics, history.

Determinism contract: the payload is a pure function of the run record (sorted keys, fixed
formats); building it reads no RNG and no clock, so a run logs the same values every time.
"""

from __future__ import annotations

import math
import shlex
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from seedlock.store import RunRecord

__all__ = ["DERIVATION_POLICY", "Payload", "build_payload"]

#: How seedlock derives every stream from the root seed (logged so a run can be re-derived).
DERIVATION_POLICY = (
    "seedlock-derive-v1: stream seed = SeedSequence(root, spawn_key=path words) with int path "
    "items as (0, lo32, hi32) and str items as (1, BLAKE2b-64 lo32, hi32); framework global "
    "seeds = root if root < 2**32 else SeedSequence(root) 32-bit"
)
_MAX_VALUE = 250


@dataclass(frozen=True)
class Payload:
    """A run as trackers see it.

    Attributes:
        run_name: the display name (``name`` or ``sweep``, with the seed).
        seed: the root seed.
        params: seed, derivation policy and launch flags (str values).
        tags: run id, sweep, status, command, user tags and the flattened fingerprint.
        metrics: the last numeric value of each metric.
        history: ``(step, {metric: value})`` in step order, for trackers that plot curves.
        fingerprint: the environment fingerprint, unflattened.
        ok: the run finished with exit code 0.
    """

    run_name: str
    seed: int
    params: dict[str, str]
    tags: dict[str, str]
    metrics: dict[str, float]
    history: list[tuple[int, dict[str, float]]]
    fingerprint: dict[str, Any] | None
    ok: bool


def _short(value: object) -> str:
    text = str(value)
    return text if len(text) <= _MAX_VALUE else text[: _MAX_VALUE - 3] + "..."


def _flatten(prefix: str, value: object, out: dict[str, str]) -> None:
    if isinstance(value, Mapping):
        for key in sorted(value, key=str):
            _flatten(f"{prefix}.{key}", value[key], out)
    elif isinstance(value, (list, tuple)):
        out[prefix] = _short(",".join(map(str, value)))
    elif value is not None:
        out[prefix] = _short(value)


def _number(value: object) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    number = float(value)
    return number if math.isfinite(number) else None


def build_payload(record: RunRecord) -> Payload:
    """The tracker payload of a finished run record.

    Example:
        >>> rec = RunRecord(id="0123456789ab", name="adam", command=["python", "t.py"], cwd="/",
        ...                 seed=42, status="finished", exit_code=0, started=0.0, ended=1.0,
        ...                 metrics={"acc": 0.9, "split": "val"})
        >>> p = build_payload(rec)
        >>> p.params["seedlock.seed"], p.metrics, p.run_name
        ('42', {'acc': 0.9}, 'adam-seed42')
    """
    params = {
        "seedlock.seed": str(record.seed),
        "seedlock.seed_hex": hex(record.seed),
        "seedlock.derivation": DERIVATION_POLICY,
        "seedlock.deterministic": str(record.deterministic),
        "seedlock.threads": "" if record.threads is None else str(record.threads),
    }
    tags = {
        "seedlock.run_id": record.id,
        "seedlock.status": record.status,
        "seedlock.exit_code": str(record.exit_code),
        "seedlock.command": _short(shlex.join(record.command)),
        "seedlock.host": record.host,
    }
    if record.sweep:
        tags["seedlock.sweep"] = record.sweep
    if record.name:
        tags["seedlock.name"] = record.name
    for key, value in sorted(record.tags.items()):
        tags[f"tag.{key}"] = _short(value)
    if record.fingerprint:
        _flatten("seedlock.env", record.fingerprint, tags)
    for key, metric in sorted(record.metrics.items()):
        if _number(metric) is None:
            tags[f"metric.{key}"] = _short(metric)
    metrics = {
        key: number
        for key, value in sorted(record.metrics.items())
        if (number := _number(value)) is not None
    }
    steps: dict[int, dict[str, float]] = {}
    for index, entry in enumerate(record.metric_history):
        raw_step = entry.get("step")
        step = raw_step if isinstance(raw_step, int) and not isinstance(raw_step, bool) else index
        for key, value in dict(entry.get("metrics", {})).items():
            number = _number(value)
            if number is not None:
                steps.setdefault(step, {})[str(key)] = number
    label = record.name or record.sweep or "run"
    return Payload(
        run_name=f"{label}-seed{record.seed}",
        seed=record.seed,
        params=params,
        tags=tags,
        metrics=metrics,
        history=sorted(steps.items()),
        fingerprint=record.fingerprint,
        ok=record.status == "finished",
    )
