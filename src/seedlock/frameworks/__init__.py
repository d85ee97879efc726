"""Adapters for every RNG owner seedlock seeds and snapshots, and what they have done so far.

Determinism contract: nothing here imports a framework; an adapter acts only on a framework that
is already in ``sys.modules``. ``seeded()`` reports exactly the seeds seedlock gave in this process,
including frameworks seeded by the import hook after ``seed_everything``. An adapter is the one
place that knows its framework; :data:`FRAMEWORKS` is the one list of them, and deterministic
mode, snapshots, the doctor and environment fingerprints loop over it.
"""

from __future__ import annotations

from seedlock.frameworks._base import Change, Finding, Framework, State
from seedlock.frameworks._registry import (
    FRAMEWORKS,
    HookState,
    Settings,
    configure,
    get,
    hook_state,
    install_hook,
    loaded,
    pending,
    record_seeded,
    seeded,
    set_hook_state,
)

__all__ = [
    "FRAMEWORKS",
    "Change",
    "Finding",
    "Framework",
    "HookState",
    "Settings",
    "State",
    "configure",
    "get",
    "hook_state",
    "install_hook",
    "loaded",
    "pending",
    "record_seeded",
    "seeded",
    "set_hook_state",
]
