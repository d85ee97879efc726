"""The public API is pinned: names may be added on purpose, never lost by accident."""

from __future__ import annotations

import importlib
import subprocess
import sys

import pytest

import seedlock

PUBLIC = {
    "Finding",
    "SeedReport",
    "SeedlockError",
    "SeedlockTypeError",
    "Snapshot",
    "StateError",
    "__version__",
    "derive",
    "derive_many",
    "doctor",
    "fingerprint",
    "fingerprint_diff",
    "isolate",
    "jax_key",
    "log",
    "log_artifact",
    "numpy_rng",
    "python_rng",
    "restore",
    "root_seed",
    "seed_everything",
    "seed_sequence",
    "STREAMS",
    "stream_seeds",
    "snapshot",
    "tf_generator",
    "torch_generator",
    "track",
    "untrack",
    "verify",
}


def test_all_lists_exactly_the_public_names() -> None:
    assert set(seedlock.__all__) == PUBLIC


def test_every_public_name_resolves_and_is_documented() -> None:
    for name in sorted(PUBLIC - {"__version__"}):
        value = getattr(seedlock, name)
        assert value.__doc__, f"seedlock.{name} has no docstring"


def test_subpackages_are_reachable_as_attributes() -> None:
    assert seedlock.data.EpochShuffle is not None
    assert callable(seedlock.stats.compare)
    assert callable(seedlock.stats.permutation_pvalue)
    assert callable(seedlock.stats.min_seeds_for_test)
    assert callable(seedlock.stats.compare_tasks)
    assert callable(seedlock.report.paired_values)


def test_unknown_names_raise_attribute_error() -> None:
    try:
        seedlock.no_such_name  # noqa: B018
    except AttributeError as exc:
        assert "no_such_name" in str(exc)
    else:
        raise AssertionError("expected AttributeError")


def test_import_seedlock_imports_no_optional_dependency() -> None:
    heavy = ["torch", "tensorflow", "jax", "keras", "scipy", "matplotlib", "ray", "mlflow", "wandb"]
    code = (
        "import sys, seedlock\n"
        "[getattr(seedlock, n) for n in ('seed_everything', 'snapshot', 'doctor', 'derive')]\n"
        f"print(sorted(set({heavy!r}) & set(sys.modules)))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


#: The public names of every public module and subpackage, pinned like the root's.
SUBPACKAGES: dict[str, set[str]] = {
    "accelerate": {"STATE_FORMAT", "SeedlockState", "dataloader"},
    "cli": {"console_main", "main"},
    "data": {
        "ALGORITHM",
        "EpochIndex",
        "EpochShuffle",
        "Permutation",
        "STREAM",
        "SeededDataset",
        "reseed",
        "sample_python_rng",
        "sample_rng",
        "sample_torch_generator",
        "seeded",
    },
    "determinism": {
        "Change",
        "THREAD_VARS",
        "deterministic_env",
        "enable_env",
        "enable_for",
        "hash_seed_fixed",
        "jax_backend_started",
        "pin_threads",
        "thread_env",
    },
    "distributed": {"RankInfo", "broadcast_root", "process_group_ready", "rank_info"},
    "env": {
        "EnvDifference",
        "FORMAT",
        "Fingerprint",
        "IMPACTS",
        "fingerprint",
        "fingerprint_diff",
        "redact_env",
    },
    "frameworks": {
        "Change",
        "FRAMEWORKS",
        "Finding",
        "Framework",
        "HookState",
        "Settings",
        "State",
        "configure",
        "get",
        "hook_state",
        "install_hook",
        "loaded",
        "pending",
        "record_seeded",
        "seeded",
        "set_hook_state",
    },
    "launch": {
        "RunDiff",
        "RunDifference",
        "RunResult",
        "child_env",
        "clear_stop_request",
        "diff_runs",
        "forward_signals",
        "log",
        "log_artifact",
        "repair_runs",
        "resolve_seed_arg",
        "run_command",
        "stop_requested",
        "unseeded_reason",
    },
    "lint": {
        "Diagnostic",
        "FixedFile",
        "LintConfig",
        "LintResult",
        "RULES",
        "Rule",
        "fix_paths",
        "fix_source",
        "iter_python_files",
        "lint_paths",
        "lint_source",
        "load_config",
        "render_github",
        "render_json",
        "render_sarif",
        "render_statistics",
        "render_text",
        "select_rules",
    },
    "report": {
        "FAILED_POLICIES",
        "ManyComparison",
        "MetricValues",
        "VarianceRuns",
        "compare_many",
        "compare_values",
        "comparison_json",
        "comparison_text",
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
        "plot_variance",
        "report_json",
        "summarize_values",
        "summary_table",
        "sweep_values",
        "sweep_variance",
        "variance_json",
        "TaskReport",
        "TaskValues",
        "compare_task_values",
        "load_task_values",
        "plot_tasks",
        "tasks_json",
        "tasks_text",
    },
    "state": {"FORMAT", "Snapshot", "isolate", "restore", "snapshot", "track", "untrack"},
    "stats": {
        "Comparison",
        "ExpectedMax",
        "Interval",
        "PairImprovement",
        "RULES",
        "Summary",
        "TaskComparison",
        "TaskEstimate",
        "TaskProfile",
        "VarianceComponent",
        "VarianceReport",
        "bouthillier_better",
        "compare",
        "compare_tasks",
        "decide",
        "expected_max",
        "holm",
        "iqm",
        "min_seeds_for_test",
        "permutation_pvalue",
        "probability_of_improvement",
        "seeds_needed",
        "summarize",
        "variance_components",
    },
    "store": {"RunRecord", "STATUSES", "Store", "StoreError", "SweepRow", "default_store_path"},
    "sweep": {
        "CELL_TAG",
        "DESIGNS",
        "SeedOutcome",
        "SweepProgress",
        "SweepResult",
        "SweepSpec",
        "command_for",
        "launch_args",
        "load_spec",
        "needs_seed_placeholder",
        "parse_seeds",
        "plan_sweep",
        "run_sweep",
        "spec_path",
    },
    "torch": {
        "EpochSampler",
        "SeedlockDataLoader",
        "dataloader",
        "shard",
        "worker_init_fn",
    },
    "trackers": {"BACKENDS", "DERIVATION_POLICY", "Payload", "build_payload", "log_run"},
}


@pytest.mark.parametrize("name", sorted(SUBPACKAGES))
def test_every_public_subpackage_exports_exactly_its_pinned_names(name: str) -> None:
    if name == "torch":
        pytest.importorskip("torch")
    module = importlib.import_module(f"seedlock.{name}")
    assert set(module.__all__) == SUBPACKAGES[name]
    for public in sorted(SUBPACKAGES[name]):
        value = getattr(module, public)
        if callable(value):
            assert value.__doc__, f"seedlock.{name}.{public} has no docstring"
