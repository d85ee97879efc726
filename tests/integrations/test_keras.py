"""seedlock.keras: a fit interrupted and resumed from BackupAndRestore ends with the same weights.

All Keras tests live in this one module: importing TensorFlow takes seconds.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

pytest.importorskip("tensorflow")
keras = pytest.importorskip("keras")

import numpy as np  # noqa: E402

import seedlock  # noqa: E402
from seedlock import StateError  # noqa: E402
from seedlock.keras import EpochDataset, SeedlockCallback  # noqa: E402

pytestmark = pytest.mark.tensorflow

SCRIPT = Path(__file__).with_name("keras_run.py")


def _run(out: Path, workers: int, *modes: str) -> dict[str, str]:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path), "KERAS_BACKEND": "tensorflow"}
    env.pop("SEEDLOCK_SEED", None)
    done = subprocess.run(
        [sys.executable, str(SCRIPT), str(out), str(workers), *modes],
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    results = {}
    for line in done.stdout.splitlines():
        parts = line.split()
        if len(parts) == 2 and parts[0] in modes:
            results[parts[0]] = parts[1]
    assert set(results) == set(modes), done.stdout
    return results


@pytest.fixture(scope="module")
def weights(tmp_path_factory: pytest.TempPathFactory) -> dict[tuple[int, str], str]:
    """Final-weight digests: 3 epochs straight; interrupted mid-epoch 2, resumed in a new process.

    Workers 0 runs PyDataset in the training thread, 2 with two worker threads.
    """
    root = tmp_path_factory.mktemp("keras")
    modes = {0: ("full", "stop", "plain", "plain-stop"), 2: ("full", "stop")}
    again = {0: ("resume", "plain-resume"), 2: ("resume",)}
    with ThreadPoolExecutor(2) as pool:
        first = {w: pool.submit(_run, root / str(w), w, *modes[w]) for w in (0, 2)}
        results = {(w, m): d for w, f in first.items() for m, d in f.result().items()}
        resumed = {w: pool.submit(_run, root / str(w), w, *again[w]) for w in (0, 2)}
        results.update({(w, m): d for w, f in resumed.items() for m, d in f.result().items()})
    return results


@pytest.mark.parametrize("workers", [0, 2])
def test_a_fit_resumed_from_backup_in_a_new_process_gives_bit_identical_weights(
    weights: dict[tuple[int, str], str], workers: int
) -> None:
    assert weights[workers, "resume"] == weights[workers, "full"]


def test_weights_are_identical_for_0_and_2_workers(weights: dict[tuple[int, str], str]) -> None:
    assert weights[0, "full"] == weights[2, "full"]


def test_without_the_callback_a_resumed_fit_ends_elsewhere(
    weights: dict[tuple[int, str], str],
) -> None:
    # Keras' weight files leave out the dropout layers' SeedGenerator state.
    assert weights[0, "plain-resume"] != weights[0, "plain"]


def _sample(index: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    return np.float32([index, rng.random()]), np.int64(index)


def test_a_batch_is_the_same_whatever_reads_it_and_changes_with_the_epoch() -> None:
    a = EpochDataset(_sample, 10, 4, seed=3)
    b = EpochDataset(_sample, 10, 4, seed=3, workers=2)
    assert all(np.array_equal(a[i][0], b[i][0]) for i in reversed(range(len(a))))
    epoch0 = a[0][0]
    a.set_epoch(1)
    assert not np.array_equal(a[0][0], epoch0)
    assert sorted(int(v) for i in range(len(a)) for v in a[i][1]) == list(range(10))


def test_a_batch_index_out_of_range_raises_index_error() -> None:
    with pytest.raises(IndexError):
        EpochDataset(_sample, 10, 4, seed=3)[3]


def _model() -> keras.Model:
    return keras.Sequential([keras.Input((2,)), keras.layers.Dropout(0.5), keras.layers.Dense(1)])


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{not json", "cannot read"),
        ('{"kind": "other"}', "not a seedlock Keras state"),
        ('{"kind": "seedlock.keras", "format": 5}', "format 5"),
        ('{"kind": "seedlock.keras", "format": 1, "seed": 8}', "root seed 8"),
        (
            '{"kind": "seedlock.keras", "format": 1, "seed": 3, "seed_generators": []}',
            "holds 0 SeedGenerator states, this model has 1",
        ),
    ],
)
def test_a_corrupt_foreign_or_mismatched_backup_state_is_refused(
    tmp_path: Path, content: str, message: str
) -> None:
    seedlock.seed_everything(3)
    (tmp_path / "seedlock.json").write_text(content)
    callback = SeedlockCallback(tmp_path)
    callback.set_model(_model())
    with pytest.raises(StateError, match=message):
        callback.on_train_begin()


def test_the_state_file_is_versioned_json_and_removed_when_fit_completes(tmp_path: Path) -> None:
    seedlock.seed_everything(3)
    model = _model()
    callback = SeedlockCallback(tmp_path)
    callback.set_model(model)
    callback.on_epoch_end(0)
    data = json.loads((tmp_path / "seedlock.json").read_text())
    assert (data["kind"], data["format"], data["seed"], data["epoch"]) == (
        "seedlock.keras",
        1,
        3,
        1,
    )
    assert len(data["seed_generators"]) == 1
    callback.on_train_end()
    assert not (tmp_path / "seedlock.json").exists()
