"""Reports over seeds: per-seed values from sweeps or files, text tables and headless plots.

Determinism contract: loading only reads; tables are pure functions of their summaries; plots
jitter points with a derived, fixed seed and never touch ``pyplot`` or global RNG state.
matplotlib is imported only when a plot is drawn.

Example:
    >>> from seedlock.report import summary_table
    >>> from seedlock.stats import summarize
    >>> summary_table({"acc": summarize([0.8, 0.9], n_resamples=200)}).splitlines()[0].split()[:3]
    ['metric', 'n', 'mean']
"""

from __future__ import annotations

from seedlock.report._build import (
    FAILED_POLICIES,
    ManyComparison,
    compare_many,
    compare_values,
    evp_curves,
    paired_values,
    summarize_values,
)
from seedlock.report._json import comparison_json, many_json, report_json, variance_json
from seedlock.report._plots import plot_comparison, plot_evp, plot_sweep
from seedlock.report._plots_tasks import plot_tasks
from seedlock.report._tables import comparison_text, evp_text, many_text, summary_table
from seedlock.report._tasks import (
    TaskReport,
    TaskValues,
    compare_task_values,
    load_task_values,
    tasks_json,
    tasks_text,
)
from seedlock.report._values import MetricValues, load_values, sweep_values
from seedlock.report._variance import (
    VarianceRuns,
    load_variance_runs,
    plot_variance,
    sweep_variance,
)

__all__ = [
    "FAILED_POLICIES",
    "ManyComparison",
    "MetricValues",
    "TaskReport",
    "TaskValues",
    "VarianceRuns",
    "compare_task_values",
    "compare_many",
    "compare_values",
    "comparison_json",
    "comparison_text",
    "load_task_values",
    "evp_curves",
    "evp_text",
    "load_values",
    "load_variance_runs",
    "many_json",
    "many_text",
    "paired_values",
    "plot_comparison",
    "plot_evp",
    "plot_sweep",
    "plot_tasks",
    "plot_variance",
    "report_json",
    "summarize_values",
    "summary_table",
    "sweep_values",
    "sweep_variance",
    "tasks_json",
    "tasks_text",
    "variance_json",
]
