"""The exception seedlock raises for bad input, unreadable files and impossible requests.

Hierarchy::

    SeedlockError (ValueError)
     ├── SeedlockTypeError (also TypeError)  a value of the wrong type
     └── StateError                          a state file or dict that cannot be read or applied
          └── StoreError                     the run store cannot be read or written (disk full,
                                             damaged file, no permission)
"""

from __future__ import annotations

__all__ = ["SeedlockError", "SeedlockTypeError", "StateError", "StoreError"]


class SeedlockError(ValueError):
    """Base of every error seedlock raises on purpose.

    Messages say what was given, what is accepted, and how to fix it.
    """


class SeedlockTypeError(SeedlockError, TypeError):
    """A value of the wrong type (also a ``TypeError``)."""


class StateError(SeedlockError):
    """A persisted state (snapshot, sampler state, run record) is corrupt, foreign or too new."""


class StoreError(StateError):
    """The run store cannot be read or written: the disk is full, the file is damaged or locked.

    ``path`` is the store file and ``disk_full`` says whether running out of space is the cause,
    so that a launcher can keep its child's exit code and point at ``seedlock runs repair``.
    """

    def __init__(self, message: str, *, path: str = "", disk_full: bool = False) -> None:
        super().__init__(message)
        self.path = path
        self.disk_full = disk_full
