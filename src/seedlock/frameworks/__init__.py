"""Adapters for every RNG owner seedlock seeds and snapshots, and what they have done so far.

Determinism contract: nothing here imports a framework; an adapter acts only on a framework that
is already in ``sys.modules``. ``seeded()`` reports exactly the seeds seedlock gave in this process,
including frameworks seeded by the import hook after ``seed_everything``.
"""

from __future__ import annotations

from seedlock.frameworks._base import Framework, State
from seedlock.frameworks._registry import FRAMEWORKS, get, loaded, pending, seeded

__all__ = ["FRAMEWORKS", "Framework", "State", "get", "loaded", "pending", "seeded"]
