"""Headless plots (matplotlib Agg) of a sweep, a comparison and expected validation performance.

Figures are drawn at a paper's column width (3.3 in) with 7-8 pt text, so they print legibly
without scaling; PNGs are written at 300 dpi.

Determinism contract: the horizontal jitter of the per-seed points comes from
``derive("seedlock.report", "jitter", seed=0)``, so the same values give the same picture; no
global RNG or matplotlib state (``pyplot``, the default backend) is touched.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from seedlock._errors import SeedlockError
from seedlock._seed import derive
from seedlock.stats import Comparison, ExpectedMax, Summary

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

__all__ = ["plot_comparison", "plot_evp", "plot_sweep"]

_POINT = "#1f77b4"
_MEAN = "#d62728"
_IQM = "#2ca02c"
#: A two-column paper's column width, in inches.
COLUMN = 3.3
_TEXT = 7.0
_TITLE = 8.0
#: Colour-blind-safe (Okabe-Ito) colours for several arms.
_ARMS = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000")


def _figure(width: float, height: float, *, drop: str = "--plot") -> Figure:
    """A headless (Agg) figure; ``drop`` names what to leave out when matplotlib is missing."""
    try:
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure
    except ImportError:
        raise SeedlockError(
            "plots need matplotlib, which is not installed. Install it with "
            f"`pip install 'seedlock[stats]'` or drop {drop}."
        ) from None
    figure = Figure(figsize=(width, height), layout="constrained")
    FigureCanvasAgg(figure)
    return figure


def _save(figure: Figure, path: str | os.PathLike[str]) -> Path:
    target = Path(path)
    if target.suffix.lower() not in (".png", ".pdf", ".svg"):
        raise SeedlockError(
            f"plot path must end in .png, .pdf or .svg, got {str(target)!r}. Use e.g. out.png."
        )
    if not target.parent.is_dir():
        raise SeedlockError(
            f"cannot write the plot {str(target)!r}: the folder {str(target.parent)!r} does not "
            "exist. Create it first."
        )
    figure.savefig(target, dpi=300)
    return target


def _wrap(name: str, width: int = 14) -> str:
    """A long arm name on several lines, so that neighbouring labels at column width don't meet."""
    import textwrap

    return "\n".join(textwrap.wrap(name, width)) or name


def _style(ax: Axes) -> None:
    ax.tick_params(labelsize=_TEXT, length=2.5, pad=2)
    ax.yaxis.label.set_fontsize(_TEXT)
    ax.xaxis.label.set_fontsize(_TEXT)


def _strip_box(ax: Axes, groups: Sequence[np.ndarray], labels: Sequence[str]) -> None:
    rng = np.random.default_rng(derive("seedlock.report", "jitter", seed=0))
    positions = np.arange(1, len(groups) + 1)
    ax.boxplot(
        list(groups),
        positions=positions,
        widths=0.5,
        showfliers=False,
        medianprops={"color": "black", "linewidth": 0.8},
        boxprops={"linewidth": 0.8},
        whiskerprops={"linewidth": 0.8},
        capprops={"linewidth": 0.8},
    )
    for position, values in zip(positions, groups, strict=True):
        jitter = rng.uniform(-0.12, 0.12, size=values.size)
        ax.scatter(position + jitter, values, s=7, color=_POINT, alpha=0.7, linewidths=0, zorder=3)
    ax.set_xticks(positions, list(labels))
    ax.grid(axis="y", alpha=0.3, linewidth=0.5)
    _style(ax)


def _interval(ax: Axes, x: float, point: float, low: float, high: float, color: str) -> None:
    ax.errorbar(
        [x],
        [point],
        yerr=[[point - low], [high - point]],
        fmt="D",
        color=color,
        capsize=3,
        markersize=3.5,
        elinewidth=1,
        zorder=4,
    )


def plot_sweep(
    values: Mapping[str, np.ndarray],
    summaries: Mapping[str, Summary],
    path: str | os.PathLike[str],
    *,
    title: str = "",
) -> Path:
    """Per-seed strip + box plot of each metric, with the mean and IQM and their CIs.

    Args:
        values: metric name -> per-seed values.
        summaries: metric name -> :func:`seedlock.stats.summarize` of those values.
        path: where to write (``.png``, ``.pdf`` or ``.svg``).
        title: figure title, e.g. the sweep name.

    Returns:
        The path written.

    Example:
        >>> import os, tempfile
        >>> from seedlock.stats import summarize
        >>> v = {"acc": np.array([0.8, 0.82, 0.81, 0.85])}
        >>> out = plot_sweep(v, {"acc": summarize(v["acc"], n_resamples=200)},
        ...                  os.path.join(tempfile.mkdtemp(), "sweep.png"))
        >>> out.stat().st_size > 0
        True
    """
    names = [name for name in values if name in summaries]
    if not names:
        raise SeedlockError("plot_sweep() needs at least one metric with values and a summary.")
    figure = _figure(COLUMN if len(names) == 1 else 1.7 * len(names), 2.8)
    axes = figure.subplots(1, len(names), squeeze=False)[0]
    for ax, name in zip(axes, names, strict=True):
        s = summaries[name]
        _strip_box(ax, [np.asarray(values[name], dtype=np.float64)], [f"{name}\n(n={s.n})"])
        _interval(ax, 1.42, s.mean, s.mean_ci.low, s.mean_ci.high, _MEAN)
        _interval(ax, 1.58, s.iqm, s.iqm_ci.low, s.iqm_ci.high, _IQM)
        ax.set_xlim(0.5, 1.8)
        pct = round(s.mean_ci.level * 100)
        ax.set_title(
            f"mean {s.mean:.4g} (red)\nIQM {s.iqm:.4g} (green)\nbars: {pct}% bootstrap CI",
            fontsize=_TEXT,
        )
    if title:
        figure.suptitle(title, fontsize=_TITLE)
    return _save(figure, path)


