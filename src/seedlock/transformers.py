"""Hugging Face ``Trainer`` integration: one callback for seeding, data order and exact resume.

Determinism contract: with ``Trainer(..., callbacks=[SeedlockCallback()])`` the Trainer and
seedlock use one seed; sample ``i`` of epoch ``e`` is drawn at the position of
``EpochShuffle`` order ``e`` and augmented after ``seedlock.data.reseed(i, e)``, so batches and
augmentations are the same for any ``dataloader_num_workers``; and resuming from the Trainer's
own ``checkpoint-N`` (``trainer.train(resume_from_checkpoint=...)``) continues the RNG streams
exactly, so the final weights equal those of an uninterrupted run, bit for bit.

How it plugs in: the Trainer builds its training ``DataLoader`` itself, so the callback, at
``on_train_begin`` (before the loader's first iteration), swaps that loader's sampler for a
:class:`~seedlock.torch.EpochSampler` and its dataset for :func:`~seedlock.data.seeded` of it.
The Trainer's resume logic (``skip_first_batches`` and ``set_epoch``) then works on seedlock's
order. The RNG state of every framework and tracked generator is stored with each checkpoint in
``trainer_state.json`` (JSON, through the Trainer's ``ExportableState`` protocol) and put back at
the moment the Trainer puts back its own.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from torch.utils.data import IterableDataset, RandomSampler, SequentialSampler
from transformers import TrainerCallback, TrainerControl, TrainerState, TrainingArguments
from transformers.trainer_callback import ExportableState

from seedlock._base import persist
from seedlock._errors import SeedlockError, StateError
from seedlock._everything import SeedReport, seed_everything
from seedlock._generators import torch_generator
from seedlock._seed import SeedLike, normalize_seed, root_seed, stream_seeds
from seedlock.data.rng import SeededDataset
from seedlock.distributed import _group_rank_world, broadcast_root
from seedlock.state import Snapshot, restore, snapshot
from seedlock.torch import EpochSampler

__all__ = ["STATE_FORMAT", "SeedlockCallback"]

#: Version of the dict the callback stores in ``trainer_state.json``.
STATE_FORMAT = 1
_KIND = "seedlock.transformers"
_log = logging.getLogger("seedlock")


def _innermost_batch_sampler(loader: Any) -> Any:
    """The batch sampler whose ``sampler`` orders the Trainer's training loader."""
    batch_sampler: Any = getattr(loader, "batch_sampler", None)
    # accelerate wraps the batch sampler (BatchSamplerShard) when several processes train.
    while hasattr(batch_sampler, "batch_sampler"):
        batch_sampler = batch_sampler.batch_sampler
    if not hasattr(batch_sampler, "sampler"):
        raise SeedlockError(
            f"SeedlockCallback cannot find the sampler of the Trainer's training loader "
            f"({type(loader).__name__}); it supports map-style train datasets with the default "
            "train_sampling_strategy='random' (or 'sequential'). Pass SeedlockCallback(data=False) "
            "and order the data yourself (seedlock.torch.shard() for iterable datasets)."
        )
    return batch_sampler


def _shuffles(sampler: Any, n: int, args: TrainingArguments) -> bool:
    """Whether seedlock's order replacing the Trainer's ``sampler`` shuffles; refuse the others.

    Only a plain permutation (``RandomSampler`` without replacement, as
    ``train_sampling_strategy="random"`` builds it) or index order (``"sequential"``) can be
    replaced without changing what the Trainer was asked to sample.
    """
    if isinstance(sampler, SequentialSampler):
        return False
    if isinstance(sampler, RandomSampler) and not sampler.replacement and sampler.num_samples == n:
        return True
    raise SeedlockError(
        f"SeedlockCallback replaces the Trainer's training sampler with seedlock's order, but "
        f"this Trainer samples with {type(sampler).__name__} (train_sampling_strategy="
        f"{args.train_sampling_strategy!r}), whose choice of samples would be silently lost. "
        "Use train_sampling_strategy='random' or 'sequential', or pass "
        "SeedlockCallback(data=False) to keep your sampler (seeding and RNG state are still "
        "handled)."
    )


