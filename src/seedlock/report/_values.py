"""Per-seed metric values from a sweep in the run store or from a CSV/JSON file.

Determinism contract: loading reads only; values come back in a fixed order (by seed for sweeps,
by file order for files), so the statistics computed from them are reproducible.
"""

from __future__ import annotations

import csv
import math
import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from seedlock._base import limits, persist
from seedlock._errors import SeedlockError

if TYPE_CHECKING:
    from seedlock.store import RunRecord

__all__ = ["MetricValues", "load_values", "sweep_values"]

_FILE_SUFFIXES = (".csv", ".json")


@dataclass(frozen=True)
class MetricValues:
    """Numeric metrics, one row per seed (or per line of a file).

    Attributes:
        source: the sweep name or file path the values came from.
        seeds: the seed of each row (``None`` when a file gives no seed column).
        metrics: metric name -> one value per row (``nan`` where the row lacks the metric).
        failed: seeds of the sweep's runs that failed (excluded from ``metrics``).
        running: seeds of the sweep's runs still running or unfinished.
    """

    source: str
    seeds: tuple[int | None, ...]
    metrics: dict[str, tuple[float, ...]]
    failed: tuple[int, ...] = ()
    running: tuple[int, ...] = field(default=())

    @property
    def names(self) -> list[str]:
        """Metric names, sorted."""
        return sorted(self.metrics)

    def values(self, metric: str) -> np.ndarray:
        """The finite values of ``metric`` (rows without it are skipped).

        Raises:
            SeedlockError: the metric is unknown; the message lists the available ones.
        """
        if metric not in self.metrics:
            raise SeedlockError(
                f"unknown metric {metric!r} in {self.source!r}; available: "
                f"{', '.join(self.names) or '(none)'}. Pass one of them with --metric."
            )
        arr = np.asarray(self.metrics[metric], dtype=np.float64)
        return arr[np.isfinite(arr)]

    def pick(self, metric: str | None) -> str:
        """``metric`` if given (checked), else the only metric there is.

        Raises:
            SeedlockError: unknown metric, or several metrics and none chosen.
        """
        if metric is not None:
            self.values(metric)
            return metric
        if len(self.metrics) == 1:
            return next(iter(self.metrics))
        raise SeedlockError(
            f"{self.source!r} has {len(self.metrics)} metrics: "
            f"{', '.join(self.names) or '(none)'}. Choose one with --metric."
        )


def _number(value: object) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            return None
    return None


def _from_rows(source: str, rows: Sequence[Mapping[str, object]]) -> MetricValues:
    """Rows of ``{column: value}``: ``seed`` is the seed, every all-numeric column a metric."""
    keys: list[str] = []
    for row in rows:
        keys.extend(k for k in row if k not in keys)
    seeds: list[int | None] = []
    for index, row in enumerate(rows):
        raw = row.get("seed")
        number = None if raw in (None, "") else _number(raw)
        if raw not in (None, "") and (number is None or not number.is_integer() or number < 0):
            raise SeedlockError(
                f"{source!r} row {index + 1}: seed must be a non-negative whole number, got "
                f"{raw!r}. Fix the seed column or rename it."
            )
        seeds.append(None if number is None else int(number))
    metrics: dict[str, tuple[float, ...]] = {}
    for key in keys:
        if key == "seed":
            continue
        column: list[float] = []
        for row in rows:
            raw = row.get(key)
            number = math.nan if raw in (None, "") else _number(raw)
            if number is None:
                break  # a text column (a label, a path) is not a metric
            column.append(number)
        else:
            if any(math.isfinite(v) for v in column):
                metrics[key] = tuple(column)
    return MetricValues(source=source, seeds=tuple(seeds), metrics=metrics)


def _csv_rows(path: Path) -> list[dict[str, object]]:
    try:
        with path.open(newline="", encoding="utf-8") as handle:
            lines = [row for row in csv.reader(handle) if any(cell.strip() for cell in row)]
    except (UnicodeDecodeError, csv.Error) as exc:
        raise SeedlockError(f"cannot read {str(path)!r} as a UTF-8 CSV ({exc}).") from None
    if any(len(cell) > limits.MAX_CSV_FIELD_CHARS for row in lines for cell in row):
        raise SeedlockError(
            f"{str(path)!r} has a cell longer than {limits.MAX_CSV_FIELD_CHARS} characters; "
            "it is not a values file."
        )
    if not lines:
        raise SeedlockError(f"{str(path)!r} is empty; expected a header row and one row per seed.")
    header = [cell.strip() for cell in lines[0]]
    if len(header) == 1 and _number(header[0]) is not None:
        # A bare column of numbers without a header.
        header, body = ["value"], lines
    else:
        body = lines[1:]
    rows: list[dict[str, object]] = []
    for number, line in enumerate(body, start=2):
        if len(line) != len(header):
            raise SeedlockError(
                f"{str(path)!r} line {number} has {len(line)} cells but the header has "
                f"{len(header)}. Every row needs one cell per column."
            )
        rows.append({key: cell.strip() for key, cell in zip(header, line, strict=True)})
    return rows


