"""seedlock.keras: an interrupted fit resumed from Keras' backup or checkpoint ends with the same
weights; PyDataset and tf.data pipelines give the same batches for any parallelism.

All Keras tests live in this one module: importing TensorFlow takes seconds.
"""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from trainer_scripts import run_script

pytest.importorskip("tensorflow")
keras = pytest.importorskip("keras")

import numpy as np  # noqa: E402

import seedlock  # noqa: E402
from seedlock import SeedlockTypeError, StateError  # noqa: E402
from seedlock.keras import EpochDataset, SeedlockCallback, tf_dataset  # noqa: E402

pytestmark = pytest.mark.tensorflow

SCRIPT = Path(__file__).with_name("keras_run.py")


def _run(out: Path, workers: int, *modes: str, backend: str = "tensorflow") -> dict[str, str]:
    """``{mode: weights digest}``, ``{"files " + mode: checkpoint files}`` and
    ``{"history " + mode: each epoch's loss and accuracy}``."""
    results = {}
    for parts in run_script(SCRIPT, out, workers, modes, {"KERAS_BACKEND": backend}):
        if len(parts) == 2 and parts[0] in modes:
            results[parts[0]] = parts[1]
        elif len(parts) == 3 and parts[0] in ("files", "history"):
            results[f"{parts[0]} {parts[1]}"] = parts[2]
    assert set(modes) <= set(results), results
    return results


@pytest.fixture(scope="module")
def weights(tmp_path_factory: pytest.TempPathFactory) -> dict[tuple[int, str], str]:
    """Final-weight digests: 3 epochs straight; interrupted mid-epoch 2, resumed in a new process
    from BackupAndRestore's backup (``resume``) or from a ModelCheckpoint file (``ckpt-resume``).

    Workers 0 runs PyDataset in the training thread, 2 with two worker threads.
    """
    root = tmp_path_factory.mktemp("keras")
    modes = {
        0: ("full", "stop", "plain", "plain-stop", "ckpt", "ckpt-stop"),
        2: ("full", "stop", "ckpt-stop"),
    }
    again = {0: ("resume", "plain-resume", "ckpt-resume"), 2: ("resume", "ckpt-resume")}
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


@pytest.mark.parametrize("workers", [0, 2])
def test_a_fit_resumed_mid_epoch_from_a_model_checkpoint_in_a_new_process_is_bit_identical(
    weights: dict[tuple[int, str], str], workers: int
) -> None:
    assert weights[0, "ckpt"] == weights[0, "full"]
    assert weights[workers, "ckpt-resume"] == weights[0, "full"]


def test_a_fit_resumed_from_a_checkpoint_writes_the_checkpoints_of_an_uninterrupted_one(
    weights: dict[tuple[int, str], str],
) -> None:
    stopped = weights[0, "files ckpt-stop"].split(",")
    assert stopped == [
        f"e{e}-b{b}.keras{s}" for e, b in ((1, 4), (2, 2)) for s in ("", ".seedlock.json")
    ]
    assert weights[0, "files ckpt-resume"] == weights[0, "files ckpt"]
    assert weights[0, "files ckpt"].count(".seedlock.json") == 4


@pytest.mark.parametrize("workers", [0, 2])
def test_a_fit_resumed_mid_epoch_logs_the_loss_and_metrics_of_an_uninterrupted_one(
    weights: dict[tuple[int, str], str], workers: int
) -> None:
    # Epochs 2 and 3: the resumed epoch's loss and accuracy average all six of its batches,
    # the two trained before the checkpoint included (callbacks such as ReduceLROnPlateau or
    # EarlyStopping read them).
    full = weights[0, "history ckpt"].split(",")
    assert len(full) == 3
    assert weights[workers, "history ckpt-resume"].split(",") == full[1:]


@pytest.mark.slow
def test_with_the_torch_backend_a_fit_resumed_mid_epoch_is_bit_identical(tmp_path: Path) -> None:
    pytest.importorskip("torch")
    first = _run(tmp_path, 0, "ckpt", "ckpt-stop", backend="torch")
    resumed = _run(tmp_path, 0, "ckpt-resume", backend="torch")
    assert resumed["ckpt-resume"] == first["ckpt"]
    assert resumed["history ckpt-resume"].split(",") == first["history ckpt"].split(",")[1:]
    assert resumed["files ckpt-resume"] == first["files ckpt"]


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
    (tmp_path / "training_metadata.json").write_text('{"epoch": 0, "batch": 0}')  # Keras' backup
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


