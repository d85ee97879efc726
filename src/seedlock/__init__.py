"""seedlock: make machine-learning runs reproducible, prove that they are, compare across seeds.

``import seedlock`` imports no framework and changes nothing global; the public names below are
loaded on first use. ``seed_everything`` is the one call that changes global RNG state.

Example:
    >>> import seedlock
    >>> report = seedlock.seed_everything(42)
    >>> seedlock.derive("data", "shuffle", 0) == seedlock.derive("data", "shuffle", 0, seed=42)
    True
"""

from __future__ import annotations

import importlib

from seedlock._errors import SeedlockError, SeedlockTypeError, StateError
from seedlock._seed import STREAMS, derive, derive_many, root_seed, seed_sequence, stream_seeds

__version__ = "0.1.0"

# public name -> module that defines it; imported lazily so `import seedlock` stays cheap.
_LAZY = {
    "seed_everything": "seedlock._everything",
    "SeedReport": "seedlock._everything",
    "numpy_rng": "seedlock._generators",
    "python_rng": "seedlock._generators",
    "torch_generator": "seedlock._generators",
    "jax_key": "seedlock._generators",
    "tf_generator": "seedlock._generators",
    "snapshot": "seedlock.state",
    "restore": "seedlock.state",
    "isolate": "seedlock.state",
    "track": "seedlock.state",
    "untrack": "seedlock.state",
    "Snapshot": "seedlock.state",
    "doctor": "seedlock._doctor",
    "Finding": "seedlock._doctor",
    "fingerprint": "seedlock.env",
    "fingerprint_diff": "seedlock.env",
    "log": "seedlock.launch",
    "log_artifact": "seedlock.launch",
    "verify": "seedlock._verify",
}

# subpackages reachable as attributes (`seedlock.data.EpochShuffle`) without a separate import.
_SUBMODULES = frozenset(
    {
        "data",
        "torch",
        "stats",
        "report",
        "sweep",
        "trackers",
        "lint",
        "env",
        "store",
        "launch",
        "distributed",
    }
)

__all__ = [
    "SeedlockError",
    "SeedlockTypeError",
    "StateError",
    "__version__",
    "derive",
    "derive_many",
    "root_seed",
    "seed_sequence",
    "STREAMS",
    "stream_seeds",
    *_LAZY,
]


def __getattr__(name: str) -> Any:
    if name in _SUBMODULES:
        return importlib.import_module(f"seedlock.{name}")
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'seedlock' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY) | _SUBMODULES)


# Not ``typing.TYPE_CHECKING``: the start-up hook imports this module in every child process.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from seedlock._doctor import Finding as Finding
    from seedlock._doctor import doctor as doctor
    from seedlock._everything import SeedReport as SeedReport
    from seedlock._everything import seed_everything as seed_everything
    from seedlock._generators import jax_key as jax_key
    from seedlock._generators import numpy_rng as numpy_rng
    from seedlock._generators import python_rng as python_rng
    from seedlock._generators import tf_generator as tf_generator
    from seedlock._generators import torch_generator as torch_generator
    from seedlock._verify import verify as verify
    from seedlock.env import fingerprint as fingerprint
    from seedlock.env import fingerprint_diff as fingerprint_diff
    from seedlock.launch import log as log
    from seedlock.launch import log_artifact as log_artifact
    from seedlock.state import Snapshot as Snapshot
    from seedlock.state import isolate as isolate
    from seedlock.state import restore as restore
    from seedlock.state import snapshot as snapshot
    from seedlock.state import track as track
    from seedlock.state import untrack as untrack
