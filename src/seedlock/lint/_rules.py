"""The table of ``seedlock lint`` rules: id, short name, severity and the one-line fix.

Determinism contract: the table is static data; rule ids never change meaning once released, so
``# noqa: SLxxx`` comments and ``[tool.seedlock.lint]`` settings keep working across versions.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from seedlock._errors import SeedlockError

__all__ = ["RULES", "Rule", "select_rules"]


@dataclass(frozen=True)
class Rule:
    """One lint rule.

    Attributes:
        id: the rule id, ``"SL001"`` ...
        name: a short kebab-case name.
        severity: ``"error"`` (SL000 only), ``"warning"`` or ``"info"``.
        summary: what the rule finds, one sentence.
        fix: how to fix a finding, one sentence.

    Example:
        >>> RULES["SL006"].name
        'cudnn-benchmark'
    """

    id: str
    name: str
    severity: str
    summary: str
    fix: str


_TABLE = (
    Rule(
        "SL000", "syntax-error", "error", "The file could not be parsed.", "Fix the syntax error."
    ),
    Rule(
        "SL001",
        "unsorted-listing",
        "warning",
        "Directory listing used unsorted; its order depends on the file system.",
        "Wrap it in sorted(...).",
    ),
    Rule(
        "SL002",
        "seed-from-clock",
        "warning",
        "Seed taken from the clock, the pid, a uuid or os.urandom; it is never the same twice.",
        "Use a fixed seed, or seedlock.seed_everything() which logs the seed it draws.",
    ),
    Rule(
        "SL003",
        "seed-without-value",
        "warning",
        "Global RNG seeded with no value, which seeds it from entropy.",
        "Pass an explicit seed, or call seedlock.seed_everything(seed).",
    ),
    Rule(
        "SL004",
        "unseeded-generator",
        "warning",
        "Random generator constructed without a seed.",
        'Pass a seed, e.g. seedlock.numpy_rng("name") or random.Random(seedlock.derive("name")).',
    ),
    Rule(
        "SL005",
        "dataloader-without-generator",
        "warning",
        "DataLoader shuffles or starts workers without generator=, so it draws from the global "
        "torch RNG.",
        'Pass generator=seedlock.torch_generator("loader") or use seedlock.torch.dataloader(...).',
    ),
    Rule(
        "SL006",
        "cudnn-benchmark",
        "warning",
        "torch.backends.cudnn.benchmark = True picks kernels by timing, which varies run to run.",
        "Set it to False (seedlock.seed_everything(deterministic=True) does).",
    ),
    Rule(
        "SL007",
        "sklearn-without-random-state",
        "warning",
        "scikit-learn estimator, splitter or function called without random_state.",
        "Pass random_state=<int> (e.g. seedlock.derive('model') % 2**32).",
    ),
    Rule(
        "SL008",
        "set-order",
        "warning",
        "Iterating a set of strings; its order changes with PYTHONHASHSEED.",
        "Iterate sorted(...) or keep the values in a tuple, list or dict.",
    ),
    Rule(
        "SL009",
        "runtime-pythonhashseed",
        "warning",
        "PYTHONHASHSEED set at run time has no effect on the running interpreter.",
        "Set it before Python starts (seedlock run does) or pass it in a subprocess's env=.",
    ),
    Rule(
        "SL010",
        "global-draw-in-getitem",
        "warning",
        "Global np.random / random draw in Dataset.__getitem__ depends on the worker and on "
        "access order.",
        "Draw from seedlock.data.sample_rng(index, epoch) instead.",
    ),
    Rule(
        "SL011",
        "deterministic-without-cublas-config",
        "warning",
        "torch.use_deterministic_algorithms(True) without CUBLAS_WORKSPACE_CONFIG set earlier "
        "in the module; cuBLAS calls then fail on CUDA.",
        'Set os.environ["CUBLAS_WORKSPACE_CONFIG"] = ":4096:8" before any CUDA work '
        "(seedlock run does).",
    ),
    Rule(
        "SL012",
        "tf-seed-without-op-determinism",
        "info",
        "tf.random.set_seed without op determinism; GPU ops may still be nondeterministic.",
        "Also call tf.config.experimental.enable_op_determinism().",
    ),
)

#: Every rule by id, in id order.
RULES: dict[str, Rule] = {rule.id: rule for rule in _TABLE}


def select_rules(select: Iterable[str] | None, ignore: Iterable[str] | None) -> frozenset[str]:
    """The rule ids enabled by ``select`` (ids or prefixes; ``None`` = all) minus ``ignore``.

    Raises:
        SeedlockError: when an entry matches no rule.

    Example:
        >>> sorted(select_rules(["SL00"], ["SL001"]))[:3]
        ['SL000', 'SL002', 'SL003']
    """
    chosen = set(RULES) if select is None else _expand(select, "select")
    return frozenset(chosen - _expand(ignore or (), "ignore"))


def _expand(entries: Iterable[str], what: str) -> set[str]:
    out: set[str] = set()
    for entry in entries:
        code = entry.strip().upper()
        if code == "ALL":
            out.update(RULES)
            continue
        matched = {rule_id for rule_id in RULES if code and rule_id.startswith(code)}
        if not matched:
            raise SeedlockError(
                f"unknown rule id {entry!r} in {what}; rules are {', '.join(RULES)} (or a prefix "
                "such as 'SL00', or 'ALL'). Run `seedlock lint --list-rules` to see them."
            )
        out.update(matched)
    return out