def plot_comparison(
    a: np.ndarray,
    b: np.ndarray,
    comparison: Comparison,
    path: str | os.PathLike[str],
    *,
    metric: str = "",
) -> Path:
    """Side-by-side per-seed distributions of A and B, and the CI of the difference of means.

    Returns:
        The path written.

    Example:
        >>> import os, tempfile
        >>> from seedlock.stats import compare
        >>> a, b = np.array([0.9, 0.91, 0.93]), np.array([0.8, 0.84, 0.82])
        >>> out = plot_comparison(a, b, compare(a, b, n_resamples=200),
        ...                       os.path.join(tempfile.mkdtemp(), "cmp.png"))
        >>> out.suffix
        '.png'
    """
    c = comparison
    figure = _figure(COLUMN, 2.6)
    left, right = figure.subplots(1, 2, width_ratios=[2, 1])
    groups = [np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)]
    labels = [
        f"A: {_wrap(c.names[0])}\n(n={c.n_a})",
        f"B: {_wrap(c.names[1])}\n(n={c.n_b})",
    ]
    _strip_box(left, groups, labels)
    for position, mean in ((1.38, c.mean_a), (2.38, c.mean_b)):
        left.plot([position], [mean], "D", color=_MEAN, markersize=3.5)
    left.set_ylabel(metric or "value")
    direction = "higher is better" if c.higher_is_better else "lower is better"
    left.set_title(f"per seed ({direction}); red \u25c6: mean", fontsize=_TEXT)
    ci = c.difference_ci
    _interval(right, 0.0, c.difference, ci.low, ci.high, _MEAN)
    right.axhline(0.0, color="gray", linestyle="--", linewidth=0.8)
    right.set_xlim(-1, 1)
    right.set_xticks([0.0], ["A \u2212 B"])
    right.grid(axis="y", alpha=0.3, linewidth=0.5)
    _style(right)
    pct = round(ci.level * 100)
    right.set_title(
        f"diff., {pct}% CI\nP(A>B) = {c.prob_improvement:.2f}",
        fontsize=_TEXT,
    )
    headline = f"{c.better} is better" if c.better else "no reliable difference"
    figure.suptitle(f"{metric or 'value'}: {headline}", fontsize=_TITLE)
    return _save(figure, path)


def plot_evp(
    curves: Mapping[str, ExpectedMax],
    path: str | os.PathLike[str],
    *,
    metric: str = "",
) -> Path:
    """Expected best value of n runs (Dodge et al., 2019), one line and ±1 std band per arm.

    Args:
        curves: arm name -> :func:`seedlock.stats.expected_max` of its values.
        path: where to write (``.png``, ``.pdf`` or ``.svg``).
        metric: the metric's name, for the axis label.

    Returns:
        The path written.

    Example:
        >>> import os, tempfile
        >>> from seedlock.stats import expected_max
        >>> out = plot_evp({"adam": expected_max([0.8, 0.82, 0.85])},
        ...                os.path.join(tempfile.mkdtemp(), "evp.pdf"))
        >>> out.suffix
        '.pdf'
    """
    if not curves:
        raise SeedlockError("plot_evp() needs at least one curve.")
    figure = _figure(COLUMN, 2.4)
    ax = figure.subplots()
    for index, (name, curve) in enumerate(curves.items()):
        color = _ARMS[index % len(_ARMS)]
        n = np.asarray(curve.n)
        mean, std = np.asarray(curve.mean), np.asarray(curve.std)
        ax.plot(n, mean, color=color, linewidth=1.2, label=f"{name} (N={curve.observed})")
        ax.fill_between(n, mean - std, mean + std, color=color, alpha=0.18, linewidth=0)
    if max(curve.n[-1] for curve in curves.values()) > 20:
        ax.set_xscale("log")
    best = "best" if next(iter(curves.values())).higher_is_better else "lowest"
    ax.set_xlabel("runs (seeds or trials), n")
    ax.set_ylabel(f"expected {best} {metric or 'value'}")
    ax.set_title("expected validation performance, \u00b11 std", fontsize=_TEXT)
    ax.grid(alpha=0.3, linewidth=0.5)
    ax.legend(fontsize=_TEXT - 0.5, frameon=False, loc="lower right")
    _style(ax)
    return _save(figure, path)
