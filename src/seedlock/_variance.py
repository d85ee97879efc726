"""Variance attribution: how much of a metric's spread over seeds each stream causes.

Determinism contract: the estimates are plain functions of the values; the bootstrap intervals
draw from ``derive("seedlock.variance", seed=seed)`` (``seed=0`` unless given), so the same
values always give the same report.

Two designs, both made by ``seedlock sweep --vary``:

* **one-at-a-time**: each stream is varied alone while every other stream keeps the base seed.
  The sample variance (``ddof=1``) of a stream's runs estimates that stream's variance
  component. Run-to-run noise that no seed controls (nondeterministic kernels) is part of every
  stream's estimate, and interactions with the held streams are evaluated at their base seeds.
* **factorial**: every combination of the varied streams' seeds (a balanced, fully crossed
  design). A main-effects random-effects ANOVA (method of moments, the classic expected mean
  squares) gives each stream's component ``(MS_stream - MS_residual) / runs_per_level``,
  truncated at 0, and the residual (interactions plus uncontrolled noise) is ``MS_residual``.
  The ANOVA estimator is unbiased for balanced data, needs no iterative fit, and is what
  Bouthillier et al. (2021) and standard texts (Searle, Casella & McCulloch, *Variance
  Components*) use for crossed seed studies.

Intervals are percentile bootstrap intervals: one-at-a-time designs resample runs within each
stream; factorial designs resample the seeds of every stream independently (the
cross-classified, "pigeonhole" bootstrap of McCullagh, 2000), which keeps the crossing intact.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from seedlock._errors import SeedlockError

__all__ = ["VarianceComponent", "VarianceReport", "variance_components"]

DESIGNS = ("one-at-a-time", "factorial")
RESIDUAL = "residual"
_Z95 = 1.959963984540054
_MAX_RESAMPLES = 1_000_000


@dataclass(frozen=True)
class VarianceComponent:
    """One source of variance.

    Attributes:
        source: the stream name, or ``"residual"`` (interactions and noise no seed controls).
        variance: the estimated variance component.
        share: ``variance`` over the sum of every component.
        share_ci: the bootstrap interval of ``share``.
        variance_ci: the bootstrap interval of ``variance``.
        levels: how many seeds of this source the design has (runs for the residual).
    """

    source: str
    variance: float
    share: float
    share_ci: tuple[float, float]
    variance_ci: tuple[float, float]
    levels: int

    def to_dict(self) -> dict[str, Any]:
        """A JSON-able dict."""
        return {
            "source": self.source,
            "variance": self.variance,
            "share": self.share,
            "share_ci": list(self.share_ci),
            "variance_ci": list(self.variance_ci),
            "levels": self.levels,
        }


@dataclass(frozen=True)
class VarianceReport:
    """The result of :func:`variance_components`.

    Attributes:
        design: ``"one-at-a-time"`` or ``"factorial"``.
        method: how the components were estimated, in words.
        n: runs used.
        components: one per varied stream (largest first), plus ``residual`` for factorial
            designs.
        confidence: the level of every interval.
        resamples: bootstrap resamples drawn.
    """

    design: str
    method: str
    n: int
    components: list[VarianceComponent]
    confidence: float
    resamples: int

    @property
    def total(self) -> float:
        """The sum of every component: the variance of a run that varies every source."""
        return float(sum(c.variance for c in self.components))

    @property
    def dominant(self) -> VarianceComponent:
        """The component with the largest share."""
        return max(self.components, key=lambda c: c.share)

    @property
    def dominance_clear(self) -> bool:
        """The dominant share's interval lies above every other share's interval."""
        top = self.dominant
        return all(top.share_ci[0] > c.share_ci[1] for c in self.components if c is not top)

    def seeds_needed(self, precision: float) -> int:
        """Seeds per arm for a 95% interval of a two-arm mean difference of ±``precision``.

        Every source is assumed varied in every run (a plain ``seedlock sweep``), so each run
        carries the whole variance :attr:`total`: ``n = ceil(2 * 1.96**2 * total / precision**2)``.

        Example:
            >>> report = variance_components([{"data": 0}, {"data": 1}, {"data": 2}], [1., 2., 3.],
            ...                              design="one-at-a-time", resamples=100)
            >>> report.seeds_needed(1.0)
            8
        """
        if not (isinstance(precision, (int, float)) and math.isfinite(precision) and precision > 0):
            raise SeedlockError(
                f"seeds_needed(precision=...) must be a positive number, got {precision!r}."
            )
        return max(2, math.ceil(2 * _Z95**2 * self.total / precision**2))

    def advice(self, precision: float | None = None) -> list[str]:
        """Plain-language conclusions: the dominant source, seeds needed, fairness of holding it.

        Args:
            precision: the half-width wanted for a two-arm comparison; default: a quarter of the
                total standard deviation.
        """
        total = self.total
        top = self.dominant
        lines = []
        if total <= 0:
            return ["No variance at all across these runs: every source gave identical results."]
        low, high = top.share_ci
        strength = "clearly " if self.dominance_clear else ""
        level = f"({self.confidence:.0%} CI {low:.0%} to {high:.0%})"
        if top.source == RESIDUAL:
            lines.append(
                f"The residual is {strength}the dominant source: {top.share:.0%} of the variance "
                f"{level} comes from interactions between the streams (and any noise no seed "
                "controls), not from one stream alone; vary every stream together."
            )
        else:
            lines.append(
                f"{top.source} is {strength}the dominant source: {top.share:.0%} of the variance "
                f"{level}."
            )
        if not self.dominance_clear and len(self.components) > 1:
            lines.append(
                "The intervals overlap: with this many seeds the ranking of sources is not "
                "settled; add seeds to the varied streams to separate them."
            )
        sd = math.sqrt(total)
        if precision is None:
            lines.append(
                f"Total standard deviation over seeds: {sd:.4g}. To compare two methods, vary "
                f"every stream (a plain `seedlock sweep`) with {self.seeds_needed(sd / 2)} seeds "
                f"per arm to resolve ±{sd / 2:.3g} or {self.seeds_needed(sd / 4)} for "
                f"±{sd / 4:.3g} (95%); give a precision for your own threshold."
            )
        else:
            lines.append(
                f"Total standard deviation over seeds: {sd:.4g}. To compare two methods to "
                f"±{precision:.3g} (95%), vary every stream (a plain `seedlock sweep`) and run "
                f"{self.seeds_needed(precision)} seeds per arm."
            )
        for component in self.components:
            if component.source == RESIDUAL or component.share < 0.25:
                continue
            kept = 1.0 - component.share
            narrow = math.inf if kept <= 0 else 1 / math.sqrt(kept)
            lines.append(
                f"A comparison that holds {component.source} fixed (one {component.source} seed "
                f"for every run) sees only {kept:.0%} of the variance: its intervals are "
                f"{narrow:.1f}x too narrow and its verdict holds for that one "
                f"{component.source} seed only. Vary {component.source} with the other streams."
            )
        return lines

    def to_dict(self) -> dict[str, Any]:
        """A JSON-able dict of the whole report."""
        return {
            "design": self.design,
            "method": self.method,
            "n": self.n,
            "total": self.total,
            "dominant": self.dominant.source,
            "dominance_clear": self.dominance_clear,
            "confidence": self.confidence,
            "resamples": self.resamples,
            "components": [c.to_dict() for c in self.components],
            "advice": self.advice(),
        }

    def format(self, precision: float | None = None) -> str:
        """A table of the components and the advice (see :meth:`advice`), for a terminal."""
        level = f"{self.confidence:.0%} CI"
        rows = [f"{'source':<14} {'variance':>12} {'share':>7}  {level:<17} levels"]
        for c in self.components:
            ci = f"[{c.share_ci[0]:.0%}, {c.share_ci[1]:.0%}]"
            rows.append(f"{c.source:<14} {c.variance:>12.4g} {c.share:>7.1%}  {ci:<17} {c.levels}")
        head = f"variance by source ({self.design}, {self.n} runs; {self.method})"
        return "\n".join([head, *rows, "", *self.advice(precision)])


def _check(
    cells: Sequence[Mapping[str, int]],
    values: Sequence[float] | np.ndarray,
    design: str,
    confidence: float,
    resamples: int,
) -> tuple[list[dict[str, int]], np.ndarray]:
    if design not in DESIGNS:
        raise SeedlockError(
            f"variance_components(design=...) must be one of {', '.join(DESIGNS)}, got {design!r}."
        )
    if not (isinstance(confidence, float) and 0 < confidence < 1):
        raise SeedlockError(
            f"variance_components(confidence=...) must be a float in (0, 1), got {confidence!r}."
        )
    if isinstance(resamples, bool) or not isinstance(resamples, int):
        raise SeedlockError(
            f"variance_components(resamples=...) must be an int, got {resamples!r}."
        )
    if not 100 <= resamples <= _MAX_RESAMPLES:
        raise SeedlockError(
            f"variance_components(resamples=...) must be in [100, {_MAX_RESAMPLES}], got "
            f"{resamples}."
        )
    rows = [dict(cell) for cell in cells]
    y = np.asarray(values, dtype=float).reshape(-1)
    if len(rows) != len(y):
        raise SeedlockError(
            f"variance_components needs one cell per value, got {len(rows)} cells and {len(y)} "
            "values."
        )
    if not np.isfinite(y).all():
        bad = [i for i, v in enumerate(y) if not math.isfinite(v)]
        raise SeedlockError(
            f"variance_components got non-finite values at positions {bad[:10]}. Drop or "
            "repair those runs first (they are failed or diverged runs)."
        )
    return rows, y


def variance_components(
    cells: Sequence[Mapping[str, int]],
    values: Sequence[float] | np.ndarray,
    *,
    design: str,
    confidence: float = 0.95,
    resamples: int = 2000,
    seed: int = 0,
) -> VarianceReport:
    """The share of a metric's variance due to each stream, with bootstrap intervals.

    Args:
        cells: for each run, the seeds of the streams that were varied (``{"data": 3}``, or
            ``{"data": 3, "global": 1}`` in a factorial design), as ``seedlock sweep --vary``
            records them.
        values: the metric of each run.
        design: ``"one-at-a-time"`` (each cell names one stream) or ``"factorial"`` (every cell
            names the same streams and every combination of their seeds occurs equally often).
        confidence: the level of the bootstrap intervals.
        resamples: bootstrap resamples.
        seed: the seed of the bootstrap.

    Returns:
        A :class:`VarianceReport`; see the module docstring for the estimators.

    Raises:
        SeedlockError: a stream with fewer than 2 seeds, an unbalanced factorial design,
            non-finite values, or bad options.

    Example:
        >>> cells = [{"data": d, "global": g} for d in range(4) for g in range(4)]
        >>> values = [10.0 * d + g for d in range(4) for g in range(4)]
        >>> report = variance_components(cells, values, design="factorial", resamples=200)
        >>> report.dominant.source, round(report.dominant.share, 2)
        ('data', 0.99)
    """
    rows, y = _check(cells, values, design, confidence, resamples)
    rng = np.random.default_rng(_bootstrap_seed(seed))
    if design == "one-at-a-time":
        return _one_at_a_time(rows, y, confidence, resamples, rng)
    return _factorial(rows, y, confidence, resamples, rng)


def _bootstrap_seed(seed: int) -> int:
    from seedlock._seed import derive

    return derive("seedlock.variance", seed=seed)


def _interval(samples: np.ndarray, confidence: float) -> tuple[float, float]:
    alpha = (1 - confidence) / 2
    low, high = np.quantile(samples, [alpha, 1 - alpha])
    return float(low), float(high)


def _shares(variances: np.ndarray) -> np.ndarray:
    total = variances.sum(axis=-1, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        shares = np.where(total > 0, variances / np.where(total > 0, total, 1), 0.0)
    return shares


def _report(
    design: str,
    method: str,
    sources: list[str],
    levels: list[int],
    point: np.ndarray,
    boot: np.ndarray,
    n: int,
    confidence: float,
) -> VarianceReport:
    shares = _shares(point)
    boot_shares = _shares(boot)
    components = [
        VarianceComponent(
            source=source,
            variance=float(point[i]),
            share=float(shares[i]),
            share_ci=_interval(boot_shares[:, i], confidence),
            variance_ci=_interval(boot[:, i], confidence),
            levels=levels[i],
        )
        for i, source in enumerate(sources)
    ]
    components.sort(key=lambda c: (c.source == RESIDUAL, -c.share))
    return VarianceReport(design, method, n, components, confidence, len(boot))


def _one_at_a_time(
    rows: list[dict[str, int]],
    y: np.ndarray,
    confidence: float,
    resamples: int,
    rng: np.random.Generator,
) -> VarianceReport:
    groups: dict[str, list[float]] = {}
    for row, value in zip(rows, y, strict=True):
        if len(row) != 1:
            raise SeedlockError(
                "a one-at-a-time design varies one stream per run, but a run varies "
                f"{sorted(row) or 'none'}. Use design='factorial' for runs that vary several."
            )
        (stream,) = row
        groups.setdefault(stream, []).append(float(value))
    small = [s for s, v in groups.items() if len(v) < 2]
    if small:
        raise SeedlockError(
            f"each varied stream needs at least 2 seeds, but {', '.join(small)} has 1. Run the "
            "sweep with more seeds (e.g. --seeds 0-9)."
        )
    sources = sorted(groups)
    point = np.array([np.var(groups[s], ddof=1) for s in sources])
    boot = np.empty((resamples, len(sources)))
    for i, source in enumerate(sources):
        data = np.asarray(groups[source])
        picks = rng.integers(0, len(data), size=(resamples, len(data)))
        boot[:, i] = np.var(data[picks], axis=1, ddof=1)
    method = "sample variance of each stream varied alone"
    return _report(
        "one-at-a-time",
        method,
        sources,
        [len(groups[s]) for s in sources],
        point,
        boot,
        len(y),
        confidence,
    )


def _crossed_array(rows: list[dict[str, int]], y: np.ndarray) -> tuple[list[str], np.ndarray]:
    """The values as an array with one axis per stream (its seeds) and a last replicate axis."""
    sources = sorted(rows[0]) if rows else []
    if not sources or any(sorted(row) != sources for row in rows):
        raise SeedlockError(
            "a factorial design varies the same streams in every run, but the runs vary "
            f"{sorted({tuple(sorted(r)) for r in rows})}."
        )
    levels = [sorted({row[s] for row in rows}) for s in sources]
    small = [s for s, lv in zip(sources, levels, strict=True) if len(lv) < 2]
    if small:
        raise SeedlockError(
            f"each varied stream needs at least 2 seeds, but {', '.join(small)} has 1."
        )
    position = [{seed: i for i, seed in enumerate(lv)} for lv in levels]
    counts: dict[tuple[int, ...], list[float]] = {}
    for row, value in zip(rows, y, strict=True):
        key = tuple(position[k][row[s]] for k, s in enumerate(sources))
        counts.setdefault(key, []).append(float(value))
    cells = math.prod(len(lv) for lv in levels)
    sizes = {len(v) for v in counts.values()}
    if len(counts) != cells or len(sizes) != 1:
        missing = cells - len(counts)
        raise SeedlockError(
            f"a factorial design needs every combination of seeds equally often; {missing} of "
            f"{cells} combinations are missing or some occur more often than others. Resume the "
            "sweep (--resume) so that every run finishes."
        )
    (replicates,) = sizes
    shape = [len(lv) for lv in levels]
    array = np.empty([*shape, replicates])
    for key, vals in counts.items():
        array[key] = vals
    return sources, array


def _anova(array: np.ndarray) -> np.ndarray:
    """Main-effect and residual variance components of one crossed array ``(L1, .., Lk, r)``."""
    result: np.ndarray = _anova_batched(array[np.newaxis])[0]
    return result


def _anova_batched(array: np.ndarray) -> np.ndarray:
    """:func:`_anova` over a leading batch axis; ``k + 1`` components, the residual last."""
    k = array.ndim - 2
    shape = array.shape[1:]
    n = math.prod(shape)
    grand = array.mean(axis=tuple(range(1, array.ndim)), keepdims=True)
    ss_total = ((array - grand) ** 2).sum(axis=tuple(range(1, array.ndim)))
    components = []
    ss_effects = np.zeros(array.shape[0])
    df_effects = 0
    mean_squares = []
    per_level = []
    for axis in range(k):
        others = tuple(a for a in range(1, array.ndim) if a != axis + 1)
        level_means = array.mean(axis=others)
        levels = shape[axis]
        runs_per_level = n // levels
        ss = runs_per_level * ((level_means - grand.reshape(-1, 1)) ** 2).sum(axis=1)
        ss_effects = ss_effects + ss
        df_effects += levels - 1
        mean_squares.append(ss / (levels - 1))
        per_level.append(runs_per_level)
    df_residual = n - 1 - df_effects
    if df_residual > 0:
        ms_residual = np.maximum(ss_total - ss_effects, 0.0) / df_residual
    else:
        ms_residual = np.zeros(array.shape[0])
    for ms, runs in zip(mean_squares, per_level, strict=True):
        components.append(np.maximum((ms - ms_residual) / runs, 0.0))
    components.append(ms_residual)
    return np.stack(components, axis=-1)


def _factorial(
    rows: list[dict[str, int]],
    y: np.ndarray,
    confidence: float,
    resamples: int,
    rng: np.random.Generator,
) -> VarianceReport:
    sources, array = _crossed_array(rows, y)
    point = _anova(array)
    k = len(sources)
    boot = np.empty((resamples, k + 1))
    chunk = max(1, 200_000 // array.size)
    for start in range(0, resamples, chunk):
        size = min(chunk, resamples - start)
        picks = [rng.integers(0, array.shape[a], size=(size, array.shape[a])) for a in range(k)]
        batch = np.broadcast_to(array, (size, *array.shape))
        for axis, pick in enumerate(picks):
            index = pick.reshape((size,) + (1,) * axis + (-1,) + (1,) * (k - axis))
            batch = np.take_along_axis(batch, index, axis=axis + 1)
        boot[start : start + size] = _anova_batched(batch)
    method = "main-effects random-effects ANOVA (expected mean squares), residual = interactions"
    levels = [array.shape[a] for a in range(k)] + [int(y.size)]
    return _report(
        "factorial", method, [*sources, RESIDUAL], levels, point, boot, len(y), confidence
    )
