"""Plain-text tables of sweep summaries and comparisons.

Determinism contract: the text is a pure function of the summaries it is given (fixed column
order, fixed number formats), so the same sweep gives the same report byte for byte.
"""

from __future__ import annotations

from collections.abc import Mapping

from seedlock.stats import Comparison, Interval, Summary

__all__ = ["comparison_text", "summary_table"]


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
    widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
    lines = [
        "  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip()
        for row in rows
    ]
    return "\n".join(([title] if title else []) + lines)


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
        *dropped,
        f"verdict: {c.verdict}",
    ]
    return "\n".join(lines)
