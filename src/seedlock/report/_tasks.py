"""Runs x tasks from sweeps or files: loading, failed-seed policy, text and JSON of the aggregates.

Three ways to give several tasks per arm, as an rliable user holds them: a CSV/JSON file with a
task column (one row per run and task), one sweep or file per task (``{task}`` in the source,
filled from a list of tasks), or one sweep whose metrics are the tasks (an evaluation on several
data sets logged as one metric each).

Determinism contract: loading only reads; runs come back ordered by seed (file order where a
file gives no seed), and the statistics are those of :func:`seedlock.stats.compare_tasks`, seeded.
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from seedlock._errors import SeedlockError
from seedlock._seed import SeedLike
from seedlock.report._values import MetricValues, _file_rows, _from_rows, load_values
from seedlock.stats import TaskComparison, TaskEstimate, compare_tasks

__all__ = [
    "TASKS_FORMAT",
    "TASKS_VERSION",
    "TaskReport",
    "TaskValues",
    "compare_task_values",
    "load_task_values",
    "tasks_json",
    "tasks_text",
]

TASKS_FORMAT = "seedlock-compare-tasks"
TASKS_VERSION = 1
TASK_PLACEHOLDER = "{task}"
_FAILED_POLICIES = ("error", "exclude", "worst")
_LABELS = {
    "median": "median",
    "iqm": "IQM",
    "mean": "mean",
    "optimality_gap": "optimality gap",
}


@dataclass(frozen=True)
class TaskValues:
    """One arm's values of one metric on several tasks.

    Attributes:
        source: the sweep name, file path or ``{task}`` pattern the values came from.
        metric: the metric (for one metric per task: the metrics, comma-separated).
        tasks: task names, in the order found.
        seeds: task -> the seed of each row (``None`` where a file gives no seed).
        values: task -> the value of each row (``nan`` where the row lacks it).
        failed: task -> seeds whose run failed (sweeps only).
    """

    source: str
    metric: str
    tasks: tuple[str, ...]
    seeds: dict[str, tuple[int | None, ...]]
    values: dict[str, tuple[float, ...]]
    failed: dict[str, tuple[int, ...]]


@dataclass(frozen=True)
class TaskReport:
    """:func:`compare_task_values`'s result: the statistics and what went into them.

    Attributes:
        comparison: the aggregates, intervals and profiles.
        metric: the metric compared.
        sources: arm -> where its values came from.
        seeds: arm -> task -> seeds used (``None`` for file rows without a seed).
        dropped: the failed-seed policy and, per arm and task, the seeds that failed or had no
            finite value (``{"policy": ..., "arms": {arm: {task: [...]}}}``).
    """

    comparison: TaskComparison
    metric: str
    sources: dict[str, str]
    seeds: dict[str, dict[str, tuple[int | None, ...]]]
    dropped: dict[str, Any]


def _label(source: str) -> str:
    path = Path(source)
    return path.stem if path.suffix.lower() in (".csv", ".json") else source


def _split_by_column(source: str, column: str) -> dict[str, MetricValues]:
    path = Path(source)
    if not path.is_file():
        raise SeedlockError(
            f"task_column needs a CSV/JSON file, and {source!r} is not one. Give a file with one "
            f"row per run and task, or pass tasks=[...] with {TASK_PLACEHOLDER} in the source."
        )
    rows = _file_rows(path)
    if not rows or any(column not in row for row in rows):
        found = sorted({key for row in rows for key in row})
        raise SeedlockError(
            f"{source!r} has no task column {column!r} in every row; columns: "
            f"{', '.join(found) or '(none)'}. Name the column that holds the task."
        )
    groups: dict[str, list[dict[str, object]]] = {}
    for row in rows:
        task = str(row[column]).strip()
        if not task:
            raise SeedlockError(f"{source!r} has a row with an empty {column!r}; name its task.")
        groups.setdefault(task, []).append({k: v for k, v in row.items() if k != column})
    return {task: _from_rows(f"{source}[{task}]", rows) for task, rows in groups.items()}


def _one_metric(parts: Mapping[str, MetricValues], metric: str | None, source: str) -> str:
    if metric is not None:
        for values in parts.values():
            values.values(metric)  # unknown metric: the error lists the available ones
        return metric
    common = set.intersection(*(set(values.metrics) for values in parts.values()))
    if len(common) != 1:
        raise SeedlockError(
            f"choose the metric with metric=...: the tasks of {source!r} have "
            f"{', '.join(sorted(common)) or 'no metric'} in common."
        )
    return common.pop()


def load_task_values(
    source: str | os.PathLike[str],
    *,
    metric: str | None = None,
    task_column: str | None = None,
    tasks: Sequence[str] | None = None,
    task_metrics: Sequence[str] | None = None,
    store: str | os.PathLike[str] | None = None,
) -> TaskValues:
    """One arm's values on several tasks; give exactly one of the three task options.

    Args:
        source: a sweep name or a ``.csv``/``.json`` file; with ``tasks``, a pattern holding
            ``{task}`` (``"dqn-{task}"``, ``"runs/{task}/dqn.csv"``).
        metric: the metric (default: the only one every task has); not with ``task_metrics``.
        task_column: the column of a file naming each row's task.
        tasks: the task names filled into ``{task}``, one sweep or file each.
        task_metrics: metrics of one sweep or file, each one task.
        store: the run store for sweep names (default: ``$SEEDLOCK_STORE`` or
            ``./.seedlock/runs.db``).

    Raises:
        SeedlockError: not exactly one task option, no ``{task}`` in the pattern, a missing
            column, sweep, file or metric, or several metrics and none chosen.

    Example:
        >>> import os, tempfile
        >>> path = os.path.join(tempfile.mkdtemp(), "dqn.csv")
        >>> with open(path, "w") as out:
        ...     _ = out.write("seed,env,score\\n0,pong,1.0\\n1,pong,1.2\\n0,go,0.3\\n1,go,0.5\\n")
        >>> v = load_task_values(path, task_column="env")
        >>> v.tasks, v.metric, v.values["go"]
        (('pong', 'go'), 'score', (0.3, 0.5))
    """
    text = os.fspath(source)
    given = [
        name
        for name, option in (
            ("task_column", task_column),
            ("tasks", tasks),
            ("task_metrics", task_metrics),
        )
        if option is not None
    ]
    if len(given) != 1:
        raise SeedlockError(
            "load_task_values() needs exactly one of task_column, tasks and task_metrics, got "
            f"{', '.join(given) or 'none'}."
        )
    if task_metrics is not None:
        if metric is not None:
            raise SeedlockError(
                "load_task_values() takes metric or task_metrics, not both: with task_metrics "
                "every listed metric is one task."
            )
        names = [str(m) for m in task_metrics]
        if len(names) < 1 or len(set(names)) != len(names):
            raise SeedlockError(
                f"task_metrics must name one or more distinct metrics, got {names}."
            )
        whole = load_values(text, store=store)
        for name in names:
            whole.values(name)
        return TaskValues(
            source=text,
            metric=",".join(names),
            tasks=tuple(names),
            seeds=dict.fromkeys(names, whole.seeds),
            values={name: whole.metrics[name] for name in names},
            failed=dict.fromkeys(names, whole.failed),
        )
    if tasks is not None:
        names = [str(t) for t in tasks]
        if not names or len(set(names)) != len(names):
            raise SeedlockError(f"tasks must name one or more distinct tasks, got {names}.")
        if TASK_PLACEHOLDER not in text:
            raise SeedlockError(
                f"with tasks, each source is a pattern holding {TASK_PLACEHOLDER}, got {text!r}. "
                f"Write e.g. 'dqn-{TASK_PLACEHOLDER}' for the sweeps dqn-pong, dqn-go."
            )
        parts = {t: load_values(text.replace(TASK_PLACEHOLDER, t), store=store) for t in names}
    else:
        assert task_column is not None
        parts = _split_by_column(text, task_column)
    chosen = _one_metric(parts, metric, text)
    return TaskValues(
        source=text,
        metric=chosen,
        tasks=tuple(parts),
        seeds={t: v.seeds for t, v in parts.items()},
        values={t: v.metrics.get(chosen, (math.nan,) * len(v.seeds)) for t, v in parts.items()},
        failed={t: v.failed for t, v in parts.items()},
    )


def _bad(values: TaskValues, task: str) -> list[str]:
    rows = [
        f"seed {seed}" if seed is not None else f"row {i + 1}"
        for i, (seed, v) in enumerate(zip(values.seeds[task], values.values[task], strict=True))
        if not math.isfinite(v)
    ]
    return rows + [f"seed {seed} (failed)" for seed in values.failed[task]]


def _matrix(
    arm: str, values: TaskValues, tasks: Sequence[str], policy: str, worst: dict[str, float]
) -> tuple[np.ndarray, dict[str, tuple[int | None, ...]]]:
    columns: list[list[float]] = []
    seeds: dict[str, tuple[int | None, ...]] = {}
    for task in tasks:
        rows = list(zip(values.seeds[task], values.values[task], strict=True))
        kept = [(s, v) for s, v in rows if math.isfinite(v)]
        if policy == "worst":
            kept += [(s, worst[task]) for s, v in rows if not math.isfinite(v)]
            kept += [(s, worst[task]) for s in values.failed[task]]
        if all(s is not None for s, _ in kept):
            kept.sort(key=lambda item: int(item[0]) if item[0] is not None else -1)
        seeds[task] = tuple(s for s, _ in kept)
        columns.append([v for _, v in kept])
    counts = {task: len(column) for task, column in zip(tasks, columns, strict=True)}
    if len(set(counts.values())) != 1:
        hint = (
            ""
            if policy == "worst"
            else ", or pass failed='worst' to count failed runs as the worst score"
        )
        raise SeedlockError(
            f"arm {arm!r} has a different number of runs per task: {counts}. rliable's runs x "
            f"tasks matrix needs as many runs on every task; run the missing seeds{hint}."
        )
    return np.array(columns, dtype=np.float64).T, seeds


def compare_task_values(
    arms: Sequence[TaskValues],
    *,
    names: Sequence[str] | None = None,
    failed: str = "error",
    higher_is_better: bool = True,
    gamma: float = 1.0,
    ci: str = "percentile",
    convention: str = "seedlock",
    confidence: float = 0.95,
    n_resamples: int = 10_000,
    seed: SeedLike = 0,
    taus: Sequence[float] | None = None,
) -> TaskReport:
    """:func:`seedlock.stats.compare_tasks` over loaded arms, with the failed-seed policy.

    Failed runs and rows without a finite value are never dropped silently: ``failed="error"``
    (the default) names them; ``"exclude"`` leaves them out (every task of an arm must then
    still have as many runs); ``"worst"`` gives them the worst finite score of that task over
    all arms. :attr:`TaskReport.dropped` lists them either way.

    Raises:
        SeedlockError: arms with different tasks or metrics, failed or NaN runs with
            ``failed="error"``, an arm with unequal runs per task, or what
            :func:`~seedlock.stats.compare_tasks` refuses.

    Example:
        >>> a = TaskValues("a", "score", ("pong",), {"pong": (0, 1, 2)},
        ...     {"pong": (1.0, 1.2, 1.1)}, {"pong": ()})
        >>> b = TaskValues("b", "score", ("pong",), {"pong": (0, 1, 2)},
        ...     {"pong": (0.5, 0.7, 0.6)}, {"pong": ()})
        >>> r = compare_task_values([a, b], n_resamples=200)
        >>> r.comparison.improvement[0].estimate.value
        1.0
    """
    if failed not in _FAILED_POLICIES:
        raise SeedlockError(
            f"compare_task_values() failed must be one of {', '.join(_FAILED_POLICIES)}, got "
            f"{failed!r}."
        )
    if len(arms) < 1:
        raise SeedlockError("compare_task_values() needs at least one arm.")
    labels = [str(n) for n in names] if names is not None else [_label(a.source) for a in arms]
    if len(set(labels)) != len(labels):
        labels = [f"{label} ({i + 1})" for i, label in enumerate(labels)]
    tasks = arms[0].tasks
    for label, values in zip(labels, arms, strict=True):
        if set(values.tasks) != set(tasks):
            raise SeedlockError(
                f"every arm needs the same tasks: {labels[0]!r} has {', '.join(tasks)}; "
                f"{label!r} has {', '.join(values.tasks)}."
            )
    bad = {label: {t: _bad(v, t) for t in tasks} for label, v in zip(labels, arms, strict=True)}
    dropped: dict[str, Any] = {
        "policy": failed,
        "arms": {label: {t: rows for t, rows in per.items() if rows} for label, per in bad.items()},
    }
    if failed == "error" and any(rows for per in bad.values() for rows in per.values()):
        parts = [
            f"{label!r} on {task!r}: {', '.join(rows)}"
            for label, per in bad.items()
            for task, rows in per.items()
            if rows
        ]
        raise SeedlockError(
            f"some runs have no usable {arms[0].metric!r} value: {' | '.join(parts)}. Dropping "
            "them can flatter the arm that diverges; pass failed='exclude' to leave them out or "
            "failed='worst' to count them as the task's worst score."
        )
    worst: dict[str, float] = {}
    for task in tasks:
        finite = [v for a in arms for v in a.values[task] if math.isfinite(v)]
        if finite:
            worst[task] = min(finite) if higher_is_better else max(finite)
        elif failed == "worst":
            raise SeedlockError(
                f"failed='worst' needs a finite score on task {task!r}, and no arm has one."
            )
    if failed == "worst":
        dropped["worst_value"] = worst
    matrices: dict[str, np.ndarray] = {}
    seeds: dict[str, dict[str, tuple[int | None, ...]]] = {}
    for label, values in zip(labels, arms, strict=True):
        matrices[label], seeds[label] = _matrix(label, values, tasks, failed, worst)
    comparison = compare_tasks(
        matrices,
        tasks=tasks,
        higher_is_better=higher_is_better,
        gamma=gamma,
        ci=ci,
        convention=convention,
        confidence=confidence,
        n_resamples=n_resamples,
        seed=seed,
        taus=taus,
    )
    return TaskReport(
        comparison=comparison,
        metric=arms[0].metric,
        sources={label: a.source for label, a in zip(labels, arms, strict=True)},
        seeds=seeds,
        dropped=dropped,
    )


def _fmt(value: float) -> str:
    return f"{value:.4g}"


def _estimate(e: TaskEstimate) -> str:
    return f"{_fmt(e.value)} [{_fmt(e.low)}, {_fmt(e.high)}]"


def tasks_text(report: TaskReport) -> str:
    """A plain-text table of the aggregates per arm and P(X > Y) per pair.

    Example:
        >>> a = TaskValues("a", "score", ("pong",), {"pong": (0, 1)}, {"pong": (1.0, 1.2)},
        ...     {"pong": ()})
        >>> print(tasks_text(compare_task_values([a], n_resamples=200)).splitlines()[0])
        score over 1 task (pong), 95% stratified bootstrap CIs (percentile, 200 resamples):
    """
    c = report.comparison
    shown = ", ".join(c.tasks[:6]) + (", ..." if len(c.tasks) > 6 else "")
    lines = [
        f"{report.metric} over {len(c.tasks)} task{'s' if len(c.tasks) != 1 else ''} ({shown}), "
        f"{c.confidence:.0%} stratified bootstrap CIs ({c.ci}, {c.n_resamples} resamples):"
    ]
    header = ["arm", "runs x tasks", *(_LABELS[k] for k in _LABELS)]
    if not c.higher_is_better:
        header[-1] = f"gap (gamma={c.gamma:g})"
    else:
        header[-1] = f"optimality gap (gamma={c.gamma:g})"
    rows = [header]
    for arm in c.arms:
        rows.append(
            [arm, f"{c.runs[arm]} x {len(c.tasks)}"]
            + [_estimate(c.aggregates[arm][key]) for key in _LABELS]
        )
    widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
    lines += [
        "  " + "  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip()
        for row in rows
    ]
    if c.improvement:
        rel, word = (">", "higher") if c.higher_is_better else ("<", "lower, i.e. better")
        lines.append(
            f"P(X {rel} Y), X scoring {word} than Y, averaged over tasks (ties count 1/2):"
        )
        for pair in c.improvement:
            lines.append(f"  P({pair.x} {rel} {pair.y}) = {_estimate(pair.estimate)}")
    degenerate = sorted(
        {key for arm in c.arms for key, e in c.aggregates[arm].items() if e.method != c.ci}
        | {"P(X > Y)" for pair in c.improvement if pair.estimate.method != c.ci}
    )
    if degenerate:
        lines.append(f"BCa was degenerate for {', '.join(degenerate)}: percentile interval shown.")
    policy = report.dropped["policy"]
    for arm, per_task in report.dropped["arms"].items():
        for task, rows_ in per_task.items():
            action = "counted as the worst score" if policy == "worst" else "left out"
            lines.append(f"{arm} on {task}: {', '.join(rows_)} {action} (failed={policy}).")
    return "\n".join(lines)


def tasks_json(report: TaskReport, plots: Sequence[str] = ()) -> dict[str, Any]:
    """The ``seedlock compare --json`` document for several tasks: method, n per arm and task,
    the seeds used and dropped, and every number shown or plotted.

    Example:
        >>> a = TaskValues("a", "score", ("pong",), {"pong": (0, 1)}, {"pong": (1.0, 1.2)},
        ...     {"pong": ()})
        >>> doc = tasks_json(compare_task_values([a], n_resamples=200))
        >>> doc["format"], doc["method"]["bootstrap"], doc["arms"]["a"]["n"]
        ('seedlock-compare-tasks', 'stratified', {'pong': 2})
    """
    c = report.comparison
    data = c.to_dict()
    return {
        "format": TASKS_FORMAT,
        "version": TASKS_VERSION,
        "metric": report.metric,
        "higher_is_better": c.higher_is_better,
        "method": {
            "bootstrap": "stratified",
            "resampled": "runs within each task (tasks kept)",
            "ci": c.ci,
            "convention": c.convention,
            "confidence": c.confidence,
            "n_resamples": c.n_resamples,
            "seed": data["seed"],
            "gamma": c.gamma,
        },
        "tasks": list(c.tasks),
        "arms": {
            arm: {
                "source": report.sources[arm],
                "n": dict.fromkeys(c.tasks, c.runs[arm]),
                "seeds": {task: list(s) for task, s in report.seeds[arm].items()},
                "task_means": dict(zip(c.tasks, data["task_means"][arm], strict=True)),
                "aggregates": data["aggregates"][arm],
                "profile": data["profiles"][arm],
            }
            for arm in c.arms
        },
        "improvement": data["improvement"],
        "dropped": report.dropped,
        "plots": list(plots),
    }
