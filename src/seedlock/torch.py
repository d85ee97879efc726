"""PyTorch glue: DataLoaders whose order and augmentation ignore workers, ranks and restarts.

Determinism contract: a loader from :func:`dataloader` yields, in epoch ``e``, the samples of
``EpochShuffle`` order ``e`` for this rank, each loaded after ``seedlock.data.reseed(i, e)``; the
worker processes' own seeds come from a generator reseeded per (rank, epoch). So batches are the
same for any ``num_workers``, worker start method, persistent or not, and resume mid-epoch exactly.

How the epoch reaches worker processes: the sampler yields :class:`~seedlock.data.EpochIndex`
values (ints that carry their epoch), which travel to workers with each batch's indices; the
:func:`~seedlock.data.seeded` wrapper reads the epoch from them. This also works with persistent
workers, whose dataset copy never sees ``set_epoch``.
"""

from __future__ import annotations

import functools
import itertools
import random
import weakref
from collections.abc import Callable, Iterator, Mapping
from typing import Any

import numpy as np
import torch
from torch.utils.data import DataLoader, IterableDataset, Sampler, get_worker_info

from seedlock._errors import SeedlockError, SeedlockTypeError, StateError
from seedlock._seed import SeedLike, derive, resolve_seed
from seedlock.data.rng import EpochIndex, SeededDataset, epoch_index_type
from seedlock.data.sampler import EpochShuffle, check_epoch, resolve_rank_world
from seedlock.distributed import broadcast_root, process_group_ready

__all__ = [
    "EpochSampler",
    "SeedlockDataLoader",
    "dataloader",
    "shard",
    "worker_init_fn",
]


class EpochSampler(Sampler[int]):
    """A ``torch.utils.data.Sampler`` over :class:`~seedlock.data.EpochShuffle` (distributed-aware).

    Yields :class:`~seedlock.data.EpochIndex` values: ints that carry the epoch to the dataset
    wrapper in worker processes. Use it in place of ``DistributedSampler``; remember
    ``set_epoch`` (or use :func:`dataloader`, which advances it for you).

    Example:
        >>> sampler = EpochSampler(10, seed=42, rank=0, world=2)
        >>> sampler.set_epoch(1)
        >>> len(list(sampler))
        5
    """

    def __init__(
        self,
        n: int,
        *,
        shuffle: bool = True,
        drop_last: bool = False,
        rank: int | None = None,
        world: int | None = None,
        seed: SeedLike | None = None,
    ) -> None:
        super().__init__()
        rank, world = resolve_rank_world(rank, world, "EpochSampler")
        root = _agreed_root(resolve_seed(seed, caller="EpochSampler", stream="data"), world)
        self.order = EpochShuffle(
            n, shuffle=shuffle, drop_last=drop_last, rank=rank, world=world, seed=root
        )
        # Epochs a trainer counts are shifted by this much (see set_epoch); None: a loaded
        # position waits for the trainer's first set_epoch to learn the shift.
        self._offset: int | None = 0
        # Whether something other than the SeedlockDataLoader built with this sampler iterated
        # it since that loader last started an epoch (a loader rebuilt by accelerator.prepare or
        # skip_first_batches, or a look through list(loader.sampler)): the loader's own
        # state_dict cannot count what another delivered. _own_next: the loader's next
        # iteration of it is its own.
        self._own_next = False
        self._iterated_elsewhere = False

    @property
    def epoch(self) -> int:
        """The epoch that iteration yields."""
        return self.order.epoch

    def set_epoch(self, epoch: int) -> None:
        """Select the epoch (see :meth:`EpochShuffle.set_epoch`).

        After :meth:`load_state_dict`, the first ``set_epoch`` of an *earlier* epoch than the
        loaded one keeps the loaded position and counts the caller's epochs from it: wrappers
        that rebuild the loader (``accelerator.prepare``) restart their own counter at 0, and the
        loaded epoch must still resume where it stopped. A later epoch starts it from the top.
        """
        epoch = check_epoch(epoch, "EpochSampler.set_epoch")
        if self._offset is None:
            loaded = self.order.epoch
            self._offset = loaded - epoch if epoch < loaded else 0
        self.order.set_epoch(epoch + self._offset)

    def _reset_offset(self) -> None:
        self._offset = 0

    def __iter__(self) -> Iterator[int]:
        if self._own_next:
            self._own_next = False
        else:
            self._iterated_elsewhere = True
        # int.__new__ on the epoch's own EpochIndex type: C speed, no generator of our own.
        make = functools.partial(int.__new__, epoch_index_type(self.order.epoch))
        return map(make, self.order)

    def __len__(self) -> int:
        """This rank's indices in a whole epoch, also when a loaded position skips some of them.

        Trainers (Lightning) compute the epoch's length from ``len(loader)`` and count the
        batches they already ran, so the length must not shrink on resume.
        """
        order = self.order
        return order.total(0) // order.world

    def state_dict(self) -> dict[str, Any]:
        """The position this sampler has handed out (see :meth:`EpochShuffle.state_dict`)."""
        return self.order.state_dict()

    def load_state_dict(self, state: Mapping[str, Any]) -> None:
        """Resume at a saved position (see :meth:`EpochShuffle.load_state_dict`)."""
        self.order.load_state_dict(state)
        self._offset = None


