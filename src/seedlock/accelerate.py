"""accelerate integration: one data order for ``accelerator.prepare``, RNG state as JSON.

Determinism contract: a :func:`dataloader` passed through ``accelerator.prepare`` yields one
global order, agreed across processes, that accelerate splits into per-process batches, so every
sample is seen once an epoch and batches do not depend on ``num_workers`` (its
:class:`~seedlock.torch.EpochSampler` and per-sample seeding travel with it). With a
:class:`SeedlockState` registered through ``accelerator.register_for_checkpointing``,
``accelerator.load_state`` puts back every framework's and tracked generator's RNG state of each
process as it was at ``save_state``. Together with accelerate's own resume recipe
(``loader.set_epoch(epoch)`` and ``accelerator.skip_first_batches(loader, batches_done)``)
training continues bit-exactly.

accelerate unpickles what ``register_for_checkpointing`` saved; the state handed to it here is
one JSON text (a plain ``str``), read back by a validating loader.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from seedlock._base import persist
from seedlock._errors import SeedlockError, StateError
from seedlock._seed import SeedLike, resolve_seed
from seedlock.distributed import _group_rank_world, broadcast_root, gather_objects, rank_info
from seedlock.state import Snapshot, restore, snapshot

if TYPE_CHECKING:
    from seedlock.torch import SeedlockDataLoader

__all__ = ["STATE_FORMAT", "SeedlockState", "dataloader"]

#: Version of the JSON text :meth:`SeedlockState.state_dict` hands to accelerate.
STATE_FORMAT = 1
_KIND = "seedlock.accelerate"


def dataloader(
    dataset: Any,
    *,
    batch_size: int | None = 1,
    seed: SeedLike | None = None,
    seeded: bool = True,
    globals: tuple[str, ...] | None = None,  # noqa: A002
    **kwargs: Any,
) -> SeedlockDataLoader:
    """A :func:`seedlock.torch.dataloader` for ``accelerator.prepare`` to split across processes.

    ``accelerator.prepare`` gives process ``r`` of ``W`` the batches ``r, r + W, ...`` of the
    loader it is handed; so this loader yields one global order (``rank=0, world=1``) whose
    roots (the ``data`` and ``augment`` streams) are rank 0's, broadcast once the process group
    exists (create the ``Accelerator`` first): ranks seeded differently
    (``set_seed(s, device_specific=True)``) still split one order. Each global step then trains
    on the samples a single process with batch ``W * batch_size`` would, for any number of
    processes or workers. A :func:`seedlock.torch.dataloader` that splits by rank itself would be
    split a second time by ``prepare``: each process would see half of its half.

    Args:
        dataset: a map-style dataset.
        batch_size: samples per batch on each process.
        seed: the root seed; ``None`` reads the process's root (and stream roots) now.
        seeded: reseed the global RNGs per sample (see :func:`seedlock.torch.dataloader`).
        globals: the global RNGs the dataset draws from (see :func:`~seedlock.data.seeded`).
        **kwargs: passed to :func:`seedlock.torch.dataloader` (``shuffle``, ``num_workers``,
            ``persistent_workers``, ``collate_fn`` ...), except ``rank`` and ``world``.

    Raises:
        SeedlockError: when ``rank`` or ``world`` is given, or when launched on several
            processes (``$WORLD_SIZE`` > 1) before the ``Accelerator`` made the process group.

    Example:
        >>> loader = dataloader(list(range(8)), batch_size=2, seed=3)
        >>> # model, optimizer, loader = accelerator.prepare(model, optimizer, loader)
        >>> sorted(i for batch in loader for i in batch.tolist())
        [0, 1, 2, 3, 4, 5, 6, 7]
    """
    from seedlock.data.rng import SeededDataset
    from seedlock.torch import dataloader as torch_dataloader

    for name in ("rank", "world"):
        if name in kwargs:
            raise SeedlockError(
                f"seedlock.accelerate.dataloader() got {name}={kwargs[name]!r}, but accelerator."
                "prepare splits its batches across processes itself. Drop it (or use "
                "seedlock.torch.dataloader without accelerate)."
            )
    caller = "seedlock.accelerate.dataloader"
    data = resolve_seed(seed, caller=caller, stream="data")
    augment = resolve_seed(seed, caller=caller, stream="augment")
    if _group_rank_world()[1] > 1:
        data, augment = broadcast_root(data), broadcast_root(augment)
    elif (launched := rank_info().world) > 1:  # $WORLD_SIZE of a launch, no group yet
        raise SeedlockError(
            f"seedlock.accelerate.dataloader() was called in a process of "
            f"WORLD_SIZE={launched} before the process group exists, so the processes "
            "cannot agree on one order (ranks seeded differently would split different orders "
            "and skip or repeat samples). Create the Accelerator first, then the loader."
        )
    if seeded and not isinstance(dataset, SeededDataset):
        dataset = SeededDataset(dataset, augment, globals=globals)
    return torch_dataloader(
        dataset, batch_size=batch_size, seed=data, rank=0, world=1, seeded=seeded, **kwargs
    )


class SeedlockState:
    """An object for ``accelerator.register_for_checkpointing``: seedlock's RNG state as JSON.

    Args:
        seed: the run's root seed; ``None`` reads the process's root seed now. A checkpoint
            saved under another root is refused on load.

    With several processes ``state_dict`` gathers every process's RNG state (accelerate calls
    it on each process and writes rank 0's result) and ``load_state_dict`` puts back each
    process's own, so ranks seeded differently resume their own dropout streams. So call
    ``accelerator.save_state`` on every process, as accelerate asks (it saves on the main one);
    under ``if accelerator.is_main_process:`` the gather would wait for the others forever.

    Example:
        >>> import seedlock
        >>> _ = seedlock.seed_everything(3)
        >>> state = SeedlockState()
        >>> saved = state.state_dict()
        >>> import random
        >>> a = random.random()
        >>> state.load_state_dict(saved)
        >>> random.random() == a
        True
    """

    def __init__(self, seed: SeedLike | None = None) -> None:
        self.seed = resolve_seed(seed, caller="SeedlockState")

    def state_dict(self) -> dict[str, str]:
        """``{"seedlock": <JSON text>}``: the root seed and :func:`seedlock.snapshot` now.

        With several processes ``"ranks"`` also holds every process's ``{"seed", "rng"}``, by
        rank (a collective: every process must call it, as ``save_state`` does).
        """
        own = {"seed": self.seed, "rng": snapshot().to_dict()}
        data: dict[str, Any] = {**persist.header(_KIND, STATE_FORMAT), **own}
        ranks = gather_objects(own)
        if ranks is not None:
            data["ranks"] = ranks
        return {"seedlock": json.dumps(data, separators=(",", ":"))}

    def load_state_dict(self, state: Mapping[str, Any]) -> None:
        """Validate a saved state and restore this process's RNG states.

        Raises:
            StateError: for a foreign, corrupt or newer state, one saved under another seed, or
                one saved by another number of processes.
        """
        text = state.get("seedlock") if isinstance(state, Mapping) else None
        if not isinstance(text, str):
            keys = sorted(map(str, state)) if isinstance(state, Mapping) else "-"
            raise StateError(
                f"not a SeedlockState checkpoint: expected {{'seedlock': <JSON text>}}, got "
                f"{type(state).__name__} with keys {keys}. Register the same objects, in the "
                "same order, as when the state was saved."
            )
        data: Any = persist.loads_checked(
            text,
            kind=_KIND,
            current=STATE_FORMAT,
            what="a SeedlockState",
            fix="The checkpoint is corrupt or was saved by another object in this position.",
        )
        ranks = data.get("ranks")
        if ranks is not None:
            rank, world = _group_rank_world()
            if not isinstance(ranks, list) or len(ranks) != world:
                saved = len(ranks) if isinstance(ranks, list) else repr(ranks)
                raise StateError(
                    f"the checkpoint holds the RNG states of {saved} processes, this run has "
                    f"{world}; each process's dropout and augmentation streams cannot continue. "
                    "Resume with the same number of processes, or register no SeedlockState "
                    "to continue with fresh RNG streams."
                )
            data = ranks[rank] if isinstance(ranks[rank], dict) else {}
        if data.get("seed") != self.seed:
            raise StateError(
                f"the checkpoint was saved under root seed {data.get('seed')!r}, this run has "
                f"{self.seed}. Resume with the same seed (seed_everything(...))."
            )
        rng: Any = data.get("rng")
        restore(Snapshot.from_dict(rng))