def test_a_mid_epoch_state_without_the_epoch_start_state_is_refused(tmp_path: Path) -> None:
    seedlock.seed_everything(3)
    (tmp_path / "c.keras.seedlock.json").write_text(
        '{"kind": "seedlock.keras", "format": 1, "seed": 3, "epoch": 1, "batch": 2}'
    )
    callback = SeedlockCallback(resume_from=tmp_path / "c.keras")
    callback.set_model(_model())
    with pytest.raises(StateError, match="no RNG state of the epoch's start"):
        callback.on_train_begin()


def test_saved_metric_totals_that_do_not_fit_the_model_are_refused(tmp_path: Path) -> None:
    from seedlock.keras import _checked_metric_values, _metric_values

    model = _model()
    model.compile(optimizer="sgd", loss="mse", metrics=["mae"])
    model.fit(np.ones((4, 2)), np.ones(4), batch_size=4, verbose=0)
    saved = _metric_values(model)  # loss tracker and mae: a total and a count each
    assert len(saved) == 4
    checked = _checked_metric_values(model, saved, tmp_path / "c.json")
    assert [np.ravel(a).tolist() for a in checked] == saved
    with pytest.raises(StateError, match="holds 1 metric variables, this model has 4"):
        _checked_metric_values(model, saved[:1], tmp_path / "c.json")
    with pytest.raises(StateError, match="Corrupt input"):
        _checked_metric_values(model, [[1.0, 2.0], *saved[1:]], tmp_path / "c.json")
    with pytest.raises(StateError, match="Corrupt input"):
        _checked_metric_values(model, [["x"], *saved[1:]], tmp_path / "c.json")


def test_resuming_from_a_checkpoint_saved_without_the_callback_says_what_is_missing(
    tmp_path: Path,
) -> None:
    seedlock.seed_everything(3)
    callback = SeedlockCallback(resume_from=tmp_path / "c.keras")
    callback.set_model(_model())
    with pytest.raises(StateError, match=r"SeedlockCallback\(checkpoint=\.\.\.\)"):
        callback.on_train_begin()


def test_a_keras_whose_model_checkpoint_lacks_the_names_hooked_into_is_refused_up_front(
    tmp_path: Path,
) -> None:
    seedlock.seed_everything(3)
    checkpoint = keras.callbacks.ModelCheckpoint(str(tmp_path / "e{epoch}.keras"))
    del checkpoint._last_batch_seen  # as a renamed counter in a later Keras would be
    with pytest.raises(SeedlockTypeError, match=r"without _last_batch_seen.*BackupAndRestore"):
        SeedlockCallback(checkpoint=checkpoint)


def test_a_checkpoint_that_is_not_a_model_checkpoint_or_two_sources_are_refused(
    tmp_path: Path,
) -> None:
    seedlock.seed_everything(3)
    with pytest.raises(SeedlockTypeError, match="keras.callbacks.ModelCheckpoint, got str"):
        SeedlockCallback(checkpoint="ckpt.keras")
    with pytest.raises(SeedlockTypeError, match="both backup_dir and resume_from"):
        SeedlockCallback(tmp_path, resume_from=tmp_path / "c.keras")


