"""Order rules: unsorted directory listings (SL001) and iterating sets of strings (SL008).

Determinism contract: a finding is reported only where the order can reach a result (an index or
slice, ``next()``, a return, a dataset, loader, split or random pick, an unsorted concatenation,
a first-match loop, or a call that consumes it); order-free consumers (``sorted``, ``set``,
``len``, ``in`` ...), a later ``name.sort()`` and per-item handling silence it.
"""

from __future__ import annotations

import ast
from typing import Any

from seedlock.lint._base import CheckerBase, Scope
from seedlock.lint._nodes import ScopeUses, dotted, is_str_constant
from seedlock.lint._rule import Rule

__all__ = [
    "LISTING",
    "ORDER_FREE",
    "ORDER_KEEPING",
    "RULES",
    "SL001",
    "SL008",
    "SL101",
    "OrderRules",
]

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
SL101 = Rule(
    "SL101",
    "unsorted-listing-output",
    "info",
    "Directory listing whose order reaches only a written output (a file, an archive, an upload).",
    "Wrap it in sorted(...) if anything reads that output in order.",
    "returns files in file-system order, which reaches only a written output here (a file, an "
    "archive or an upload); whether it matters depends on who reads it",
    default=False,
)
RULES = (SL001, SL008, SL101)

LISTING = frozenset({"listdir", "scandir", "glob", "iglob", "rglob", "iterdir", "walk"})
_LISTING_QUALIFIED = frozenset({"os.listdir", "os.scandir", "os.walk", "glob.glob", "glob.iglob"})
#: Methods whose result is a list of strings (``set(text.split())`` is a set of strings).
STR_LIST_METHODS = frozenset({"split", "splitlines", "readlines", "rsplit"})
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
    str_lists: set[str]

    def is_str_list(self, node: Any) -> bool:
        """``text.split()``, ``f.readlines()`` ... or a name assigned one: a list of strings."""
        kind = type(node)
        if kind is ast.Call:
            func = node.func
            return type(func) is ast.Attribute and func.attr in STR_LIST_METHODS
        return kind is ast.Name and node.id in self.str_lists

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
                return (is_str_constant(arg) and len(arg.value) > 1) or self.is_str_list(arg)
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
        elif type(iterable) is ast.Call and (not _order_revealing(node.body) or _walk_sorted(node)):
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
        """Drop held SL001 findings whose every later use cannot reveal the order; move to SL101
        those whose order reaches only written outputs."""
        if scope.node is not None:
            uses: _Uses | None = None
            outputs: _Uses | None = None
            for key, held in scope.pending.items():
                if key[1] != "SL001" or key in scope.fixed:
                    continue
                module = self.scopes[0].node
                uses = uses or _Uses(scope.node, module=module)
                if uses.listing_free(held[0][0], key[0]):
                    scope.fixed.add(key)
                    continue
                outputs = outputs or _Uses(scope.node, outputs=True, module=module)
                if outputs.listing_free(held[0][0], key[0]):
                    scope.fixed.add(key)
                    if "SL101" in self.enabled:
                        for node, _, _ in held:
                            self.report(node, SL101, f"{self.listing_subject(node)}()")
        if "SL001" not in self.enabled:  # held only to be moved to SL101
            scope.fixed.update(key for key in scope.pending if key[1] == "SL001")
        super().end_scope(scope)

    def listing_subject(self, node: Any) -> str | None:
        """``os.listdir``, ``Path.glob`` ...: how a listing call is named in findings."""
        func = node.func
        method = type(func) is ast.Attribute
        term = func.attr if method else self.terminal.get(func.id, func.id)
        qualname = self.qualname(func)
        if qualname in _LISTING_QUALIFIED:
            return qualname
        if method and term in _PATH_METHODS and qualname not in ("glob.glob", "glob.iglob"):
            return f"Path.{term}"
        return None

    def check_listing(self, node: Any, qualname: str | None, term: str, method: bool) -> None:
        if "SL001" not in self.enabled and "SL101" not in self.enabled:
            return
        if qualname in _LISTING_QUALIFIED:
            shown = qualname
        elif method and term in _PATH_METHODS and qualname not in ("glob.glob", "glob.iglob"):
            shown = f"Path.{term}"
        else:
            return
        if id(node) in self.safe:
            return
        if term in ("glob", "iglob") and node.args and _exact_name(node.args[0]):
            return
        # Held under the name it is bound to (an attribute of self: in its class), or under its
        # own key; its uses are followed at scope end.
        scope = self.scopes[-1]
        target = self.assigned.get(id(node))
        if target is None:
            target = f"#{id(node)}"
        elif target.startswith("self."):
            scope = next((s for s in reversed(self.scopes) if s.is_class), scope)
        scope.pending.setdefault((target, "SL001"), []).append(
            (node, "SL001", SL001.message(f"{shown}()"))
        )


