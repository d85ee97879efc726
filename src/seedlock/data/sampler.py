"""EpochShuffle: the order of every epoch, split across ranks, resumable in O(1).

Determinism contract: the global order of epoch ``e`` is
``Permutation(n, derive("data", "shuffle", e, seed=root))`` and rank ``r`` of ``world`` takes the
global positions ``start + r, start + r + world, ...``; so the ranks' streams, interleaved by
global position, are the same global order whatever the world size, and resuming at any position
costs O(1). Nothing depends on the process, on workers or on how far other iterators got.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

import numpy as np

from seedlock._base.validate import check_int, is_int
from seedlock._errors import SeedlockError, StateError
from seedlock._seed import SeedLike, derive, resolve_seed
from seedlock.data.permutation import ALGORITHM, Permutation, _check_n

__all__ = ["STATE_FORMAT", "EpochShuffle", "check_epoch", "resolve_rank_world", "validate_state"]

#: Version of the dicts written by :meth:`EpochShuffle.state_dict`.
STATE_FORMAT = 1
_KIND = "seedlock.EpochShuffle"
_UNSHUFFLED = "identity/1"
_FIRST_BLOCK = 64
_MAX_BLOCK = 1 << 16


def check_epoch(epoch: object, func: str = "set_epoch") -> int:
    """Validate an epoch number (an int >= 0) passed to ``func``."""
    if type(epoch) is int and epoch >= 0:
        return epoch
    return check_int(epoch, func=func, param="epoch", low=0, fix="Epochs count from 0.")


def resolve_rank_world(
    rank: int | None, world: int | None, func: str = "EpochShuffle"
) -> tuple[int, int]:
    """``(rank, world)`` given to ``func``, filling ``None`` from ``seedlock.distributed``.

    Raises:
        SeedlockError: when ``world < 1``, ``rank < 0`` or ``rank >= world``.
    """
    if rank is None or world is None:
        from seedlock.distributed import rank_info

        info = rank_info()
        rank = info.rank if rank is None else rank
        world = info.world if world is None else world
    world = check_int(
        world, func=func, param="world", low=1, fix="Pass the number of processes (ranks)."
    )
    rank = check_int(rank, func=func, param="rank", low=0, fix="Ranks count from 0.")
    if rank >= world:
        raise SeedlockError(
            f"{func}(): rank must be below world, got rank={rank} and world={world}. "
            "Pass rank in [0, world) (torchrun's RANK and WORLD_SIZE)."
        )
    return rank, world


class EpochShuffle:
    """This rank's sample indices for each epoch, in a seed-determined, resumable order.

    Iterating yields ints (dataset indices) for the current epoch from the current position.
    When ``n`` is not divisible by ``world`` the global order is padded by wrapping around to
    its start (``drop_last=False``) or cut (``drop_last=True``), as ``DistributedSampler`` does, so
    that every rank yields the same number of indices.

    Args:
        n: the dataset length, ``>= 1``.
        shuffle: ``False`` keeps the order ``0, 1, ..., n - 1`` (still split and resumable).
        drop_last: drop the tail that does not divide evenly among ranks instead of padding.
        rank: this process's rank; ``None`` discovers it (``seedlock.distributed.rank_info``).
        world: the number of ranks; ``None`` discovers it.
        seed: the root seed; ``None`` uses the process's root seed (read once, here).

    Raises:
        SeedlockError: for ``n < 1``, ``rank >= world`` or no root seed.

    Example:
        >>> sampler = EpochShuffle(10, seed=42, rank=0, world=1)
        >>> sampler.set_epoch(1)
        >>> sorted(sampler) == list(range(10))
        True
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
        self.n = _check_n(n, "EpochShuffle")
        self.shuffle = bool(shuffle)
        self.drop_last = bool(drop_last)
        self.rank, self.world = resolve_rank_world(rank, world)
        self.root = resolve_seed(seed, caller="EpochShuffle", stream="data")
        # A short fingerprint of the root: loading another run's state is an error, not a
        # silent switch to a different order.
        self._seed_id = derive("data", "state-check", seed=self.root) & 0xFFFFFFFF
        self.epoch = 0
        self._start = 0
        self._yielded = 0
        self._token: object | None = None
        self._perm: Permutation | None = None

    @property
    def algorithm(self) -> str:
        """The id of the order's algorithm, stored in every state dict."""
        return ALGORITHM if self.shuffle else _UNSHUFFLED

    @property
    def start(self) -> int:
        """The global position where the next iteration of this epoch begins."""
        return self._start

    def set_epoch(self, epoch: int) -> None:
        """Select the epoch whose order iteration yields.

        Setting the epoch that is already selected keeps a position loaded by
        :meth:`load_state_dict`, so the usual ``for e in range(first, last): set_epoch(e)`` loop
        resumes where it stopped; another epoch starts at its beginning.
        """
        epoch = check_epoch(epoch, "EpochShuffle.set_epoch")
        if epoch != self.epoch:
            self.epoch = epoch
            self._start = 0
            self._yielded = 0
            self._perm = None

    def seek(self, epoch: int, position: int = 0) -> None:
        """Select ``epoch`` and make the next iteration start at global ``position``.

        Example:
            >>> s = EpochShuffle(10, seed=1, rank=0, world=1)
            >>> s.seek(2, 8)
            >>> len(list(s))
            2
        """
        if self._token is not None:
            raise StateError(
                "EpochShuffle.seek was called while an iteration is in progress. "
                "Seek before iterating (or exhaust/discard the running iterator first)."
            )
        self._restart(epoch, position)

    def _restart(self, epoch: int, position: int) -> None:
        """``seek`` for loaders that own the iteration (an abandoned iterator is theirs)."""
        epoch = check_epoch(epoch, "EpochShuffle.seek")
        position = check_int(
            position,
            func="EpochShuffle.seek",
            param="position",
            low=0,
            fix="Positions count from 0.",
        )
        self._token = None
        if epoch != self.epoch:
            self.epoch = epoch
            self._perm = None
        self._start = min(position, self.n)
        self._yielded = 0

    def order(self, epoch: int | None = None) -> Permutation | None:
        """The global order of ``epoch`` (default: the current one); ``None`` when unshuffled."""
        epoch = self.epoch if epoch is None else check_epoch(epoch, "EpochShuffle.order")
        if not self.shuffle:
            return None
        if epoch == self.epoch and self._perm is not None:
            return self._perm
        perm = Permutation(self.n, derive("data", "shuffle", epoch, seed=self.root))
        if epoch == self.epoch:
            self._perm = perm
        return perm

    def total(self, start: int | None = None, world: int | None = None) -> int:
        """The global position where the epoch ends when iterating from ``start`` on ``world``."""
        start = self._start if start is None else start
        world = self.world if world is None else world
        remaining = max(0, self.n - start)
        if self.drop_last:
            return start + remaining // world * world
        return start + -(-remaining // world) * world

    def __len__(self) -> int:
        return (self.total() - self._start) // self.world

    def global_indices(self, first: int, stop: int, step: int = 1) -> np.ndarray:
        """Dataset indices at global positions ``range(first, stop, step)`` of this epoch (int64).

        Positions past ``n - 1`` are padding and wrap around to the start of the order.

        Example:
            >>> s = EpochShuffle(5, seed=1, rank=0, world=1)
            >>> bool((s.global_indices(0, 5) == np.array(list(s))).all())
            True
        """
        positions = np.arange(first, stop, step, dtype=np.int64)
        if stop > self.n:
            positions %= self.n
        perm = self.order()
        if perm is None:
            return positions
        return perm[positions]

    def _iterate(self, token: object) -> Iterator[int]:
        try:
            position = self._start + self.rank
            stop = self.total()
            block = _FIRST_BLOCK
            while position < stop:
                last = min(stop, position + block * self.world)
                values = self.global_indices(position, last, self.world).tolist()
                position = last
                # A small first block keeps the first index of a resumed epoch cheap; growing
                # blocks amortise the cipher's per-call cost.
                block = min(_MAX_BLOCK, block * 4)
                for value in values:
                    self._yielded += 1
                    yield value
        finally:
            if self._token is token:
                self._token = None

    def __iter__(self) -> Iterator[int]:
        token = object()
        self._token = token
        self._yielded = 0
        return self._iterate(token)

    def consumed(self) -> int:
        """Global samples consumed: the start plus what this rank's iterator yielded, times world.

        It assumes every rank has progressed as far as this one (they run in lockstep).
        """
        return min(self.total(), self._start + self._yielded * self.world)

    def state_dict(self, consumed: int | None = None) -> dict[str, Any]:
        """A JSON-able dict that :meth:`load_state_dict` resumes from exactly.

        Args:
            consumed: global samples the training loop has consumed in this epoch; ``None`` uses
                :meth:`consumed` (what this sampler handed out). Loaders that prefetch pass their
                own count (``seedlock.torch.dataloader`` counts batches delivered).

        Example:
            >>> s = EpochShuffle(10, seed=1, rank=0, world=1)
            >>> it = iter(s); _ = next(it); _ = next(it)
            >>> s.state_dict()["consumed"]
            2
        """
        if consumed is None:
            consumed = self.consumed()
        return {
            "format": STATE_FORMAT,
            "kind": _KIND,
            "algorithm": self.algorithm,
            "n": self.n,
            "seed_id": self._seed_id,
            "epoch": self.epoch,
            "consumed": int(consumed),
            "world": self.world,
            "drop_last": self.drop_last,
        }

    def load_state_dict(self, state: Mapping[str, Any]) -> None:
        """Resume at the saved epoch and position (any ``world``; O(1) at any position).

        Raises:
            StateError: when iteration is in progress, or the state is from another format,
                algorithm, dataset length or seed, or is malformed.
        """
        if self._token is not None:
            raise StateError(
                "EpochShuffle.load_state_dict was called while an iteration is in progress; "
                "loading now would silently restart the order. Load the state before iterating "
                "(or exhaust/discard the running iterator first)."
            )
        epoch, consumed = validate_state(state, n=self.n, algorithm=self.algorithm)
        if state.get("seed_id") != self._seed_id:
            raise StateError(
                f"this EpochShuffle state was saved under another root seed (seed_id "
                f"{state.get('seed_id')!r}, this sampler has {self._seed_id}). Resume with the "
                "same seed as the saved run (seed_everything(...) or seed=...)."
            )
        self.seek(epoch, consumed)


def validate_state(state: object, *, n: int, algorithm: str) -> tuple[int, int]:
    """Check a sampler state dict and return its ``(epoch, consumed)``."""
    if not isinstance(state, Mapping):
        raise StateError(
            f"sampler state must be a dict from state_dict(), got {type(state).__name__}."
        )
    if state.get("kind") != _KIND:
        raise StateError(
            f"not an EpochShuffle state: kind is {state.get('kind')!r}, expected {_KIND!r}. "
            "Pass the dict that EpochShuffle.state_dict() or the loader's state_dict() returned."
        )
    if state.get("format") != STATE_FORMAT:
        raise StateError(
            f"EpochShuffle state format {state.get('format')!r} is not supported; this seedlock "
            f"reads format {STATE_FORMAT}. Save the state with this seedlock version."
        )
    if state.get("algorithm") != algorithm:
        raise StateError(
            f"the state's order algorithm is {state.get('algorithm')!r}, this sampler uses "
            f"{algorithm!r}; resuming would give another order. Use the seedlock version and "
            "shuffle setting that wrote the state."
        )
    if state.get("n") != n:
        raise StateError(
            f"the state is for a dataset of length {state.get('n')!r}, this sampler has n={n}. "
            "Resume with the same dataset."
        )
    for key in ("epoch", "consumed"):
        value = state.get(key)
        if not is_int(value) or value < 0:  # type: ignore[operator]
            raise StateError(f"the state's {key!r} must be an int >= 0, got {value!r}.")
    return int(state["epoch"]), int(state["consumed"])