def _noisy(index: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    return np.float32([index, rng.normal()]), np.int64(index)


def test_pydataset_batches_are_the_same_for_any_workers_and_multiprocessing() -> None:
    identity = keras.Sequential([keras.Input((2,)), keras.layers.Identity()])
    seen = []
    for options in ({}, {"workers": 3}, {"workers": 2, "use_multiprocessing": True}):
        data = EpochDataset(_noisy, 30, 4, seed=3, **options)
        data.set_epoch(2)
        seen.append(identity.predict(data, verbose=0))
    assert all(np.array_equal(seen[0], other) for other in seen[1:])
    assert sorted(seen[0][:, 0].tolist()) == list(range(30))


def _tf_sample(index: object, seed: object) -> tuple[object, object]:
    import tensorflow as tf

    noise = tf.random.stateless_uniform([3], seed=seed)  # random augmentation
    x = tf.concat([tf.cast(tf.reshape(index, [1]), tf.float32), noise], 0)
    return x, index % 2


def _batches(**options: object) -> list[tuple[np.ndarray, np.ndarray]]:
    data = tf_dataset(_tf_sample, 30, 4, epochs=2, seed=3, **options)  # type: ignore[arg-type]
    return [(x.numpy(), y.numpy()) for x, y in data]


def test_tf_data_batches_and_augmentations_are_the_same_for_any_parallelism() -> None:
    import tensorflow as tf

    reference = _batches()
    assert len(reference) == 16  # 8 batches per epoch, none across the epoch boundary
    for options in (
        {"num_parallel_calls": 1},
        {"num_parallel_calls": 4, "deterministic": True},
        {"num_parallel_calls": tf.data.AUTOTUNE},
    ):
        other = _batches(**options)
        assert all(np.array_equal(a[0], b[0]) for a, b in zip(reference, other, strict=True))
    # deterministic=False may reorder samples, never change one: each index keeps its noise.
    loose = _batches(num_parallel_calls=4, deterministic=False)
    rows = sorted(map(tuple, np.concatenate([x for x, _ in reference]).tolist()))
    assert sorted(map(tuple, np.concatenate([x for x, _ in loose]).tolist())) == rows
    # The order is EpochDataset's, and a resumed dataset (initial_epoch=1) is the tail.
    order = EpochDataset(_noisy, 30, 4, seed=3)
    order.set_epoch(1)
    expected = [int(v) for i in range(len(order)) for v in order[i][1]]
    assert [int(v) for x, _ in reference[8:] for v in x[:, 0]] == expected
    tail = tf_dataset(_tf_sample, 30, 4, epochs=2, initial_epoch=1, seed=3)
    assert all(
        np.array_equal(a[0], b.numpy()) for a, (b, _) in zip(reference[8:], tail, strict=True)
    )


def test_a_fit_on_tf_data_is_bit_identical_for_any_num_parallel_calls() -> None:
    import tensorflow as tf

    digests = []
    for calls in (None, tf.data.AUTOTUNE):
        seedlock.seed_everything(5)
        model = keras.Sequential(
            [keras.Input((4,)), keras.layers.Dropout(0.5), keras.layers.Dense(2)]
        )
        model.compile(optimizer="sgd", loss="sparse_categorical_crossentropy")
        data = tf_dataset(_tf_sample, 30, 4, epochs=2, num_parallel_calls=calls)
        model.fit(data, epochs=2, steps_per_epoch=8, shuffle=False, verbose=0)
        digests.append([np.asarray(v.numpy()).tobytes() for v in model.variables])
    assert digests[0] == digests[1]


class _Stop(keras.callbacks.Callback):  # type: ignore[misc]
    def on_epoch_begin(self, epoch: int, logs: object = None) -> None:
        self.epoch = epoch

    def on_train_batch_end(self, batch: int, logs: object = None) -> None:
        if self.epoch == 1 and batch == 2:
            raise RuntimeError("stop in the middle of epoch 2")


def _fit_with_backup(
    backup: Path, epochs: int, *, stop: bool = False, **options: object
) -> list[bytes]:
    seedlock.seed_everything(7)
    data = EpochDataset(_noisy, 32, 8, seed=7)
    model = _model()
    model.compile(optimizer="sgd", loss="mse")
    callbacks = [
        keras.callbacks.BackupAndRestore(backup, **options),
        SeedlockCallback(backup, [data]),
    ]
    model.fit(data, epochs=epochs, verbose=0, callbacks=callbacks + ([_Stop()] if stop else []))
    return [np.asarray(v.numpy()).tobytes() for v in model.variables]


# TensorFlow's tensors warn under NumPy 2 when Keras saves weights (not seedlock's doing).
@pytest.mark.filterwarnings("ignore:__array__ implementation:DeprecationWarning")
def test_a_fit_continued_from_a_backup_kept_after_fit_ends_equals_one_longer_fit(
    tmp_path: Path,
) -> None:
    # BackupAndRestore(delete_checkpoint=False) keeps its backup "for future usage": a later
    # fit(epochs=4) continues from it at epoch 2, and must end where fit(epochs=4) does.
    longer = _fit_with_backup(tmp_path / "straight", 4)
    kept = tmp_path / "kept"
    _fit_with_backup(kept, 2, delete_checkpoint=False)
    assert (kept / "seedlock.json").exists()
    assert _fit_with_backup(kept, 4, delete_checkpoint=False) == longer


@pytest.mark.filterwarnings("ignore:__array__ implementation:DeprecationWarning")
def test_resuming_a_backup_saved_mid_epoch_warns_that_the_weights_will_differ(
    tmp_path: Path,
) -> None:
    # Keras resumes a BackupAndRestore(save_freq=N) backup at the start of its epoch, with the
    # weights of a later batch: that fit cannot end where an uninterrupted one does.
    with pytest.raises(RuntimeError, match="stop in the middle"):
        _fit_with_backup(tmp_path, 3, save_freq=3, stop=True)
    with pytest.warns(RuntimeWarning, match=r"middle of epoch 1 .*save_freq='epoch'"):
        _fit_with_backup(tmp_path, 3, save_freq=3)


class _StopAtEpoch1(keras.callbacks.Callback):  # type: ignore[misc]
    def on_epoch_begin(self, epoch: int, logs: object = None) -> None:
        if epoch == 1:
            raise RuntimeError("stop before epoch 2")


@pytest.mark.filterwarnings("ignore:__array__ implementation:DeprecationWarning")
def test_a_tf_data_fit_resumed_from_a_backup_starts_the_dataset_in_the_resumed_epoch(
    tmp_path: Path,
) -> None:
    # BackupAndRestore decides in which epoch a fit starts; tf_dataset holds every epoch from
    # its initial_epoch on, which the callback tells before fit (else epoch 0's data is fed to
    # the resumed epoch 1).
    def fit(backup: Path, stop: bool = False) -> list[bytes]:
        seedlock.seed_everything(5)
        model = keras.Sequential(
            [keras.Input((4,)), keras.layers.Dropout(0.5), keras.layers.Dense(2)]
        )
        model.compile(optimizer="sgd", loss="sparse_categorical_crossentropy")
        callback = SeedlockCallback(backup)
        data = tf_dataset(_tf_sample, 16, 4, epochs=3, initial_epoch=callback.initial_epoch)
        callbacks = [keras.callbacks.BackupAndRestore(backup), callback]
        model.fit(
            data,
            epochs=3,
            steps_per_epoch=4,
            shuffle=False,
            verbose=0,
            callbacks=callbacks + ([_StopAtEpoch1()] if stop else []),
        )
        return [np.asarray(v.numpy()).tobytes() for v in model.variables]

    uninterrupted = fit(tmp_path / "straight")
    with pytest.raises(RuntimeError, match="stop before epoch 2"):
        fit(tmp_path / "backup", stop=True)
    assert SeedlockCallback(tmp_path / "backup").initial_epoch == 1
    assert fit(tmp_path / "backup") == uninterrupted


def test_the_initial_epoch_of_a_checkpoint_resume_is_its_saved_epoch(tmp_path: Path) -> None:
    seedlock.seed_everything(3)
    (tmp_path / "c.keras.seedlock.json").write_text(
        '{"kind": "seedlock.keras", "format": 1, "seed": 3, "epoch": 2, "batch": 0}'
    )
    assert SeedlockCallback(resume_from=tmp_path / "c.keras").initial_epoch == 2
    assert SeedlockCallback(tmp_path / "no-backup").initial_epoch == 0
    with pytest.raises(StateError, match="no seedlock state next to the checkpoint"):
        _ = SeedlockCallback(resume_from=tmp_path / "other.keras").initial_epoch


@pytest.mark.parametrize("keras_epoch", [None, 1])
def test_a_state_that_is_not_of_the_keras_backup_it_sits_with_is_not_put_back(
    tmp_path: Path, keras_epoch: int | None
) -> None:
    # None: BackupAndRestore has no backup, so Keras starts afresh (and so must the RNGs); 1:
    # it resumes from an epoch other than the state's (interrupted between the two writes, or
    # its double_checkpoint fell back to the previous backup), which is said.
    import random

    seedlock.seed_everything(3)
    callback = SeedlockCallback(tmp_path)
    callback.set_model(_model())
    callback.on_epoch_end(1)  # the state of epoch 2's start
    if keras_epoch is not None:
        (tmp_path / "training_metadata.json").write_text(f'{{"epoch": {keras_epoch}, "batch": 0}}')
    random.random()
    state = random.getstate()
    if keras_epoch is None:
        callback.on_train_begin()
    else:
        with pytest.warns(RuntimeWarning, match=r"of epoch 2, the Keras backup .* of epoch 1"):
            callback.on_train_begin()
    assert random.getstate() == state