def _exact_name(pattern: Any) -> bool:
    """A glob pattern with no wildcard (``*``, ``?``, ``[``) in its literal pieces and a literal
    last piece (``glob(d + "/config.yaml")``, ``Path(w).glob(f"{stem}.yaml")``): it names one
    path, so it matches at most one file and its order cannot matter. (``rglob`` is left out:
    one name searched in a tree can match a file in each directory.)"""
    pieces: list[Any] = []
    stack = [pattern]
    while stack:
        node = stack.pop()
        kind = type(node)
        if kind is ast.BinOp and type(node.op) in (ast.Add, ast.Div):
            stack += [node.right, node.left]
        elif kind is ast.JoinedStr:
            stack += reversed(node.values)
        elif kind is ast.Call and node.args and not node.keywords:
            name = dotted(node.func)
            if name not in ("os.path.join", "str", "Path", "pathlib.Path", "join"):
                return False
            stack += reversed(node.args)
        else:
            pieces.append(node)
    constants = [p.value for p in pieces if type(p) is ast.Constant]
    if any(type(c) is not str or any(w in c for w in "*?[") for c in constants):
        return False
    return bool(pieces) and type(pieces[-1]) is ast.Constant


def _walk_sorted(node: Any) -> bool:
    """``for root, dirs, files in os.walk(d)`` whose body sorts ``dirs`` in place and only uses
    ``files`` sorted: the walk then visits directories and files in sorted order."""
    target = node.target
    if type(target) is not ast.Tuple or len(target.elts) != 3:
        return False
    dirs, files = target.elts[1], target.elts[2]
    if type(dirs) is not ast.Name or type(files) is not ast.Name:
        return False
    dirs_sorted = False
    parents: dict[int, Any] = {}
    uses = []
    for statement in node.body:
        sub: Any
        for sub in ast.walk(statement):
            for child in ast.iter_child_nodes(sub):
                parents[id(child)] = sub
            kind = type(sub)
            if (
                kind is ast.Call
                and type(sub.func) is ast.Attribute
                and sub.func.attr == "sort"
                and dotted(sub.func.value) == dirs.id
            ) or (
                kind is ast.Assign
                and type(sub.targets[0]) is ast.Subscript
                and dotted(sub.targets[0].value) == dirs.id
                and type(sub.value) is ast.Call
                and dotted(sub.value.func) == "sorted"
            ):
                dirs_sorted = True
            elif kind is ast.Name and sub.id == files.id:
                uses.append(sub)
    if not dirs_sorted:
        return False
    for use in uses:
        parent = parents.get(id(use))
        if not (type(parent) is ast.Call and dotted(parent.func) in ("sorted", "len")):
            return False
    return True


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
#: Methods that add to or remove from a collection without reading its order.
_MUTATING = frozenset({"append", "extend", "insert", "remove", "discard", "add", "clear"})
#: Modules whose calls run commands or handle files: a listing they consume reaches no result.
_HARMLESS_HEADS = frozenset({"subprocess", "os", "shutil"})
#: Methods that pick an element by position.
_PICKING = frozenset({"pop", "index", "popleft", "__getitem__"})
#: Calls that join sequences; harmless only when re-sorted afterwards.
_JOINING = frozenset({"concat", "concatenate", "cat", "stack", "hstack", "vstack"})
#: Words in a callee's name that mark a consumer whose result depends on the order: datasets,
#: loaders, splits and random picks (``train_test_split``, ``random.shuffle``, ``rng.choice``).
_ORDER_CONSUMING_WORDS = ("dataset", "loader", "split", "fold", "shuffle", "sample", "choice")
_MAX_ALIAS_DEPTH = 4
#: Calls that delete the path they are given.
_DELETING = frozenset({"os.remove", "os.unlink", "os.rmdir", "shutil.rmtree"})
#: Names of pytest's per-test temporary directories.
_TEST_DIRECTORIES = frozenset({"tmp_path", "tmpdir"})
#: Calls that write an output (a file's whole text, a table, a figure, an upload): a listing whose
#: order reaches only these (or an archive's entries) is SL101 (opt-in), not SL001. A text file
#: written line by line is not among them: it is often a list of training files.
_OUTPUT_TERMS = frozenset(
    {
        "write_text",
        "write_bytes",
        "to_csv",
        "to_json",
        "to_parquet",
        "to_excel",
        "savefig",
        "imwrite",
        "upload_file",
        "upload_folder",
        "create_commit",
        "CommitOperationAdd",
    }
)
#: Methods that add an entry to an archive (``zipfile.ZipFile``, ``tarfile.open``).
_ARCHIVE_WRITES = frozenset({"write", "writestr", "add", "addfile"})
_ARCHIVES = frozenset({"ZipFile", "TarFile", "tarfile.open"})


