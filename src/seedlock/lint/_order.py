"""Order rules: unsorted directory listings (SL001) and iterating sets of strings (SL008).

Determinism contract: a finding is reported only where the order can reach a result; order-free
consumers (``sorted``, ``set``, ``len``, ``in`` ...) and a later ``name.sort()`` silence it.
"""

from __future__ import annotations

import ast
from typing import Any

from seedlock.lint._base import CheckerBase
from seedlock.lint._nodes import is_str_constant
from seedlock.lint._rule import Rule

__all__ = ["LISTING", "ORDER_FREE", "ORDER_KEEPING", "RULES", "SL001", "SL008", "OrderRules"]

SL001 = Rule(
    "SL001",
    "unsorted-listing",
    "warning",
    "Directory listing used unsorted; its order depends on the file system.",
    "Wrap it in sorted(...).",
    "returns files in file-system order, which differs between machines and file systems",
)
SL008 = Rule(
    "SL008",
    "set-order",
    "warning",
    "Iterating a set of strings; its order changes with PYTHONHASHSEED.",
    "Iterate sorted(...) or keep the values in a tuple, list or dict.",
    "a set of strings, whose order changes with PYTHONHASHSEED",
)
RULES = (SL001, SL008)

LISTING = frozenset({"listdir", "scandir", "glob", "iglob", "rglob", "iterdir"})
_LISTING_QUALIFIED = frozenset({"os.listdir", "os.scandir", "glob.glob", "glob.iglob"})
_PATH_METHODS = frozenset({"glob", "rglob", "iterdir"})
#: Consumers for which the order of their argument does not matter.
ORDER_FREE = frozenset(
    {"sorted", "set", "frozenset", "len", "min", "max", "any", "all", "sum", "bool", "Counter"}
)
#: Order-preserving wrappers: safe inside an order-free consumer, order-revealing otherwise.
ORDER_KEEPING = frozenset({"list", "tuple", "iter", "enumerate", "reversed"})
_COLLECTING_METHODS = frozenset(
    {"append", "extend", "insert", "appendleft", "write", "writelines", "put", "update"}
)


class OrderRules(CheckerBase):
    """SL001 and SL008."""

    str_sets: set[str]

    def is_str_set(self, node: Any) -> bool:
        kind = type(node)
        if kind is ast.Set:
            elts = node.elts
            return len(elts) > 1 and all(is_str_constant(e) for e in elts)
        if kind is ast.SetComp:
            elt = node.elt
            return is_str_constant(elt) or type(elt) is ast.JoinedStr
        if kind is ast.Name:
            return node.id in self.str_sets
        if kind is ast.BinOp:
            op = type(node.op)
            if op is ast.BitOr:
                return self.is_str_set(node.left) or self.is_str_set(node.right)
            if op in (ast.Sub, ast.BitAnd, ast.BitXor):
                return self.is_str_set(node.left)
            return False
        if kind is ast.Call:
            func = node.func
            args = node.args
            if type(func) is ast.Name and func.id in ("set", "frozenset") and len(args) == 1:
                arg = args[0]
                if type(arg) in (ast.List, ast.Tuple, ast.Set):
                    return len(arg.elts) > 1 and all(is_str_constant(e) for e in arg.elts)
                return is_str_constant(arg) and len(arg.value) > 1
            if type(func) is ast.Attribute and func.attr in (
                "union",
                "difference",
                "intersection",
                "symmetric_difference",
            ):
                return self.is_str_set(func.value)
        return False

    def set_order(self, node: Any, what: str) -> None:
        self.report(node, SL008, what)

    def visit_for(self, node: Any) -> None:
        iterable = node.iter
        if self.is_str_set(iterable):
            self.set_order(iterable, "for loop over")
        elif type(iterable) is ast.Call and not _order_revealing(node.body):
            self.safe.add(id(iterable))

    def visit_unary(self, node: Any) -> None:
        if type(node.op) is ast.Not:
            self.safe.add(id(node.operand))

    def visit_comprehension_owner(self, node: Any) -> None:
        order_free = type(node) is ast.SetComp or id(node) in self.safe
        for generator in node.generators:
            if order_free:
                self.safe.add(id(generator.iter))
            elif self.is_str_set(generator.iter):
                self.set_order(generator.iter, "comprehension over")

    def visit_compare(self, node: Any) -> None:
        for op, comparator in zip(node.ops, node.comparators, strict=True):
            if type(op) in (ast.In, ast.NotIn):
                self.safe.add(id(comparator))

    def visit_starred(self, node: Any) -> None:
        if self.is_str_set(node.value):
            self.set_order(node.value, "unpacking")

    def check_order_keeping(self, node: Any, term: str, safe: bool) -> None:
        for arg in node.args:
            if safe:
                self.safe.add(id(arg))
            elif self.is_str_set(arg):
                self.set_order(arg, f"{term}() of")

    def check_listing(self, node: Any, qualname: str | None, term: str, method: bool) -> None:
        if qualname in _LISTING_QUALIFIED:
            shown = qualname
        elif method and term in _PATH_METHODS and qualname not in ("glob.glob", "glob.iglob"):
            shown = f"Path.{term}"
        else:
            return
        if id(node) in self.safe:
            return
        self.scope_key_report(node, SL001, f"{shown}()")


def _order_revealing(body: list[Any]) -> bool:
    """Whether a loop body can make its result depend on the order of iteration.

    Returning or breaking (the first match wins), yielding, collecting into a list or dict,
    writing or printing reveal the order; removing, counting or testing every item does not.
    """
    for statement in body:
        sub: Any
        for sub in ast.walk(statement):
            kind = type(sub)
            if kind in (ast.Return, ast.Break, ast.Yield, ast.YieldFrom):
                return True
            if kind is ast.Assign and any(type(t) is ast.Subscript for t in sub.targets):
                return True
            if kind is ast.AugAssign and type(sub.op) is ast.Add:
                return True
            if kind is ast.Call:
                func = sub.func
                if type(func) is ast.Attribute and func.attr in _COLLECTING_METHODS:
                    return True
                if type(func) is ast.Name and func.id == "print":
                    return True
    return False
