"""Text tables and headless plots of sweeps and comparisons."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from seedlock._errors import SeedlockError
from seedlock.report import comparison_text, plot_comparison, plot_sweep, summary_table
from seedlock.stats import compare, summarize

pytest.importorskip("matplotlib")

A = np.array([0.84, 0.85, 0.83, 0.86, 0.845, 0.855])
B = np.array([0.82, 0.83, 0.815, 0.84, 0.825, 0.835])
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def test_summary_table_has_one_aligned_row_per_metric() -> None:
    table = summary_table(
        {"accuracy": summarize(A, n_resamples=200), "loss": summarize(B, n_resamples=200)},
        title="adam: 6 finished",
    )
    lines = table.splitlines()
    assert lines[0] == "adam: 6 finished"
    assert lines[1].split()[:3] == ["metric", "n", "mean"]
    assert [line.split()[0] for line in lines[2:]] == ["accuracy", "loss"]
    assert lines[2].index(f"{A.mean():.4g}") == lines[1].index("mean")


def test_comparison_text_ends_with_the_verdict() -> None:
    c = compare(A, B, names=("adam", "sgd"), n_resamples=200)
    text = comparison_text(c, metric="accuracy")
    assert text.splitlines()[0] == "accuracy (higher is better)"
    assert "P(adam better than sgd)" in text
    assert text.splitlines()[-1] == f"verdict: {c.verdict}"


def test_plots_are_written_as_png(tmp_path: Path) -> None:
    sweep = plot_sweep(
        {"accuracy": A}, {"accuracy": summarize(A, n_resamples=200)}, tmp_path / "s.png"
    )
    cmp = plot_comparison(A, B, compare(A, B, n_resamples=200), tmp_path / "c.png", metric="acc")
    for path in (sweep, cmp):
        assert path.read_bytes()[:8] == PNG_MAGIC


def test_plot_to_a_bad_path_is_a_clear_error(tmp_path: Path) -> None:
    summaries = {"accuracy": summarize(A, n_resamples=200)}
    with pytest.raises(SeedlockError, match=r"must end in \.png"):
        plot_sweep({"accuracy": A}, summaries, tmp_path / "s.txt")
    with pytest.raises(SeedlockError, match="does not exist"):
        plot_sweep({"accuracy": A}, summaries, tmp_path / "missing" / "s.png")


def test_importing_report_does_not_import_matplotlib_or_scipy() -> None:
    code = (
        "import sys, seedlock.report; "
        "print(sorted(m for m in ('scipy', 'matplotlib') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_figures_are_column_wide_with_print_sized_text_in_png_and_pdf(tmp_path: Path) -> None:
    from PIL import Image

    from seedlock.report import plot_evp
    from seedlock.stats import expected_max

    c = compare(A, B, n_resamples=200)
    curves = {"a": expected_max(A), "b": expected_max(B)}
    for suffix in ("png", "pdf"):
        cmp = plot_comparison(A, B, c, tmp_path / f"c.{suffix}", metric="acc")
        evp = plot_evp(curves, tmp_path / f"e.{suffix}", metric="acc")
        sweep = plot_sweep(
            {"acc": A}, {"acc": summarize(A, n_resamples=200)}, tmp_path / f"s.{suffix}"
        )
        for path in (cmp, evp, sweep):
            head = path.read_bytes()[:8]
            assert head == PNG_MAGIC if suffix == "png" else head.startswith(b"%PDF")
    for name in ("c", "e", "s"):
        with Image.open(tmp_path / f"{name}.png") as image:
            # 3.3 in at 300 dpi: printed at a paper's column width without scaling.
            assert image.size[0] == 990


def test_plots_without_matplotlib_say_how_to_install_it_and_what_to_drop(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from seedlock.report import plot_tasks
    from seedlock.stats import compare_tasks

    comparison = compare_tasks(
        {"a": np.array([[0.8, 0.6], [0.82, 0.61]]), "b": np.array([[0.7, 0.5], [0.71, 0.52]])},
        n_resamples=100,
    )
    summaries = {"accuracy": summarize(A, n_resamples=100)}
    monkeypatch.setitem(sys.modules, "matplotlib.backends.backend_agg", None)
    with pytest.raises(SeedlockError, match=r"pip install 'seedlock\[stats\]'` or drop --plot\."):
        plot_sweep({"accuracy": A}, summaries, tmp_path / "sweep.png")
    with pytest.raises(SeedlockError, match=r"seedlock\[stats\]'` or drop the plot option\."):
        plot_tasks(comparison, tmp_path / "tasks.png")
