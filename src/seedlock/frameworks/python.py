"""Python's global ``random`` module.

Determinism contract: ``seed(s)`` is ``random.seed(s)``; the state is the Mersenne Twister
words plus the cached Gaussian, so a restore continues the exact stream. Hash randomisation
(str/bytes hashes, hence set order) is fixed when the interpreter starts; this adapter reports it
and never claims to change it.
"""

from __future__ import annotations

import os
import random
import sys
from collections.abc import Mapping

from seedlock._errors import StateError
from seedlock.frameworks._base import Change, Finding, Framework, State, require

# Not ``typing.TYPE_CHECKING``: the start-up hook imports this module in every child process.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

__all__ = ["PythonRandom", "hash_seed_fixed", "hash_seed_for", "random_state", "set_random_state"]

_PROBE = b"seedlock-hash-probe"


def hash_seed_for(root: int) -> int:
    """The ``PYTHONHASHSEED`` that Python processes of a run with root seed ``root`` start with.

    A pure function of the root (its own derived stream), so a replayed run gets the same
    str/bytes hashes, hence the same set and dict-of-str iteration order.

    Example:
        >>> hash_seed_for(42)
        2638996560
    """
    from seedlock._seed import derive

    return derive("python", "hashseed", seed=root) % 2**32


def hash_seed_fixed() -> bool:
    """Whether this interpreter's str/bytes hashes are fixed (it started with ``PYTHONHASHSEED``).

    Setting ``PYTHONHASHSEED`` inside a running process changes nothing for it; this checks the
    hash actually in effect against the one the variable's value would give, so a variable set
    too late is not mistaken for a fixed hash seed.

    Example:
        >>> hash_seed_fixed() in (True, False)
        True
    """
    if not sys.flags.hash_randomization:
        return True
    text = os.environ.get("PYTHONHASHSEED", "")
    try:
        hash_seed = int(text)
    except ValueError:
        return False
    if not 0 < hash_seed <= 0xFFFFFFFF:
        return False
    if sys.hash_info.width != 64:
        return True
    from seedlock.frameworks._hashseed import expected_bytes_hash

    expected = expected_bytes_hash(hash_seed, _PROBE, sys.hash_info.algorithm)
    # An interpreter whose hash we cannot reproduce is trusted to have honoured the variable.
    return expected is None or expected == hash(_PROBE)


def random_state(rng: random.Random) -> State:
    """The state of a ``random.Random`` as a JSON-able dict.

    Example:
        >>> rng = random.Random(1)
        >>> state = random_state(rng)
        >>> first = rng.random()
        >>> set_random_state(rng, state)
        >>> rng.random() == first
        True
    """
    version, internal, gauss_next = rng.getstate()
    return {
        "version": version,
        "internal": internal,
        "gauss_next": None if gauss_next is None else float(gauss_next).hex(),
    }


def set_random_state(rng: random.Random, state: Mapping[str, Any]) -> None:
    """Put a :func:`random_state` dict back into ``rng``."""
    version = require(state, "version", int, "random")
    # random.setstate checks every word itself (type and range); no second pass here.
    internal = tuple(require(state, "internal", (list, tuple), "random"))
    gauss = state.get("gauss_next")
    if gauss is not None and not isinstance(gauss, str):
        raise StateError(
            f"random state['gauss_next'] must be None or a float.hex() str, got {gauss!r}. "
            "The snapshot is corrupt."
        )
    try:
        gauss_next = None if gauss is None else float.fromhex(gauss)
        rng.setstate((version, internal, gauss_next))
    except (ValueError, TypeError, OverflowError) as exc:
        raise StateError(
            f"random state cannot be applied: {exc}. The snapshot is corrupt."
        ) from exc


class PythonRandom(Framework):
    """The global ``random`` module (always loaded)."""

    name = "python"
    module = "random"
    generator_kinds = ("python.Random",)

    def seed(self, seed: int) -> None:
        random.seed(seed)

    def get_state(self) -> State:
        return random_state(random._inst)

    def set_state(self, state: Mapping[str, Any]) -> None:
        set_random_state(random._inst, state)

    def enable_determinism(self, *, warn_only: bool) -> list[Change]:
        if hash_seed_fixed():
            return []
        return [
            Change(
                "python.hash_randomization",
                "off",
                effective=False,
                note=(
                    "hash randomisation is fixed when the interpreter starts, so set/dict order "
                    "of strs stays random in this process: start it with PYTHONHASHSEED set, "
                    "e.g. `seedlock run --seed N -- python ...` or `PYTHONHASHSEED=0 python ...`"
                ),
            )
        ]

    def doctor(self) -> list[Finding]:
        if hash_seed_fixed():
            return []
        late = "PYTHONHASHSEED" in os.environ
        return [
            Finding(
                "hash-randomization",
                "warning",
                "Python hash randomisation is on"
                + (" (PYTHONHASHSEED was set after start-up, which has no effect)" if late else ""),
                "Iteration order of sets and dict keys built from strs changes from run to run.",
                "start Python with the variable set: `seedlock run --seed SEED -- python ...` or "
                "`export PYTHONHASHSEED=0`",
            )
        ]

    def fingerprint_flags(self) -> dict[str, Any]:
        return {"python.hash_seed_fixed": hash_seed_fixed()}

    def generator_kind(self, generator: object) -> str | None:
        return "python.Random" if isinstance(generator, random.Random) else None

    def generator_state(self, kind: str, generator: Any) -> State:
        return random_state(generator)

    def set_generator_state(self, kind: str, generator: Any, state: Mapping[str, Any]) -> None:
        set_random_state(generator, state)
