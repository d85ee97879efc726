"""Statistics over loaded values: the library side of ``seedlock report`` and ``seedlock compare``.

Determinism contract: bootstraps are seeded through ``seedlock.stats`` (``seed=0`` unless
given), so the same values give the same report in every process.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from seedlock._errors import SeedlockError
from seedlock._seed import SeedLike
from seedlock.report._values import MetricValues
from seedlock.stats import (
    Comparison,
    ExpectedMax,
    Summary,
    compare,
    decide,
    expected_max,
    holm,
    summarize,
)

__all__ = [
    "FAILED_POLICIES",
    "ManyComparison",
    "compare_many",
    "compare_values",
    "evp_curves",
    "paired_values",
    "summarize_values",
]

FAILED_POLICIES = ("error", "exclude", "worst")


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
    failed: str = "error",
    rule: str = "permutation",
    gamma: float = 0.75,
) -> tuple[str, Comparison]:
    """Compare ``metric`` (or the only metric both have) between two sets of values.

    Seeds that failed, or whose value is NaN/missing, are never dropped silently: with
    ``failed="error"`` (the default) they raise an error naming them; ``"exclude"`` leaves them
    out; ``"worst"`` gives them the worst finite value seen in either arm (so an arm that
    diverges is not flattered). Either way ``Comparison.dropped`` lists them per arm. Arms that
    ran the same seeds are compared paired by seed (see :func:`paired_values`).

    Returns:
        The metric compared and the :class:`~seedlock.stats.Comparison`.

    Raises:
        SeedlockError: unknown metric (the message lists the available ones), no or several
            common metrics and none chosen, fewer than 2 values in an arm, failed or NaN seeds
            with ``failed="error"``, an unknown ``failed`` policy.

    Example:
        >>> from seedlock.report import MetricValues
        >>> a = MetricValues("adam", (0, 1, 2, 3), {"acc": (0.90, 0.91, 0.92, 0.93)})
        >>> b = MetricValues("sgd", (4, 5, 6, 7), {"acc": (0.80, 0.81, 0.82, 0.83)})
        >>> metric, c = compare_values(a, b, n_resamples=200)
        >>> metric, c.better, c.design
        ('acc', 'adam', 'independent')
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
    a, b, dropped = _apply_failed(a, b, metric, failed, higher_is_better)
    values_a, values_b, paired = paired_values(a, b, metric)
    if names is None:
        labels = (_label(a.source), _label(b.source))
        names = labels if labels[0] != labels[1] else ("A", "B")
    comparison = compare(
        values_a,
        values_b,
        higher_is_better=higher_is_better,
        names=names,
        confidence=confidence,
        n_resamples=n_resamples,
        seed=seed,
        paired=paired,
        rule=rule,
        gamma=gamma,
    )
    return metric, dataclasses.replace(comparison, dropped=dropped)


