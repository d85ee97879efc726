"""Lightning glue: one callback for seeding, worker-invariant data and exact mid-epoch resume.

Determinism contract: with ``Trainer(callbacks=[SeedlockCallback(seed=s)])`` every rank is seeded
with ``seed_everything(s)``; each plain training ``DataLoader`` (shuffled or sequential; one with
the user's own sampler, batch sampler or an iterable dataset is kept as built) is rebuilt around an
:class:`~seedlock.torch.EpochSampler` (rank and world from the ``DistributedSampler`` Lightning
injected, or from the trainer) and a :func:`~seedlock.data.seeded` dataset, so its batches and
augmentations do not depend on ``num_workers`` or the world size (order from the ``data`` stream,
augmentation from ``augment``: ``seed_everything(streams=...)`` or ``seedlock sweep --vary`` re-root
one alone); and Lightning's own checkpoints carry seedlock's RNG snapshot and the loader position
(plain ints and strings: ``torch.load(..., weights_only=True)`` reads them), so a run resumed
mid-epoch in a new process continues exactly as the uninterrupted one. Validation's random draws
leave the training's RNG state as they found it. Imports
``lightning.pytorch`` (or, without it, ``pytorch_lightning``) when this module is imported, never
before.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from typing import Any

try:
    from lightning.pytorch.callbacks import Callback
except ImportError:  # pragma: no cover - the older namespace
    from pytorch_lightning.callbacks import Callback  # type: ignore[assignment]

import torch
from torch.utils.data import DataLoader, DistributedSampler, RandomSampler, SequentialSampler

from seedlock._errors import SeedlockError, StateError
from seedlock._everything import seed_everything
from seedlock._seed import SeedLike, derive, normalize_seed, root_seed, stream_seeds
from seedlock.data.rng import SeededDataset
from seedlock.distributed import gather_objects
from seedlock.state import Snapshot, restore, snapshot
from seedlock.torch import EpochSampler, _agreed_root, _ChainedWorkerInit

__all__ = ["SeedlockCallback"]

_KEY = "seedlock"
_FORMAT = 1
#: Where Lightning's own ``seed_everything`` (and ``LightningCLI``'s ``seed_everything:``) puts
#: its seed for the other processes of a run.
_LIGHTNING_SEED = "PL_GLOBAL_SEED"


def _lightning_seed(*, strict: bool = True) -> int | None:
    """Lightning's seed of this process (``$PL_GLOBAL_SEED``), or ``None``.

    A value that is not a seed is an error when ``strict``, else read as ``None``.
    """
    text = os.environ.get(_LIGHTNING_SEED, "").strip()
    if not text:
        return None
    if not strict:
        try:
            return normalize_seed(int(text), name=f"${_LIGHTNING_SEED}")
        except (ValueError, SeedlockError):
            return None
    try:
        value = int(text)
    except ValueError:
        raise SeedlockError(
            f"SeedlockCallback() takes Lightning's seed from ${_LIGHTNING_SEED}, which is "
            f"{text!r}, not an int. Pass SeedlockCallback(seed=...) or unset the variable."
        ) from None
    return normalize_seed(value, name=f"${_LIGHTNING_SEED}")


#: The root a callback last set for this process (from ``seed=``, Lightning's seed or a draw), and
#: Lightning's seed at that moment.
_last_root: dict[str, int | None] = {}


def _callback_root(seed: SeedLike | None) -> int:
    """The root seed: ``seed``, else seedlock's, else Lightning's, else drawn and logged.

    seedlock's root that a callback set yields to a Lightning seed set after it: a process that
    trains once per seed (``seed_everything(s)``, then a new Trainer) starts each run on ``s``.
    A root the user set (``seedlock.seed_everything``, ``$SEEDLOCK_SEED``) is kept.
    """
    if seed is not None:
        root, lightning = normalize_seed(seed), _lightning_seed(strict=False)
    else:
        current, lightning = root_seed(), _lightning_seed(strict=False)
        if current is not None:
            reseeded = lightning is not None and lightning != _last_root.get("lightning", lightning)
            if not (reseeded and current == _last_root.get("root")):
                return current
        lightning = _lightning_seed()  # the root comes from it now: a bad value is an error
        root = seed_everything().seed if lightning is None else lightning
    _last_root.update(root=root, lightning=lightning)
    return root


def _replaceable(sampler: object) -> bool:
    """Whether ``sampler`` is a plain shuffle or sequence over the whole dataset, once each.

    Those are what the callback replaces (as Lightning, in DDP, replaces them with a
    ``DistributedSampler``); any other sampler (weighted, a subset, with replacement, a user's
    own) carries the user's intent and is kept.
    """
    if type(sampler) is SequentialSampler:
        return True
    return (
        type(sampler) is RandomSampler
        and not sampler.replacement
        and sampler.num_samples == len(sampler.data_source)
    )


def _shuffle_rank_world(loader: DataLoader, trainer: Any) -> tuple[bool, int, int] | None:  # type: ignore[type-arg]
    """Whether the callback's sampler shuffles, its rank and world; ``None``: keep the loader."""
    sampler = loader.sampler
    if type(sampler) is DistributedSampler:
        # Lightning's injected sampler (use_distributed_sampler=True) over a plain loader.
        return sampler.shuffle, int(sampler.rank), int(sampler.num_replicas)
    if isinstance(sampler, DistributedSampler):
        # Lightning's DistributedSamplerWrapper around the user's sampler (or their own class).
        inner = getattr(getattr(sampler, "dataset", None), "_sampler", None)
        if not _replaceable(inner):
            return None
        return isinstance(inner, RandomSampler), int(sampler.rank), int(sampler.num_replicas)
    if not _replaceable(sampler):
        return None
    shuffle = isinstance(sampler, RandomSampler)
    connector = getattr(trainer, "_accelerator_connector", None)
    if not getattr(connector, "use_distributed_sampler", True):
        # Trainer(use_distributed_sampler=False): the user splits the data (a dataset sharded per
        # rank); Lightning gives every rank its whole loader, and so does the callback.
        return shuffle, 0, 1
    return shuffle, trainer.global_rank, trainer.world_size


