"""AST helpers shared by the checker and the rule families.

Determinism contract: pure functions of the nodes they are given.
"""

from __future__ import annotations

import ast
from typing import Any

__all__ = ["FIELDS", "ScopeUses", "dotted", "is_none", "is_str_constant"]


def _fields_by_type() -> dict[type, tuple[str, ...]]:
    """The child-bearing fields of every node type, so the walk skips names, ctx and constants."""
    skip = {
        "ctx",
        "id",
        "attr",
        "arg",
        "name",
        "names",
        "module",
        "level",
        "kind",
        "type_comment",
        "conversion",
        "is_async",
        "simple",
        "kwd_attrs",
        "rest",
        "lineno",
        "tag",
    }
    fields: dict[type, tuple[str, ...]] = {str: (), type(None): ()}
    for value in vars(ast).values():
        if isinstance(value, type) and issubclass(value, ast.AST):
            own = tuple(f for f in value._fields if f not in skip)
            if value in (ast.Constant, ast.MatchSingleton):
                own = ()
            fields[value] = tuple(reversed(own))
    return fields


#: The child-bearing fields of every node type, in reversed order for a stack walk.
FIELDS = _fields_by_type()


def dotted(node: Any) -> str | None:
    """``a.b.c`` for a Name/Attribute chain, without resolving imports."""
    parts = []
    while type(node) is ast.Attribute:
        parts.append(node.attr)
        node = node.value
    if type(node) is not ast.Name:
        return None
    parts.append(node.id)
    return ".".join(reversed(parts))


def is_str_constant(node: Any) -> bool:
    return type(node) is ast.Constant and type(node.value) is str


def is_none(node: Any) -> bool:
    return type(node) is ast.Constant and node.value is None


class ScopeUses:
    """Each node's parent and every loaded name (``x``, ``self.model``) within one scope node.

    Subclasses see every other node through :meth:`visit` during the same single walk.

    Example:
        >>> uses = ScopeUses(ast.parse("m = f()\\nm.fit(x)\\n"))
        >>> sorted(uses.loads)
        ['f', 'm', 'm.fit', 'x']
    """

    def __init__(self, root: Any) -> None:
        self.parents: dict[int, Any] = {}
        self.loads: dict[str, list[Any]] = {}
        node: Any
        for node in ast.walk(root):
            for child in ast.iter_child_nodes(node):
                self.parents[id(child)] = node
            kind = type(node)
            if (kind is ast.Name or kind is ast.Attribute) and type(node.ctx) is ast.Load:
                name = dotted(node)
                if name is not None:
                    self.loads.setdefault(name, []).append(node)
            else:
                self.visit(node, kind)

    def visit(self, node: Any, kind: type) -> None:
        """Called for each node that is not a loaded name; nothing by default."""
