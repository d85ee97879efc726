"""Variance attribution for a stream-varying sweep: its cells and values, the report, the plot.

Determinism contract: loading reads only, in the store's order; the report's intervals come
from :func:`seedlock.stats.variance_components` with a fixed bootstrap seed, and the plot draws
no randomness, so the same sweep gives the same numbers and picture.
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from seedlock._errors import SeedlockError
from seedlock._variance import VarianceReport, variance_components
from seedlock.report._plots import _figure, _save

if TYPE_CHECKING:
    from seedlock.store import RunRecord

__all__ = ["VarianceRuns", "load_variance_runs", "plot_variance", "sweep_variance"]


@dataclass(frozen=True)
class VarianceRuns:
    """The finished runs of a ``seedlock sweep --vary`` sweep, ready for attribution.

    Attributes:
        sweep: the sweep name.
        design: ``"one-at-a-time"`` or ``"factorial"``.
        vary: the varied streams.
        metric: the metric the values are of.
        cells: the varied streams' seeds of each run.
        values: the metric of each run.
        missing: cells with no finished run, or whose metric is missing or not finite.
    """

    sweep: str
    design: str
    vary: list[str]
    metric: str
    cells: list[dict[str, int]]
    values: list[float]
    missing: list[str]


def load_variance_runs(
    sweep: str, *, metric: str | None = None, store: str | os.PathLike[str] | None = None
) -> VarianceRuns:
    """The cells and metric values of the stream-varying sweep ``sweep``.

    Args:
        sweep: the sweep's name.
        metric: which metric; ``None`` takes the only one the runs logged.
        store: the run store (default ``.seedlock/runs.db`` or ``$SEEDLOCK_STORE``).

    Raises:
        SeedlockError: no such sweep, a sweep that varied no streams, or an ambiguous metric.
    """
    from seedlock._seed import parse_streams
    from seedlock.store import Store
    from seedlock.sweep import CELL_TAG, load_spec, spec_path

    runs_store = Store(store)
    spec = load_spec(spec_path(runs_store.path, sweep))
    if spec is None:
        raise SeedlockError(
            f"no sweep named {sweep!r} in {str(runs_store.path)!r}. Run one with `seedlock sweep "
            f"--name {sweep} --vary data,global --seeds 0-9 -- python train.py`."
        )
    if not spec.vary:
        raise SeedlockError(
            f"sweep {sweep!r} varied the root seed, not single streams, so its variance cannot be "
            "split by source. Run a new sweep with --vary (e.g. --vary data,global)."
        )
    by_cell: dict[str, RunRecord] = {}
    for record in runs_store.runs(sweep=sweep, status="finished"):
        label = record.tags.get(CELL_TAG)
        if label is not None and label not in by_cell:
            by_cell[label] = record
    names = sorted({name for record in by_cell.values() for name in record.metrics})
    if metric is None:
        numeric = [n for n in names if _number(by_cell, n)]
        if len(numeric) != 1:
            raise SeedlockError(
                f"sweep {sweep!r} logged the metrics {numeric or 'none'}; choose one with "
                "--metric (seedlock.stats: metric=...)."
            )
        metric = numeric[0]
    elif metric not in names:
        raise SeedlockError(
            f"no run of sweep {sweep!r} logged the metric {metric!r}; it logged "
            f"{', '.join(names) or 'no metrics'}."
        )
    cells: list[dict[str, int]] = []
    values: list[float] = []
    missing: list[str] = []
    for key in spec.keys:
        label = spec.describe(key)
        found = by_cell.get(label)
        value = None if found is None else found.metrics.get(metric)
        if isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value):
            cells.append(parse_streams(label))
            values.append(float(value))
        else:
            missing.append(label)
    return VarianceRuns(sweep, spec.design, list(spec.vary), metric, cells, values, missing)


def _number(records: Mapping[str, RunRecord], metric: str) -> bool:
    return any(
        isinstance(r.metrics.get(metric), (int, float)) and not isinstance(r.metrics[metric], bool)
        for r in records.values()
    )


def sweep_variance(
    runs: VarianceRuns, *, confidence: float = 0.95, resamples: int = 2000, seed: int = 0
) -> VarianceReport:
    """:func:`seedlock.stats.variance_components` of a loaded sweep.

    Missing cells are refused for factorial designs (the crossing must be complete) and
    reported for one-at-a-time designs, which use the runs they have.
    """
    if runs.missing and runs.design == "factorial":
        shown = ", ".join(runs.missing[:5]) + (" ..." if len(runs.missing) > 5 else "")
        raise SeedlockError(
            f"sweep {runs.sweep!r} is missing {len(runs.missing)} of its factorial cells "
            f"({shown}): failed, unfinished or without {runs.metric!r}. Finish them with "
            f"`seedlock sweep --name {runs.sweep} --resume`."
        )
    return variance_components(
        runs.cells,
        runs.values,
        design=runs.design,
        confidence=confidence,
        resamples=resamples,
        seed=seed,
    )


def plot_variance(report: VarianceReport, path: str | os.PathLike[str], *, title: str = "") -> Path:
    """One bar per source of variance (its share), with the bootstrap interval.

    Example:
        >>> import os, tempfile
        >>> from seedlock.stats import variance_components
        >>> cells = [{"data": d, "global": g} for d in range(3) for g in range(3)]
        >>> rep = variance_components(cells, [3.0 * d + g for d in range(3) for g in range(3)],
        ...                           design="factorial", resamples=200)
        >>> plot_variance(rep, os.path.join(tempfile.mkdtemp(), "v.png")).stat().st_size > 0
        True
    """
    components = report.components
    figure = _figure(max(3.2, 0.9 * len(components) + 1.6), 3.2)
    ax = figure.subplots()
    positions = range(len(components))
    shares = [100 * c.share for c in components]
    low = [100 * (c.share - c.share_ci[0]) for c in components]
    high = [100 * (c.share_ci[1] - c.share) for c in components]
    colors = ["#7f7f7f" if c.source == "residual" else "#1f77b4" for c in components]
    ax.bar(positions, shares, color=colors, width=0.6)
    ax.errorbar(positions, shares, yerr=[low, high], fmt="none", ecolor="black", capsize=4)
    ax.set_xticks(list(positions), [c.source for c in components])
    ax.set_ylim(0, 105)
    ax.set_ylabel("share of variance (%)")
    level = round(report.confidence * 100)
    ax.set_title(
        (f"{title}\n" if title else "") + f"{report.design}, {report.n} runs; bars: {level}% CI",
        fontsize=9,
    )
    ax.grid(axis="y", alpha=0.3)
    return _save(figure, path)
