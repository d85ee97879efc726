"""The version of the trace file format, shared by the torch and Keras tracers.

Determinism contract: a constant; both tracers write it into their start record.
"""

from __future__ import annotations

__all__ = ["FORMAT"]

# Format 2 added the prefwd and opt records and the module class; format 1 traces still read.
FORMAT = 2
