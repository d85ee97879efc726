"""Loading runs x tasks per arm, the failed-run policy, the text table and the figures."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest

from seedlock._errors import SeedlockError
from seedlock.report import (
    TaskValues,
    compare_task_values,
    load_task_values,
    plot_tasks,
    tasks_json,
    tasks_text,
)
from seedlock.stats import compare_tasks


def _arm(source: str, values: dict[str, list[float]], failed: dict[str, tuple[int, ...]] = {}):  # noqa: B006
    return TaskValues(
        source=source,
        metric="score",
        tasks=tuple(values),
        seeds={t: tuple(range(len(v))) for t, v in values.items()},
        values={t: tuple(v) for t, v in values.items()},
        failed={t: failed.get(t, ()) for t in values},
    )


def test_a_json_file_with_a_numeric_task_column_is_grouped_by_task(tmp_path: Path) -> None:
    path = tmp_path / "runs.json"
    rows = [{"seed": s, "level": lvl, "return": 10 * lvl + s} for lvl in (1, 2) for s in (1, 0)]
    path.write_text(json.dumps(rows))
    values = load_task_values(path, task_column="level")
    # The task column is not a metric even though it is numeric.
    assert values.metric == "return" and values.tasks == ("1", "2")
    assert values.seeds["2"] == (1, 0) and values.values["2"] == (21.0, 20.0)


def test_a_pattern_loads_one_file_per_task(tmp_path: Path) -> None:
    for task, scores in (("pong", "1,2,3"), ("go", "4,5,6")):
        (tmp_path / f"{task}.json").write_text(f"[{scores}]")
    values = load_task_values(str(tmp_path / "{task}.json"), tasks=["go", "pong"])
    assert values.tasks == ("go", "pong") and values.values["pong"] == (1.0, 2.0, 3.0)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({}, "exactly one of task_column, tasks and task_metrics"),
        ({"tasks": ["a"], "task_metrics": ["b"]}, "exactly one"),
        ({"task_metrics": ["score", "score"]}, "distinct metrics"),
        ({"task_metrics": ["score"], "metric": "score"}, "not both"),
        ({"tasks": []}, "one or more distinct tasks"),
    ],
)
def test_task_options_are_checked(tmp_path: Path, kwargs: dict[str, object], match: str) -> None:
    path = tmp_path / "a.csv"
    path.write_text("seed,score\n0,1\n1,2\n")
    with pytest.raises(SeedlockError, match=match):
        load_task_values(path, **kwargs)  # type: ignore[arg-type]


def test_task_column_needs_a_file_and_a_named_task(tmp_path: Path) -> None:
    with pytest.raises(SeedlockError, match="needs a CSV/JSON file"):
        load_task_values(str(tmp_path / "nope.csv"), task_column="env")
    path = tmp_path / "a.csv"
    path.write_text("env,score\npong,1\n,2\n")
    with pytest.raises(SeedlockError, match="empty 'env'"):
        load_task_values(path, task_column="env")


def test_several_metrics_without_a_choice_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "a.csv"
    path.write_text("env,score,loss\npong,1,3\npong,2,4\n")
    with pytest.raises(SeedlockError, match="loss, score in common"):
        load_task_values(path, task_column="env")
    assert load_task_values(path, task_column="env", metric="loss").values["pong"] == (3.0, 4.0)


def test_nan_and_failed_runs_are_named_excluded_or_counted_worst() -> None:
    new = _arm("new", {"pong": [1.0, 2.0, 3.0], "go": [5.0, math.nan, 7.0]})
    old = _arm("old", {"pong": [0.5, 1.5], "go": [4.0, 6.0, 5.0]}, failed={"pong": (2,)})
    with pytest.raises(SeedlockError) as error:
        compare_task_values([new, old], n_resamples=200)
    assert "'new' on 'go': seed 1" in str(error.value)
    assert "'old' on 'pong': seed 2 (failed)" in str(error.value)

    with pytest.raises(SeedlockError, match="different number of runs per task"):
        compare_task_values([new, old], failed="exclude", n_resamples=200)

    report = compare_task_values([new, old], failed="worst", n_resamples=200)
    assert report.dropped["worst_value"] == {"pong": 0.5, "go": 4.0}
    assert report.seeds["old"]["pong"] == (0, 1, 2)
    assert report.comparison.task_means["new"][1] == pytest.approx((5 + 4 + 7) / 3)
    assert report.comparison.task_means["old"][0] == pytest.approx((0.5 + 1.5 + 0.5) / 3)
    lower = compare_task_values([new, old], failed="worst", higher_is_better=False, n_resamples=200)
    assert lower.dropped["worst_value"] == {"pong": 3.0, "go": 7.0}


def test_exclude_keeps_a_rectangular_arm_and_lists_what_it_left_out() -> None:
    new = _arm("new", {"pong": [1.0, 2.0, math.nan], "go": [5.0, 6.0, math.nan]})
    old = _arm("old", {"pong": [0.5, 1.5, 1.0], "go": [4.0, 6.0, 5.0]})
    report = compare_task_values([new, old], failed="exclude", n_resamples=200)
    assert report.comparison.runs == {"new": 2, "old": 3}
    assert report.dropped["arms"]["new"] == {"pong": ["seed 2"], "go": ["seed 2"]}
    text = tasks_text(report)
    assert "new on pong: seed 2 left out (failed=exclude)." in text


def test_the_report_equals_compare_tasks_on_the_same_matrix() -> None:
    rng = np.random.default_rng(3)
    a, b = rng.normal(1, 0.2, (4, 2)), rng.normal(0.8, 0.2, (4, 2))
    arms = [
        _arm(name, {"pong": list(m[:, 0]), "go": list(m[:, 1])}) for name, m in (("a", a), ("b", b))
    ]
    report = compare_task_values(arms, n_resamples=300, seed=9, ci="bca", gamma=0.9)
    direct = compare_tasks(
        {"a": a, "b": b}, tasks=["pong", "go"], n_resamples=300, seed=9, ci="bca", gamma=0.9
    )
    assert report.comparison == direct
    doc = tasks_json(report, ["x.png"])
    assert doc["method"]["ci"] == "bca" and doc["method"]["gamma"] == 0.9
    assert doc["plots"] == ["x.png"] and doc["dropped"] == {
        "policy": "error",
        "arms": {"a": {}, "b": {}},
    }
    assert json.loads(json.dumps(doc, allow_nan=False)) == doc


def test_the_text_names_the_method_and_every_interval() -> None:
    arms = [
        _arm("a", {"pong": [1.0, 1.2, 1.1], "go": [0.4, 0.6, 0.5]}),
        _arm("b", {"pong": [0.9, 1.0, 0.8], "go": [0.3, 0.2, 0.5]}),
    ]
    report = compare_task_values(arms, n_resamples=300)
    text = tasks_text(report)
    c = report.comparison
    assert "score over 2 tasks (pong, go), 95% stratified bootstrap CIs (percentile" in text
    iqm = c.aggregates["a"]["iqm"]
    assert f"{iqm.value:.4g} [{iqm.low:.4g}, {iqm.high:.4g}]" in text
    pair = c.improvement[0].estimate
    assert f"P(a > b) = {pair.value:.4g} [{pair.low:.4g}, {pair.high:.4g}]" in text


def test_figures_are_written_as_png_and_pdf_at_column_width(tmp_path: Path) -> None:
    from matplotlib.image import imread

    c = compare_tasks(
        {"a": [[1.0, 0.4], [1.2, 0.6], [1.1, 0.5]], "b": [[0.8, 0.3], [0.9, 0.5], [1.0, 0.2]]},
        n_resamples=200,
    )
    written = plot_tasks(c, tmp_path / "fig.pdf")
    assert [p.name for p in written] == [
        f"fig-{name}.{ext}"
        for name in ("intervals", "profiles", "improvement")
        for ext in ("png", "pdf")
    ]
    for path in written:
        assert path.stat().st_size > 0
        if path.suffix == ".png":
            assert imread(path).shape[1] == 990
    single = plot_tasks(compare_tasks({"a": [[1.0], [2.0]]}, n_resamples=200), tmp_path / "one")
    assert [p.name for p in single] == [
        "one-intervals.png",
        "one-intervals.pdf",
        "one-profiles.png",
        "one-profiles.pdf",
    ]
    with pytest.raises(SeedlockError, match="does not exist"):
        plot_tasks(c, tmp_path / "missing" / "fig.png")