class _ResumedOnce(EpochSampler):
    """An :class:`EpochSampler` whose loaded position holds for one iteration of its epoch.

    ``CombinedLoader(mode="max_size_cycle")`` starts a shorter loader again each time it runs out
    within the epoch; in a resumed epoch that round starts at the top, as in the uninterrupted run.
    """

    _loaded = False

    def load_state_dict(self, state: Mapping[str, Any]) -> None:
        """Resume at a saved position (for the next iteration; see the class)."""
        super().load_state_dict(state)
        self._loaded = True

    def __iter__(self) -> Iterator[int]:
        if self._loaded:
            self._loaded = False
        elif self.order.start:
            self.order.seek(self.order.epoch, 0)
        return super().__iter__()


def _same(loaders: list[Any], others: list[Any]) -> bool:
    return len(loaders) == len(others) and all(a is b for a, b in zip(loaders, others, strict=True))


class SeedlockCallback(Callback):
    """Seed every framework and rank, make training data worker-invariant, resume exactly.

    Args:
        seed: the root seed. ``None`` takes the process's root seed (``seed_everything`` or
            ``$SEEDLOCK_SEED``), else Lightning's (``lightning.seed_everything``, a
            ``LightningCLI`` config), else draws one and logs it as ``seed_everything()`` does.
        globals: the global RNGs the dataset's augmentation draws from (see
            :func:`~seedlock.data.seeded`); ``None`` finds them: each batch reseeds the RNGs its
            items were seen drawing from (values equal to reseeding all three).

    Example:
        >>> from seedlock.lightning import SeedlockCallback
        >>> callback = SeedlockCallback(seed=42)  # Trainer(callbacks=[callback])
    """

    def __init__(
        self, seed: SeedLike | None = None, *, globals: tuple[str, ...] | None = None
    ) -> None:  # noqa: A002
        self.root = _callback_root(seed)
        self.globals = globals
        self._samplers: list[EpochSampler] = []
        self._generators: list[torch.Generator] = []
        self._adopted: list[Any] = []  # the training loaders of the epoch, as rebuilt
        self._ended: list[dict[str, Any]] = []  # their positions when the last fit ended
        self._before_validation: Snapshot | None = None
        self._pending: dict[str, Any] | None = None
        self._hide_unused_hooks()
        seed_everything(self.root)

    def _hide_unused_hooks(self) -> None:
        # Lightning calls every hook of every callback, each inside a profiler context (about
        # 4 us, six times per training step: 0.3% of a small CNN's step). Its dispatcher skips a
        # hook attribute that is not callable, so the no-op hooks this class inherits are hidden.
        for name, hook in vars(Callback).items():
            if name.startswith("on_") and callable(hook) and getattr(type(self), name) is hook:
                setattr(self, name, None)

    def setup(self, trainer: Any, pl_module: Any, stage: str) -> None:
        """Seed this rank (a DDP process started after ``__init__`` starts unseeded).

        Raises:
            SeedlockError: when the trainer has another ``SeedlockCallback``.
        """
        ours = [c for c in trainer.callbacks if isinstance(c, SeedlockCallback)]
        if len(ours) > 1:
            # Both would write the checkpoint's one seedlock entry, and the last one kept
            # none of the loaders the first one replaced.
            roots = ", ".join(str(c.root) for c in ours)
            raise SeedlockError(
                f"the Trainer has {len(ours)} SeedlockCallbacks (roots {roots}); each seeds "
                "everything and writes the checkpoint's seedlock state. Pass one "
                "SeedlockCallback in Trainer(callbacks=...)."
            )
        if self._pending is None:
            seed_everything(self.root)

    def _rebuild(self, loader: Any, trainer: Any) -> Any:
        if not isinstance(loader, DataLoader) or isinstance(loader.sampler, EpochSampler):
            return loader
        if type(loader) is not DataLoader or loader.batch_size is None:
            return loader  # custom loaders and batch samplers stay as the user built them
        found = _shuffle_rank_world(loader, trainer)
        if found is None:
            return loader  # so do the user's own samplers and iterable datasets
        shuffle, rank, world = found
        # Order and augmentation draw from the `data` and `augment` streams, each on the callback's
        # root unless the run gives it its own (seed_everything(streams=...), $SEEDLOCK_STREAMS).
        own = stream_seeds()
        dataset: Any = loader.dataset
        if not isinstance(dataset, SeededDataset):
            augment_root = _agreed_root(own.get("augment", self.root), world)
            dataset = SeededDataset(dataset, augment_root, globals=self.globals)
        if loader.num_workers and len(dataset):
            # Found once here, in the main process: every worker then starts knowing which global
            # RNGs the items draw from, instead of reloading its first batch to find them (each
            # epoch again without persistent workers).
            dataset.learn(0)
        sampler = _ResumedOnce(
            len(dataset), shuffle=shuffle, rank=rank, world=world, seed=own.get("data", self.root)
        )
        generator = torch.Generator()
        extra: dict[str, Any] = {}
        if loader.num_workers:
            extra = {
                "prefetch_factor": loader.prefetch_factor,
                "persistent_workers": loader.persistent_workers,
                "multiprocessing_context": loader.multiprocessing_context,
            }
        rebuilt = DataLoader(
            dataset,
            batch_size=loader.batch_size,
            sampler=sampler,
            num_workers=loader.num_workers,
            collate_fn=loader.collate_fn,
            pin_memory=loader.pin_memory,
            drop_last=loader.drop_last,
            timeout=loader.timeout,
            worker_init_fn=_ChainedWorkerInit(loader.worker_init_fn),
            generator=generator,
            **extra,
        )
        self._samplers.append(sampler)
        self._generators.append(generator)
        return rebuilt

    def _adopt(self, trainer: Any, positions: list[Any]) -> Any:
        """Rebuild Lightning's training loaders of this epoch at ``positions``; the combined one."""
        combined = trainer.fit_loop._combined_loader
        self._samplers, self._generators = [], []
        rebuilt = [self._rebuild(loader, trainer) for loader in combined.flattened]
        if any(new is not old for new, old in zip(rebuilt, combined.flattened, strict=True)):
            # Lightning has already started iterating the user's loaders: stop their worker
            # processes (persistent ones would stay alive beside the new ones until the user's
            # loader is dropped) and forget their iterators, so the loaders stay usable.
            combined.reset()
        combined.flattened = rebuilt
        self._adopted = rebuilt
        epoch = trainer.current_epoch
        for i, sampler in enumerate(self._samplers):
            if i < len(positions):
                sampler.load_state_dict(positions[i])
            sampler.set_epoch(epoch)
        self._seed_generators(epoch)
        return combined

    @staticmethod
    def _restart_fetcher(trainer: Any, combined: Any) -> None:
        # Lightning created the epoch's iterator before the hook that adopted the loaders: make
        # it again from the new ones (its epoch loop adds the batches already run to the fetched
        # count).
        fetcher = trainer.fit_loop._data_fetcher
        fetcher.setup(combined)
        iter(fetcher)

    def on_train_start(self, trainer: Any, pl_module: Any) -> None:
        """Rebuild the training loaders (after Lightning's own processing) and restart them."""
        if trainer.fit_loop._combined_loader is None:
            return
        pending, self._pending = self._pending, None
        combined = self._adopt(trainer, [] if pending is None else pending["loaders"])
        if pending is not None:
            ranks, own = pending.get("ranks"), pending["snapshot"]
            # Resumed on another number of processes, every rank continues rank 0's streams.
            if isinstance(ranks, list) and len(ranks) == trainer.world_size:
                own = ranks[trainer.global_rank]
            restore(Snapshot.from_dict(own))
        else:
            # Lightning's first iterator over the user's loader drew from the global torch RNG
            # (RandomSampler, worker seeds) differently for each num_workers: start training
            # from the seed itself.
            seed_everything(self.root)
        self._restart_fetcher(trainer, combined)

    def _seed_generators(self, epoch: int) -> None:
        for sampler, generator in zip(self._samplers, self._generators, strict=True):
            order = sampler.order
            generator.manual_seed(derive("data", "loader", order.rank, epoch, seed=order.root))

    def on_train_epoch_start(self, trainer: Any, pl_module: Any) -> None:
        """Order and worker seeds of the trainer's epoch: the same for any workers or restarts."""
        combined = trainer.fit_loop._combined_loader
        if combined is not None and not _same(combined.flattened, self._adopted):
            # Trainer(reload_dataloaders_every_n_epochs=n): Lightning made the user's loaders
            # and their iterator again.
            self._restart_fetcher(trainer, self._adopt(trainer, []))
        # Lightning has just called set_epoch with its count of processed epochs, which runs one
        # ahead of trainer.current_epoch in a step-based run resumed from an epoch's end.
        for sampler in self._samplers:
            sampler.set_epoch(trainer.current_epoch)
        self._seed_generators(trainer.current_epoch)

    def on_validation_start(self, trainer: Any, pl_module: Any) -> None:
        """Keep the RNG state training has reached (see :meth:`on_validation_end`)."""
        self._before_validation = snapshot()

    def on_validation_end(self, trainer: Any, pl_module: Any) -> None:
        """Give training back its RNG state: validation's random draws leave no trace.

        A run resumed from a checkpoint saved at the last batch of an epoch skips that epoch's
        validation, which the uninterrupted run did; training continues the same either way.
        """
        if self._before_validation is not None:
            restore(self._before_validation)
            self._before_validation = None

    def on_train_end(self, trainer: Any, pl_module: Any) -> None:
        """Keep the loaders' positions for a checkpoint saved after the fit."""
        self._ended = self._positions(trainer)

    def on_save_checkpoint(self, trainer: Any, pl_module: Any, checkpoint: dict[str, Any]) -> None:
        """Store the RNG snapshot (each rank's) and each training loader's position (JSON-able)."""
        own = snapshot().to_dict()
        checkpoint[_KEY] = {"format": _FORMAT, "snapshot": own, "loaders": self._positions(trainer)}
        # Only rank 0 writes the checkpoint, but each rank's RNG state is its own (work done on
        # one rank only moves it): keep them all. Every rank calls this hook.
        ranks = gather_objects(own)
        if ranks is not None:
            checkpoint[_KEY]["ranks"] = ranks

    def _positions(self, trainer: Any) -> list[dict[str, Any]]:
        progress = trainer.fit_loop.epoch_loop.batch_progress.current
        steps = progress.processed  # saved from on_train_batch_end: this batch is done
        combined = trainer.fit_loop._combined_loader
        if combined is None:
            # Saved after the fit (trainer.test(), then save_checkpoint): Lightning has dropped
            # the training loaders; their positions were kept when training ended.
            return self._ended
        loaders = combined.flattened
        limits = combined.limits or []
        # CombinedLoader(mode="max_size_cycle"), Lightning's default for several loaders, starts
        # a shorter loader again each time it runs out: its position is within its last round.
        cycles = len(loaders) > 1 and getattr(combined, "_mode", None) == "max_size_cycle"
        positions = []
        for sampler in self._samplers:
            # Lightning takes any iterable as a training loader (a list of tensors, say).
            found = [
                i for i, loader in enumerate(loaders) if getattr(loader, "sampler", None) is sampler
            ]
            if not found:
                raise StateError("a seedlock sampler lost its DataLoader; was the loader replaced?")
            loader = loaders[found[0]]
            batches = steps
            if cycles:
                length = len(loader)
                first = min(length, limits[found[0]]) if limits else length
                if batches > first:
                    batches = (batches - first - 1) % length + 1
            order = sampler.order
            consumed = min(order.total(0), batches * loader.batch_size * order.world)
            positions.append(order.state_dict(consumed=consumed))
        return positions

    def on_load_checkpoint(self, trainer: Any, pl_module: Any, checkpoint: dict[str, Any]) -> None:
        """Keep the stored state; it is applied when training starts (loaders exist by then)."""
        state = checkpoint.get(_KEY)
        if state is None:
            return
        found = state.get("format") if isinstance(state, dict) else type(state).__name__
        if found != _FORMAT:
            raise StateError(
                f"this checkpoint's seedlock state has format {found!r}, this seedlock reads "
                f"format {_FORMAT}. Resume with the seedlock version that wrote it."
            )
        self._pending = state
