"""accelerate integration: seedlock's RNG state in ``accelerator.save_state``, as JSON.

Determinism contract: a :func:`seedlock.torch.dataloader` passed through
``accelerator.prepare`` keeps seedlock's order (its :class:`~seedlock.torch.EpochSampler` and
per-sample seeding travel with it), and with a :class:`SeedlockState` registered through
``accelerator.register_for_checkpointing``, ``accelerator.load_state`` puts back every
framework's and tracked generator's RNG state as it was at ``save_state``. Together with
accelerate's own resume recipe (``loader.set_epoch(epoch)`` and
``accelerator.skip_first_batches(loader, batches_done)``) training continues bit-exactly.

accelerate unpickles what ``register_for_checkpointing`` saved; the state handed to it here is
one JSON text (a plain ``str``), read back by a validating loader.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from seedlock._base import persist
from seedlock._errors import StateError
from seedlock._seed import SeedLike, resolve_seed
from seedlock.state import Snapshot, restore, snapshot

__all__ = ["STATE_FORMAT", "SeedlockState"]

#: Version of the JSON text :meth:`SeedlockState.state_dict` hands to accelerate.
STATE_FORMAT = 1
_KIND = "seedlock.accelerate"


class SeedlockState:
    """An object for ``accelerator.register_for_checkpointing``: seedlock's RNG state as JSON.

    Args:
        seed: the run's root seed; ``None`` reads the process's root seed now. A checkpoint
            saved under another root is refused on load.

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
        """``{"seedlock": <JSON text>}``: the root seed and :func:`seedlock.snapshot` now."""
        text = json.dumps(
            {
                **persist.header(_KIND, STATE_FORMAT),
                "seed": self.seed,
                "rng": snapshot().to_dict(),
            },
            separators=(",", ":"),
        )
        return {"seedlock": text}

    def load_state_dict(self, state: Mapping[str, Any]) -> None:
        """Validate a saved state and restore its RNG states.

        Raises:
            StateError: for a foreign, corrupt or newer state, or one saved under another seed.
        """
        text = state.get("seedlock") if isinstance(state, Mapping) else None
        if not isinstance(text, str):
            keys = sorted(map(str, state)) if isinstance(state, Mapping) else "-"
            raise StateError(
                f"not a SeedlockState checkpoint: expected {{'seedlock': <JSON text>}}, got "
                f"{type(state).__name__} with keys {keys}. Register the same objects, in the "
                "same order, as when the state was saved."
            )
        data = persist.loads_checked(
            text,
            kind=_KIND,
            current=STATE_FORMAT,
            what="a SeedlockState",
            fix="The checkpoint is corrupt or was saved by another object in this position.",
        )
        if data.get("seed") != self.seed:
            raise StateError(
                f"the checkpoint was saved under root seed {data.get('seed')!r}, this run has "
                f"{self.seed}. Resume with the same seed (seed_everything(...))."
            )
        rng: Any = data.get("rng")
        restore(Snapshot.from_dict(rng))