class SeedlockCallback(TrainerCallback, ExportableState):
    """Seeds the Trainer, makes its data order worker-invariant and its resume exact.

    Args:
        seed: the root seed. ``None`` uses seedlock's root seed if ``seed_everything`` was called
            (or ``$SEEDLOCK_SEED`` is set), else ``TrainingArguments.seed``.
            The data order comes from the ``data`` stream's own root if one is set
            (``seed_everything(..., streams={"data": 3})``), else ``TrainingArguments.data_seed``
            if set, else this root; augmentation from the ``augment`` stream's root or this.
        data: replace the training loader's sampler and seed each sample (see the module
            docstring); ``False`` leaves the Trainer's data pipeline alone. The sampler the
            Trainer built must be a permutation (``train_sampling_strategy="random"``) or index
            order (``"sequential"``, kept unshuffled); any other is refused, not replaced.

    Attributes:
        report: the :class:`~seedlock.SeedReport` of the seeding the callback did (``None``
            before the Trainer is built).
        aligned_from: the ``TrainingArguments.seed`` the callback replaced, or ``None`` when it
            already agreed with seedlock's root seed.

    ``TrainingArguments.seed`` and seedlock's root must agree: ``Trainer.__init__`` reseeds every
    framework with ``args.seed``, so after ``seed_everything(7)`` a Trainer with the default
    ``seed=42`` trains on seed 42. The callback detects that at the end of ``Trainer.__init__``,
    sets ``args.seed`` to seedlock's seed, reseeds as the Trainer would have, and logs it.

    With several processes every rank orders and augments the data with rank 0's roots, so
    ranks seeded apart still split one order. ``trainer_state.json`` (written by the main
    process) holds rank 0's RNG state; the other ranks get their Python, NumPy and torch states
    back from the Trainer's own ``rng_state_{rank}.pth``.

    Example:
        >>> from transformers import Trainer  # doctest: +SKIP
        >>> trainer = Trainer(model, args, train_dataset=ds,  # doctest: +SKIP
        ...                   callbacks=[SeedlockCallback()])
        >>> trainer.train(resume_from_checkpoint=True)  # doctest: +SKIP
    """

    def __init__(self, seed: SeedLike | None = None, data: bool = True) -> None:
        self.seed = None if seed is None else normalize_seed(seed)
        self.data = bool(data)
        self.report: SeedReport | None = None
        self.aligned_from: int | None = None
        self._root: int | None = None
        self._pending: Snapshot | None = None
        self._restore_at_step = False

    # -- seeding -----------------------------------------------------------------------------

    def _align(self, args: TrainingArguments) -> None:
        if self._root is not None:
            return
        root = self.seed if self.seed is not None else root_seed()
        if root is None:
            root = int(args.seed)
        report = seed_everything(root, deterministic=bool(args.full_determinism))
        framework_seed = report.frameworks["python"]
        if int(args.seed) != framework_seed:
            _log.warning(
                "seedlock: TrainingArguments.seed was %d but seedlock's root seed is %d; the "
                "Trainer had reseeded with %d. Set args.seed=%d and reseeded with seedlock's "
                "seed (pass TrainingArguments(seed=%d) to silence this).",
                args.seed,
                root,
                args.seed,
                framework_seed,
                framework_seed,
            )
            self.aligned_from = int(args.seed)
            args.seed = framework_seed
        self._root = root
        self.report = report

    def on_init_end(
        self, args: TrainingArguments, state: TrainerState, control: TrainerControl, **kwargs: Any
    ) -> None:
        """Align ``args.seed`` and seedlock's root seed, right after the Trainer seeded."""
        # One callback may serve several Trainers (a loop over seeds): each has its own seed.
        self._root = None
        self.aligned_from = None
        self._align(args)

    # -- data --------------------------------------------------------------------------------

    def _stream(self, name: str, args: TrainingArguments) -> int:
        """The root of seedlock's ``data`` or ``augment`` stream for this run, rank 0's.

        A stream given its own root (``seed_everything(..., streams={"data": 3})``) keeps it; else
        ``TrainingArguments.data_seed`` orders the data, as it orders the Trainer's own sampler.
        With several processes every rank takes rank 0's (a collective): ranks seeded apart
        (``seed_everything(1234 + rank)``) would each shuffle their own order, of which
        accelerate hands each rank its share, and see some samples twice and others never.
        """
        assert self._root is not None
        root = stream_seeds().get(name)
        if root is None:
            use_data_seed = name == "data" and args.data_seed is not None
            root = normalize_seed(args.data_seed) if use_data_seed else self._root
        return broadcast_root(root) if _group_rank_world()[1] > 1 else root

    def _install(self, loader: Any, args: TrainingArguments) -> None:
        assert self._root is not None
        outer = loader
        # accelerate's DataLoaderShard wraps the DataLoader that actually iterates.
        while "base_dataloader" in vars(loader):
            loader = vars(loader)["base_dataloader"]
        dataset = loader.dataset
        if isinstance(dataset, IterableDataset) or not hasattr(dataset, "__len__"):
            raise SeedlockError(
                f"SeedlockCallback orders map-style train datasets (with __len__), but this "
                f"Trainer trains on the iterable {type(dataset).__name__}, whose order it "
                "cannot choose. Pass SeedlockCallback(data=False) (seeding and RNG state are "
                "still handled), or give the Trainer a map-style dataset."
            )
        batch_sampler = _innermost_batch_sampler(outer)
        data_root, augment_root = self._stream("data", args), self._stream("augment", args)
        if not isinstance(batch_sampler.sampler, EpochSampler):
            shuffle = _shuffles(batch_sampler.sampler, len(dataset), args)
            # One global order (world=1): accelerate splits its batches across processes, so
            # each optimiser step sees the same samples for any number of processes.
            sampler = EpochSampler(len(dataset), shuffle=shuffle, rank=0, world=1, seed=data_root)
            batch_sampler.sampler = sampler
            # DataLoader refuses new attributes once built, to protect running iterators; none
            # has started yet (on_train_begin comes before the first iter()).
            object.__setattr__(loader, "sampler", sampler)
        # accelerate's set_epoch looks for a `sampler` one or two batch samplers down. With
        # several processes the order sits under BatchSamplerShard, and on a mid-epoch resume
        # under SkipBatchSampler(BatchSamplerShard(...)): out of its reach, the resumed epoch
        # would replay epoch 0's order. Each wrapper gets the sampler (none of them reads it).
        wrapper = outer.batch_sampler
        while wrapper is not batch_sampler and hasattr(wrapper, "batch_sampler"):
            wrapper.sampler = batch_sampler.sampler
            wrapper = wrapper.batch_sampler
        if not isinstance(dataset, SeededDataset):
            object.__setattr__(loader, "dataset", SeededDataset(dataset, augment_root))
        # Each new iterator draws its workers' base seed from this generator, else from the
        # global torch RNG: a resumed run builds iterators at other moments than an
        # uninterrupted one (a skipping loader, persistent workers), which would shift dropout.
        # The samples do not depend on it: each is reseeded from (seed, epoch, index).
        loader.generator = torch_generator("data", "loader", seed=self._root)

    def on_train_begin(
        self, args: TrainingArguments, state: TrainerState, control: TrainerControl, **kwargs: Any
    ) -> None:
        """Install seedlock's order and per-sample seeding; pick up a resumed RNG state."""
        self._align(args)
        loader = kwargs.get("train_dataloader")
        if self.data and loader is not None:
            self._install(loader, args)
        self._pending = None
        if state.global_step > 0:
            self._pending = self._load(state)

    # -- checkpoints ------------------------------------------------------------------------

    def state(self) -> dict[str, Any]:
        """What the Trainer stores in ``trainer_state.json`` with each checkpoint (JSON only)."""
        return {
            # With restore_callback_states_from_checkpoint the Trainer rebuilds the callback
            # from these arguments: each one it was built with must be here.
            "args": {
                "seed": self._root if self._root is not None else self.seed,
                "data": self.data,
            },
            "attributes": {},
            "seedlock": {
                **persist.header(_KIND, STATE_FORMAT),
                "seed": self._root,
                "rng": snapshot().to_dict(),
            },
        }

    def _load(self, state: TrainerState) -> Snapshot | None:
        stateful: Any = state.stateful_callbacks
        stored = stateful.get(type(self).__name__) if isinstance(stateful, Mapping) else None
        if isinstance(stored, list):
            stored = stored[0] if stored else None
        entry = stored.get("seedlock") if isinstance(stored, Mapping) else None
        if entry is None:
            _log.warning(
                "seedlock: the checkpoint resumed at step %d holds no seedlock state (it was "
                "saved without SeedlockCallback); RNG streams continue from the Trainer's own "
                "rng_state file only.",
                state.global_step,
            )
            return None
        persist.check_header(
            entry,
            kind=_KIND,
            current=STATE_FORMAT,
            what=f"seedlock's state in the {type(self).__name__} entry of trainer_state.json",
            fix="The checkpoint is corrupt or from another callback of that name.",
        )
        assert self._root is not None
        rank, world = _group_rank_world()
        # trainer_state.json is written by the main process: its root and RNG state are rank 0's.
        root = broadcast_root(self._root) if world > 1 else self._root
        if entry.get("seed") != root:
            raise StateError(
                f"the checkpoint was trained with root seed {entry.get('seed')!r}, this run has "
                f"{root}. Resume with the same seed (seed_everything or "
                "SeedlockCallback(seed=...))."
            )
        # The Trainer restores its RNG state at the start of the resumed epoch when the
        # checkpoint ends an epoch, else after fetching the first resumed batch; seedlock's
        # state goes back at the same moment.
        self._restore_at_step = float(state.epoch or 0.0) != int(state.epoch or 0.0)
        saved = Snapshot.from_dict(entry["rng"])
        if rank == 0:
            return saved
        # Rank 0's state would overwrite this rank's own, which the Trainer puts back from its
        # rng_state_{rank}.pth (Python, NumPy, torch): dropout continues exactly; what it does
        # not hold, this rank's tracked generators, continues unrestored.
        tracked = sorted(snapshot().tracked)
        if tracked:
            _log.warning(
                "seedlock: rank %d resumes its Python, NumPy and torch RNG states from the "
                "Trainer's rng_state_%d.pth; trainer_state.json holds rank 0's state only, so "
                "its tracked generators %s continue from where they are now.",
                rank,
                rank,
                ", ".join(tracked),
            )
        return None

    def on_epoch_begin(
        self, args: TrainingArguments, state: TrainerState, control: TrainerControl, **kwargs: Any
    ) -> None:
        """Put back the checkpoint's RNG state when resuming at an epoch boundary."""
        if self._pending is not None and not self._restore_at_step:
            restore(self._pending)
            self._pending = None

    def on_step_begin(
        self, args: TrainingArguments, state: TrainerState, control: TrainerControl, **kwargs: Any
    ) -> None:
        """Put back the checkpoint's RNG state when resuming mid-epoch."""
        if self._pending is not None:
            restore(self._pending)
            self._pending = None
