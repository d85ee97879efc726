"""Every ``seedlock lint`` rule by id, gathered from the rule families, and rule selection.

Determinism contract: the table is static data; rule ids never change meaning once released, so
``# noqa: SLxxx`` comments and ``[tool.seedlock.lint]`` settings keep working across versions.
"""

from __future__ import annotations

from collections.abc import Iterable

from seedlock._errors import SeedlockError
from seedlock.lint import (
    _dataset,
    _environment,
    _order,
    _pandas,
    _program,
    _seeding,
    _sklearn,
    _tensorflow,
    _torch,
)
from seedlock.lint._rule import SL000, Rule

__all__ = ["RULES", "Rule", "select_rules"]


_FAMILIES = (
    (SL000,),
    _order.RULES,
    _seeding.RULES,
    _torch.RULES,
    _sklearn.RULES,
    _environment.RULES,
    _dataset.RULES,
    _tensorflow.RULES,
    _program.RULES,
    _pandas.RULES,
)

#: Every rule by id, in id order.
RULES: dict[str, Rule] = {
    rule.id: rule for rule in sorted((r for f in _FAMILIES for r in f), key=lambda r: r.id)
}


#: The rules checked when nothing is selected: every rule but the opt-in ones.
DEFAULT = frozenset(rule_id for rule_id, rule in RULES.items() if rule.default)


def select_rules(select: Iterable[str] | None, ignore: Iterable[str] | None) -> frozenset[str]:
    """The rule ids enabled by ``select`` (ids or prefixes; ``None`` = every default
    rule; an opt-in rule only by its exact id) minus ``ignore``.

    Raises:
        SeedlockError: when an entry matches no rule.

    Example:
        >>> sorted(select_rules(["SL00"], ["SL001"]))[:3]
        ['SL000', 'SL002', 'SL003']
    """
    chosen = DEFAULT if select is None else _expand(select, "select")
    return frozenset(chosen - _expand(ignore or (), "ignore"))


def _expand(entries: Iterable[str], what: str) -> set[str]:
    out: set[str] = set()
    for entry in entries:
        code = entry.strip().upper()
        if code == "ALL":
            out.update(DEFAULT)
            continue
        # An opt-in rule is selected only by its exact id, never by a prefix or ALL (as ruff's
        # preview rules): a wide selection keeps meaning the same rules.
        matched = {r for r in RULES if code and r.startswith(code) and (r == code or r in DEFAULT)}
        opt_in = sorted(r for r in RULES if code and r.startswith(code) and r not in DEFAULT)
        if not matched and opt_in:
            raise SeedlockError(
                f"rule prefix {entry!r} in {what} matches only opt-in rules ({', '.join(opt_in)}), "
                "which are selected by their exact id only; give the id, e.g. "
                f"{opt_in[0]!r}."
            )
        if not matched:
            raise SeedlockError(
                f"unknown rule id {entry!r} in {what}; rules are {', '.join(RULES)} (or a prefix "
                "such as 'SL00', or 'ALL'). Run `seedlock lint --list-rules` to see them."
            )
        out.update(matched)
    return out