def _json_rows(path: Path) -> list[dict[str, object]]:
    try:
        data: Any = persist.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise SeedlockError(f"cannot read {str(path)!r} as JSON ({exc}).") from None
    source = str(path)
    if isinstance(data, list) and all(_number(v) is not None for v in data):
        return [{"value": v} for v in data]
    if isinstance(data, list) and all(isinstance(v, dict) for v in data):
        return [dict(v) for v in data]
    if (
        isinstance(data, dict)
        and data
        and all(isinstance(v, list) for v in data.values())
        and len({len(v) for v in data.values()}) == 1
    ):
        length = len(next(iter(data.values())))
        return [{k: v[i] for k, v in data.items()} for i in range(length)]
    raise SeedlockError(
        f"{source!r} is not a values file. Accepted JSON: a list of numbers [0.81, 0.83], a dict "
        'of equally long lists {"accuracy": [...], "seed": [...]}, or a list of objects '
        '[{"seed": 0, "accuracy": 0.81}, ...].'
    )


def _file_rows(path: Path) -> list[dict[str, object]]:
    """The rows of a ``.csv`` or ``.json`` values file, as ``{column: value}``."""
    return _csv_rows(path) if path.suffix.lower() == ".csv" else _json_rows(path)


def _is_file_source(source: str) -> bool:
    return Path(source).is_file() or source.lower().endswith(_FILE_SUFFIXES)


def sweep_values(records: Sequence[RunRecord], source: str) -> MetricValues:
    """Numeric metrics of a sweep's runs: the newest finished run per seed, in seed order.

    Example:
        >>> sweep_values([], "empty").metrics
        {}
    """
    ordered = sorted(records, key=lambda r: r.started)
    return _values_of_runs(((r.seed, r.status, r.metrics) for r in ordered), source)


def _values_of_runs(
    runs: Iterable[tuple[int, str, Mapping[str, object]]], source: str
) -> MetricValues:
    """Values from ``(seed, status, metrics)`` of a sweep's runs, oldest first."""
    newest: dict[int, Mapping[str, object]] = {}
    failed: set[int] = set()
    running: set[int] = set()
    for seed, status, metrics in runs:
        if status == "finished":
            newest[seed] = metrics
        elif status in ("failed", "killed"):
            failed.add(seed)
        elif status in ("running", "unfinished"):
            running.add(seed)
    rows = [
        {"seed": seed, **{k: v for k, v in newest[seed].items() if k != "seed"}}
        for seed in sorted(newest)
    ]
    values = _from_rows(source, rows)
    return MetricValues(
        source=source,
        seeds=values.seeds,
        metrics=values.metrics,
        failed=tuple(sorted(failed - set(newest))),
        running=tuple(sorted(running - set(newest))),
    )


def load_values(
    source: str | os.PathLike[str], *, store: str | os.PathLike[str] | None = None
) -> MetricValues:
    """Values of a sweep in the run store, or of a ``.csv``/``.json`` file.

    ``source`` is a file when it exists as one or ends in ``.csv``/``.json``; otherwise it is a
    sweep name looked up in ``store`` (default: ``$SEEDLOCK_STORE`` or ``./.seedlock/runs.db``).

    Raises:
        SeedlockError: missing file, unreadable file, or no sweep of that name.

    Example:
        >>> import json, tempfile, os
        >>> path = os.path.join(tempfile.mkdtemp(), "a.json")
        >>> with open(path, "w") as out:
        ...     _ = out.write(json.dumps([0.8, 0.82, 0.81]))
        >>> load_values(path).values("value").tolist()
        [0.8, 0.82, 0.81]
    """
    text = os.fspath(source)
    if _is_file_source(text):
        path = Path(text)
        if not path.is_file():
            raise SeedlockError(
                f"values file {text!r} does not exist. Give a CSV/JSON file of per-seed values "
                "or the name of a sweep in the store."
            )
        return _from_rows(str(path), _file_rows(path))
    from seedlock.store import Store

    run_store = Store(store)
    # Only (seed, status, metrics) of this sweep's rows are read, streamed: the store may hold
    # far more runs than the sweep, with large fingerprints and histories.
    values = _values_of_runs(run_store.sweep_rows(text), text)
    if not values.seeds and not values.failed and not values.running:
        if text in run_store.sweeps():
            return values
        known = run_store.sweeps()
        raise SeedlockError(
            f"no sweep named {text!r} in the store {str(run_store.path)!r} and no such file; "
            f"known sweeps: {', '.join(known) or '(none)'}. Run `seedlock sweep --name {text} ...` "
            "or pass a CSV/JSON file."
        )
    return values