@dataclasses.dataclass(frozen=True)
class ManyComparison:
    """Several arms (and metrics) compared pairwise, verdicts corrected for multiplicity.

    Attributes:
        arms: the arms' names, in the order given.
        sources: where each arm's values came from (sweep name or file).
        metrics: the metrics compared.
        baseline: the arm every other arm was compared with, or ``None`` for all pairs.
        comparisons: ``(metric, comparison)`` per pair and metric; each comparison's
            ``p_adjusted`` is Holm's over the whole family and its verdict uses it.
    """

    arms: tuple[str, ...]
    sources: tuple[str, ...]
    metrics: tuple[str, ...]
    baseline: str | None
    comparisons: tuple[tuple[str, Comparison], ...]
    correction: str = "holm"

    @property
    def family(self) -> int:
        """How many tests the correction covers."""
        return len(self.comparisons)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-able dict (NaN and infinities become ``None``)."""
        return {
            "arms": [
                {"name": name, "source": source}
                for name, source in zip(self.arms, self.sources, strict=True)
            ],
            "metrics": list(self.metrics),
            "baseline": self.baseline,
            "correction": self.correction,
            "family": self.family,
            "comparisons": [
                {"metric": metric, **comparison.to_dict()}
                for metric, comparison in self.comparisons
            ],
        }


def _arm_names(values: Sequence[MetricValues]) -> tuple[str, ...]:
    labels = tuple(_label(v.source) for v in values)
    if len(set(labels)) == len(labels):
        return labels
    sources = tuple(v.source for v in values)
    if len(set(sources)) == len(sources):
        return sources
    raise SeedlockError(
        f"compare_many() got the same arm twice: {', '.join(sources)}. Give each arm once."
    )


def _common_metrics(values: Sequence[MetricValues], metrics: Sequence[str] | None) -> list[str]:
    if metrics:
        for name in metrics:
            for side in values:
                side.values(name)  # unknown metric: the error lists the available ones
        return list(dict.fromkeys(metrics))
    common = sorted(set.intersection(*(set(v.metrics) for v in values)))
    if len(common) != 1:
        raise SeedlockError(
            "choose the metrics to compare with --metric (several: --metric a --metric b or "
            f"--metric a,b); in common to every arm: {', '.join(common) or '(none)'}."
        )
    return common


def compare_many(
    values: Sequence[MetricValues],
    metrics: Sequence[str] | None = None,
    *,
    baseline: str | None = None,
    higher_is_better: bool = True,
    confidence: float = 0.95,
    n_resamples: int = 10_000,
    seed: SeedLike = 0,
    failed: str = "error",
    rule: str = "permutation",
    gamma: float = 0.75,
) -> ManyComparison:
    """Compare every pair of arms (or every arm with ``baseline``) on one or more metrics.

    Each pair is compared as :func:`compare_values` does (pairing by seed, the ``failed``
    policy); the permutation p-values of all pairs and metrics form one family, adjusted with
    Holm's step-down method (:func:`seedlock.stats.holm`), and each verdict is decided with its
    adjusted p, so the chance of any false "better" in the whole table stays at most
    ``1 - confidence``. Pairs are ``(arms[i], arms[j])`` for ``i < j``, or ``(arm, baseline)``.

    Raises:
        SeedlockError: fewer than 2 arms, an arm given twice, an unknown baseline or metric, no
            single common metric and none chosen, or what :func:`compare_values` raises.

    Example:
        >>> from seedlock.report import MetricValues
        >>> arms = [MetricValues(name, tuple(range(8)), {"acc": tuple(v + i / 100 for i in
        ...         range(8))}) for name, v in (("adam", 0.9), ("sgd", 0.8), ("lion", 0.9))]
        >>> many = compare_many(arms, n_resamples=200)
        >>> [(c.names, c.better) for _, c in many.comparisons]
        [(('adam', 'sgd'), 'adam'), (('adam', 'lion'), None), (('sgd', 'lion'), 'lion')]
        >>> many.family
        3
    """
    if len(values) < 2:
        raise SeedlockError(f"compare_many() needs at least 2 arms, got {len(values)}.")
    names = _arm_names(values)
    chosen = _common_metrics(values, metrics)
    if baseline is None:
        pairs = [(i, j) for i in range(len(values)) for j in range(i + 1, len(values))]
    else:
        matches = [i for i, v in enumerate(values) if baseline in (names[i], v.source)]
        if not matches:
            raise SeedlockError(
                f"compare_many() baseline {baseline!r} is not one of the arms: "
                f"{', '.join(names)}. Pass one of these names."
            )
        base = matches[0]
        pairs = [(i, base) for i in range(len(values)) if i != base]
    options: dict[str, Any] = {
        "higher_is_better": higher_is_better,
        "confidence": confidence,
        "n_resamples": n_resamples,
        "seed": seed,
        "failed": failed,
        "rule": rule,
        "gamma": gamma,
    }
    results = [
        (
            metric,
            compare_values(values[i], values[j], metric, names=(names[i], names[j]), **options)[1],
        )
        for metric in chosen
        for i, j in pairs
    ]
    adjusted = holm([c.test_p for _, c in results])
    family = len(results)
    return ManyComparison(
        arms=names,
        sources=tuple(v.source for v in values),
        metrics=tuple(chosen),
        baseline=None if baseline is None else names[base],
        comparisons=tuple(
            (metric, decide(c, p_adjusted=p, family=family))
            for (metric, c), p in zip(results, adjusted, strict=True)
        ),
    )


def _bad_rows(values: MetricValues, metric: str) -> tuple[list[str], list[int]]:
    """Rows of ``metric`` that are NaN/missing (``seed N`` or ``row N``) and failed seeds."""
    column = values.metrics.get(metric, ())
    nan_rows = [
        f"seed {seed}" if seed is not None else f"row {i + 1}"
        for i, (seed, v) in enumerate(zip(values.seeds, column, strict=False))
        if not math.isfinite(v)
    ]
    return nan_rows, list(values.failed)


def _apply_failed(
    a: MetricValues, b: MetricValues, metric: str, policy: str, higher_is_better: bool
) -> tuple[MetricValues, MetricValues, dict[str, Any]]:
    if policy not in FAILED_POLICIES:
        raise SeedlockError(
            f"compare_values() failed must be one of {', '.join(FAILED_POLICIES)}, got "
            f"{policy!r}. Use failed='exclude' to leave failed/NaN seeds out."
        )
    a.values(metric), b.values(metric)  # unknown metric: the error lists the available ones
    bad = {side.source: _bad_rows(side, metric) for side in (a, b)}
    dropped: dict[str, Any] = {
        "policy": policy,
        "arms": [
            {"source": side.source, "nan": bad[side.source][0], "failed": bad[side.source][1]}
            for side in (a, b)
        ],
    }
    if not any(nan or fails for nan, fails in bad.values()):
        return a, b, dropped
    if policy == "error":
        parts = [
            f"{source!r}: "
            + "; ".join(
                part
                for part in (
                    f"{len(fails)} failed (seeds {', '.join(map(str, fails))})" if fails else "",
                    f"{len(nan)} without a finite {metric} ({', '.join(nan)})" if nan else "",
                )
                if part
            )
            for source, (nan, fails) in bad.items()
            if nan or fails
        ]
        raise SeedlockError(
            f"some seeds have no usable {metric!r} value: {' | '.join(parts)}. Dropping them "
            "can flatter the arm that diverges; choose with --failed exclude (leave them out) "
            "or --failed worst (count them as the worst value seen)."
        )
    if policy == "exclude":
        return a, b, dropped
    finite = [v for side in (a, b) for v in side.metrics[metric] if math.isfinite(v)]
    if not finite:
        raise SeedlockError(
            f"--failed worst needs at least one finite {metric!r} value, and neither arm has one."
        )
    worst = min(finite) if higher_is_better else max(finite)
    dropped["worst_value"] = worst

    def fill(side: MetricValues) -> MetricValues:
        column = [v if math.isfinite(v) else worst for v in side.metrics[metric]]
        seeds = list(side.seeds)
        for seed in side.failed:
            seeds.append(seed)
            column.append(worst)
        return dataclasses.replace(side, seeds=tuple(seeds), metrics={metric: tuple(column)})

    return fill(a), fill(b), dropped


def paired_values(a: MetricValues, b: MetricValues, metric: str) -> tuple[Any, Any, bool]:
    """The values of ``metric`` in A and B, paired by seed when both ran the same seeds.

    Pairing is used when every value on both sides has a seed, no seed repeats, and the two sets
    of seeds are equal; the values are then returned in seed order. Otherwise the arms are
    independent and returned as they are.

    Example:
        >>> from seedlock.report import MetricValues
        >>> a = MetricValues("adam", (1, 0), {"acc": (0.91, 0.90)})
        >>> b = MetricValues("sgd", (0, 1), {"acc": (0.80, 0.81)})
        >>> xa, xb, paired = paired_values(a, b, "acc")
        >>> xa.tolist(), xb.tolist(), paired
        ([0.9, 0.91], [0.8, 0.81], True)
    """
    values_a, values_b = a.values(metric), b.values(metric)
    by_seed: list[dict[int, float]] = []
    for side in (a, b):
        column = side.metrics[metric]
        seeds = [s for s, v in zip(side.seeds, column, strict=False) if math.isfinite(v)]
        if any(s is None for s in seeds) or len(set(seeds)) != len(seeds):
            return values_a, values_b, False
        by_seed.append(
            {
                int(s): v
                for s, v in zip(side.seeds, column, strict=False)
                if s is not None and math.isfinite(v)
            }
        )
    if set(by_seed[0]) != set(by_seed[1]) or len(by_seed[0]) < 2:
        return values_a, values_b, False
    order = sorted(by_seed[0])
    import numpy as np

    return (
        np.array([by_seed[0][s] for s in order]),
        np.array([by_seed[1][s] for s in order]),
        True,
    )


def evp_curves(
    values: Sequence[MetricValues],
    metric: str,
    names: Sequence[str],
    *,
    higher_is_better: bool = True,
) -> dict[str, ExpectedMax]:
    """Each arm's expected best ``metric`` of n = 1..N runs (:func:`seedlock.stats.expected_max`).

    N is the arm's number of finite values: failed and NaN seeds have no value to draw.

    Example:
        >>> from seedlock.report import MetricValues
        >>> arms = [MetricValues("a", (0, 1), {"acc": (0.8, 0.9)})]
        >>> evp_curves(arms, "acc", ["a"])["a"].mean
        (0.8500000000000001, 0.875)
    """
    return {
        name: expected_max(side.values(metric), higher_is_better=higher_is_better)
        for name, side in zip(names, values, strict=True)
    }