class _Uses(ScopeUses):
    """The uses of names within one scope node (built only when a finding is held)."""

    def __init__(self, root: Any, outputs: bool = False, module: Any = None) -> None:
        self.root = root
        # The module the scope is in, to follow a listing into the module's own functions
        # (``process(files)``) and out of them to their callers (``return files``).
        self.module = module
        # Whether calls that write outputs (`_OUTPUT_TERMS`, archive entries) reach no result.
        self.outputs = outputs
        # Names bound to an open archive (`with zipfile.ZipFile(...) as archive`).
        self.archives: set[str] = set()
        self.bound: set[str] = set()
        # name -> first line where it is rebound to an order-free value (`x = sorted(x)`).
        self.resorted_at: dict[str, int] = {}
        # name -> lines where it is bound to a new value that is not computed from itself.
        self.rebound: dict[str, list[int]] = {}
        # names whose length is compared with 1 (`if len(x) != 1: ...`): one match at most.
        self.unique: set[str] = set()
        super().__init__(root)

    def visit(self, node: Any, kind: type) -> None:
        if kind is ast.Name:
            self.bound.add(node.id)
            if self._fresh_binding(node):
                self.rebound.setdefault(node.id, []).append(node.lineno)
        elif kind is ast.Assign and len(node.targets) == 1 and _order_free_value(node.value):
            self._resorted(node.targets[0], node.lineno)
        elif kind is ast.Call and getattr(node.func, "attr", None) == "sort":
            self._resorted(node.func.value, node.lineno)
        elif kind is ast.Compare:
            self._note_unique(node)
        elif self.outputs and kind is ast.withitem and _opens_archive(node.context_expr):
            name = dotted(node.optional_vars) if node.optional_vars is not None else None
            if name is not None:
                self.archives.add(name)

    def output_call(self, call: Any) -> bool:
        """Whether ``call`` writes an output: `_OUTPUT_TERMS`, or an entry of an open archive."""
        func = call.func
        term = func.id if type(func) is ast.Name else getattr(func, "attr", None)
        if term in _OUTPUT_TERMS:
            return True
        return term in _ARCHIVE_WRITES and dotted(getattr(func, "value", None)) in self.archives

    def _resorted(self, target: Any, line: int) -> None:
        name = dotted(target)
        if name is not None:
            self.resorted_at[name] = min(self.resorted_at.get(name, line), line)

    def _note_unique(self, node: Any) -> None:
        """Remember ``x`` in ``len(x) != 1``, ``len(x) > 1``, ``len(x) == 1`` and the like."""
        left = node.left
        if len(node.ops) != 1 or type(left) is not ast.Call or len(left.args) != 1:
            return
        if getattr(left.func, "id", None) != "len":
            return
        right = node.comparators[0]
        if type(right) is ast.Constant and right.value == 1:
            name = dotted(left.args[0])
            if name is not None:
                self.unique.add(name)

    def _fresh_binding(self, node: Any) -> bool:
        """Whether a stored name gets a value not computed from its old one (``x += ...`` and
        ``x = f(x)`` keep it; a loop or comprehension variable or ``x = y`` replace it)."""
        parent: Any = self.parents.get(id(node))
        if type(parent) is ast.AugAssign:
            return False
        if type(parent) is ast.Assign:
            return not any(
                type(sub) is ast.Name and sub.id == node.id for sub in ast.walk(parent.value)
            )
        return True

    def listing_free(self, listing: Any, target: str) -> bool:
        """Whether a held listing, bound to ``target`` (``#...``: to no name), reaches no result."""
        if _lists_test_directory(listing) or self.stands_for_file(listing):
            return True
        if target.startswith("#"):
            return self.free(listing, target, 0)
        return self.all_free(target, 0, listing.lineno)

    def stands_for_file(self, listing: Any) -> bool:
        """Whether ``listing`` picks the first match in a directory given in place of one file:
        ``if not Path(w).is_file(): w = next(Path(w).glob("*.xml"))``, ``if w.is_dir():
        f = next(w.rglob("*.json"), None)``. A path that may name the file or its directory
        (an exported model) holds one match by construction."""
        func = listing.func
        if type(func) is ast.Attribute and func.attr in _PATH_METHODS:
            directory = func.value
        elif listing.args and type(func) is ast.Attribute and func.attr in ("listdir", "scandir"):
            directory = listing.args[0]
        else:
            return False
        pick: Any = listing
        parent: Any = self.parents.get(id(listing))
        if type(parent) is ast.Call and getattr(parent.func, "id", None) == "iter":
            pick, parent = parent, self.parents.get(id(parent))
        if type(parent) is ast.Call and getattr(parent.func, "id", None) == "next":
            picked = bool(parent.args) and parent.args[0] is pick
        else:
            picked = type(parent) is ast.Subscript and _first_or_last(parent.slice)
        if not picked:
            return False
        wanted = ast.dump(directory)
        node: Any = parent
        while node is not None and node is not self.root:
            up: Any = self.parents.get(id(node))
            if (
                type(up) is ast.If
                and any(statement is node for statement in up.body)
                and _tests_directory(up.test, wanted)
            ):
                return True
            node = up
        return False

    def all_free(self, name: str, depth: int, after: int = 0) -> bool:
        """Whether every use of ``name`` (holding a listing since line ``after``) cannot reveal
        its order.

        Uses after the name is rebound to a sorted or an unrelated value do not count. A name
        with no use is harmless only as a local of a function; at module level it may be
        imported elsewhere.
        """
        if depth > _MAX_ALIAS_DEPTH:
            return False
        uses = self.loads.get(name, [])
        resorted = self.resorted_at.get(name)
        if resorted is not None and resorted >= after:
            uses = [use for use in uses if use.lineno <= resorted]
        later = [line for line in self.rebound.get(name, ()) if line > after]
        if later:  # uses on the rebinding line read the new value (`for f in ...`)
            uses = [use for use in uses if use.lineno < min(later)]
        if not uses:
            return type(self.root) is not ast.Module and name in self.bound and "." not in name
        if type(self.root) is ast.Module and all(self._mutated(use) for use in uses):
            return False  # only added to: the collection is read somewhere else
        return all(self.free(use, name, depth) for use in uses)

    def _deleted(self, pick: Any) -> bool:
        """Whether a picked element is only deleted: `os.remove(x[0])`, `Path(x[0]).unlink()`."""
        call: Any = self.parents.get(id(pick))
        if type(call) is not ast.Call or not call.args or call.args[0] is not pick:
            return False
        if dotted(call.func) in _DELETING:
            return True
        if getattr(call.func, "id", getattr(call.func, "attr", None)) != "Path":
            return False
        method: Any = self.parents.get(id(call))
        if type(method) is not ast.Attribute or method.attr not in ("unlink", "rmdir"):
            return False
        outer: Any = self.parents.get(id(method))
        return type(outer) is ast.Call and outer.func is method

    def _mutated(self, use: Any) -> bool:
        parent: Any = self.parents.get(id(use))
        return type(parent) is ast.Attribute and parent.attr in _MUTATING

    def free(self, node: Any, name: str, depth: int) -> bool:
        """Whether the value of ``node`` (an expression holding the listing) reaches no result.

        Results are: an index or slice, ``next(...)``, a return or yield, a dataset, loader,
        split or random pick, a concatenation that is not re-sorted, a loop that stops at a
        match or collects in order, and anything these receive through names and calls.
        """
        parent: Any = self.parents.get(id(node))
        kind = type(parent)
        if kind is ast.keyword:
            node, parent = parent, self.parents.get(id(parent))
            kind = type(parent)
        if kind is ast.Call:
            return self.call_free(parent, node, name, depth)
        if kind is ast.Attribute:
            grand: Any = self.parents.get(id(parent))
            attr: str = parent.attr
            if type(grand) is not ast.Call or grand.func is not parent:
                return False
            if attr in _RESORTING or attr in _MUTATING:
                return True
            if self.outputs and self.output_call(grand):
                return True
            if attr in _PICKING:
                return False
            # Any other method (``df.to_csv(...)``, ``arr.reshape(...)``): followed like a call.
            return self.free(grand, name, depth)
        if kind is ast.Subscript:
            if node is not parent.value:
                return True  # used as a key, not indexed
            # Indexing a listing checked to hold one match at most picks no order, nor does
            # picking a file only to delete it.
            return (name in self.unique and _first_or_last(parent.slice)) or self._deleted(parent)
        if kind is ast.UnaryOp:
            return type(parent.op) is ast.Not
        if kind in (ast.If, ast.While, ast.IfExp):
            return node is parent.test
        if kind is ast.Assert:
            return True  # its test or its message
        if kind is ast.Return:
            return self.returned_free(depth)
        if kind in (ast.BoolOp, ast.Starred, ast.List, ast.Tuple, ast.BinOp, ast.Dict):
            return self.free(parent, name, depth)
        if kind in (ast.Set, ast.FormattedValue, ast.SetComp):
            return True
        if kind is ast.Expr:
            # A value dropped unused is harmless; one consumed by a call (`model.fit(x)`,
            # `df.to_csv(path)`) may depend on the order, unless the call runs a command or
            # handles files. A bare listing stays visible.
            if type(node) is not ast.Call:
                return True
            head = dotted(node.func)
            return (
                not _is_listing(node)
                and head is not None
                and (head.split(".", 1)[0] in _HARMLESS_HEADS)
            )
        if kind is ast.Compare:
            if all(type(op) in (ast.Is, ast.IsNot) for op in parent.ops):
                return True
            return node is not parent.left and all(
                type(op) in (ast.In, ast.NotIn) for op in parent.ops
            )
        if kind in (ast.For, ast.AsyncFor):
            return node is parent.iter and not self.body_reveals(parent, depth)
        if kind is ast.comprehension:
            owner: Any = self.parents.get(id(parent))
            if node is not parent.iter or owner is None:
                return False
            return type(owner) is ast.SetComp or self.free(owner, name, depth)
        if kind in (ast.Assign, ast.NamedExpr, ast.AnnAssign, ast.AugAssign):
            targets = parent.targets if kind is ast.Assign else [parent.target]
            if len(targets) != 1 or node is not parent.value:
                return False
            alias = dotted(targets[0])
            if alias is None:
                return False
            return alias == name or self.all_free(alias, depth + 1, parent.lineno)
        return False

    def call_free(self, call: Any, node: Any, name: str, depth: int) -> bool:
        """Whether ``node``, an argument of ``call``, reaches no result through it."""
        func = call.func
        if node is func:
            return False
        head = dotted(func)
        head = head.split(".", 1)[0] if head else None
        term = func.id if type(func) is ast.Name else getattr(func, "attr", None)
        if term in ORDER_FREE or head in _SHOWING_HEADS:
            return True
        if self.outputs and self.output_call(call):
            return True
        if term == "next":
            # next(os.walk(d)) is the top directory's (root, dirs, files), not a first match;
            # its lists are as unordered as os.listdir's, and mostly used for membership.
            return type(node) is ast.Call and (dotted(node.func) or "").endswith("walk")
        if term in _MUTATING and type(func) is ast.Attribute:
            # `files.extend(listing)`: the order now lives in `files`.
            into = dotted(func.value)
            return into is not None and self.all_free(into, depth + 1, call.lineno)
        if term in _JOINING:
            return self.resorted(call, depth)
        if term is not None and (
            term[:1].isupper() or any(word in term.lower() for word in _ORDER_CONSUMING_WORDS)
        ):
            return False  # a class (Dataset, DataFrame ...), a split or a random pick
        helper = self.helper_parameter(call, node)
        if helper is not None:
            # A function of this module that handles what it is given without revealing its
            # order (`process(files)`: each file on its own), and whose value, if kept, reaches
            # no result here.
            function, parameter = helper
            inner = _Uses(function, self.outputs, self.module)
            if inner.all_free(parameter, depth + 1) and (
                type(self.parents.get(id(call))) is ast.Expr or self.free(call, name, depth)
            ):
                return True
        # Order-keeping wrappers, and any other call: what it returns may keep the order.
        return self.free(call, name, depth)

    def module_function(self, name: str) -> Any:
        """The module-level ``def`` of ``name`` in this module, if there is exactly one."""
        if self.module is None:
            return None
        found = [
            s
            for s in self.module.body
            if type(s) in (ast.FunctionDef, ast.AsyncFunctionDef) and s.name == name
        ]
        return found[0] if len(found) == 1 else None

    def helper_parameter(self, call: Any, node: Any) -> tuple[Any, str] | None:
        """``(function, parameter)`` when ``call`` calls a function of this module and ``node``
        is its positional or keyword argument bound to a plain parameter."""
        func = call.func
        if type(func) is not ast.Name or self.module is None:
            return None
        function = self.module_function(func.id)
        if function is None:
            return None
        args = function.args
        plain = [a.arg for a in (*args.posonlyargs, *args.args)]
        parent: Any = self.parents.get(id(node))
        if type(parent) is ast.keyword and parent.arg is not None:
            names = plain + [a.arg for a in args.kwonlyargs]
            return (function, parent.arg) if parent.arg in names else None
        if any(type(a) is ast.Starred for a in call.args):
            return None
        index = next((i for i, a in enumerate(call.args) if a is node), None)
        if index is None or index >= len(plain):
            return None
        return function, plain[index]

    def returned_free(self, depth: int) -> bool:
        """Whether a value returned by this scope's function reaches no result at any of its
        calls in the module (a module-level function called nowhere here may be imported: not
        free)."""
        root = self.root
        if depth >= _MAX_ALIAS_DEPTH or self.module is None:
            return False
        if type(root) not in (ast.FunctionDef, ast.AsyncFunctionDef):
            return False
        if self.module_function(root.name) is not root:
            return False
        calls = 0
        for statement in self.module.body:
            scope = (
                statement if type(statement) in (ast.FunctionDef, ast.AsyncFunctionDef) else None
            )
            sites = [
                sub
                for sub in ast.walk(statement)
                if type(sub) is ast.Call and type(sub.func) is ast.Name and sub.func.id == root.name
            ]
            if not sites:
                continue
            uses = _Uses(scope if scope is not None else self.module, self.outputs, self.module)
            for site in sites:
                calls += 1
                if not uses.free(site, f"#{id(site)}", depth + 1):
                    return False
        return calls > 0

    def body_reveals(self, loop: Any, depth: int) -> bool:
        """Whether a loop's body can make its result depend on the order of iteration.

        Stopping at a match (return, break, yield), writing in order, collecting
        into a collection whose order is later read, or storing by position reveal it. Handling
        each item on its own does not: storing under a key taken from the item, filling arrays
        made inside the body, or adding to a collection only counted, sorted or averaged later.
        """
        # Names bound afresh in the body (not only by `+=`): a new value for each item.
        local: set[str] = set()
        sub: Any
        for statement in loop.body:
            for sub in ast.walk(statement):
                if type(sub) is ast.AugAssign or _self_update(sub):
                    continue
                for child in ast.iter_child_nodes(sub):
                    if type(child) is ast.Name and type(child.ctx) is ast.Store:
                        local.add(child.id)
        item = loop.target.id if type(loop.target) is ast.Name else None
        for statement in loop.body:
            for sub in ast.walk(statement):
                kind = type(sub)
                if kind in (ast.Return, ast.Break, ast.Yield, ast.YieldFrom):
                    return True
                if kind is ast.Assign:
                    if (
                        _self_update(sub)
                        and sub.targets[0].id not in local
                        and not self.all_free(sub.targets[0].id, depth + 1, loop.lineno)
                    ):
                        return True  # `acc = [item, *acc]`, `acc = acc + [item]`
                    for target in sub.targets:
                        if type(target) is ast.Subscript and not _keyed(target, local, item):
                            return True
                elif kind is ast.AugAssign and type(sub.op) is ast.Add:
                    if not self._accumulates(sub.target, sub.value, local, depth, loop.lineno):
                        return True
                elif kind is ast.Call:
                    func = sub.func
                    if type(func) is ast.Attribute and func.attr in _COLLECTING_METHODS:
                        if self.outputs and self.output_call(sub):
                            continue
                        into = dotted(func.value)
                        if into is None or not (
                            into in local or self.all_free(into, depth + 1, loop.lineno)
                        ):
                            return True
        return False

    def _accumulates(self, target: Any, value: Any, local: set[str], depth: int, line: int) -> bool:
        """Whether ``target += value`` in a loop body (at ``line``) keeps the result order-free."""
        kind = type(target)
        if kind is ast.Name:
            return target.id in local or self.all_free(target.id, depth + 1, line)
        if kind is ast.Subscript:  # a per-key running sum, unless lists are joined
            return type(value) not in (ast.List, ast.ListComp, ast.Tuple)
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


