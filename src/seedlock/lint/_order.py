"""Order rules: unsorted directory listings (SL001) and iterating sets of strings (SL008).

Determinism contract: a finding is reported only where the order can reach a result; order-free
consumers (``sorted``, ``set``, ``len``, ``in`` ...) and a later ``name.sort()`` silence it.
"""

from __future__ import annotations

import ast
from typing import Any

from seedlock.lint._base import CheckerBase, Scope
from seedlock.lint._nodes import dotted, is_str_constant
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

    def end_scope(self, scope: Scope) -> None:
        """Drop held SL001 findings whose every later use cannot reveal the order."""
        if scope.node is not None:
            for key in scope.pending:
                target, code = key
                if (
                    code == "SL001"
                    and key not in scope.fixed
                    and order_free_uses(scope.node, target)
                ):
                    scope.fixed.add(key)
        super().end_scope(scope)

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


#: Calls that show or log a value (a printed table, a plot): its order reaches no result.
_SHOWING_HEADS = frozenset({"print", "plt", "ax", "logger", "logging", "log", "pprint"})
_RESORTING = frozenset({"sort_values", "sort_index", "sort"})
_MAX_ALIAS_DEPTH = 4


class _Uses:
    """The uses of names within one scope node (built only when a finding is held)."""

    def __init__(self, root: Any) -> None:
        self.root = root
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

    def all_free(self, name: str, depth: int) -> bool:
        uses = self.loads.get(name)
        if not uses or depth > _MAX_ALIAS_DEPTH:
            return False
        return all(self.free(use, name, depth) for use in uses)

    def free(self, node: Any, name: str, depth: int) -> bool:
        """Whether the value of ``node`` (an expression holding the listing) reaches no result."""
        parent: Any = self.parents.get(id(node))
        kind = type(parent)
        if kind is ast.Call:
            if node is parent.func:
                return False
            func = parent.func
            head = dotted(func)
            head = head.split(".", 1)[0] if head else None
            term = func.id if type(func) is ast.Name else getattr(func, "attr", None)
            if term in ORDER_FREE or head in _SHOWING_HEADS:
                return True
            if term in ORDER_KEEPING:
                return self.free(parent, name, depth)
            if term == "concat":
                return self.resorted(parent, depth)
            return False
        if kind is ast.Attribute:
            grand: Any = self.parents.get(id(parent))
            return parent.attr in _RESORTING and type(grand) is ast.Call and grand.func is parent
        if kind is ast.UnaryOp:
            return type(parent.op) is ast.Not
        if kind in (ast.If, ast.While, ast.IfExp, ast.Assert):
            return node is parent.test
        if kind is ast.BoolOp:
            return self.free(parent, name, depth)
        if kind is ast.Compare:
            return node is not parent.left and all(
                type(op) in (ast.In, ast.NotIn) for op in parent.ops
            )
        if kind in (ast.For, ast.AsyncFor):
            return node is parent.iter and not _order_revealing(parent.body)
        if kind is ast.comprehension:
            owner: Any = self.parents.get(id(parent))
            if node is not parent.iter or owner is None:
                return False
            return type(owner) is ast.SetComp or self.free(owner, name, depth)
        if kind in (ast.Assign, ast.NamedExpr, ast.AnnAssign):
            targets = parent.targets if kind is ast.Assign else [parent.target]
            if len(targets) != 1:
                return False
            alias = dotted(targets[0])
            if alias is None:
                return False
            return alias == name or self.all_free(alias, depth + 1)
        return False

    def resorted(self, concat: Any, depth: int) -> bool:
        """A concatenation is harmless when it is re-sorted (``.sort_values``) before use."""
        parent: Any = self.parents.get(id(concat))
        if type(parent) is ast.Attribute and parent.attr in _RESORTING:
            return True
        if type(parent) is ast.Assign and len(parent.targets) == 1:
            alias = dotted(parent.targets[0])
            if alias is not None:
                return any(
                    getattr(self.parents.get(id(use)), "attr", None) in _RESORTING
                    for use in self.loads.get(alias, ())
                )
        return False


def order_free_uses(root: Any, name: str) -> bool:
    """Whether ``name`` (holding a listing) is used, and every use cannot reveal its order.

    Order-free uses: ``len``/``sorted``/``set`` and the other order-free consumers, emptiness
    and membership tests, printing, logging and plotting, a ``.sort()``, a loop whose body only
    handles each item on its own, and an alias (assignment, comprehension, walrus) whose own
    uses are all order-free. An index, ``next(...)``, a return or any other call reveals it.
    """
    return _Uses(root).all_free(name, 0)
