"""Runs x tasks: rliable's aggregate metrics with stratified bootstrap confidence intervals.

Each arm is a ``(runs, tasks)`` matrix of scores (one column per task, environment or data set).
The aggregates are rliable's (Agarwal et al., 2021): the median and the mean of the per-task
means, the interquartile mean and the optimality gap over all runs x tasks, the probability of
improvement averaged over tasks, and the performance profile (fraction of runs above tau). Their
confidence intervals come from a *stratified* bootstrap: runs are resampled with replacement
within each task, the set of tasks is kept.

Determinism contract: resampling draws from a legacy NumPy ``RandomState`` made here, never the
global one. With ``convention="seedlock"`` (the default) each arm, pair and family of statistics
gets its own stream, ``derive("seedlock.stats.tasks", family, name, seed=seed)``, so adding an arm
changes no other arm's interval. With ``convention="rliable"`` the indices are the very draws
rliable makes after ``np.random.seed(seed)``: one stream per family (aggregates, profiles,
improvement), consumed arm after arm in the order given, so percentile intervals equal rliable's
``get_interval_estimates`` / ``create_performance_profile`` with the same ``reps``.

Example:
    >>> import numpy as np
    >>> from seedlock.stats import compare_tasks
    >>> a = np.array([[0.9, 0.5], [1.1, 0.7], [1.0, 0.6]])
    >>> b = a - 0.5
    >>> c = compare_tasks({"new": a, "old": b}, tasks=["pong", "breakout"], n_resamples=200)
    >>> round(c.aggregates["new"]["mean"].value, 3), c.improvement[0].estimate.value
    (0.8, 1.0)
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any, Literal

import numpy as np

from seedlock._base.persist import jsonable
from seedlock._errors import SeedlockError, SeedlockTypeError
from seedlock._resample import check_options
from seedlock._seed import SeedLike, derive

__all__ = [
    "AGGREGATES",
    "CI_METHODS",
    "CONVENTIONS",
    "PairImprovement",
    "TaskComparison",
    "TaskEstimate",
    "TaskProfile",
    "compare_tasks",
]

AGGREGATES = ("median", "iqm", "mean", "optimality_gap")
CI_METHODS = ("percentile", "bca")
CONVENTIONS = ("seedlock", "rliable")

_DEFAULT_RESAMPLES = 10_000
_DEFAULT_TAUS = 101
# Resampled scores held at once: bounds memory whatever the number of runs, tasks and reps.
_CHUNK_ELEMENTS = 2_000_000


@dataclass(frozen=True)
class TaskEstimate:
    """A point estimate with its stratified-bootstrap confidence interval.

    Attributes:
        value: the estimate on the data as given.
        low: lower bound of the interval.
        high: upper bound of the interval.
        level: confidence level, e.g. ``0.95``.
        method: ``"percentile"``, ``"bca"``, or ``"percentile (bca degenerate)"`` when BCa's
            bias or acceleration cannot be estimated (every resample on one side of the value,
            or a jackknife without spread).
    """

    value: float
    low: float
    high: float
    level: float
    method: str


@dataclass(frozen=True)
class PairImprovement:
    """P(X > Y) averaged over tasks (ties count 1/2), with its interval."""

    x: str
    y: str
    estimate: TaskEstimate
    per_task: tuple[float, ...]


@dataclass(frozen=True)
class TaskProfile:
    """A performance profile: the fraction of all runs x tasks scoring better than each tau."""

    taus: tuple[float, ...]
    fraction: tuple[float, ...]
    low: tuple[float, ...]
    high: tuple[float, ...]


@dataclass(frozen=True)
class TaskComparison:
    """Aggregates over runs x tasks for several arms (see :func:`compare_tasks`).

    Attributes:
        arms: arm names, in the order given.
        tasks: task names, one per column.
        runs: arm -> number of runs (rows) per task.
        higher_is_better: direction of the scores.
        gamma: the optimality-gap threshold.
        ci: ``"percentile"`` or ``"bca"``.
        convention: ``"seedlock"`` or ``"rliable"`` (how resampling indices are drawn).
        confidence: confidence level of every interval.
        n_resamples: bootstrap resamples per interval.
        seed: the bootstrap seed.
        task_means: arm -> mean score of each task.
        aggregates: arm -> ``{"median", "iqm", "mean", "optimality_gap"}`` -> estimate.
        improvement: P(X > Y) for every pair of arms (X before Y in ``arms``).
        profiles: arm -> performance profile.
    """

    arms: tuple[str, ...]
    tasks: tuple[str, ...]
    runs: dict[str, int]
    higher_is_better: bool
    gamma: float
    ci: str
    convention: str
    confidence: float
    n_resamples: int
    seed: SeedLike
    task_means: dict[str, tuple[float, ...]]
    aggregates: dict[str, dict[str, TaskEstimate]]
    improvement: tuple[PairImprovement, ...]
    profiles: dict[str, TaskProfile]

    def to_dict(self) -> dict[str, Any]:
        """A JSON-able dict (NaN and infinities become ``None``)."""
        data: dict[str, Any] = jsonable(asdict(self))
        if not isinstance(self.seed, (int, str)):
            data["seed"] = repr(self.seed)
        return data


# ---------------------------------------------------------------- statistics of (B, runs, tasks)


def _aggregates(scores: np.ndarray, gamma: float, higher_is_better: bool) -> np.ndarray:
    """``(B, runs, tasks)`` -> ``(B, 4)``: median, IQM, mean, optimality gap (rliable's order of
    operations, so that the numbers agree to the last bit where the algorithm allows)."""
    batch, runs, tasks = scores.shape
    task_means = scores.mean(axis=1)
    flat = scores.reshape(batch, runs * tasks)
    size = runs * tasks
    cut = int(0.25 * size)
    # scipy.stats.trim_mean's own partition: the kept values come out in the same order, so the
    # IQM agrees to the last bit, in O(N) instead of a sort.
    ordered = np.partition(flat, (cut, size - cut - 1), axis=1)
    if higher_is_better:
        gap = gamma - np.minimum(flat, gamma).mean(axis=1)
    else:
        gap = np.maximum(flat, gamma).mean(axis=1) - gamma
    return np.stack(
        [
            np.median(task_means, axis=1),
            ordered[:, cut : size - cut].mean(axis=1),
            task_means.mean(axis=1),
            gap,
        ],
        axis=1,
    )


def _profile_of_indices(
    matrix: np.ndarray, taus: np.ndarray, higher_is_better: bool
) -> Callable[[np.ndarray], np.ndarray]:
    """``(B, runs, tasks)`` resampling indices -> ``(B, K)``: the fraction of resampled runs x
    tasks strictly better than each tau.

    A resample is a count per original score; with all scores sorted once, the resampled
    scores at or below tau are a cumulative count at a position found once per tau:
    O(runs * tasks + K) per resample, exact.
    """
    runs, tasks = matrix.shape
    size = runs * tasks
    flat = matrix.T.ravel()  # element t * runs + i is run i of task t
    order = np.argsort(flat, kind="stable")
    rank = np.empty(size, dtype=np.intp)
    rank[order] = np.arange(size)
    side: Literal["left", "right"] = "right" if higher_is_better else "left"
    position = np.searchsorted(flat[order], taus, side=side)
    element = np.arange(tasks)[None, None, :] * runs

    def statistic(index: np.ndarray) -> np.ndarray:
        batch = index.shape[0]
        rows = np.arange(batch)[:, None, None] * size
        counts = np.bincount((rank[index + element] + rows).ravel(), minlength=batch * size)
        cumulative = np.zeros((batch, size + 1))
        np.cumsum(counts.reshape(batch, size), axis=1, out=cumulative[:, 1:])
        below = cumulative[:, position]
        better = size - below if higher_is_better else below
        return np.asarray(better / size)

    return statistic


def _improvement(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """``(B, nx, tasks)``, ``(B, ny, tasks)`` -> ``(B, tasks)``: P(x > y) + P(x == y) / 2."""
    greater = (x[:, :, None, :] > y[:, None, :, :]).sum(axis=(1, 2))
    equal = (x[:, :, None, :] == y[:, None, :, :]).sum(axis=(1, 2))
    return np.asarray((greater + 0.5 * equal) / (x.shape[1] * y.shape[1]))


def _counts(index: np.ndarray, size: int) -> np.ndarray:
    """``(B, n, tasks)`` drawn indices in ``[0, size)`` -> ``(B, tasks, size)`` counts."""
    batch, _, tasks = index.shape
    offsets = (np.arange(batch)[:, None, None] * tasks + np.arange(tasks)[None, None, :]) * size
    flat = np.bincount((index + offsets).ravel(), minlength=batch * tasks * size)
    return flat.reshape(batch, tasks, size)


def _improvement_of_indices(
    x: np.ndarray, y: np.ndarray, ix: np.ndarray, iy: np.ndarray
) -> np.ndarray:
    """:func:`_improvement` of ``x[ix, task]`` and ``y[iy, task]`` through run counts.

    A resample is a count per original run and task. With Y's runs of a task sorted, the
    resampled Y runs below (or tied with) each original X run are a cumulative count at a
    position found once, so a resample costs O(nx + ny) per task instead of O(nx * ny); every
    term is a multiple of 1/2, so the result is exact.
    """
    (nx, tasks), ny = x.shape, y.shape[0]
    order = np.argsort(y, axis=0, kind="stable")  # (ny, tasks)
    y_sorted = np.take_along_axis(y, order, axis=0)
    rank = np.empty_like(order)
    np.put_along_axis(rank, order, np.arange(ny)[:, None].repeat(tasks, axis=1), axis=0)
    below = np.stack([np.searchsorted(y_sorted[:, t], x[:, t], side="left") for t in range(tasks)])
    upto = np.stack([np.searchsorted(y_sorted[:, t], x[:, t], side="right") for t in range(tasks)])
    cx = _counts(ix, nx)  # (B, tasks, nx)
    cy = _counts(np.take_along_axis(rank[None], iy, axis=1), ny)  # sorted positions
    cumulative = np.zeros((cy.shape[0], tasks, ny + 1))
    np.cumsum(cy, axis=2, out=cumulative[:, :, 1:])
    less = np.take_along_axis(cumulative, np.broadcast_to(below, (cy.shape[0], tasks, nx)), 2)
    equal_or_less = np.take_along_axis(
        cumulative, np.broadcast_to(upto, (cy.shape[0], tasks, nx)), 2
    )
    wins = (cx * (less + 0.5 * (equal_or_less - less))).sum(axis=2)
    return np.asarray(wins / (nx * ny))


# ---------------------------------------------------------------- resampling


class _Streams:
    """The ``RandomState`` each family of statistics draws its resampling indices from."""

    def __init__(self, convention: str, seed: SeedLike) -> None:
        self._convention = convention
        self._seed = seed
        self._shared: dict[str, np.random.RandomState] = {}

    def get(self, family: str, name: str) -> np.random.RandomState:
        if self._convention == "rliable":
            # rliable draws from the global legacy stream: one np.random.seed(seed) per call.
            if family not in self._shared:
                self._shared[family] = np.random.RandomState(int(self._seed))
            return self._shared[family]
        derived = derive("seedlock.stats.tasks", family, name, seed=self._seed)
        return np.random.RandomState(np.random.MT19937(derived))


def _chunk(per_resample: int, n_resamples: int) -> int:
    return max(1, min(n_resamples, _CHUNK_ELEMENTS // max(1, per_resample)))


def _resample_one(
    matrix: np.ndarray,
    statistic: Callable[[np.ndarray], np.ndarray],
    rs: np.random.RandomState,
    n_resamples: int,
) -> np.ndarray:
    """``(n_resamples, k)`` statistics of resampling indices drawn as rliable's
    StratifiedBootstrap does: ``choice(runs, (runs, tasks))`` per resample, runs picked
    independently within each task (resample ``b`` is ``matrix[index[b], task]``)."""
    runs, tasks = matrix.shape
    out: list[np.ndarray] = []
    step = _chunk(runs * tasks, n_resamples)
    for start in range(0, n_resamples, step):
        size = min(step, n_resamples - start)
        # One call draws the same numbers in the same order as `size` calls of (runs, tasks).
        out.append(statistic(rs.choice(runs, (size, runs, tasks))))
    return np.concatenate(out, axis=0)


def _resample_pair(
    x: np.ndarray, y: np.ndarray, rs: np.random.RandomState, n_resamples: int
) -> np.ndarray:
    """``(n_resamples, tasks)`` P(X > Y) of resamples drawn as rliable's
    StratifiedIndependentBootstrap does: X's indices, then Y's, for every resample."""
    (nx, tasks), ny = x.shape, y.shape[0]
    out: list[np.ndarray] = []
    step = _chunk((nx + ny) * tasks, n_resamples)
    for start in range(0, n_resamples, step):
        size = min(step, n_resamples - start)
        if nx == ny:
            # Same range for both: one call draws exactly the interleaved sequence.
            both = rs.choice(nx, (size, 2, nx, tasks))
            ix, iy = both[:, 0], both[:, 1]
        else:
            ix = np.empty((size, nx, tasks), dtype=np.intp)
            iy = np.empty((size, ny, tasks), dtype=np.intp)
            for row in range(size):
                ix[row] = rs.choice(nx, (nx, tasks))
                iy[row] = rs.choice(ny, (ny, tasks))
        out.append(_improvement_of_indices(x, y, ix, iy))
    return np.concatenate(out, axis=0)


# ---------------------------------------------------------------- intervals


def _bca_percentiles(
    resampled: np.ndarray, point: np.ndarray, jackknife: np.ndarray, confidence: float
) -> tuple[np.ndarray, np.ndarray]:
    """Per-column BCa percentiles (in %) as arch's ``conf_int(method="bca")`` computes them for
    one statistic; NaN for a column whose bias or acceleration is undefined."""
    from scipy.stats import norm

    alpha = (1.0 - confidence) / 2
    p = (resampled < point).mean(axis=0)
    u = jackknife.mean(axis=0) - jackknife
    numer = (u**3).sum(axis=0)
    denom = 6.0 * (u**2).sum(axis=0) ** 1.5
    ok = (p > 0.0) & (p < 1.0) & (denom >= np.abs(numer) * np.finfo(np.float64).eps)
    ok &= denom > 0.0
    b = norm.ppf(np.where(ok, p, 0.5))
    a = np.where(ok, numer / np.where(denom > 0.0, denom, 1.0), 0.0)
    z = norm.ppf([alpha, 1.0 - alpha])
    lower = 100 * norm.cdf(b + (b + z[0]) / (1.0 - a * (b + z[0])))
    upper = 100 * norm.cdf(b + (b + z[1]) / (1.0 - a * (b + z[1])))
    return (np.where(ok, lower, np.nan), np.where(ok, upper, np.nan))


def _intervals(
    resampled: np.ndarray,
    point: np.ndarray,
    *,
    ci: str,
    confidence: float,
    jackknife: Callable[[], np.ndarray],
) -> list[tuple[float, float, str]]:
    """``(low, high, method)`` per column of ``resampled`` (``(n_resamples, k)``)."""
    alpha = (1.0 - confidence) / 2
    # arch computes np.percentile(values, [100 * alpha, 100 * (1 - alpha)]) per statistic.
    low, high = np.percentile(resampled, [100 * alpha, 100 * (1.0 - alpha)], axis=0)
    methods = ["percentile"] * resampled.shape[1]
    if ci == "bca":
        lower, upper = _bca_percentiles(resampled, point, jackknife(), confidence)
        for column in range(resampled.shape[1]):
            lo_pct, hi_pct = lower[column], upper[column]
            if math.isnan(lo_pct):
                methods[column] = "percentile (bca degenerate)"
                continue
            low[column], high[column] = np.percentile(resampled[:, column], [lo_pct, hi_pct])
            methods[column] = "bca"
    return [
        (float(lo), float(hi), method) for lo, hi, method in zip(low, high, methods, strict=True)
    ]


def _jackknife_runs(
    matrix: np.ndarray, statistic: Callable[[np.ndarray], np.ndarray]
) -> np.ndarray:
    """``(runs, k)``: ``statistic`` of the matrix without run ``i`` (in every task), per ``i``,
    computed in batches that bound memory."""
    runs, tasks = matrix.shape
    keep = np.array([[j for j in range(runs) if j != i] for i in range(runs)], dtype=np.intp)
    step = _chunk((runs - 1) * tasks, runs)
    return np.concatenate(
        [statistic(matrix[keep[start : start + step]]) for start in range(0, runs, step)], axis=0
    )


def _jackknife_improvement(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """``(nx + ny, 1)``: P(X > Y) averaged over tasks without one run of X, then of Y.

    Each run's wins against the other arm come from a sorted search, so no ``nx * ny`` table
    is built: leaving run ``i`` out removes its wins from the task's total.
    """
    (nx, tasks), ny = x.shape, y.shape[0]
    x_sorted, y_sorted = np.sort(x, axis=0), np.sort(y, axis=0)
    # wins_x[i, t]: y runs that x_i beats (ties 1/2); wins_y[j, t]: x runs that beat y_j.
    wins_x = np.empty((nx, tasks))
    wins_y = np.empty((ny, tasks))
    for t in range(tasks):
        low = np.searchsorted(y_sorted[:, t], x[:, t], side="left")
        high = np.searchsorted(y_sorted[:, t], x[:, t], side="right")
        wins_x[:, t] = low + 0.5 * (high - low)
        low = np.searchsorted(x_sorted[:, t], y[:, t], side="left")
        high = np.searchsorted(x_sorted[:, t], y[:, t], side="right")
        wins_y[:, t] = (nx - high) + 0.5 * (high - low)
    total = wins_x.sum(axis=0)
    without_x = (total - wins_x) / ((nx - 1) * ny)
    without_y = (total - wins_y) / (nx * (ny - 1))
    return np.asarray(np.concatenate([without_x, without_y], axis=0).mean(axis=1, keepdims=True))


# ---------------------------------------------------------------- validation


def _as_matrix(name: str, values: object, caller: str) -> np.ndarray:
    try:
        arr = np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise SeedlockTypeError(
            f"{caller}() scores[{name!r}] must be a (runs, tasks) array of numbers, got "
            f"{type(values).__name__} ({exc}). Pass one row per run and one column per task."
        ) from None
    if arr.ndim == 1:
        arr = arr[:, None]
    if arr.ndim != 2:
        raise SeedlockError(
            f"{caller}() scores[{name!r}] must be a (runs, tasks) matrix, got shape {arr.shape}. "
            "Pass one row per run and one column per task."
        )
    if arr.shape[0] < 2:
        raise SeedlockError(
            f"{caller}() scores[{name!r}] has {arr.shape[0]} run(s) per task; at least 2 are "
            "needed to resample runs. Run more seeds."
        )
    bad = ~np.isfinite(arr)
    if bad.any():
        run, task = (int(i) for i in np.argwhere(bad)[0])
        raise SeedlockError(
            f"{caller}() scores[{name!r}] must be finite, got {arr[run, task]!r} at run {run}, "
            f"task {task}. Drop or replace failed runs before computing statistics."
        )
    return arr


def _check(
    scores: Mapping[str, object],
    tasks: Sequence[str] | None,
    *,
    ci: str,
    convention: str,
    confidence: float,
    n_resamples: int,
    seed: SeedLike,
    gamma: float,
) -> tuple[dict[str, np.ndarray], tuple[str, ...]]:
    caller = "compare_tasks"
    if not isinstance(scores, Mapping) or not scores:
        raise SeedlockTypeError(
            f"{caller}() scores must be a non-empty mapping of arm name -> (runs, tasks) array, "
            f"got {type(scores).__name__}. Pass e.g. {{'new': scores_new, 'old': scores_old}}."
        )
    matrices = {str(name): _as_matrix(str(name), value, caller) for name, value in scores.items()}
    widths = {name: m.shape[1] for name, m in matrices.items()}
    if len(set(widths.values())) != 1:
        raise SeedlockError(
            f"{caller}() every arm needs the same tasks (columns), got {widths}. Give every arm "
            "one column per task, in the same order."
        )
    width = next(iter(widths.values()))
    names = (
        tuple(str(t) for t in tasks)
        if tasks is not None
        else tuple(f"task{i}" for i in range(width))
    )
    if len(names) != width or len(set(names)) != len(names):
        raise SeedlockError(
            f"{caller}() tasks must name each of the {width} columns once, got {list(names)}."
        )
    if ci not in CI_METHODS:
        raise SeedlockError(
            f"{caller}() ci must be one of {', '.join(CI_METHODS)}, got {ci!r}. 'percentile' is "
            "rliable's interval."
        )
    if convention not in CONVENTIONS:
        raise SeedlockError(
            f"{caller}() convention must be one of {', '.join(CONVENTIONS)}, got {convention!r}."
        )
    if convention == "rliable" and not (
        isinstance(seed, int) and not isinstance(seed, bool) and 0 <= seed < 2**32
    ):
        raise SeedlockError(
            f"{caller}() seed must be an int in [0, 2**32) with convention='rliable' (it is "
            f"np.random.seed's argument), got {seed!r}."
        )
    check_options(
        confidence,
        n_resamples,
        caller,
        fix=f"The default is {_DEFAULT_RESAMPLES}; rliable uses 50000 for aggregates.",
    )
    if isinstance(gamma, bool) or not isinstance(gamma, (int, float)) or not math.isfinite(gamma):
        raise SeedlockError(
            f"{caller}() gamma must be a finite number, got {gamma!r}. rliable's default is 1.0 "
            "(scores normalised so that 1 is the target)."
        )
    return matrices, names


def _taus(matrices: Mapping[str, np.ndarray], taus: object) -> np.ndarray:
    if taus is None:
        every = np.concatenate([m.ravel() for m in matrices.values()])
        return np.linspace(float(every.min()), float(every.max()), _DEFAULT_TAUS)
    try:
        grid = np.asarray(taus, dtype=np.float64)
    except (TypeError, ValueError):
        grid = np.asarray([], dtype=np.float64)
    if grid.ndim != 1 or grid.size == 0 or not np.isfinite(grid).all():
        raise SeedlockError(
            f"compare_tasks() taus must be a non-empty sequence of finite numbers, got {taus!r}. "
            "Pass e.g. numpy.linspace(0, 2, 81), or None for 101 points over the scores' range."
        )
    return grid


# ---------------------------------------------------------------- public


def compare_tasks(
    scores: Mapping[str, Sequence[Sequence[float]] | np.ndarray],
    *,
    tasks: Sequence[str] | None = None,
    higher_is_better: bool = True,
    gamma: float = 1.0,
    ci: str = "percentile",
    convention: str = "seedlock",
    confidence: float = 0.95,
    n_resamples: int = _DEFAULT_RESAMPLES,
    seed: SeedLike = 0,
    taus: Sequence[float] | np.ndarray | None = None,
) -> TaskComparison:
    """rliable's aggregates over runs x tasks, with stratified bootstrap intervals.

    For every arm: the median and mean of the per-task mean scores, the interquartile mean (25%
    trimmed from each end of all runs x tasks) and the optimality gap ``gamma - mean(min(score,
    gamma))``; for every pair of arms (X listed before Y): P(X > Y) per task (ties count 1/2)
    averaged over tasks; for every arm: the performance profile, the fraction of all runs x
    tasks scoring above each tau. Intervals resample runs within each task (rliable's stratified
    bootstrap; P(X > Y) resamples both arms independently). With ``higher_is_better=False``,
    P(X > Y) is the probability that X scores lower, the profile counts scores below tau, and
    the optimality gap is ``mean(max(score, gamma)) - gamma``.

    Scores of different tasks are pooled by the IQM, the optimality gap and the profile, so they
    should be on one scale (rliable uses human- or baseline-normalised scores).

    Args:
        scores: arm name -> ``(runs, tasks)`` array; arms may have different numbers of runs
            but need the same tasks, in the same column order.
        tasks: a name per column (default ``task0``, ``task1``, ...).
        higher_is_better: whether larger scores are better.
        gamma: the optimality-gap threshold (rliable: 1.0).
        ci: ``"percentile"`` (rliable's default) or ``"bca"`` (arch's bias-corrected and
            accelerated interval, per statistic: the jackknife leaves out one run of every task
            at a time; for P(X > Y), one run of X, then one of Y, as scipy does. arch pools the
            jackknife mean over the statistics of one call, so its BCa equals this one when
            each statistic is bootstrapped alone). Profile bands are always percentile.
        convention: ``"seedlock"`` (one derived stream per arm and statistic) or ``"rliable"``
            (the draws rliable makes after ``np.random.seed(seed)``, see the module docstring).
        confidence: confidence level of every interval.
        n_resamples: bootstrap resamples for every interval (rliable's defaults are 50000 for
            aggregates and 2000 for profiles: to reproduce both, call once with each).
        seed: the bootstrap seed (with ``convention="rliable"``: an int in ``[0, 2**32)``).
        taus: thresholds of the performance profiles (default: 101 points over the range of
            all scores).

    Returns:
        A :class:`TaskComparison`.

    Raises:
        SeedlockError: not a mapping of finite ``(runs >= 2, tasks)`` arrays, arms with
            different numbers of tasks, tasks not naming every column once, or an option out
            of range.

    Example:
        >>> c = compare_tasks({"a": [[1, 2], [2, 2], [1, 1], [2, 1]], "b": [[1, 1], [2, 2],
        ...     [3, 3]]}, n_resamples=200)
        >>> c.aggregates["a"]["iqm"].value, c.aggregates["b"]["median"].value
        (1.5, 2.0)
        >>> round(c.improvement[0].estimate.value, 4)
        0.3333
    """
    matrices, names = _check(
        scores,
        tasks,
        ci=ci,
        convention=convention,
        confidence=confidence,
        n_resamples=n_resamples,
        seed=seed,
        gamma=gamma,
    )
    grid = _taus(matrices, taus)
    streams = _Streams(convention, seed)
    gamma = float(gamma)
    options: dict[str, Any] = {"ci": ci, "confidence": confidence}

    def aggregate_of(batch: np.ndarray) -> np.ndarray:
        return _aggregates(batch, gamma, higher_is_better)

    aggregates: dict[str, dict[str, TaskEstimate]] = {}
    for arm, matrix in matrices.items():
        point = aggregate_of(matrix[None])[0]

        def resampled_of(index: np.ndarray, m: np.ndarray = matrix) -> np.ndarray:
            return aggregate_of(m[index, np.arange(m.shape[1])])

        resampled = _resample_one(matrix, resampled_of, streams.get("aggregates", arm), n_resamples)

        def leave_one_out(m: np.ndarray = matrix) -> np.ndarray:
            return _jackknife_runs(m, aggregate_of)

        bounds = _intervals(resampled, point, jackknife=leave_one_out, **options)
        aggregates[arm] = {
            key: TaskEstimate(float(value), low, high, confidence, method)
            for key, value, (low, high, method) in zip(AGGREGATES, point, bounds, strict=True)
        }

    profiles: dict[str, TaskProfile] = {}
    alpha = (1.0 - confidence) / 2
    for arm, matrix in matrices.items():
        profile_of = _profile_of_indices(matrix, grid, higher_is_better)
        identity = np.broadcast_to(np.arange(matrix.shape[0])[:, None], matrix.shape)
        point = profile_of(identity[None])[0]
        resampled = _resample_one(matrix, profile_of, streams.get("profiles", arm), n_resamples)
        # Bands are percentile intervals, as rliable draws them, whatever ``ci``: BCa is
        # undefined where every resample gives the same fraction (0 or 1 at the ends).
        low, high = np.percentile(resampled, [100 * alpha, 100 * (1.0 - alpha)], axis=0)
        profiles[arm] = TaskProfile(
            tuple(float(t) for t in grid),
            tuple(float(v) for v in point),
            tuple(float(v) for v in low),
            tuple(float(v) for v in high),
        )

    improvement: list[PairImprovement] = []
    arms = list(matrices)
    for i, x_name in enumerate(arms):
        for y_name in arms[i + 1 :]:
            x, y = matrices[x_name], matrices[y_name]
            if not higher_is_better:
                x, y = -x, -y
            per_task = _improvement(x[None], y[None])[0]
            point = np.array([per_task.mean()])
            rs = streams.get("improvement", f"{x_name}\x00{y_name}")
            resampled = _resample_pair(x, y, rs, n_resamples).mean(axis=1, keepdims=True)

            def jackknife(x: np.ndarray = x, y: np.ndarray = y) -> np.ndarray:
                # Leave one run of X out, then one run of Y (scipy's multi-sample jackknife).
                return _jackknife_improvement(x, y)

            ((low_p, high_p, method),) = _intervals(
                resampled, point, jackknife=jackknife, **options
            )
            improvement.append(
                PairImprovement(
                    x_name,
                    y_name,
                    TaskEstimate(float(point[0]), low_p, high_p, confidence, method),
                    tuple(float(v) for v in per_task),
                )
            )

    return TaskComparison(
        arms=tuple(arms),
        tasks=names,
        runs={arm: int(m.shape[0]) for arm, m in matrices.items()},
        higher_is_better=higher_is_better,
        gamma=gamma,
        ci=ci,
        convention=convention,
        confidence=confidence,
        n_resamples=n_resamples,
        seed=seed,
        task_means={arm: tuple(float(v) for v in m.mean(axis=0)) for arm, m in matrices.items()},
        aggregates=aggregates,
        improvement=tuple(improvement),
        profiles=profiles,
    )