def _opens_archive(value: Any) -> bool:
    """``zipfile.ZipFile(...)``, ``ZipFile(...)``, ``tarfile.open(...)``, ``TarFile(...)``."""
    if type(value) is not ast.Call:
        return False
    name = dotted(value.func)
    return name is not None and (name in _ARCHIVES or name.rsplit(".", 1)[-1] in _ARCHIVES)


def _lists_test_directory(listing: Any) -> bool:
    """Whether ``listing`` lists a directory a test made for itself (pytest's ``tmp_path``,
    ``tmpdir``): it holds what the test wrote, so a first match is the one it wrote."""
    return any(
        type(sub) is ast.Name and sub.id in _TEST_DIRECTORIES
        for part in (listing.func, *listing.args)
        for sub in ast.walk(part)
    )


def _tests_directory(test: Any, wanted: str) -> bool:
    """``d.is_dir()``, ``not d.is_file()``, ``os.path.isdir(d)``, ``not os.path.isfile(d)`` for
    the expression dumped as ``wanted``."""
    negated = type(test) is ast.UnaryOp and type(test.op) is ast.Not
    if negated:
        test = test.operand
    if type(test) is not ast.Call or type(test.func) is not ast.Attribute:
        return False
    attr = test.func.attr
    if attr in ("is_dir", "isdir"):
        want = not negated
    elif attr in ("is_file", "isfile"):
        want = negated
    else:
        return False
    if not want:
        return False
    if attr.startswith("is_"):
        subject = test.func.value
    elif dotted(test.func) == "os.path." + attr and len(test.args) == 1:
        subject = test.args[0]
    else:
        return False
    return ast.dump(subject) == wanted


