"""``seedlock compare`` with several tasks per arm: a CSV task column, sweeps per task, metrics."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np
import pytest
from scipy import stats as sps

from seedlock.cli import main as _main
from seedlock.stats import compare_tasks
from seedlock.store import Store

TASKS = ("pong", "breakout", "qbert")


def _table(seed: int, shift: float) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return np.round(rng.normal(1.0 + shift, 0.2, size=(5, len(TASKS))), 4)


@pytest.fixture
def arms(tmp_path: Path) -> dict[str, tuple[Path, np.ndarray]]:
    out = {}
    for name, seed, shift in (("dqn", 1, 0.0), ("rainbow", 2, 0.3)):
        matrix = _table(seed, shift)
        path = tmp_path / f"{name}.csv"
        lines = ["seed,env,score"]
        # Rows in task-major order with seeds shuffled: the loader must regroup them.
        for task_index, task in enumerate(TASKS):
            for run in (3, 0, 4, 1, 2):
                lines.append(f"{run},{task},{matrix[run, task_index]}")
        path.write_text("\n".join(lines) + "\n")
        out[name] = (path, matrix)
    return out


def test_task_column_json_equals_an_independent_computation(
    arms: dict[str, tuple[Path, np.ndarray]], capsys: pytest.CaptureFixture[str]
) -> None:
    (dqn, x), (rainbow, y) = arms["dqn"], arms["rainbow"]
    argv = ["compare", str(dqn), str(rainbow), "--task-column", "env", "--json"]
    assert _main([*argv, "--resamples", "400", "--bootstrap-seed", "3"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["format"] == "seedlock-compare-tasks" and data["metric"] == "score"
    assert data["method"]["bootstrap"] == "stratified" and data["method"]["ci"] == "percentile"
    assert data["tasks"] == list(TASKS)
    assert data["arms"]["dqn"]["n"] == dict.fromkeys(TASKS, 5)
    assert data["arms"]["dqn"]["seeds"]["pong"] == [0, 1, 2, 3, 4]
    for name, matrix in (("dqn", x), ("rainbow", y)):
        got = data["arms"][name]["aggregates"]
        assert got["median"]["value"] == pytest.approx(np.median(matrix.mean(axis=0)))
        assert got["mean"]["value"] == pytest.approx(matrix.mean())
        assert got["iqm"]["value"] == pytest.approx(sps.trim_mean(matrix, 0.25, axis=None))
        assert got["optimality_gap"]["value"] == pytest.approx(1 - np.minimum(matrix, 1).mean())
        assert data["arms"][name]["task_means"]["qbert"] == pytest.approx(matrix[:, 2].mean())
    wins = np.mean(
        [sps.mannwhitneyu(x[:, t], y[:, t], alternative="greater").statistic / 25 for t in range(3)]
    )
    assert data["improvement"][0]["estimate"]["value"] == pytest.approx(wins)
    library = compare_tasks(
        {"dqn": x, "rainbow": y}, tasks=TASKS, n_resamples=400, seed=3
    ).to_dict()
    assert data["arms"]["rainbow"]["aggregates"] == library["aggregates"]["rainbow"]
    assert data["improvement"] == library["improvement"]
    assert data["arms"]["dqn"]["profile"] == library["profiles"]["dqn"]


def test_text_table_and_figures_at_column_width(
    arms: dict[str, tuple[Path, np.ndarray]], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from matplotlib.image import imread

    paths = [str(arms[name][0]) for name in ("dqn", "rainbow")]
    plot = tmp_path / "fig.png"
    argv = ["compare", *paths, "--task-column", "env", "--resamples", "300", "--ci", "bca"]
    assert _main([*argv, "--plot", str(plot)]) == 0
    out = capsys.readouterr().out
    assert "score over 3 tasks (pong, breakout, qbert)" in out
    assert "stratified bootstrap CIs (bca, 300 resamples)" in out
    assert "P(dqn > rainbow) = " in out
    for name in ("intervals", "profiles", "improvement"):
        png = tmp_path / f"fig-{name}.png"
        assert (tmp_path / f"fig-{name}.pdf").stat().st_size > 0
        assert imread(png).shape[1] == 990  # 3.3 inches at 300 dpi
        assert f"plot written to {png}" in out


def test_convention_rliable_changes_only_the_draws(
    arms: dict[str, tuple[Path, np.ndarray]], capsys: pytest.CaptureFixture[str]
) -> None:
    (dqn, x), (rainbow, y) = arms["dqn"], arms["rainbow"]
    argv = ["compare", str(dqn), str(rainbow), "--task-column", "env", "--json"]
    assert _main([*argv, "--resamples", "300", "--convention", "rliable"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["method"]["convention"] == "rliable"
    rliable = compare_tasks({"dqn": x, "rainbow": y}, n_resamples=300, convention="rliable", seed=0)
    assert data["arms"]["dqn"]["aggregates"]["iqm"]["low"] == rliable.aggregates["dqn"]["iqm"].low


def test_task_metrics_of_sweeps_in_the_store(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    store = Store(tmp_path / "runs.db")
    values: dict[str, dict[str, list[float]]] = {}
    for sweep, shift in (("adam", 0.02), ("sgd", 0.0)):
        values[sweep] = {"acc_cifar": [], "acc_svhn": []}
        for seed in range(4):
            run = store.start_run(name=sweep, command=["x"], cwd="/", seed=seed, sweep=sweep)
            metrics = {"acc_cifar": 0.8 + shift + 0.01 * seed, "acc_svhn": 0.9 - shift * seed}
            for key, value in metrics.items():
                values[sweep][key].append(value)
            store.finish_run(run.id, exit_code=0, status="finished", metrics=metrics)
    argv = ["compare", "adam", "sgd", "--store", str(store.path), "--resamples", "300"]
    assert _main([*argv, "--task-metrics", "acc_cifar,acc_svhn", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["tasks"] == ["acc_cifar", "acc_svhn"]
    assert data["arms"]["adam"]["n"] == {"acc_cifar": 4, "acc_svhn": 4}
    per_task = []
    for task in ("acc_cifar", "acc_svhn"):
        pairs = [(a, b) for a in values["adam"][task] for b in values["sgd"][task]]
        per_task.append(sum(1.0 if a > b else 0.5 if a == b else 0.0 for a, b in pairs) / 16)
    assert data["improvement"][0]["per_task"] == pytest.approx(per_task)
    assert data["improvement"][0]["estimate"]["value"] == pytest.approx(np.mean(per_task))


def _sweep(store: Path, name: str, code: str) -> None:
    from seedlock.cli.sweep import register as register_sweep

    parser = argparse.ArgumentParser(prog="seedlock")
    register_sweep(parser.add_subparsers(dest="command"))
    args = parser.parse_args(
        ["sweep", "--seeds", "0-3", "--name", name, "--jobs", "2", "--store", str(store),
         "--", sys.executable, "-c", code, "{seed}"]
    )  # fmt: skip
    args.handler(args)


def test_one_real_sweep_per_task_with_a_failed_seed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    store = tmp_path / "runs.db"
    log = "import sys, seedlock; s = int(sys.argv[1]); "
    _sweep(store, "new-pong", log + "seedlock.log(score=1.0 + 0.1 * s)")
    _sweep(store, "new-go", log + "seedlock.log(score=0.5 + 0.1 * s)")
    _sweep(store, "old-pong", log + "seedlock.log(score=0.9 + 0.1 * s)")
    _sweep(store, "old-go", log + "sys.exit(3) if s == 1 else seedlock.log(score=0.2 + 0.1 * s)")
    capsys.readouterr()
    argv = ["compare", "new-{task}", "old-{task}", "--tasks", "pong,go", "--store", str(store)]
    argv += ["--resamples", "300"]
    assert _main(argv) == 2
    err = capsys.readouterr().err
    assert "'old-{task}' on 'go': seed 1 (failed)" in err and "failed='exclude'" in err

    assert _main([*argv, "--failed", "exclude"]) == 2
    assert "different number of runs per task" in capsys.readouterr().err

    assert _main([*argv, "--failed", "worst", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["dropped"]["policy"] == "worst"
    assert data["dropped"]["arms"]["old-{task}"] == {"go": ["seed 1 (failed)"]}
    assert data["dropped"]["worst_value"]["go"] == pytest.approx(0.2)
    assert data["arms"]["old-{task}"]["seeds"]["go"] == [0, 1, 2, 3]
    old_go = np.array([0.2, 0.2, 0.4, 0.5])  # seed 1 counted as the task's worst score
    assert data["arms"]["old-{task}"]["task_means"]["go"] == pytest.approx(old_go.mean())


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--ci", "bca"], "work only with several tasks per arm: --ci"),
        (["--tasks", "pong"], "pattern holding {task}"),
        (["--task-column", "task"], "no task column 'task'"),
        (["--task-column", "env", "--metric", "f1"], "unknown metric 'f1'"),
        (["--task-metrics", "score", "--metric", "score"], "exclude each other"),
    ],
)
def test_bad_task_options_exit_2(
    arms: dict[str, tuple[Path, np.ndarray]],
    extra: list[str],
    message: str,
    capsys: pytest.CaptureFixture[str],
) -> None:
    paths = [str(arms[name][0]) for name in ("dqn", "rainbow")]
    assert _main(["compare", *paths, *extra]) == 2
    assert message in capsys.readouterr().err


def test_arms_with_different_tasks_exit_2(
    arms: dict[str, tuple[Path, np.ndarray]], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    other = tmp_path / "other.csv"
    other.write_text("env,score\npong,1\npong,2\nalien,1\nalien,3\n")
    argv = ["compare", str(arms["dqn"][0]), str(other), "--task-column", "env"]
    assert _main(argv) == 2
    assert "every arm needs the same tasks" in capsys.readouterr().err
