"""Keras 3 integration: RNG state saved with ``BackupAndRestore``, and a worker-invariant dataset.

Determinism contract: with ``callbacks=[BackupAndRestore(d), SeedlockCallback(d, datasets)]``
every epoch end stores :func:`seedlock.snapshot` and the state of every layer's
``SeedGenerator`` (dropout and other random layers; Keras' weight files leave them out) in
``d/seedlock.json``; a ``fit`` resumed from that backup puts them back, so it ends with the
weights of an uninterrupted ``fit``. An :class:`EpochDataset` yields, in epoch ``e``, the batches
of ``EpochShuffle`` order ``e``, sample ``i`` built with ``sample_rng(i, e)``: the same for any
``workers`` and ``use_multiprocessing``.
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
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

__all__ = ["STATE_FORMAT", "EpochDataset", "SeedlockCallback"]

#: Version of ``seedlock.json`` written next to a ``BackupAndRestore`` backup.
STATE_FORMAT = 1
_KIND = "seedlock.keras"
_FILE = "seedlock.json"


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


def _seed_generator_states(model: Any) -> list[Any]:
    # Keras saves no SeedGenerator state with the weights, so a resumed fit would restart every
    # dropout stream; their state variables are named by Keras' SeedGenerator.
    return [v for v in model.non_trainable_variables if v.path.endswith("seed_generator_state")]


class SeedlockCallback(keras.callbacks.Callback):  # type: ignore[misc]
    """Store and restore RNG state with ``BackupAndRestore``; set the epoch of datasets.

    Args:
        backup_dir: the ``backup_dir`` of the ``BackupAndRestore`` callback it accompanies;
            ``seedlock.json`` is written there at each epoch end and removed when ``fit`` ends
            normally, as ``BackupAndRestore`` does with its backup.
        datasets: :class:`EpochDataset` (or anything with ``set_epoch``) to advance per epoch.

    Put it after ``BackupAndRestore`` in ``callbacks``, and keep that callback's default
    ``save_freq="epoch"``: Keras resumes a ``fit`` at the start of the backed-up epoch, and the
    state stored here is the one of that epoch boundary.

    Example:
        >>> cb = SeedlockCallback("backup")  # doctest: +SKIP
        >>> model.fit(ds, epochs=3, callbacks=[keras.callbacks.BackupAndRestore("backup"), cb])
        ... # doctest: +SKIP
    """

    def __init__(self, backup_dir: str | os.PathLike[str], datasets: Sequence[Any] = ()) -> None:
        super().__init__()
        self.path = Path(backup_dir) / _FILE
        self.datasets = list(datasets)
        self.root = resolve_seed(None, caller="SeedlockCallback")

    def on_train_begin(self, logs: Mapping[str, Any] | None = None) -> None:
        """Put back the RNG state of the backup, if ``fit`` resumes from one."""
        if not self.path.exists():
            return
        data = self._read()
        generators = _seed_generator_states(self.model)
        saved = data["seed_generators"]
        if not isinstance(saved, list) or len(saved) != len(generators):
            raise StateError(
                f"{str(self.path)!r} holds {len(saved) if isinstance(saved, list) else '?'} "
                f"SeedGenerator states, this model has {len(generators)}. Resume with the model "
                "that wrote the backup."
            )
        restore(Snapshot.from_dict(data["rng"]))
        for variable, value in zip(generators, saved, strict=True):
            variable.assign(np.asarray(value, dtype=variable.dtype))

    def on_epoch_begin(self, epoch: int, logs: Mapping[str, Any] | None = None) -> None:
        """Select ``epoch`` in every dataset before Keras starts reading it."""
        for dataset in self.datasets:
            dataset.set_epoch(epoch)

    def on_epoch_end(self, epoch: int, logs: Mapping[str, Any] | None = None) -> None:
        """Store the RNG state next to the backup ``BackupAndRestore`` just wrote."""
        data = {
            "kind": _KIND,
            "format": STATE_FORMAT,
            "seed": self.root,
            "epoch": epoch + 1,
            "rng": snapshot().to_dict(),
            "seed_generators": [
                [int(v) for v in np.asarray(g.numpy()).ravel()]
                for g in _seed_generator_states(self.model)
            ],
        }
        self.path.parent.mkdir(parents=True, exist_ok=True)
        handle, tmp = tempfile.mkstemp(prefix=".seedlock.", dir=self.path.parent)
        try:
            with os.fdopen(handle, "w", encoding="utf-8") as out:
                json.dump(data, out, separators=(",", ":"))
            os.replace(tmp, self.path)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise

    def on_train_end(self, logs: Mapping[str, Any] | None = None) -> None:
        """Remove the state when ``fit`` completed (``BackupAndRestore`` removes its backup)."""
        with contextlib.suppress(FileNotFoundError):
            self.path.unlink()

    def _read(self) -> dict[str, Any]:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise StateError(
                f"cannot read {str(self.path)!r} ({exc}). The backup is corrupt; delete the "
                "backup directory to start over."
            ) from None
        if not isinstance(data, dict) or data.get("kind") != _KIND:
            raise StateError(f"{str(self.path)!r} is not a seedlock Keras state. Corrupt input.")
        if data.get("format") != STATE_FORMAT:
            raise StateError(
                f"{str(self.path)!r} has format {data.get('format')!r}; this seedlock reads "
                f"format {STATE_FORMAT}. Resume with the seedlock version that wrote it."
            )
        if data.get("seed") != self.root:
            raise StateError(
                f"{str(self.path)!r} was saved under root seed {data.get('seed')!r}, this run "
                f"has {self.root}. Resume with the same seed (seed_everything(...))."
            )
        return data
