"""One lint rule: its id, name, severity, what it finds, why it matters and the fix.

Determinism contract: rules are static data; a rule's id never changes meaning once released, so
``# noqa: SLxxx`` comments and ``[tool.seedlock.lint]`` settings keep working across versions.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["SL000", "Rule"]


@dataclass(frozen=True)
class Rule:
    """One lint rule, with the only copy of the words its findings use.

    Attributes:
        id: the rule id, ``"SL001"`` ...
        name: a short kebab-case name.
        severity: ``"error"`` (SL000 only), ``"warning"`` or ``"info"``.
        summary: what the rule finds, one sentence.
        fix: how to fix a finding, one sentence.
        why: how a finding changes results, the words after the finding's subject.
        default: whether the rule is checked when nothing is selected; an opt-in rule (a
            low-confidence variant of a default one) runs only when selected by its exact id.

    Example:
        >>> rule = Rule("SL999", "demo", "warning", "Demo.", "Do it.", "is a demo")
        >>> rule.message("x()")
        'x() is a demo; do it'
    """

    id: str
    name: str
    severity: str
    summary: str
    fix: str
    why: str
    default: bool = True

    def message(self, subject: str) -> str:
        """The one-line finding: ``subject``, why it changes results, and the fix."""
        fix = self.fix.rstrip(".")
        return f"{subject} {self.why}; {fix[:1].lower()}{fix[1:]}"


SL000 = Rule(
    "SL000",
    "syntax-error",
    "error",
    "The file could not be parsed.",
    "Fix the syntax error.",
    "so the file was not checked",
)
