"""Statistics over loaded values: the library side of ``seedlock report`` and ``seedlock compare``.

Determinism contract: bootstraps are seeded through ``seedlock.stats`` (``seed=0`` unless
given), so the same values give the same report in every process.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from seedlock._errors import SeedlockError
from seedlock._seed import SeedLike
from seedlock.report._values import MetricValues
from seedlock.stats import Comparison, Summary, compare, summarize

__all__ = ["compare_values", "summarize_values"]


def _label(source: str) -> str:
    """A file's stem (``runs/adam.csv`` -> ``adam``), a sweep's name as it is."""
    path = Path(source)
    return path.stem if path.suffix.lower() in (".csv", ".json") else source


def summarize_values(
    values: MetricValues,
    metric: str | None = None,
    *,
    confidence: float = 0.95,
    n_resamples: int = 10_000,
    seed: SeedLike = 0,
) -> dict[str, Summary]:
    """Summaries of one metric (checked) or of every metric with at least 2 values.

    Raises:
        SeedlockError: unknown metric, fewer than 2 values, or no metric with 2 values.

    Example:
        >>> from seedlock.report import MetricValues
        >>> mv = MetricValues("demo", (0, 1, 2), {"acc": (0.8, 0.9, 0.85), "one": (1.0, 1.0, 1.0)})
        >>> sorted(summarize_values(mv, n_resamples=200))
        ['acc', 'one']
    """
    options: dict[str, Any] = {"confidence": confidence, "n_resamples": n_resamples, "seed": seed}
    if metric is not None:
        return {metric: summarize(values.values(metric), **options)}
    usable = [name for name in values.names if values.values(name).size >= 2]
    if not usable:
        raise SeedlockError(
            f"{values.source!r} has no metric with at least 2 finished seeds (metrics: "
            f"{', '.join(values.names) or '(none)'}; failed seeds: {len(values.failed)}). "
            "Run more seeds, or check that the script calls seedlock.log(...)."
        )
    return {name: summarize(values.values(name), **options) for name in usable}


def compare_values(
    a: MetricValues,
    b: MetricValues,
    metric: str | None = None,
    *,
    higher_is_better: bool = True,
    names: tuple[str, str] | None = None,
    confidence: float = 0.95,
    n_resamples: int = 10_000,
    seed: SeedLike = 0,
) -> tuple[str, Comparison]:
    """Compare ``metric`` (or the only metric both have) between two sets of values.

    Returns:
        The metric compared and the :class:`~seedlock.stats.Comparison`.

    Raises:
        SeedlockError: unknown metric (the message lists the available ones), no or several
            common metrics and none chosen, fewer than 2 values in an arm.

    Example:
        >>> from seedlock.report import MetricValues
        >>> a = MetricValues("adam", (0, 1, 2), {"acc": (0.90, 0.91, 0.92)})
        >>> b = MetricValues("sgd", (0, 1, 2), {"acc": (0.80, 0.81, 0.82)})
        >>> metric, c = compare_values(a, b, n_resamples=200)
        >>> metric, c.better
        ('acc', 'adam')
    """
    if metric is None:
        common = sorted(set(a.metrics) & set(b.metrics))
        if len(common) != 1:
            raise SeedlockError(
                f"choose the metric to compare with --metric: {a.source!r} has "
                f"{', '.join(a.names) or '(none)'}; {b.source!r} has "
                f"{', '.join(b.names) or '(none)'}; in common: {', '.join(common) or '(none)'}."
            )
        metric = common[0]
    values_a, values_b = a.values(metric), b.values(metric)
    if names is None:
        labels = (_label(a.source), _label(b.source))
        names = labels if labels[0] != labels[1] else ("A", "B")
    return metric, compare(
        values_a,
        values_b,
        higher_is_better=higher_is_better,
        names=names,
        confidence=confidence,
        n_resamples=n_resamples,
        seed=seed,
    )
