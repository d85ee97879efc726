"""Headless figures (matplotlib Agg) of runs x tasks aggregates, sized for a paper column.

Three figures, each written as PNG and PDF: interval estimates of the median, IQM, mean and
optimality gap per arm; performance profiles with their confidence bands; P(X > Y) per pair of
arms with its interval. They are drawn 3.3 inches wide (one column of a two-column paper) with
text no smaller than 7 points.

Determinism contract: a figure is a pure function of the :class:`~seedlock.stats.TaskComparison`
given; no global RNG or matplotlib state (``pyplot``, rcParams, the default backend) is touched.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

from seedlock._errors import SeedlockError
from seedlock.report import _plots
from seedlock.stats import TaskComparison

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

__all__ = ["plot_tasks"]

_WIDTH = 3.3
_TEXT = 7.5
_COLORS = (
    "#1f77b4",
    "#d62728",
    "#2ca02c",
    "#ff7f0e",
    "#9467bd",
    "#8c564b",
    "#e377c2",
    "#7f7f7f",
    "#bcbd22",
    "#17becf",
)
_PANELS = (
    ("median", "Median"),
    ("iqm", "IQM"),
    ("mean", "Mean"),
    ("optimality_gap", "Optimality gap"),
)


def _figure(height: float) -> Figure:
    return _plots._figure(_WIDTH, height, drop="the plot option")


def _color(index: int) -> str:
    return _COLORS[index % len(_COLORS)]


def _style(ax: Axes) -> None:
    ax.tick_params(labelsize=_TEXT, length=2.5, pad=2)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)


def _paths(path: str | os.PathLike[str], name: str) -> list[Path]:
    base = Path(path)
    if base.suffix.lower() in (".png", ".pdf", ".svg"):
        base = base.with_suffix("")
    if not base.parent.is_dir():
        raise SeedlockError(
            f"cannot write the plots {str(base)!r}-*: the folder {str(base.parent)!r} does not "
            "exist. Create it first."
        )
    return [base.with_name(f"{base.name}-{name}{suffix}") for suffix in (".png", ".pdf")]


def _save(figure: Figure, targets: list[Path]) -> list[Path]:
    for target in targets:
        figure.savefig(target, dpi=300 if target.suffix == ".png" else None)
    return targets


def _intervals(c: TaskComparison, targets: list[Path]) -> list[Path]:
    arms = list(c.arms)
    figure = _figure(0.8 + 0.68 * len(arms))
    axes = figure.subplots(2, 2, sharey=True)
    positions = list(range(len(arms)))[::-1]
    for (key, title), ax in zip(_PANELS, axes.ravel(), strict=True):
        for index, (arm, y) in enumerate(zip(arms, positions, strict=True)):
            e = c.aggregates[arm][key]
            ax.barh(
                y,
                e.high - e.low,
                left=e.low,
                height=0.6,
                color=_color(index),
                alpha=0.75,
            )
            ax.vlines(e.value, y - 0.3, y + 0.3, color="black", linewidth=1.2)
        ax.set_title(title, fontsize=_TEXT + 0.5, pad=3)
        ax.set_yticks(positions, arms)
        ax.grid(axis="x", alpha=0.3, linewidth=0.5)
        # Bars stick to their left edge by default; a margin keeps the lowest off the spine.
        ax.use_sticky_edges = False
        ax.margins(x=0.08)
        ax.xaxis.set_major_locator(_locator())
        _style(ax)
    figure.supxlabel(
        f"Score ({c.confidence:.0%} stratified bootstrap CI, {c.ci}; gap at γ={c.gamma:g})",
        fontsize=_TEXT,
    )
    return _save(figure, targets)


def _locator() -> object:
    from matplotlib.ticker import MaxNLocator

    return MaxNLocator(nbins=3)


def _profiles(c: TaskComparison, targets: list[Path]) -> list[Path]:
    figure = _figure(2.4)
    ax = figure.subplots()
    for index, arm in enumerate(c.arms):
        p = c.profiles[arm]
        ax.plot(p.taus, p.fraction, color=_color(index), linewidth=1.3, label=arm)
        ax.fill_between(p.taus, p.low, p.high, color=_color(index), alpha=0.2, linewidth=0)
    relation = ">" if c.higher_is_better else "<"
    ax.set_xlabel("Score threshold τ", fontsize=_TEXT)
    ax.set_ylabel(f"Fraction of runs with score {relation} τ", fontsize=_TEXT)
    ax.set_ylim(-0.02, 1.02)
    ax.grid(alpha=0.3, linewidth=0.5)
    ax.legend(fontsize=_TEXT, frameon=False, loc="best")
    _style(ax)
    return _save(figure, targets)


def _improvement(c: TaskComparison, targets: list[Path]) -> list[Path]:
    pairs = list(c.improvement)
    figure = _figure(0.7 + 0.32 * max(1, len(pairs)))
    ax = figure.subplots()
    positions = list(range(len(pairs)))[::-1]
    index_of = {arm: i for i, arm in enumerate(c.arms)}
    for pair, y in zip(pairs, positions, strict=True):
        e = pair.estimate
        ax.barh(
            y, e.high - e.low, left=e.low, height=0.6, color=_color(index_of[pair.x]), alpha=0.75
        )
        ax.vlines(e.value, y - 0.3, y + 0.3, color="black", linewidth=1.2)
    ax.axvline(0.5, color="gray", linestyle="--", linewidth=0.8)
    rel = ">" if c.higher_is_better else "<"
    ax.set_yticks(positions, [f"{p.x} {rel} {p.y}" for p in pairs])
    ax.set_xlim(0.0, 1.0)
    ax.set_xlabel(f"P(X {rel} Y), X better than Y ({c.confidence:.0%} CI)", fontsize=_TEXT)
    ax.grid(axis="x", alpha=0.3, linewidth=0.5)
    _style(ax)
    return _save(figure, targets)


def plot_tasks(comparison: TaskComparison, path: str | os.PathLike[str]) -> list[Path]:
    """Write the interval-estimate, performance-profile and P(X > Y) figures as PNG and PDF.

    ``path`` names the figures: ``out.png`` (or ``out``) gives ``out-intervals.png``,
    ``out-profiles.png`` and ``out-improvement.png``, each with its ``.pdf``; the P(X > Y)
    figure is left out when there is a single arm.

    Returns:
        The files written.

    Raises:
        SeedlockError: matplotlib missing, or the folder of ``path`` does not exist.

    Example:
        >>> import os, tempfile
        >>> from seedlock.stats import compare_tasks
        >>> c = compare_tasks({"a": [[1.0, 0.4], [1.2, 0.6]], "b": [[0.8, 0.3], [0.9, 0.5]]},
        ...     n_resamples=200)
        >>> [p.name for p in plot_tasks(c, os.path.join(tempfile.mkdtemp(), "fig.png"))][:2]
        ['fig-intervals.png', 'fig-intervals.pdf']
    """
    written = _intervals(comparison, _paths(path, "intervals"))
    written += _profiles(comparison, _paths(path, "profiles"))
    if comparison.improvement:
        written += _improvement(comparison, _paths(path, "improvement"))
    return written