def _agreed_root(root: int, world: int) -> int:
    """Rank 0's root seed, when a process group of ``world`` ranks is initialised.

    Ranks seeded differently (``seed_everything(1234 + rank)``, a common pattern) would otherwise
    shuffle with different orders and split the data wrongly; one order for all is the contract.
    """
    if world < 2 or not process_group_ready() or torch.distributed.get_world_size() != world:
        return root
    return broadcast_root(root)


def _seed_worker_globals(worker_seed: int) -> None:
    a, b = np.random.SeedSequence(worker_seed).generate_state(2, np.uint64).tolist()
    random.seed(a)
    # Worker start-up is where PyTorch itself seeds worker RNGs; NumPy's global is left unseeded
    # (identical in every forked worker) unless someone does this.
    np.random.seed(b >> 32)  # noqa: NPY002


def worker_init_fn(worker_id: int) -> None:
    """Seed Python's ``random`` and NumPy's global RNG in a DataLoader worker.

    PyTorch seeds each worker's torch RNG with ``base_seed + worker_id``, where ``base_seed`` is
    drawn from the loader's ``generator``; this function derives Python's and NumPy's seeds from
    that value (through ``SeedSequence``), so every (generator seed, worker) pair has its own
    reproducible streams. Give each rank and epoch its own generator, or every rank's workers
    repeat the same streams::

        DataLoader(..., worker_init_fn=worker_init_fn,
                   generator=seedlock.torch_generator("data", "loader", rank, epoch))

    Example:
        >>> from torch.utils.data import DataLoader
        >>> loader = DataLoader(range(4), num_workers=0, worker_init_fn=worker_init_fn)
    """
    del worker_id  # torch.initial_seed() already includes it
    _seed_worker_globals(torch.initial_seed())


class _ChainedWorkerInit:
    """Picklable worker init: seedlock's seeding, then the user's own ``worker_init_fn``."""

    def __init__(self, user_fn: Callable[[int], None] | None) -> None:
        self.user_fn = user_fn

    def __call__(self, worker_id: int) -> None:
        worker_init_fn(worker_id)
        if self.user_fn is not None:
            self.user_fn(worker_id)


class _Sharded(IterableDataset):  # type: ignore[type-arg]
    def __init__(self, dataset: Any, rank: int, world: int) -> None:
        self.dataset = dataset
        self.rank = rank
        self.world = world

    def __iter__(self) -> Iterator[Any]:
        info = get_worker_info()
        workers, worker = (1, 0) if info is None else (info.num_workers, info.id)
        shard_id = self.rank * workers + worker
        return itertools.islice(iter(self.dataset), shard_id, None, self.world * workers)


