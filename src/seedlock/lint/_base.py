"""The state every rule family shares: imports, scopes, findings and the prefilter's lines.

Determinism contract: the state only grows in source order; findings held for a scope are
reported when the scope ends, in the order they were found.
"""

from __future__ import annotations

from bisect import bisect_left
from typing import Any

from seedlock.lint._nodes import dotted
from seedlock.lint._prefilter import word_lines
from seedlock.lint._rule import Rule

__all__ = ["CheckerBase", "Scope", "ScopeEnd"]


class ScopeEnd:
    """Marks, on the walk's stack, where a function or class body ends."""

    __slots__ = ("scope",)

    def __init__(self, scope: Scope) -> None:
        self.scope = scope


class Scope:
    """One function, class or the module, with the findings waiting for its end."""

    __slots__ = (
        "dataset_class",
        "estimators",
        "fixed",
        "function",
        "in_dataset",
        "in_getitem",
        "is_class",
        "node",
        "pending",
        "shadowed",
    )

    def __init__(
        self,
        in_getitem: bool,
        dataset_class: bool = False,
        is_class: bool = False,
        node: Any = None,
        function: tuple[str | None, str] | None = None,
        in_dataset: bool = False,
    ) -> None:
        self.in_getitem = in_getitem
        # (class name or None, function name) of the module-level function or method this
        # scope is in; None at module level.
        self.function = function
        # Inside a method of a dataset class: every line is walked (helpers of __getitem__).
        self.in_dataset = in_dataset
        # The function, class or module this scope is, for the uses of a held finding's name.
        self.node = node
        self.dataset_class = dataset_class
        self.is_class = is_class
        # (target name, rule) -> findings waiting for a later `name.sort()` / `name.manual_seed()`.
        self.pending: dict[tuple[str, str], list[tuple[Any, str, str]]] = {}
        self.fixed: set[tuple[str, str]] = set()
        # Imported names a function's parameters hide: name -> (alias, terminal) to restore.
        self.shadowed: dict[str, tuple[str, str | None]] = {}
        # scikit-learn objects built without random_state: (call, assigned name, message).
        self.estimators: list[tuple[Any, str | None, str]] = []


class CheckerBase:
    """Shared state and helpers; the rule families are mixins over it."""

    def __init__(
        self,
        source: bytes,
        path: str,
        enabled: frozenset[str],
        lines: set[int],
        every_line: bool = False,
    ) -> None:
        self.source = source
        self.every_line = every_line
        self.lines = lines
        self.line_list = sorted(self.lines)
        self.path = path
        self.enabled = enabled
        self.aliases: dict[str, str] = {}
        self.terminal: dict[str, str] = {}
        self.found: list[tuple[Any, str, str]] = []
        self.safe: set[int] = set()
        self.assigned: dict[int, str] = {}
        self.scopes: list[Scope] = [Scope(False)]

    def report(self, node: Any, rule: Rule, subject: str) -> None:
        """Record a finding of ``rule`` on ``node`` when the rule is enabled."""
        if rule.id in self.enabled:
            self.found.append((node, rule.id, rule.message(subject)))

    def qualname(self, node: Any) -> str | None:
        """``node``'s dotted name with its first part resolved through the imports."""
        name = dotted(node)
        if name is None:
            return None
        head, dot, rest = name.partition(".")
        resolved = self.aliases.get(head, head)
        return f"{resolved}{dot}{rest}"

    def scope_key_report(self, call: Any, rule: Rule, subject: str) -> None:
        """Report now, or hold the finding until the scope ends when it was assigned to a name."""
        target = self.assigned.get(id(call))
        if target is None:
            self.report(call, rule, subject)
            return
        if rule.id not in self.enabled:
            return
        scope = self.scopes[-1]
        if target.startswith("self."):
            # An attribute set in one method is often sorted or seeded in another one.
            scope = next((s for s in reversed(self.scopes) if s.is_class), scope)
        scope.pending.setdefault((target, rule.id), []).append(
            (call, rule.id, rule.message(subject))
        )

    def mark_fixed(self, target: Any, code: str) -> None:
        """Drop held ``code`` findings for ``target`` (it was sorted or seeded later)."""
        name = dotted(target)
        if name is not None:
            for scope in self.scopes:
                scope.fixed.add((name, code))

    def end_scope(self, scope: Scope) -> None:
        """Report the findings ``scope`` held that nothing fixed."""
        for key, held in scope.pending.items():
            if key not in scope.fixed:
                self.found.extend(held)

    def add_word(self, word: str) -> None:
        """Add the lines naming ``word`` (a new alias) to the prefilter's lines."""
        if self.every_line:
            return
        self.lines.update(word_lines(self.source, (word.encode(),)))
        self.line_list = sorted(self.lines)

    def hit(self, first: int, last: int) -> bool:
        """Whether lines ``first``..``last`` hold a trigger word (or every line is walked)."""
        if self.every_line or self.scopes[-1].in_dataset:
            return True
        line_list = self.line_list
        i = bisect_left(line_list, first)
        return i < len(line_list) and line_list[i] <= last
