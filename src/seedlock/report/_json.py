"""The JSON documents of ``seedlock compare --json`` and ``seedlock report --json``.

Determinism contract: each document is a pure function of the values and statistics given; it
holds no NaN or infinity (a non-finite value becomes ``null``), so any JSON reader accepts it.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from seedlock._variance import VarianceReport
from seedlock.report._values import MetricValues
from seedlock.report._variance import VarianceRuns
from seedlock.stats import Comparison, Summary

if TYPE_CHECKING:
    from seedlock.report._build import ManyComparison

__all__ = [
    "COMPARE_FORMAT",
    "COMPARE_MANY_FORMAT",
    "COMPARE_VERSION",
    "REPORT_FORMAT",
    "REPORT_VERSION",
    "VARIANCE_FORMAT",
    "comparison_json",
    "many_json",
    "report_json",
    "variance_json",
]

COMPARE_FORMAT = "seedlock-compare"
COMPARE_VERSION = 1
COMPARE_MANY_FORMAT = "seedlock-compare-many"
REPORT_FORMAT = "seedlock-report"
REPORT_VERSION = 1
VARIANCE_FORMAT = "seedlock-variance"


def _finite_or_none(values: Sequence[float]) -> list[float | None]:
    return [v if math.isfinite(v) else None for v in values]


def comparison_json(
    a: MetricValues,
    b: MetricValues,
    metric: str,
    comparison: Comparison,
    plot: str | None = None,
) -> dict[str, Any]:
    """The ``seedlock compare --json`` document for ``comparison`` of ``metric`` in ``a`` and ``b``.

    Example:
        >>> from seedlock.report import MetricValues, compare_values
        >>> a = MetricValues("a", (0, 1, 2), {"acc": (0.8, 0.9, 0.85)})
        >>> b = MetricValues("b", (0, 1, 2), {"acc": (0.7, 0.75, float("nan"))})
        >>> metric, comparison = compare_values(a, b, n_resamples=200, failed="exclude")
        >>> comparison_json(a, b, metric, comparison)["b"]["values"]
        [0.7, 0.75, None]
    """
    return {
        "format": COMPARE_FORMAT,
        "version": COMPARE_VERSION,
        "metric": metric,
        "a": {
            "source": a.source,
            "seeds": list(a.seeds),
            "values": _finite_or_none(a.metrics[metric]),
        },
        "b": {
            "source": b.source,
            "seeds": list(b.seeds),
            "values": _finite_or_none(b.metrics[metric]),
        },
        "comparison": comparison.to_dict(),
        "plot": plot,
    }


def report_json(
    values: MetricValues, summaries: Mapping[str, Summary], plot: str | None = None
) -> dict[str, Any]:
    """The ``seedlock report --json`` document: every metric's summary and per-seed values.

    Example:
        >>> from seedlock.report import MetricValues, summarize_values
        >>> mv = MetricValues("demo", (0, 1), {"acc": (0.8, 0.9)})
        >>> report_json(mv, summarize_values(mv, n_resamples=200))["metrics"]["acc"]["values"]
        [0.8, 0.9]
    """
    return {
        "format": REPORT_FORMAT,
        "version": REPORT_VERSION,
        "source": values.source,
        "seeds": list(values.seeds),
        "failed": list(values.failed),
        "running": list(values.running),
        "metrics": {
            name: {"summary": s.to_dict(), "values": _finite_or_none(values.metrics[name])}
            for name, s in summaries.items()
        },
        "plot": plot,
    }


def variance_json(
    runs: VarianceRuns,
    report: VarianceReport,
    precision: float | None = None,
    plot: str | None = None,
) -> dict[str, Any]:
    """The ``seedlock report --variance --json`` document: each stream's share of the variance."""
    return {
        "format": VARIANCE_FORMAT,
        "version": REPORT_VERSION,
        "sweep": runs.sweep,
        "metric": runs.metric,
        "vary": runs.vary,
        "missing": runs.missing,
        **report.to_dict(),
        "advice": report.advice(precision),
        "plot": plot,
    }


def many_json(
    values: Sequence[MetricValues], many: ManyComparison, plot: str | None = None
) -> dict[str, Any]:
    """The ``seedlock compare A B C ... --json`` document: every pair, adjusted p, verdicts.

    Example:
        >>> from seedlock.report import MetricValues, compare_many
        >>> arms = [MetricValues(n, (0, 1, 2), {"acc": (0.8, 0.9, 0.85)}) for n in "abc"]
        >>> doc = many_json(arms, compare_many(arms, n_resamples=200))
        >>> doc["format"], doc["family"], doc["comparisons"][0]["names"]
        ('seedlock-compare-many', 3, ['a', 'b'])
    """
    data = many.to_dict()
    for arm, side in zip(data["arms"], values, strict=True):
        arm["seeds"] = list(side.seeds)
        arm["failed"] = list(side.failed)
        arm["running"] = list(side.running)
        arm["values"] = {metric: _finite_or_none(side.metrics[metric]) for metric in many.metrics}
    return {"format": COMPARE_MANY_FORMAT, "version": COMPARE_VERSION, **data, "plot": plot}