def shard(dataset: Any, *, rank: int | None = None, world: int | None = None) -> IterableDataset:  # type: ignore[type-arg]
    """Split an iterable dataset so each (rank, worker) reads every ``world * workers``-th item.

    Item ``k`` of ``dataset`` goes to shard ``k % (world * num_workers)``, shard
    ``rank * num_workers + worker_id``; each item is read by exactly one worker of one rank.

    Example:
        >>> list(shard(range(10), rank=1, world=3))
        [1, 4, 7]
    """
    if not hasattr(dataset, "__iter__"):
        raise SeedlockTypeError(
            f"shard() needs an iterable dataset, got {type(dataset).__name__}. "
            "Map-style datasets are split by EpochSampler instead."
        )
    rank, world = resolve_rank_world(rank, world, "shard")
    return _Sharded(dataset, rank, world)


_RESERVED = ("sampler", "batch_sampler", "generator")


class SeedlockDataLoader(DataLoader):  # type: ignore[type-arg]
    """A real ``torch.utils.data.DataLoader`` with seedlock's order, seeding and resume.

    Build it with :func:`dataloader`. Each ``iter(loader)`` starts the next epoch (the first
    starts epoch 0, or the loaded position); :meth:`state_dict` counts batches delivered to the
    training loop, not those prefetched by workers; after an iteration ends it is the start of
    the next epoch.
    """

    def __init__(
        self,
        dataset: Any,
        *,
        batch_size: int | None = 1,
        shuffle: bool = True,
        num_workers: int = 0,
        drop_last: bool = False,
        seed: SeedLike | None = None,
        rank: int | None = None,
        world: int | None = None,
        seeded: bool = True,
        globals: tuple[str, ...] | None = None,  # noqa: A002
        **kwargs: Any,
    ) -> None:
        if type(kwargs.get("sampler")).__name__.startswith("DistributedSampler"):
            raise SeedlockError(
                f"dataloader() got sampler={kwargs['sampler']!r}: Lightning's default "
                "use_distributed_sampler=True rebuilds every loader with a DistributedSampler. "
                "This loader splits by rank itself: pass Trainer(use_distributed_sampler=False), "
                "or give Lightning a plain DataLoader and add seedlock.lightning.SeedlockCallback."
            )
        for name in _RESERVED:
            if name in kwargs:
                raise SeedlockError(
                    f"dataloader() sets {name}= itself, got {name}={kwargs[name]!r}. Drop it "
                    "(pass shuffle/rank/world/seed instead) or build a plain DataLoader with "
                    "seedlock.torch.EpochSampler, worker_init_fn and seedlock.torch_generator()."
                )
        if isinstance(dataset, IterableDataset):
            raise SeedlockTypeError(
                f"dataloader() needs a map-style dataset, got the IterableDataset "
                f"{type(dataset).__name__}. Use DataLoader(shard(dataset), ...) for iterables."
            )
        sampler = EpochSampler(
            len(dataset),
            shuffle=shuffle,
            drop_last=False,
            rank=rank,
            world=world,
            seed=resolve_seed(seed, caller="dataloader", stream="data"),
        )
        root = sampler.order.root  # agreed across ranks (rank 0's) when a group is initialised
        wrapped: Any = dataset
        if seeded and not isinstance(dataset, SeededDataset):
            sample_root = _agreed_root(
                resolve_seed(seed, caller="dataloader", stream="augment"), sampler.order.world
            )
            wrapped = SeededDataset(dataset, sample_root, globals=globals)
        super().__init__(
            wrapped,
            batch_size=batch_size,
            sampler=sampler,
            num_workers=num_workers,
            drop_last=drop_last,
            generator=torch.Generator(),
            worker_init_fn=_ChainedWorkerInit(kwargs.pop("worker_init_fn", None)),
            **kwargs,
        )
        self.root = root
        self.epoch_sampler = sampler
        self._next_epoch = 0
        self._resume = False
        self._token: object | None = None
        self._delivered = 0
        self._local = 0

    @property
    def epoch(self) -> int:
        """The epoch of the running iteration; between iterations, the epoch the next one starts."""
        return self.epoch_sampler.epoch if self._token is not None else self._next_epoch

    def set_epoch(self, epoch: int) -> None:
        """Make the next ``iter(loader)`` start ``epoch`` from its beginning.

        The sampler is set too, so a loader rebuilt from ``loader.sampler`` or
        ``loader.batch_sampler`` (accelerate's ``skip_first_batches``) yields that epoch.
        """
        self._next_epoch = check_epoch(epoch, "SeedlockDataLoader.set_epoch")
        self._resume = False
        if self._token is None:
            self.epoch_sampler.order._restart(self._next_epoch, 0)
            self.epoch_sampler._reset_offset()

    def __iter__(self) -> Any:
        order = self.epoch_sampler.order
        if self._resume:
            epoch, position = order.epoch, order.start
            self._resume = False
        else:
            epoch, position = self._next_epoch, 0
        order._restart(epoch, position)
        self.epoch_sampler._reset_offset()
        self._next_epoch = epoch + 1
        if self.generator is not None:
            self.generator.manual_seed(derive("data", "loader", order.rank, epoch, seed=self.root))
        if isinstance(self.dataset, SeededDataset):
            self.dataset.epoch = epoch
            first = position + order.rank
            if first < order.total():
                # Found once here, in the main process, so that every worker starts knowing
                # which global RNGs the items draw from (see SeededDataset.__getitems__).
                index = int(order.global_indices(first, first + 1)[0])
                self.dataset.learn(EpochIndex(index, epoch))
        token = object()
        self._token = token
        self._delivered = 0
        self._local = len(order)  # what this iteration yields (the rest of the epoch)
        self.epoch_sampler._own_next = True
        self.epoch_sampler._iterated_elsewhere = False
        delivered = _Delivered(self, super().__iter__(), token)
        # An iterator dropped before it iterated the sampler (iter(loader) never advanced) must
        # not hand its turn to the next loader that does.
        weakref.finalize(delivered, _dropped, self, token).atexit = False
        return delivered

    def _per_batch(self) -> int:
        return 1 if self.batch_size is None else int(self.batch_size)

    def state_dict(self) -> dict[str, Any]:
        """A JSON-able dict to resume exactly after the batches delivered so far.

        Example:
            >>> loader = dataloader(list(range(10)), batch_size=4, seed=1, rank=0, world=1)
            >>> it = iter(loader); _ = next(it)
            >>> loader.state_dict()["consumed"]
            4

        Raises:
            StateError: when something else iterated this loader's sampler since this loader
                last started an epoch (a loader ``accelerator.prepare`` or ``skip_first_batches``
                rebuilt from it, or ``list(loader.sampler)``; ``loader.epoch_sampler.order``
                shows the order without that).
        """
        if self.epoch_sampler._iterated_elsewhere:
            raise StateError(
                "state_dict() was called on a loader whose sampler was iterated by something else "
                "since this loader last started an epoch (a loader that accelerator.prepare or "
                "skip_first_batches built from it): this loader cannot tell which batches that "
                "one delivered, and reading its position would disturb the running epoch. "
                "Resume with loader.set_epoch(epoch) and accelerator.skip_first_batches(loader, "
                "batches_done), and register seedlock.accelerate.SeedlockState, not the loader, "
                "for checkpointing. A look at the order through loader.sampler counts too (this "
                "loader's next epoch clears it): look through loader.epoch_sampler.order, which "
                "does not."
            )
        order = self.epoch_sampler.order
        if self._token is None:
            if not self._resume:
                order._restart(self._next_epoch, 0)
            return order.state_dict(consumed=order.start)
        local = min(self._delivered * self._per_batch(), self._local)
        return order.state_dict(consumed=min(order.total(), order.start + local * order.world))

    def load_state_dict(self, state: Mapping[str, Any]) -> None:
        """Resume from :meth:`state_dict` (any world size or ``num_workers``; O(1)).

        Raises:
            StateError: when an iteration of this loader is in progress, or the state is foreign.
        """
        if self._token is not None:
            raise StateError(
                "load_state_dict was called on a loader that is mid-iteration; it would silently "
                "restart. Load the state into a fresh loader before iterating it."
            )
        order = self.epoch_sampler.order
        order.load_state_dict(state)
        # A state saved after the last batch but before the loop ended resumes an empty rest of
        # its epoch, exactly as the uninterrupted loop would have finished it.
        self._next_epoch = order.epoch
        self._resume = True
        self.epoch_sampler._offset = None  # a wrapper iterating the sampler keeps the position


