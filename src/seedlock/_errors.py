"""The exception seedlock raises for bad input, unreadable files and impossible requests.

Hierarchy::

    SeedlockError (ValueError)
     ├── SeedlockTypeError (also TypeError)  a value of the wrong type
     └── StateError                          a state file or dict that cannot be read or applied
"""

from __future__ import annotations

__all__ = ["SeedlockError", "SeedlockTypeError", "StateError"]


class SeedlockError(ValueError):
    """Base of every error seedlock raises on purpose.

    Messages say what was given, what is accepted, and how to fix it.
    """


class SeedlockTypeError(SeedlockError, TypeError):
    """A value of the wrong type (also a ``TypeError``)."""


class StateError(SeedlockError):
    """A persisted state (snapshot, sampler state, run record) is corrupt, foreign or too new."""
