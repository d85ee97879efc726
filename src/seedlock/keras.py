"""Keras 3 integration: RNG state saved with Keras' checkpoints, and worker-invariant data.

Determinism contract: with ``callbacks=[BackupAndRestore(d), SeedlockCallback(d, datasets)]``
every epoch end stores :func:`seedlock.snapshot` and the state of every layer's
``SeedGenerator`` (dropout and other random layers; Keras' weight files leave them out) in
``d/seedlock.json``; a ``fit`` resumed from that backup puts them back, so it ends with the
weights of an uninterrupted ``fit``. With ``SeedlockCallback(checkpoint=mc)`` the same state and
the position (epoch, batch) are stored next to every file a ``ModelCheckpoint`` writes, and
``SeedlockCallback(resume_from=path)`` resumes a ``fit`` from that file mid-epoch, to the same
weights. An :class:`EpochDataset` yields, in epoch ``e``, the batches of ``EpochShuffle`` order
``e``, sample ``i`` built with ``sample_rng(i, e)``: the same for any ``workers`` and
``use_multiprocessing``. :func:`tf_dataset` gives ``tf.data`` the same order and a stateless seed
per (epoch, index): the same for any ``num_parallel_calls``.
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
import warnings
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import keras
import numpy as np

from seedlock._errors import SeedlockTypeError, StateError
from seedlock._seed import SeedLike, resolve_seed
from seedlock.data.rng import sample_rng
from seedlock.data.sampler import EpochShuffle, check_epoch
from seedlock.state import Snapshot, restore, snapshot

__all__ = ["CHECKPOINT_SUFFIX", "STATE_FORMAT", "EpochDataset", "SeedlockCallback", "tf_dataset"]

#: Version of the state files written next to a backup or a checkpoint.
STATE_FORMAT = 1
#: Appended to a ``ModelCheckpoint`` file's path to name its seedlock state file.
CHECKPOINT_SUFFIX = ".seedlock.json"
_KIND = "seedlock.keras"
# ModelCheckpoint's private methods and counters that the checkpoint resume hooks into.
_CHECKPOINT_NAMES = (
    "_save_model",
    "_get_file_path",
    "_batches_seen_since_last_saving",
    "_last_batch_seen",
)
_FILE = "seedlock.json"
# What BackupAndRestore writes with every backup in its backup_dir (Keras 3).
_KERAS_BACKUP = "training_metadata.json"


class EpochDataset(keras.utils.PyDataset):  # type: ignore[misc]
    """A ``keras.utils.PyDataset`` of seeded samples in seedlock's epoch order.

    Args:
        sample: ``sample(index, rng) -> tuple of arrays`` builds one sample; ``rng`` is
            :func:`~seedlock.data.sample_rng` of ``(index, epoch)`` (use it for augmentation).
        n: the number of samples.
        batch_size: samples per batch (the last batch may be smaller).
        shuffle: ``False`` keeps index order.
        seed: the root seed; ``None`` reads the process's root seed now.
        **kwargs: ``workers``, ``use_multiprocessing``, ``max_queue_size`` for ``PyDataset``.

    Each batch is a pure function of ``(seed, epoch, batch index)``; :class:`SeedlockCallback`
    sets the epoch at each ``on_epoch_begin`` (also in a resumed ``fit``).

    Example:
        >>> ds = EpochDataset(lambda i, rng: (np.float32([i]),), 4, 2, seed=1)
        >>> sorted(int(v) for b in (ds[0], ds[1]) for v in b[0].ravel())
        [0, 1, 2, 3]
    """

    def __init__(
        self,
        sample: Callable[[int, np.random.Generator], tuple[Any, ...]],
        n: int,
        batch_size: int,
        *,
        shuffle: bool = True,
        seed: SeedLike | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        if isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size < 1:
            raise SeedlockTypeError(
                f"batch_size must be an int >= 1, got {batch_size!r}. Pass e.g. batch_size=32."
            )
        self.sample = sample
        self.batch_size = batch_size
        self.root = resolve_seed(seed, caller="EpochDataset")
        self.order = EpochShuffle(n, shuffle=shuffle, rank=0, world=1, seed=self.root)

    @property
    def epoch(self) -> int:
        """The epoch whose batches ``__getitem__`` returns."""
        return self.order.epoch

    def set_epoch(self, epoch: int) -> None:
        """Select the epoch (:class:`SeedlockCallback` calls this at every epoch start)."""
        self.order.set_epoch(check_epoch(epoch))

    def __len__(self) -> int:
        return -(-self.order.n // self.batch_size)

    @property
    def num_batches(self) -> int:
        """Batches per epoch (Keras reads this)."""
        return len(self)

    def __getitem__(self, batch: int) -> tuple[Any, ...]:
        if not 0 <= batch < len(self):
            raise IndexError(f"batch {batch} out of range(0, {len(self)})")
        first = batch * self.batch_size
        stop = min(first + self.batch_size, self.order.n)
        epoch = self.order.epoch
        samples = [
            self.sample(index, sample_rng(index, epoch, seed=self.root))
            for index in self.order.global_indices(first, stop).tolist()
        ]
        return tuple(np.stack(column) for column in zip(*samples, strict=True))


def _check_count(name: str, value: object, low: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < low:
        raise SeedlockTypeError(f"{name} must be an int >= {low}, got {value!r}. Pass e.g. 32.")
    return value


def tf_dataset(
    sample: Callable[[Any, Any], Any],
    n: int,
    batch_size: int,
    *,
    epochs: int,
    initial_epoch: int = 0,
    shuffle: bool = True,
    seed: SeedLike | None = None,
    num_parallel_calls: int | None = None,
    deterministic: bool | None = None,
) -> Any:
    """A ``tf.data.Dataset`` of epochs ``initial_epoch .. epochs - 1`` in seedlock's order.

    Args:
        sample: ``sample(index, seed) -> tensors`` builds one sample in TensorFlow: ``index`` is
            a scalar int64 tensor, ``seed`` an int64 tensor of shape ``(2,)`` for stateless ops
            (``tf.random.stateless_uniform(..., seed=seed)``,
            ``tf.image.stateless_random_flip_left_right(x, seed)``; more seeds with
            ``tf.random.experimental.stateless_split(seed, k)``).
        n: the number of samples.
        batch_size: samples per batch; batches never span two epochs.
        epochs: the ``epochs`` given to ``fit``.
        initial_epoch: the epoch ``fit`` starts in: ``SeedlockCallback(...).initial_epoch``
            for a ``fit`` resumed from a backup or checkpoint (or the ``initial_epoch`` given
            to ``fit``).
        shuffle: ``False`` keeps index order.
        seed: the root seed; ``None`` reads the process's root seed now.
        num_parallel_calls: passed to ``Dataset.map``.
        deterministic: passed to ``Dataset.map``.

    The order of epoch ``e`` and each sample's seed are those of :class:`EpochDataset` (the seed
    is drawn from ``sample_rng(index, e)``), computed before ``map`` runs, so a sample and its
    augmentation are the same for any ``num_parallel_calls``. ``deterministic=False`` lets
    ``tf.data`` reorder the samples (never change them); keep the default for an identical fit.
    Give ``fit`` ``steps_per_epoch=ceil(n / batch_size)`` (the dataset holds every epoch) and
    ``shuffle=False`` (Keras warns that it cannot shuffle a dataset).

    Example:
        >>> ds = tf_dataset(lambda i, s: i, 4, 2, epochs=1, seed=1)  # doctest: +SKIP
        >>> sorted(int(v) for b in ds for v in b)  # doctest: +SKIP
        [0, 1, 2, 3]
    """
    import tensorflow as tf

    _check_count("n", n, 1)
    _check_count("batch_size", batch_size, 1)
    check_epoch(initial_epoch)
    _check_count("epochs", epochs, initial_epoch)
    root = resolve_seed(seed, caller="tf_dataset")

    def arrays(epoch: Any) -> tuple[np.ndarray, np.ndarray]:
        e = int(epoch)
        order = EpochShuffle(n, shuffle=shuffle, rank=0, world=1, seed=root)
        order.set_epoch(e)
        indices = order.global_indices(0, n).astype(np.int64)
        seeds = np.empty((n, 2), dtype=np.int64)
        for row, index in enumerate(indices.tolist()):
            seeds[row] = sample_rng(index, e, seed=root).integers(0, 2**63 - 1, 2, np.int64)
        return indices, seeds

    def one_epoch(epoch: Any) -> Any:
        indices, seeds = tf.numpy_function(arrays, [epoch], (tf.int64, tf.int64), stateful=False)
        indices.set_shape([n])
        seeds.set_shape([n, 2])
        samples = tf.data.Dataset.from_tensor_slices((indices, seeds))
        mapped = samples.map(
            sample, num_parallel_calls=num_parallel_calls, deterministic=deterministic
        )
        return mapped.batch(batch_size)

    return tf.data.Dataset.range(initial_epoch, epochs).flat_map(one_epoch)


def _seed_generator_states(model: Any) -> list[Any]:
    # Keras saves no SeedGenerator state with the weights, so a resumed fit would restart every
    # dropout stream; their state variables are named by Keras' SeedGenerator.
    return [v for v in model.non_trainable_variables if v.path.endswith("seed_generator_state")]


def _metric_values(model: Any) -> list[list[float | int]]:
    # The running totals of the loss tracker and compiled metrics (Mean's total and count, ...):
    # a fit resumed mid-epoch reports the epoch's loss over all its batches only with them.
    return [np.asarray(v.numpy()).ravel().tolist() for v in model.metrics_variables]


def _checked_metric_values(
    model: Any, values: object, source: Path, batch: Any = None
) -> list[np.ndarray]:
    """The saved metric totals, shaped for ``model.metrics_variables``; refused if they differ.

    With the TensorFlow backend a loaded model builds its compiled metrics only when the train
    function is first traced; ``batch`` (one batch of the data) builds them symbolically first,
    as ``fit`` does under a distribution strategy.
    """
    variables = model.metrics_variables
    if isinstance(values, list) and len(values) != len(variables) and batch is not None:
        model._symbolic_build(data_batch=batch)
        variables = model.metrics_variables
    if not isinstance(values, list) or len(values) != len(variables):
        raise StateError(
            f"{str(source)!r} holds {len(values) if isinstance(values, list) else '?'} metric "
            f"variables, this model has {len(variables)}. Resume with the model compiled with "
            "the same loss and metrics as the one that wrote it."
        )
    arrays = []
    for variable, value in zip(variables, values, strict=True):
        try:
            array = np.asarray(value, dtype=variable.dtype)
        except (TypeError, ValueError):
            array = np.asarray([])
        if array.ndim != 1 or array.size != int(np.prod(variable.shape)):
            raise StateError(
                f"{str(source)!r} holds {value!r:.60} for the metric variable {variable.path!r} "
                f"of shape {tuple(variable.shape)}. Corrupt input."
            )
        arrays.append(array.reshape(variable.shape))
    return arrays


class SeedlockCallback(keras.callbacks.Callback):  # type: ignore[misc]
    """Store and restore RNG state with Keras' backups and checkpoints; set datasets' epoch.

    Args:
        backup_dir: the ``backup_dir`` of the ``BackupAndRestore`` callback it accompanies;
            ``seedlock.json`` is written there at each epoch end and removed with the backup
            when ``fit`` ends normally (kept with it under ``delete_checkpoint=False``).
        datasets: :class:`EpochDataset` (or anything with ``set_epoch``) to advance per epoch.
        checkpoint: a ``keras.callbacks.ModelCheckpoint`` of the same ``fit``: next to every file
            it writes (``save_freq="epoch"`` or every N batches), ``<file>.seedlock.json`` stores
            the RNG state, the ``SeedGenerator`` states and the position (epoch, batch).
        resume_from: a file written by that ``ModelCheckpoint``, already loaded into the model
            (``keras.models.load_model(path)``: a ``.keras`` file holds the optimizer state too).
            ``fit`` then starts in the saved epoch, puts the RNG state back and passes over the
            batches that epoch had already trained on (read, not trained on; other callbacks see
            them with empty logs), so it ends with the weights of an uninterrupted ``fit``. The
            loss and metric totals of the saved batches are put back too, so the resumed epoch
            logs what the uninterrupted one does (``ReduceLROnPlateau``, ``EarlyStopping`` and
            ``History`` read it).

    Put it after ``BackupAndRestore`` in ``callbacks`` and keep that callback's default
    ``save_freq="epoch"``: Keras resumes a backup at the start of the backed-up epoch (a backup
    saved mid-epoch is resumed with a ``RuntimeWarning`` saying the weights will differ). The
    state is put back only with the Keras backup of its own epoch (another epoch's: a
    ``RuntimeWarning``). A mid-epoch ``resume_from`` needs the TensorFlow or PyTorch backend.

    Raises:
        SeedlockTypeError: ``checkpoint`` is not a ``ModelCheckpoint``, or both ``backup_dir``
            and ``resume_from`` are given.

    Example:
        >>> mc = keras.callbacks.ModelCheckpoint("ckpt/e{epoch}-b{batch}.keras", save_freq=50)
        ... # doctest: +SKIP
        >>> cb = SeedlockCallback(checkpoint=mc, datasets=[data])  # doctest: +SKIP
        >>> model.fit(data, epochs=3, callbacks=[mc, cb])  # doctest: +SKIP
        >>> model = keras.models.load_model("ckpt/e2-b50.keras")  # a new process  # doctest: +SKIP
        >>> cb = SeedlockCallback(checkpoint=mc, datasets=[data], resume_from="ckpt/e2-b50.keras")
        ... # doctest: +SKIP
        >>> model.fit(data, epochs=3, callbacks=[mc, cb])  # doctest: +SKIP
    """

    def __init__(
        self,
        backup_dir: str | os.PathLike[str] | None = None,
        datasets: Sequence[Any] = (),
        *,
        checkpoint: Any = None,
        resume_from: str | os.PathLike[str] | None = None,
    ) -> None:
        super().__init__()
        if checkpoint is not None and not isinstance(checkpoint, keras.callbacks.ModelCheckpoint):
            raise SeedlockTypeError(
                f"checkpoint must be a keras.callbacks.ModelCheckpoint, got "
                f"{type(checkpoint).__name__}. Pass the ModelCheckpoint given to the same fit."
            )
        if backup_dir is not None and resume_from is not None:
            raise SeedlockTypeError(
                "SeedlockCallback was given both backup_dir and resume_from; a fit resumes from "
                "one of them. Pass backup_dir (BackupAndRestore) or resume_from (a checkpoint)."
            )
        self.path = None if backup_dir is None else Path(backup_dir) / _FILE
        self.datasets = list(datasets)
        self.checkpoint = checkpoint
        self.resume_from = None if resume_from is None else Path(resume_from)
        self.root = resolve_seed(None, caller="SeedlockCallback")
        self._skip = self._resumed_batch = 0
        self._epoch_rng: dict[str, Any] | None = None
        self._replaying = False
        self._train_function: Any = None
        if checkpoint is not None:
            self._wrap_checkpoint(checkpoint)

    def _wrap_checkpoint(self, checkpoint: Any) -> None:
        # ModelCheckpoint decides when and where it saves; wrapping its one save method stores
        # the state at exactly that moment, whatever the order of the callbacks. These are Keras'
        # own (private) names, checked here so that a Keras that renamed them says so up front.
        missing = [name for name in _CHECKPOINT_NAMES if not hasattr(checkpoint, name)]
        if missing:
            raise SeedlockTypeError(
                f"this Keras ({keras.__version__}) has a ModelCheckpoint without "
                f"{', '.join(missing)}, which SeedlockCallback(checkpoint=...) relies on (Keras "
                "3.15, which seedlock is tested with, has them). Use BackupAndRestore with "
                "SeedlockCallback(backup_dir) instead, or Keras 3.15."
            )
        original = checkpoint._save_model

        def save_model(epoch: int, batch: int | None, logs: Any) -> None:
            if self._replaying:
                return  # a batch trained before the resumed checkpoint was written
            path = checkpoint._get_file_path(epoch, batch, logs)
            before = _stamp(path)
            original(epoch, batch, logs)
            after = _stamp(path)
            if after is not None and after != before:
                self._write(Path(path + CHECKPOINT_SUFFIX), *self._position(epoch, batch))

        checkpoint._save_model = save_model

    def _position(self, epoch: int, batch: int | None) -> tuple[int, int]:
        """(epoch, batches done in it) where a fit resumed from this moment starts."""
        steps = (self.params or {}).get("steps")
        done = None if batch is None else batch + 1
        if done is None or (isinstance(steps, int) and done >= steps):
            return epoch + 1, 0
        return epoch, done

    @property
    def initial_epoch(self) -> int:
        """The epoch a ``fit`` with this callback starts in (``0`` unless it resumes).

        That of the backup or checkpoint it resumes from:
        ``tf_dataset(..., initial_epoch=callback.initial_epoch)`` then starts where ``fit`` does
        (``BackupAndRestore`` decides that only when ``fit`` begins).

        Raises:
            StateError: ``resume_from`` has no seedlock state next to it, or a corrupt one.

        Example:
            >>> SeedlockCallback("backup").initial_epoch  # doctest: +SKIP
            0
        """
        if self.resume_from is not None:
            return int(self._read(self._checkpoint_state())["epoch"])
        backup = None if self.path is None else _keras_backup(self.path.parent)
        return 0 if backup is None else backup[0]

    def _checkpoint_state(self) -> Path:
        source = Path(str(self.resume_from) + CHECKPOINT_SUFFIX)
        if not source.exists():
            raise StateError(
                f"no seedlock state next to the checkpoint {str(self.resume_from)!r} (looked "
                f"for {str(source)!r}). Resume from a file written by a ModelCheckpoint "
                "accompanied by SeedlockCallback(checkpoint=...)."
            )
        return source

    def on_train_begin(self, logs: Mapping[str, Any] | None = None) -> None:
        """Put back the RNG state of the backup or checkpoint ``fit`` resumes from, if any."""
        backup_epoch = None
        if self.resume_from is not None:
            source = self._checkpoint_state()
        elif self.path is not None:
            backup = _keras_backup(self.path.parent)
            if backup is None:
                return  # Keras starts afresh: a state left without its backup is not put back
            _warn_if_backed_up_mid_epoch(self.path.parent, *backup)
            if not self.path.exists():
                return
            backup_epoch, source = backup[0], self.path
        else:
            return
        data = self._read(source)
        if backup_epoch is not None and data.get("epoch", 0) != backup_epoch:
            warnings.warn(
                f"{str(source)!r} holds the RNG state of epoch {data.get('epoch')}, the Keras "
                f"backup next to it is of epoch {backup_epoch} (fit was interrupted between the "
                "two writes, or BackupAndRestore(double_checkpoint=True) fell back to its "
                "previous backup): the RNG state is not put back, so this fit will not end with "
                "the weights of an uninterrupted one.",
                RuntimeWarning,
                stacklevel=2,
            )
            return
        generators = _seed_generator_states(self.model)
        saved = data["seed_generators"]
        if not isinstance(saved, list) or len(saved) != len(generators):
            raise StateError(
                f"{str(source)!r} holds {len(saved) if isinstance(saved, list) else '?'} "
                f"SeedGenerator states, this model has {len(generators)}. Resume with the model "
                "that wrote it."
            )
        rng = Snapshot.from_dict(data["rng"])
        for variable, value in zip(generators, saved, strict=True):
            variable.assign(np.asarray(value, dtype=variable.dtype))
        if self.resume_from is None or not data.get("batch", 0):
            restore(rng)
            if self.resume_from is not None:
                self.model._initial_epoch = data["epoch"]
            return
        # Mid-epoch: Keras draws the epoch's batch order from Python's random when the epoch's
        # iterator starts, so the state of the epoch's start goes back first, and the state of
        # the save once the batches already trained on have been passed over.
        restore(Snapshot.from_dict(data["epoch_rng"]))
        self.model._initial_epoch = data["epoch"]
        self._skip = self._resumed_batch = data["batch"]
        self._start_replay(rng, data.get("metrics"), source)

    def _start_replay(self, rng: Snapshot, saved_metrics: object, source: Path) -> None:
        backend = keras.backend.backend()
        if backend not in ("tensorflow", "torch"):
            raise StateError(
                f"{str(self.resume_from)!r} was saved in the middle of an epoch; resuming there "
                f"needs the tensorflow or torch Keras backend, this is {backend!r}. Resume from "
                "a checkpoint saved at an epoch end (save_freq='epoch')."
            )
        original = self.model.train_function
        self._train_function = original
        self._replaying = True
        steps = int(getattr(self.model, "steps_per_execution", 1) or 1)

        # Files of seedlock before 2026-11 hold no metric totals: the epoch's logs then average
        # its remaining batches only. TensorFlow builds a loaded model's metrics late (see
        # _checked_metric_values): they are checked at the first batch passed over.
        metrics = None
        if saved_metrics is not None and backend == "torch":
            metrics = _checked_metric_values(self.model, saved_metrics, source)

        def train_function(*args: Any) -> Any:
            nonlocal metrics
            if self._skip > 0:
                self._skip -= steps
                if backend == "tensorflow":
                    # TensorFlow hands over the iterator: take the batches without training.
                    for _ in range(steps):
                        batch = next(args[0])
                    if metrics is None and saved_metrics is not None:
                        metrics = _checked_metric_values(self.model, saved_metrics, source, batch)
                return {}
            if self._replaying:
                restore(rng)
                if metrics is not None:
                    # fit reset the metrics at the epoch's start; the saved totals count the
                    # batches passed over, so the epoch's logs average all of its batches.
                    for variable, value in zip(self.model.metrics_variables, metrics, strict=True):
                        variable.assign(value)
                self._end_replay()
            return original(*args)

        self.model.train_function = train_function

    def _end_replay(self) -> None:
        if self._train_function is not None:
            self.model.train_function = self._train_function
            self._train_function = None
        if self._replaying and self.checkpoint is not None:
            # Its counters as they were right after it wrote the checkpoint resumed from.
            self.checkpoint._batches_seen_since_last_saving = 0
            self.checkpoint._last_batch_seen = self._resumed_batch - 1
        self._replaying = False

    def on_epoch_begin(self, epoch: int, logs: Mapping[str, Any] | None = None) -> None:
        """Select ``epoch`` in every dataset before Keras starts reading it."""
        for dataset in self.datasets:
            dataset.set_epoch(epoch)
        if self.checkpoint is not None:
            self._epoch_rng = snapshot().to_dict()

    def on_epoch_end(self, epoch: int, logs: Mapping[str, Any] | None = None) -> None:
        """Store the RNG state next to the backup ``BackupAndRestore`` just wrote."""
        if self.path is not None:
            self._write(self.path, epoch + 1, 0)

    def on_train_end(self, logs: Mapping[str, Any] | None = None) -> None:
        """Remove the backup's state when ``fit`` completed, unless the backup is kept.

        ``BackupAndRestore`` removes its whole ``backup_dir`` (this state with it) unless
        ``delete_checkpoint=False``: then the state stays with the backup, for the later ``fit``
        that continues from it.
        """
        self._end_replay()
        if self.resume_from is not None:
            self.model._initial_epoch = None
        if self.path is not None and not (self.path.parent / _KERAS_BACKUP).exists():
            with contextlib.suppress(FileNotFoundError):
                self.path.unlink()

    def _write(self, path: Path, epoch: int, batch: int) -> None:
        data = {
            "kind": _KIND,
            "format": STATE_FORMAT,
            "seed": self.root,
            "epoch": epoch,
            "batch": batch,
            "rng": snapshot().to_dict(),
            "epoch_rng": self._epoch_rng if batch else None,
            "metrics": _metric_values(self.model) if batch else None,
            "seed_generators": [
                [int(v) for v in np.asarray(g.numpy()).ravel()]
                for g in _seed_generator_states(self.model)
            ],
        }
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, tmp = tempfile.mkstemp(prefix=".seedlock.", dir=path.parent)
        try:
            with os.fdopen(handle, "w", encoding="utf-8") as out:
                json.dump(data, out, separators=(",", ":"))
            os.replace(tmp, path)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise

    def _read(self, path: Path) -> dict[str, Any]:
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise StateError(
                f"cannot read {str(path)!r} ({exc}). The state is corrupt; delete it with its "
                "backup or checkpoint to start over."
            ) from None
        if not isinstance(data, dict) or data.get("kind") != _KIND:
            raise StateError(f"{str(path)!r} is not a seedlock Keras state. Corrupt input.")
        if data.get("format") != STATE_FORMAT:
            raise StateError(
                f"{str(path)!r} has format {data.get('format')!r}; this seedlock reads "
                f"format {STATE_FORMAT}. Resume with the seedlock version that wrote it."
            )
        if data.get("seed") != self.root:
            raise StateError(
                f"{str(path)!r} was saved under root seed {data.get('seed')!r}, this run "
                f"has {self.root}. Resume with the same seed (seed_everything(...))."
            )
        for key in ("epoch", "batch"):
            value = data.get(key, 0)
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise StateError(
                    f"{str(path)!r} holds {key} {value!r}; an int >= 0 is expected. Corrupt input."
                )
        if data.get("batch", 0) and not isinstance(data.get("epoch_rng"), dict):
            raise StateError(
                f"{str(path)!r} was saved mid-epoch but holds no RNG state of the epoch's start "
                "(epoch_rng). Corrupt input."
            )
        return data


def _warn_if_backed_up_mid_epoch(folder: Path, epoch: int, batch: int) -> None:
    # BackupAndRestore(save_freq=N) backs up mid-epoch, and Keras resumes such a backup at the
    # start of its epoch with the weights of a later batch: that epoch's first batches are
    # trained twice, whatever seedlock restores.
    if batch > 0:
        warnings.warn(
            f"the backup in {str(folder)!r} was saved in the middle of epoch {epoch} (after its "
            f"batch {batch}, counted from 0 as Keras does): BackupAndRestore(save_freq=N) resumes "
            "it from the epoch's start with these weights, so this fit will not end with the "
            "weights of an uninterrupted one. Back up with save_freq='epoch', or resume "
            "mid-epoch from a ModelCheckpoint with SeedlockCallback(checkpoint=..., "
            "resume_from=...).",
            RuntimeWarning,
            stacklevel=3,
        )


def _keras_backup(folder: Path) -> tuple[int, int] | None:
    """(epoch, batch) of the backup ``BackupAndRestore`` keeps in ``folder``; ``None``: none."""
    try:
        saved = json.loads((folder / _KERAS_BACKUP).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError):
        return None
    if not isinstance(saved, dict):
        return None
    epoch, batch = saved.get("epoch"), saved.get("batch", 0)
    if type(epoch) is int and type(batch) is int and min(epoch, batch) >= 0:
        return epoch, batch
    return None


def _stamp(path: str) -> tuple[int, int] | None:
    try:
        info = os.stat(path)
    except OSError:
        return None
    return info.st_mtime_ns, info.st_size