def _dropped(loader: SeedlockDataLoader, token: object) -> None:
    if loader._token is token:
        loader.epoch_sampler._own_next = False


class _Delivered:
    """Wraps the DataLoader iterator and counts the batches handed to the training loop."""

    def __init__(self, loader: SeedlockDataLoader, inner: Any, token: object) -> None:
        self.loader = loader
        self.inner = inner
        self.token = token

    def __iter__(self) -> _Delivered:
        return self

    def __len__(self) -> int:
        return len(self.inner)

    def __next__(self) -> Any:
        try:
            batch = next(self.inner)
        except StopIteration:
            if self.loader._token is self.token:
                self.loader._token = None
            raise
        if self.loader._token is self.token:
            self.loader._delivered += 1
        return batch


def dataloader(
    dataset: Any,
    *,
    batch_size: int | None = 1,
    shuffle: bool = True,
    num_workers: int = 0,
    drop_last: bool = False,
    seed: SeedLike | None = None,
    rank: int | None = None,
    world: int | None = None,
    seeded: bool = True,
    globals: tuple[str, ...] | None = None,  # noqa: A002
    **kwargs: Any,
) -> SeedlockDataLoader:
    """A DataLoader whose batches do not depend on workers, ranks, prefetching or restarts.

    It is wired with an :class:`EpochSampler` (rank and world discovered unless given), the
    :func:`~seedlock.data.seeded` wrapper (per-sample reseeding of the global RNGs), a generator
    reseeded per (rank, epoch) and :func:`worker_init_fn`. The epoch advances on each
    ``iter(loader)``; ``state_dict()``/``load_state_dict()`` resume mid-epoch exactly, also with
    ``persistent_workers=True`` and a different world size (with the global batch fixed).

    Args:
        dataset: a map-style dataset (``__getitem__`` and ``__len__``).
        batch_size: samples per batch on this rank.
        shuffle: ``False`` keeps index order (still split by rank and resumable).
        num_workers: worker processes, as for ``DataLoader``.
        drop_last: drop this rank's last incomplete batch, as for ``DataLoader``.
        seed: the root seed; ``None`` reads the process's root seed now.
        rank: this process's rank; ``None`` discovers it.
        world: the number of ranks; ``None`` discovers it.
        seeded: wrap the dataset with :func:`~seedlock.data.seeded` (reseed before each item;
            in this process the caller's global RNG state is put back after each batch).
        globals: the global RNGs the dataset draws from (see :func:`~seedlock.data.seeded`);
            ``None`` finds them; naming them is a little cheaper still.
        **kwargs: passed to ``DataLoader`` (``collate_fn``, ``pin_memory``,
            ``persistent_workers``, ``multiprocessing_context``, ``worker_init_fn`` (run after
            seedlock's) ...); ``sampler``, ``batch_sampler`` and ``generator`` are set here.

    Example:
        >>> loader = dataloader(list(range(10)), batch_size=4, seed=42, rank=0, world=1)
        >>> [batch.tolist() for batch in loader]
        [[8, 6, 7, 9], [2, 4, 1, 3], [0, 5]]
    """
    return SeedlockDataLoader(
        dataset,
        batch_size=batch_size,
        shuffle=shuffle,
        num_workers=num_workers,
        drop_last=drop_last,
        seed=seed,
        rank=rank,
        world=world,
        seeded=seeded,
        globals=globals,
        **kwargs,
    )
