"""The base layer: small helpers every seedlock module may use.

Import rule: modules under ``seedlock._base`` import only the standard library and
``seedlock._errors`` -- never another seedlock module, never an optional dependency (numpy,
torch, ...). Everything above (seed, frameworks, state, data, launch, verify, sweep, cli) may
import from here, so a helper two packages need lives here instead of one package importing
the other's private names.

Modules:
    * :mod:`~seedlock._base.limits`: every bound on a value a user can size, in one place.
    * :mod:`~seedlock._base.validate`: the input validator (ints in a range, bools, choices,
      counts, thread counts) with messages naming the function and the parameter.
    * :mod:`~seedlock._base.persist`: the persisted-file header ``{"kind", "format"}`` and the one
      bounded, validating JSON reader every loader uses.
    * :mod:`~seedlock._base.envvars`: the name of every ``SEEDLOCK_*`` environment variable.
    * :mod:`~seedlock._base.rootseed`: save and restore the process's root seed.
    * :mod:`~seedlock._base.files`: :func:`~seedlock._base.files.file_sha256`.
    * :mod:`~seedlock._base.commands`: :func:`~seedlock._base.commands.is_python_command`.
"""

from __future__ import annotations
