"""Seeding rules: seeds from the clock (SL002), seeding from entropy (SL003), unseeded generators
(SL004).

Determinism contract: a generator seeded later in the same scope (``g.manual_seed(...)``) is not
reported.
"""

from __future__ import annotations

import ast
from typing import Any

from seedlock.lint._base import CheckerBase
from seedlock.lint._nodes import is_none
from seedlock.lint._rule import Rule

__all__ = [
    "CLOCK_TERMS",
    "GENERATOR_SEEDING_METHODS",
    "GLOBAL_SEEDERS",
    "NO_ARG_SEEDS",
    "RULES",
    "SEEDERS",
    "SEED_KEYWORDS",
    "SEED_METHODS",
    "SL002",
    "SL003",
    "SL004",
    "UNSEEDED_CTORS",
    "SeedingRules",
]

SL002 = Rule(
    "SL002",
    "seed-from-clock",
    "warning",
    "Seed taken from the clock, the pid, a uuid or os.urandom; it is never the same twice.",
    "Use a fixed seed, or seedlock.seed_everything() which logs the seed it draws.",
    "is never the same twice, so no run can be repeated",
)
SL003 = Rule(
    "SL003",
    "seed-without-value",
    "warning",
    "Global RNG seeded with no value, which seeds it from entropy.",
    "Pass an explicit seed, or call seedlock.seed_everything(seed).",
    "seeds from entropy, so every run draws different numbers",
)
SL004 = Rule(
    "SL004",
    "unseeded-generator",
    "warning",
    "Random generator constructed without a seed.",
    'Pass a seed, e.g. seedlock.numpy_rng("name") or random.Random(seedlock.derive("name")).',
    "is seeded from entropy, so every run draws different numbers",
)
RULES = (SL002, SL003, SL004)

NO_ARG_SEEDS = frozenset(
    {
        "random.seed",
        "numpy.random.seed",
        "torch.seed",
        "torch.random.seed",
        "torch.cuda.seed",
        "torch.cuda.seed_all",
    }
)
#: Calls that seed a global RNG of Python, NumPy or torch.
GLOBAL_SEEDERS = frozenset(
    {
        "random.seed",
        "numpy.random.seed",
        "torch.manual_seed",
        "torch.random.manual_seed",
        "torch.cuda.manual_seed",
        "torch.cuda.manual_seed_all",
    }
)
SEEDERS = GLOBAL_SEEDERS | frozenset(
    {
        "tensorflow.random.set_seed",
        "tensorflow.keras.utils.set_random_seed",
        "keras.utils.set_random_seed",
        "jax.random.PRNGKey",
        "jax.random.key",
        "numpy.random.default_rng",
        "numpy.random.RandomState",
        "numpy.random.SeedSequence",
        "random.Random",
    }
)
SEED_METHODS = frozenset({"manual_seed", "seed", "set_seed"})
SEED_KEYWORDS = frozenset({"seed", "random_state", "random_seed", "rng"})
_CLOCK = frozenset(
    {
        "time.time",
        "time.time_ns",
        "time.perf_counter",
        "time.perf_counter_ns",
        "time.monotonic",
        "time.monotonic_ns",
        "time.process_time",
        "datetime.datetime.now",
        "datetime.datetime.utcnow",
        "datetime.datetime.today",
        "datetime.now",
        "datetime.utcnow",
        "os.getpid",
        "os.urandom",
        "uuid.uuid1",
        "uuid.uuid4",
        "secrets.randbits",
        "secrets.token_bytes",
        "secrets.token_hex",
        "secrets.randbelow",
    }
)
#: The last names of the clock calls, for the prefilter (a seed may be read from the clock into a
#: variable on a line that names no seeding word).
CLOCK_TERMS = frozenset(name.rsplit(".", 1)[1] for name in _CLOCK)
UNSEEDED_CTORS = {
    "numpy.random.default_rng": "np.random.default_rng()",
    "numpy.random.RandomState": "np.random.RandomState()",
    "random.Random": "random.Random()",
    "torch.Generator": "torch.Generator()",
}
GENERATOR_SEEDING_METHODS = frozenset({"manual_seed", "seed"})


class SeedingRules(CheckerBase):
    """SL002, SL003 and SL004."""

    name_values: dict[str, Any]

    def note_clock_name(self, name: str, value: Any) -> None:
        """Remember ``name``'s latest value: for ``seed = int(time.time())``, a later
        ``random.seed(seed)`` is a clock seed too (looked at only when a seed is passed)."""
        self.name_values[name] = value

    def check_seed_keywords(self, node: Any) -> None:
        for keyword in node.keywords:
            if keyword.arg in SEED_KEYWORDS and self.from_clock(keyword.value):
                self.clock_seed(keyword.value)
                return

    def from_clock(self, expr: Any, depth: int = 0) -> bool:
        values = self.name_values
        sub: Any
        for sub in ast.walk(expr):
            kind = type(sub)
            if kind is ast.Call and self.qualname(sub.func) in _CLOCK:
                return True
            if kind is ast.Name and depth < 3:
                value = values.get(sub.id)
                if value is not None and value is not expr and self.from_clock(value, depth + 1):
                    return True
        return False

    def clock_seed(self, node: Any) -> None:
        self.report(node, SL002, "a seed taken from the clock, pid, a uuid or os.urandom")

    def check_seeding_call(self, node: Any, qualname: str, term: str) -> bool:
        """SL002 and SL003 on a call; whether it was a seeding call without a seed."""
        args = node.args
        seeder = qualname in SEEDERS or (type(node.func) is ast.Attribute and term in SEED_METHODS)
        if seeder and args and self.from_clock(args[0]):
            self.clock_seed(args[0])
        if qualname in NO_ARG_SEEDS and not node.keywords and (not args or is_none(args[0])):
            self.report(node, SL003, f"{qualname.replace('numpy.', 'np.')}() with no seed")
            return True
        return False

    def check_unseeded(self, node: Any, qualname: str) -> None:
        if qualname == "torch.Generator":
            if id(node) in self.safe:
                return
        elif any(k.arg in ("seed", "x") for k in node.keywords) or (
            node.args and not is_none(node.args[0])
        ):
            return
        self.scope_key_report(node, SL004, f"{UNSEEDED_CTORS[qualname]} without a seed")
