"""Plain-text tables of sweep summaries and comparisons.

Determinism contract: the text is a pure function of the summaries it is given (fixed column
order, fixed number formats), so the same sweep gives the same report byte for byte.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from seedlock.stats import Comparison, ExpectedMax, Interval, Summary

if TYPE_CHECKING:
    from seedlock.report._build import ManyComparison

__all__ = ["comparison_text", "evp_text", "many_text", "summary_table"]


def _num(value: float) -> str:
    return f"{value:.4g}"


def _ci(interval: Interval) -> str:
    return f"[{_num(interval.low)}, {_num(interval.high)}]"


def summary_table(summaries: Mapping[str, Summary], *, title: str = "") -> str:
    """An aligned text table, one row per metric.

    Example:
        >>> from seedlock.stats import summarize
        >>> print(summary_table({"acc": summarize([0.8, 0.9, 0.85], n_resamples=200)}))
        metric  n  mean  std   median  min  max  IQM   mean 95% CI    IQM 95% CI
        acc     3  0.85  0.05  0.85    0.8  0.9  0.85  [0.8167, 0.9]  [0.8, 0.9]
    """
    level = next(iter(summaries.values())).mean_ci.level if summaries else 0.95
    pct = f"{round(level * 100)}%"
    header = ["metric", "n", "mean", "std", "median", "min", "max", "IQM"]
    header += [f"mean {pct} CI", f"IQM {pct} CI"]
    rows = [header]
    for name, s in summaries.items():
        rows.append(
            [name, str(s.n)]
            + [_num(v) for v in (s.mean, s.std, s.median, s.min, s.max, s.iqm)]
            + [_ci(s.mean_ci), _ci(s.iqm_ci)]
        )
    return "\n".join(([title] if title else []) + _aligned(rows))


def _aligned(rows: Sequence[Sequence[str]]) -> list[str]:
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    return [
        "  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip()
        for row in rows
    ]


def comparison_text(comparison: Comparison, *, metric: str = "") -> str:
    """A short multi-line account of a comparison, ending with the verdict.

    Example:
        >>> from seedlock.stats import compare
        >>> c = compare([1.0, 1.1, 1.2, 1.3], [0.0, 0.1, 0.2, 0.3], n_resamples=200)
        >>> text = comparison_text(c)
        >>> text.splitlines()[-1].startswith("verdict: A is better: mean 1.15 vs 0.15")
        True
    """
    c = comparison
    a, b = c.names
    pct = f"{round(c.difference_ci.level * 100)}%"
    direction = "higher is better" if c.higher_is_better else "lower is better"
    needed = "-" if c.seeds_needed is None else str(c.seeds_needed)
    if c.design == "paired":
        design = f"paired by seed ({c.n_a} seeds ran in both)"
        unit = "pairs"
        paired = [
            f"  paired t-test: t={_num(c.paired_t)}  p={_num(c.paired_t_p)}",
            f"  Wilcoxon signed-rank: W={_num(c.wilcoxon_w)}  p={_num(c.wilcoxon_p)}",
        ]
    else:
        design, unit, paired = "independent arms", "seeds per arm", []
    dropped = [
        f"  {arm['source']}: {what} ({', '.join(map(str, ids))}) -> "
        f"{'excluded' if c.dropped['policy'] == 'exclude' else 'counted as the worst value'}"
        for arm in c.dropped.get("arms", [])
        for what, ids in (
            (f"{len(arm['failed'])} failed seeds", arm["failed"]),
            (f"{len(arm['nan'])} without a finite value", arm["nan"]),
        )
        if ids
    ]
    lines = [
        f"{metric or 'values'} ({direction})",
        f"  {a}: n={c.n_a}  mean={_num(c.mean_a)}  std={_num(c.std_a)}  IQM={_num(c.iqm_a)}",
        f"  {b}: n={c.n_b}  mean={_num(c.mean_b)}  std={_num(c.std_b)}  IQM={_num(c.iqm_b)}",
        f"  difference of means ({a} - {b}): {c.difference:+.4g}  {pct} CI "
        f"[{c.difference_ci.low:+.4g}, {c.difference_ci.high:+.4g}] ({c.difference_ci.method})",
        f"  P({a} better than {b}): {c.prob_improvement:.3f}  {pct} CI "
        f"{_ci(c.prob_improvement_ci)}",
        f"  design: {design}; verdict decided by the {c.test}: p={_num(c.test_p)} "
        f"(alpha {c.alpha:g})",
        *paired,
        f"  Welch t-test: t={_num(c.welch_t)}  p={_num(c.welch_p)}",
        f"  Mann-Whitney U: U={_num(c.mannwhitney_u)}  p={_num(c.mannwhitney_p)}",
        f"  effect size: Cohen's d={_num(c.cohens_d)}  Hedges' g={_num(c.hedges_g)}",
        f"  {unit} for 80% power at this effect: {needed}",
        f"  Bouthillier et al. (2021) rule (CI of P({a} better) above 0.5 and reaching "
        f"gamma {c.gamma:g}): {_says(c.rule_better)}; permutation test: {_says(c.test_better)}; "
        f"decided by: {_RULE_NAMES[c.rule]}",
        *dropped,
        f"verdict: {c.verdict}",
    ]
    return "\n".join(lines)


_RULE_NAMES = {
    "permutation": "the permutation test",
    "bouthillier": "Bouthillier et al.'s rule",
    "both": "both (they must agree)",
}


def _says(better: str | None) -> str:
    return "no difference" if better is None else f"{better} better"


def _short_verdict(c: Comparison) -> str:
    if c.better is not None:
        return f"{c.better} better"
    return "too few seeds" if c.verdict.startswith("too few") else "no difference"


def many_text(many: ManyComparison) -> str:
    """One table per metric, one row per pair, with the Holm-adjusted p and the verdict.

    Example:
        >>> from seedlock.report import MetricValues, compare_many
        >>> arms = [MetricValues(n, tuple(range(6)), {"acc": tuple(v + i / 100 for i in
        ...         range(6))}) for n, v in (("adam", 0.9), ("sgd", 0.8), ("lion", 0.9))]
        >>> print(many_text(compare_many(arms, n_resamples=200)).splitlines()[0])
        acc (higher is better): 3 arms, all 3 pairs; Holm's correction over 3 tests (alpha 0.05)
    """
    first = many.comparisons[0][1]
    direction = "higher is better" if first.higher_is_better else "lower is better"
    pct = f"{round(first.difference_ci.level * 100)}%"
    scope = (
        f"each against {many.baseline}"
        if many.baseline
        else f"all {len(many.comparisons) // len(many.metrics)} pairs"
    )
    blocks = []
    for metric in many.metrics:
        rows = [
            [
                "A vs B",
                "design",
                "n",
                "mean A",
                "mean B",
                "A - B",
                f"{pct} CI",
                "P(A>B)",
                "p",
                "p Holm",
                "Bouthillier",
                "verdict",
            ]
        ]
        for name, c in many.comparisons:
            if name != metric:
                continue
            ci = c.difference_ci
            rows.append(
                [
                    f"{c.names[0]} vs {c.names[1]}",
                    c.design,
                    f"{c.n_a}/{c.n_b}",
                    _num(c.mean_a),
                    _num(c.mean_b),
                    f"{c.difference:+.4g}",
                    f"[{ci.low:+.4g}, {ci.high:+.4g}]",
                    f"{c.prob_improvement:.2f}",
                    _num(c.test_p),
                    _num(c.p_adjusted),
                    "-" if c.rule_better is None else c.rule_better,
                    _short_verdict(c),
                ]
            )
        blocks.append(
            "\n".join(
                [
                    f"{metric} ({direction}): {len(many.arms)} arms, {scope}; Holm's correction "
                    f"over {many.family} tests (alpha {first.alpha:g})",
                    *_aligned(rows),
                ]
            )
        )
    rule = _RULE_NAMES[first.rule]
    footer = (
        f"verdicts decided by {rule} (Bouthillier column: the rule with gamma {first.gamma:g}); "
        "p Holm is the permutation p adjusted over every pair and metric above."
    )
    dropped = sorted(
        {
            f"{arm['source']}: {len(arm['failed'])} failed, {len(arm['nan'])} without a value "
            f"({c.dropped['policy']})"
            for _, c in many.comparisons
            for arm in c.dropped.get("arms", [])
            if arm["failed"] or arm["nan"]
        }
    )
    return "\n\n".join(blocks) + "\n" + footer + "".join(f"\n  {d}" for d in dropped)


def evp_text(curves: Mapping[str, ExpectedMax], *, metric: str = "") -> str:
    """Expected best value (± std) of n runs per arm, at n = 1, 2, 5, 10, 20, 50, ... and N.

    Example:
        >>> from seedlock.stats import expected_max
        >>> print(evp_text({"adam": expected_max([0.2, 0.4, 0.6, 0.8])}, metric="acc"))
        expected best acc of n runs (Dodge et al. 2019), mean +- std
        arm   N  n=1            n=2              n=4
        adam  4  0.5 +- 0.2236  0.625 +- 0.1854  0.7234 +- 0.1228
    """
    top = max(curve.n[-1] for curve in curves.values())
    steps = sorted({n for n in (1, 2, 5, 10, 20, 50, 100, 200, 500, 1000) if n <= top} | {top})
    rows = [["arm", "N", *(f"n={n}" for n in steps)]]
    for name, curve in curves.items():
        rows.append(
            [name, str(curve.observed)]
            + [
                f"{_num(curve.mean[n - 1])} +- {_num(curve.std[n - 1])}"
                if n <= curve.n[-1]
                else "-"
                for n in steps
            ]
        )
    best = "best" if next(iter(curves.values())).higher_is_better else "lowest"
    title = f"expected {best} {metric or 'value'} of n runs (Dodge et al. 2019), mean +- std"
    return "\n".join([title, *_aligned(rows)])
