"""Rank and world discovery, and the broadcast that gives every rank rank 0's root seed.

Determinism contract: ``rank_info()`` reads ``torch.distributed`` when a process group is
initialised (only if torch is already imported), else the ``RANK``/``WORLD_SIZE``/``LOCAL_RANK``
variables that torchrun sets. ``broadcast_root`` returns rank 0's root seed on every rank, so
``seed_everything(None)`` agrees across ranks and ``derive("rank", r)`` gives per-rank streams.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from typing import Any

from seedlock._errors import SeedlockError
from seedlock._seed import MAX_SEED, normalize_seed

__all__ = ["RankInfo", "broadcast_root", "process_group_ready", "rank_info"]

_WORDS = 4  # a 128-bit root as four 32-bit words, each exact in an int64 tensor


@dataclass(frozen=True)
class RankInfo:
    """Where this process sits in a distributed run.

    Attributes:
        rank: global rank in ``[0, world)``.
        world: number of processes.
        local_rank: rank on this machine.
        source: ``"torch.distributed"``, ``"env"`` or ``"default"`` (a single process).
    """

    rank: int
    world: int
    local_rank: int
    source: str


def process_group_ready() -> bool:
    """Whether torch is imported and a ``torch.distributed`` process group is initialised."""
    torch = sys.modules.get("torch")
    if torch is None:
        return False
    dist = torch.distributed
    return bool(dist.is_available() and dist.is_initialized())


def _group_rank_world() -> tuple[int, int]:
    """``(rank, world)`` of the initialised process group, ``(0, 1)`` without one."""
    if not process_group_ready():
        return 0, 1
    import torch.distributed as dist

    return int(dist.get_rank()), int(dist.get_world_size())


def gather_objects(obj: object) -> list[Any] | None:
    """Every rank's ``obj``, by rank, when a process group of 2+ processes exists; else ``None``.

    A collective: every rank must call it. ``obj`` travels through ``all_gather_object`` (live
    processes exchanging it, not a file read back).

    Example:
        >>> gather_objects({"seed": 1}) is None  # a single process
        True
    """
    if not process_group_ready():
        return None
    import torch.distributed as dist

    world = int(dist.get_world_size())
    if world == 1:
        return None
    gathered: list[Any] = [None] * world
    dist.all_gather_object(gathered, obj)
    return gathered


def _env_int(name: str, *, minimum: int) -> int | None:
    text = os.environ.get(name)
    if text is None or text.strip() == "":
        return None
    try:
        value = int(text.strip())
    except ValueError:
        raise SeedlockError(
            f"${name} must be an int >= {minimum}, got {text!r}. "
            f"Fix or unset {name} (torchrun sets it for you)."
        ) from None
    if value < minimum:
        raise SeedlockError(
            f"${name} must be an int >= {minimum}, got {value}. "
            f"Fix or unset {name} (torchrun sets it for you)."
        )
    return value


def rank_info() -> RankInfo:
    """This process's rank, world size and local rank.

    Raises:
        SeedlockError: when ``RANK``/``WORLD_SIZE``/``LOCAL_RANK`` hold bad values.

    Example:
        >>> rank_info().world >= 1
        True
    """
    local = _env_int("LOCAL_RANK", minimum=0)
    if process_group_ready():
        group_rank, group_world = _group_rank_world()
        return RankInfo(
            group_rank, group_world, group_rank if local is None else local, "torch.distributed"
        )
    rank = _env_int("RANK", minimum=0)
    world = _env_int("WORLD_SIZE", minimum=1)
    if rank is None and world is None:
        return RankInfo(0, 1, 0 if local is None else local, "default")
    world_size = 1 if world is None else world
    rank = 0 if rank is None else rank
    if rank >= world_size:
        raise SeedlockError(
            f"$RANK must be below $WORLD_SIZE, got RANK={rank} and WORLD_SIZE={world_size}. "
            "Fix the launcher's variables (torchrun sets both)."
        )
    return RankInfo(rank, world_size, rank if local is None else local, "env")


def broadcast_root(seed: int) -> int:
    """Rank 0's ``seed``, on every rank of the initialised ``torch.distributed`` group.

    Every rank must call it (it is a collective). Works with gloo (CPU tensors) and NCCL (a tensor
    on the current CUDA device).

    Args:
        seed: this rank's candidate root seed, an int in ``[0, 2**128)``; only rank 0's is used.

    Raises:
        SeedlockError: when no process group is initialised or ``seed`` is invalid.
    """
    root = normalize_seed(seed)
    if not process_group_ready():
        raise SeedlockError(
            "broadcast_root() needs an initialised torch.distributed process group, but none is. "
            "Call torch.distributed.init_process_group(...) first, or set $SEEDLOCK_SEED on "
            "every rank."
        )
    import torch
    import torch.distributed as dist

    device = torch.device("cpu")
    if dist.get_backend() == "nccl":
        device = torch.device("cuda", torch.cuda.current_device())
    words = [(root >> (32 * i)) & 0xFFFFFFFF for i in range(_WORDS)]
    tensor = torch.tensor(words, dtype=torch.int64, device=device)
    dist.broadcast(tensor, src=0)
    value = sum(int(w) << (32 * i) for i, w in enumerate(tensor.cpu().tolist()))
    assert 0 <= value < MAX_SEED
    return value