def _self_update(node: Any) -> bool:
    """``x = [item, *x]``, ``x = x + [item]``: a name assigned a value computed from itself."""
    if type(node) is not ast.Assign or len(node.targets) != 1:
        return False
    target = node.targets[0]
    return type(target) is ast.Name and any(
        type(sub) is ast.Name and sub.id == target.id for sub in ast.walk(node.value)
    )


def _first_or_last(index: Any) -> bool:
    """``[0]`` or ``[-1]``."""
    wanted = 0
    if type(index) is ast.UnaryOp and type(index.op) is ast.USub:
        index, wanted = index.operand, 1
    return type(index) is ast.Constant and type(index.value) is int and index.value == wanted


def _is_listing(node: Any) -> bool:
    if type(node) is not ast.Call:
        return False
    func = node.func
    term = func.id if type(func) is ast.Name else getattr(func, "attr", None)
    return term in LISTING


def _order_free_value(value: Any) -> bool:
    """``sorted(...)``, ``set(...)``, ``len(...)`` ... maybe inside ``list()``/``tuple()``."""
    while type(value) is ast.Call and type(value.func) is ast.Name:
        if value.func.id in ORDER_FREE:
            return True
        if value.func.id not in ("list", "tuple") or len(value.args) != 1:
            return False
        value = value.args[0]
    return False


def _keyed(target: Any, local: set[str], item: str | None) -> bool:
    """Whether a store ``base[key] = ...`` in a loop body is per item: into an array made in
    the body, or under a key computed from the item (not a running position)."""
    base = target.value
    if type(base) is ast.Name and base.id in local:
        return True
    key: Any
    for key in ast.walk(target.slice):
        if type(key) is ast.Name and (key.id == item or key.id in local):
            return True
    return False


def order_free_uses(root: Any, name: str) -> bool:
    """Whether ``name`` (holding a listing) is used, and every use cannot reveal its order.

    Order-free uses: ``len``/``sorted``/``set`` and the other order-free consumers, emptiness
    and membership tests, printing, logging and plotting, a ``.sort()``, a loop whose body only
    handles each item on its own, and an alias (assignment, comprehension, walrus) whose own
    uses are all order-free. An index, ``next(...)``, a return, a dataset, a split or a random
    pick reveals it.
    """
    return _Uses(root).all_free(name, 0)
