"""The single-pass AST walk behind ``seedlock lint``; the rules live in one module per family.

Determinism contract: the checker is a pure function of the source text. It parses with
:mod:`ast`, never imports or runs the code, walks each tree once in source order and returns the
findings sorted by position, so the same file always gives the same findings in the same order.

Layout: ``_order`` (SL001, SL008), ``_seeding`` (SL002-SL004), ``_torch`` (SL005, SL006),
``_sklearn`` (SL007), ``_environment`` (SL009, SL011), ``_dataset`` (SL010), ``_tensorflow``
(SL012); each defines its rules (with the only copy of their words) and their checks.
``_prefilter`` picks the lines worth walking, ``_noqa`` applies ``# noqa`` comments.
"""

from __future__ import annotations

import ast
import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from seedlock.lint._base import Scope, ScopeEnd
from seedlock.lint._dataset import (
    DRAW_MODULES,
    DRAW_TRIGGERS,
    GLOBAL_DRAW_TERMS,
    PER_SAMPLE_SEEDERS,
    PER_SAMPLE_SEEDING_TERMS,
    PY_DRAWS,
    DatasetRules,
)
from seedlock.lint._environment import ENV_SETTERS, USE_DETERMINISTIC, EnvironmentRules
from seedlock.lint._nodes import FIELDS, dotted, is_none
from seedlock.lint._noqa import suppressed
from seedlock.lint._order import (
    LISTING,
    ORDER_FREE,
    ORDER_KEEPING,
    STR_LIST_METHODS,
    OrderRules,
    order_free_uses,
)
from seedlock.lint._pandas import PANDAS_TERMS, PandasRules
from seedlock.lint._prefilter import candidate_lines
from seedlock.lint._program import ProgramFacts, draw_message
from seedlock.lint._rule import SL000
from seedlock.lint._seeding import (
    CLOCK_TERMS,
    GENERATOR_SEEDING_METHODS,
    GLOBAL_SEEDERS,
    NO_ARG_SEEDS,
    SEED_KEYWORDS,
    SEED_METHODS,
    SEEDERS,
    UNSEEDED_CTORS,
    SeedingRules,
)
from seedlock.lint._sklearn import SKLEARN_ALWAYS, SKLEARN_IF_SHUFFLE, SklearnRules
from seedlock.lint._tensorflow import (
    OP_DETERMINISM,
    TF_DATA_TERMS,
    TF_GLOBAL_SEEDERS,
    TF_SEEDERS,
    TensorflowRules,
)
from seedlock.lint._torch import DATALOADERS, TORCH_SEEDING_TERMS, TorchRules

__all__ = ["Diagnostic", "check_source", "check_source_facts"]

#: Calls that seed a global RNG when given a seed (the whole-program rule SL013 looks for them).
_PROGRAM_SEEDERS = GLOBAL_SEEDERS | {"stable_baselines3.common.utils.set_random_seed"}


@dataclass(frozen=True, order=True)
class Diagnostic:
    """One lint finding.

    Attributes:
        path: the file, as given or found.
        line: 1-based line of the offending expression.
        column: 1-based column.
        code: the rule id, ``"SL001"`` ...
        message: one line saying what is wrong and how to fix it.

    Example:
        >>> d = Diagnostic("a.py", 3, 5, "SL006", "cudnn.benchmark ...")
        >>> f"{d.path}:{d.line}:{d.column}: {d.code}"
        'a.py:3:5: SL006'
    """

    path: str
    line: int
    column: int
    code: str
    message: str


# Names whose presence as a call's terminal name (attribute or imported alias) makes the call
# worth resolving; every other call costs one dict lookup.
_TERMINALS = (
    LISTING
    | ORDER_FREE
    | ORDER_KEEPING
    | {"join", "sort", "union", "zip"}
    | {name.rsplit(".", 1)[1] for name in NO_ARG_SEEDS | SEEDERS | set(UNSEEDED_CTORS)}
    | SEED_METHODS
    | TORCH_SEEDING_TERMS
    | PER_SAMPLE_SEEDING_TERMS
    | {
        "DataLoader",
        "use_deterministic_algorithms",
        "add_argument",
        "set_random_seed",
        "enable_op_determinism",
    }
    | {"setdefault", "putenv", "update"}
    | SKLEARN_ALWAYS
    | SKLEARN_IF_SHUFFLE
    | PY_DRAWS
    | GLOBAL_DRAW_TERMS
    | PANDAS_TERMS
    | TF_DATA_TERMS
)
_TRIGGER_WORDS = tuple(
    word.encode()
    for word in sorted(
        (_TERMINALS - SKLEARN_ALWAYS - SKLEARN_IF_SHUFFLE - GLOBAL_DRAW_TERMS - ORDER_FREE)
        - TF_DATA_TERMS
        - PER_SAMPLE_SEEDING_TERMS
        | {"SeedlockCallback"}
        | DRAW_TRIGGERS
        | {"sorted", "set", "frozenset", "sort", "environ", "benchmark", "PYTHONHASHSEED"}
        | SEED_KEYWORDS
        | STR_LIST_METHODS
        | CLOCK_TERMS
    )
)
_SKLEARN_WORDS = tuple(w.encode() for w in sorted(SKLEARN_ALWAYS | SKLEARN_IF_SHUFFLE))
# Words that only matter in files naming the library (``.sample(`` is pandas' only there).
_LIBRARY_WORDS = (
    (b"sklearn", _SKLEARN_WORDS),
    (b"pandas", tuple(w.encode() for w in sorted(PANDAS_TERMS))),
    (b"tensorflow", tuple(w.encode() for w in sorted(TF_DATA_TERMS))),
    (b"seedlock", tuple(w.encode() for w in sorted(PER_SAMPLE_SEEDING_TERMS))),
)

_Handler = Callable[["_Checker", Any], None]


class _Checker(
    OrderRules,
    SeedingRules,
    TorchRules,
    SklearnRules,
    EnvironmentRules,
    DatasetRules,
    TensorflowRules,
    PandasRules,
):
    """Every rule family over one walk; this class only dispatches."""

    def __init__(
        self, source: bytes, path: str, enabled: frozenset[str], every_line: bool = False
    ) -> None:
        lines = set() if every_line else candidate_lines(source, _TRIGGER_WORDS, _LIBRARY_WORDS)
        super().__init__(source, path, enabled, lines, every_line)
        self.str_sets = set()
        self.str_lists = set()
        self.name_values = {}
        self.cublas_set = []
        self.deterministic_calls = []
        self.tf_seed_calls = []
        self.op_determinism = False
        self.tf_global_seed = False
        self.tf_shuffles = []
        self.torch_seeded = False
        self.loader_findings = []
        self.optional_seed_options = set()
        self.maybe_seed_args = []
        self.draws = []
        self.helper_calls = {}
        self.dataset_classes = []
        self.getitem_draws = []
        self.per_sample_seeded = set()
        self.raises_depth = 0
        self.imports: list[tuple[int, str, tuple[str, ...]]] = []
        self.main_guard = False
        self.main_blocks: list[Any] = []
        self.top_loop = False
        self.program_seeded = False
        self.program_maybe_seeds: list[Any] = []
        self.in_decorator = False

    def visit_import(self, node: Any) -> None:
        for alias in node.names:
            self.imports.append((0, alias.name, ()))
            if alias.asname:
                self.aliases[alias.asname] = alias.name
                self.terminal[alias.asname] = alias.name.rsplit(".", 1)[-1]
                if self.terminal[alias.asname] in _TERMINALS:
                    self.add_word(alias.asname)
            else:
                head = alias.name.split(".", 1)[0]
                self.aliases[head] = head

    def visit_import_from(self, node: Any) -> None:
        self.imports.append((node.level, node.module or "", tuple(a.name for a in node.names)))
        if node.level or not node.module:
            return
        for alias in node.names:
            local = alias.asname or alias.name
            self.aliases[local] = f"{node.module}.{alias.name}"
            self.terminal[local] = alias.name
            if (local != alias.name and alias.name in _TERMINALS) or (
                alias.name in GLOBAL_DRAW_TERMS and node.module in DRAW_MODULES
            ):
                self.add_word(local)

    def visit_scope(self, node: Any) -> None:
        name = node.name
        outer = self.scopes[-1]
        in_getitem = outer.in_getitem
        if type(node) is ast.ClassDef:
            in_getitem = False
        elif name == "__getitem__" and outer.dataset_class:
            in_getitem = True
        is_class = type(node) is ast.ClassDef
        dataset_class = is_class and self.is_dataset_class(node)
        if dataset_class:
            self.dataset_classes.append(name)
        function = outer.function
        in_dataset = outer.in_dataset
        if not is_class and function is None:
            owner = outer.node if outer.is_class else None
            function = (owner.name if owner is not None else None, name)
            in_dataset = outer.dataset_class
        scope = Scope(in_getitem, dataset_class, is_class, node, function, in_dataset)
        if not is_class:
            arguments = node.args
            for arg in (*arguments.posonlyargs, *arguments.args, *arguments.kwonlyargs):
                alias = self.aliases.pop(arg.arg, None)
                if alias is not None:
                    scope.shadowed[arg.arg] = (alias, self.terminal.pop(arg.arg, None))
        self.scopes.append(scope)

    def visit_assign(self, node: Any) -> None:
        value = node.value
        targets = node.targets
        if len(targets) == 1:
            target = targets[0]
            kind = type(target)
            if kind is ast.Name:
                name = target.id
                if self.is_str_set(value):
                    if name not in self.str_sets:
                        self.str_sets.add(name)
                        self.add_word(name)
                else:
                    self.str_sets.discard(name)
                if self.is_str_list(value):
                    if name not in self.str_lists:
                        self.str_lists.add(name)
                        self.add_word(name)
                else:
                    self.str_lists.discard(name)
                value_kind = type(value)
                if value_kind is ast.Attribute or value_kind is ast.Name:
                    self.note_function_alias(name, value)
                else:
                    self.note_clock_name(name, value)
                self.note_assignment(target, value)
            elif kind is ast.Attribute:
                self.note_assignment(target, value)
                self.check_cudnn_assign(node, target, value)
            elif kind in (ast.Tuple, ast.List) and self.is_str_set(value):
                self.set_order(value, "unpacking")
        for target in targets:
            if type(target) is ast.Subscript:
                self.check_environ_store(node, target)

    def note_function_alias(self, name: str, value: Any) -> None:
        """``ls = os.listdir``: later calls of ``ls(...)`` are calls of ``os.listdir``."""
        head = dotted(value)
        if head is None or head.split(".", 1)[0] not in self.aliases:
            self.aliases.pop(name, None)
            self.terminal.pop(name, None)
            return
        qualname = self.qualname(value)
        term = head.rsplit(".", 1)[-1]
        if qualname is not None and term in _TERMINALS:
            self.aliases[name] = qualname
            self.terminal[name] = term
            self.add_word(name)

    def visit_named_expr(self, node: Any) -> None:
        self.note_assignment(node.target, node.value)

    def note_assignment(self, target: Any, value: Any) -> None:
        name = dotted(target)
        if name is None:
            return
        kind = type(value)
        if kind in (ast.ListComp, ast.GeneratorExp):
            value = value.generators[0].iter
        elif (
            kind is ast.Call
            and type(value.func) is ast.Name
            and value.func.id in ("list", "tuple")
            and value.args
        ):
            value = value.args[0]
        if type(value) is ast.Call:
            self.assigned[id(value)] = name

    def visit_call(self, node: Any) -> None:
        func = node.func
        kind = type(func)
        if kind is ast.Attribute:
            term = func.attr
        elif kind is ast.Name:
            term = self.terminal.get(func.id, func.id)
        else:
            return
        if node.keywords and "SL002" in self.enabled:
            self.check_seed_keywords(node)
        scope = self.scopes[-1]
        if scope.in_dataset:
            self.note_helper_call(scope.function, func, kind)
        if term not in _TERMINALS and not scope.in_getitem:
            return
        args = node.args
        if kind is ast.Name and term in ORDER_FREE:
            for arg in args:
                self.safe.add(id(arg))
                if type(arg) is ast.Name and term == "sorted":
                    self.mark_fixed(arg, "SL001")
            return
        if term in ORDER_KEEPING or term in ("join", "zip"):
            self.check_order_keeping(node, term, id(node) in self.safe)
            if kind is ast.Name or term == "join":
                return
        if term == "sort" and kind is ast.Attribute:
            self.mark_fixed(func.value, "SL001")
            return
        if kind is ast.Attribute and term in GENERATOR_SEEDING_METHODS and args:
            self.mark_fixed(func.value, "SL004")
            self.safe.add(id(func.value))
        qualname = self.qualname(func)
        if term in TORCH_SEEDING_TERMS:
            self.note_torch_seed(node, qualname, term)
        if term in LISTING:
            self.check_listing(node, qualname, term, kind is ast.Attribute)
        if kind is ast.Attribute:
            if term in TF_DATA_TERMS:
                self.check_tf_data(node, qualname, term)
            elif term in PANDAS_TERMS:
                self.check_pandas_sample(node)
        if qualname is None:
            return
        self.check_call(node, qualname, term)

    def check_call(self, node: Any, qualname: str, term: str) -> None:
        if qualname in _PROGRAM_SEEDERS and (node.args or node.keywords):
            first = node.args[0] if node.args else None
            if type(first) is ast.Attribute:
                self.program_maybe_seeds.append(first)
            elif not is_none(first):
                self.program_seeded = True
        if self.check_seeding_call(node, qualname, term):
            pass
        elif qualname in UNSEEDED_CTORS:
            self.check_unseeded(node, qualname)
        elif qualname in DATALOADERS:
            self.per_sample_seeded.add("DataLoader")
            self.check_dataloader(node)
        elif qualname.startswith("sklearn.") and (
            term in SKLEARN_ALWAYS or term in SKLEARN_IF_SHUFFLE
        ):
            self.check_sklearn(node, term)
        elif qualname == USE_DETERMINISTIC:
            self.check_use_deterministic(node)
        elif qualname in TF_GLOBAL_SEEDERS:
            self.tf_global_seed = True
            if qualname in TF_SEEDERS:
                self.tf_seed_calls.append(node)
        elif qualname in OP_DETERMINISM:
            self.op_determinism = True
        elif qualname in ENV_SETTERS:
            self.check_env_call(node)
        elif term == "add_argument":
            self.note_seed_option(node)
        elif qualname in PER_SAMPLE_SEEDERS:
            self.per_sample_seeded.add(qualname)
        if term in GLOBAL_DRAW_TERMS or self.scopes[-1].in_getitem:
            self.note_global_draw(node, qualname)

    # -- the walk (see _prefilter for which statements are walked) -------------------------------

    def walk_expr(self, root: Any) -> None:
        handlers = _HANDLERS
        fields = FIELDS
        stack: list[Any] = list(reversed(root)) if type(root) is list else [root]
        pop = stack.pop
        push = stack.append
        extend = stack.extend
        while stack:
            node = pop()
            kind = type(node)
            handler = handlers.get(kind)
            if handler is not None:
                handler(self, node)
            for field in fields[kind]:
                value = getattr(node, field)
                if type(value) is list:
                    extend(reversed(value))
                elif value is not None:
                    push(value)

    def run(self, tree: ast.Module) -> None:
        """Walk a whole module and report what its end decides."""
        self.walk_module(tree)
        self.finish()

    def run_chunk(self, tree: ast.Module) -> None:
        """Walk one chunk of a huge module (see :func:`_chunks`).

        Module-level findings held for a later ``.sort()`` / ``.manual_seed()`` stay held until
        the module ends; the uses that need the syntax tree (order-free uses of a listing, the
        fitting of an estimator) are looked for within the chunk, and per-node marks are
        dropped, so the chunk's tree can be freed."""
        self.walk_module(tree)
        module = self.scopes[0]
        for key in module.pending:
            if key[1] == "SL001" and key not in module.fixed and order_free_uses(tree, key[0]):
                module.fixed.add(key)
        self.settle_estimators(module)
        module.node = None
        self.safe.clear()
        self.assigned.clear()

    def finish(self) -> None:
        self.end_scope(self.scopes[0])
        self.finish_environment()
        self.finish_tensorflow()
        self.finish_torch()
        self.finish_dataset()

    def walk_module(self, tree: ast.Module) -> None:
        compound = _COMPOUND
        scopes = self.scopes
        scopes[0].node = tree
        stack: list[Any] = list(reversed(tree.body))
        pop = stack.pop
        push = stack.append
        extend = stack.extend
        while stack:
            node = pop()
            kind = type(node)
            if kind is ScopeEnd:
                self.end_scope(node.scope)
                for name, (alias, terminal) in node.scope.shadowed.items():
                    self.aliases[name] = alias
                    if terminal is not None:
                        self.terminal[name] = terminal
                scopes.pop()
                continue
            if kind is _RaisesEnd:
                self.raises_depth -= 1
                continue
            parts = compound.get(kind)
            if len(scopes) == 1:
                if kind is ast.If and _is_main_guard(node.test):
                    self.main_guard = True
                    self.main_blocks.append(node)
                elif kind in _LOOPS:
                    # a loop at module level: a script (`for epoch in range(n): ...`)
                    self.top_loop = True
            if parts is None:
                if kind is ast.Import:
                    self.visit_import(node)
                elif kind is ast.ImportFrom:
                    self.visit_import_from(node)
                elif self.hit(node.lineno, node.end_lineno):
                    self.walk_expr(node)
                continue
            header, bodies = parts
            if kind in _SCOPE_TYPES:
                self.visit_scope(node)
                push(ScopeEnd(scopes[-1]))
            elif (kind is ast.With or kind is ast.AsyncWith) and _expects_error(node):
                self.raises_depth += 1
                push(_RAISES_END)
            first_body = getattr(node, bodies[0])
            if header and kind is not ast.Match:
                start = node.lineno
                decorators = getattr(node, "decorator_list", None)
                if decorators:
                    start = decorators[0].lineno
                last = max(start, first_body[0].lineno - 1) if first_body else start
                if self.hit(start, last):
                    if kind is ast.For or kind is ast.AsyncFor:
                        self.visit_for(node)
                    elif kind is ast.If or kind is ast.While:
                        self.safe.add(id(node.test))
                    for field in header:
                        if field == "decorator_list":
                            self.in_decorator = True
                            self.walk_expr(node.decorator_list)
                            self.in_decorator = False
                        else:
                            self.walk_expr(getattr(node, field))
            elif kind is ast.Match:
                subject = node.subject
                if self.hit(subject.lineno, subject.end_lineno):
                    self.walk_expr(subject)
            for field in reversed(bodies):
                value = getattr(node, field)
                if kind is ast.Match:
                    for case in reversed(value):
                        extend(reversed(case.body))
                else:
                    extend(reversed(value))

    def facts(self, lines: list[str] | None) -> ProgramFacts:
        """What the whole-program pass needs from this file (after :meth:`run`)."""
        seeded = self.program_seeded or self.torch_seeded or self.tf_global_seed
        optional = self.optional_seed_options
        seeded = seeded or any(arg.attr not in optional for arg in self.program_maybe_seeds)
        draws = tuple(
            (node.lineno, node.col_offset + 1, shown)
            for node, _, shown, _ in self.draws
            if lines is None
            or not suppressed(lines, node.lineno, node.end_lineno or node.lineno, "SL013")
        )
        return ProgramFacts(draws, seeded, tuple(self.imports), self.runs_as_program())

    def runs_as_program(self) -> bool:
        """A ``__main__`` block or a module-level loop, unless the file is a smoke test.

        A smoke test is a ``__main__`` block that runs no loop and either makes up its own input
        tensor with the global torch RNG (``x = torch.randn(8, 3, 128, 128); loss = model(x)``,
        a library module's self-test) or keeps nothing it computes (see :func:`_keeps_nothing`:
        a demo that builds an untrained model and samples from it): nobody keeps its numbers.
        A training program loops, here or in what it calls.
        """
        if self.top_loop:
            return True
        if not self.main_guard:
            return False
        for block in self.main_blocks:
            if any(type(n) in _LOOPS for n in ast.walk(block)):
                return True
            start, end = block.lineno, block.end_lineno or block.lineno
            draws = any(
                rng == "torch" and start <= node.lineno <= end for node, rng, _, _ in self.draws
            )
            if not draws and not _keeps_nothing(block.body):
                return True
        return False


_LOOPS = (ast.For, ast.AsyncFor, ast.While)

#: Plain functions a demo may call without doing anything a run keeps.
_PURE_BUILTINS = frozenset(
    {
        "len",
        "range",
        "list",
        "tuple",
        "dict",
        "set",
        "int",
        "float",
        "str",
        "bool",
        "isinstance",
        "min",
        "max",
        "sum",
        "abs",
        "zip",
        "enumerate",
        "sorted",
        "reversed",
        "round",
        "getattr",
        "hasattr",
        "type",
        "super",
        "iter",
        "next",
        "map",
        "filter",
        "any",
        "all",
        "slice",
    }
)


def _keeps_nothing(body: list[Any]) -> bool:
    """A block (walked outside its nested ``def``/``class`` bodies) whose every call is a class
    built (a capitalised name), a method or module function reached through an attribute, or a
    pure builtin, and whose every value is bound to a name or only looked at (``out.shape``): it
    calls nothing for its effect (``main()``, ``print(...)``, ``trainer.train()``,
    ``torch.save(...)``, ``open(...)``), so whatever it computes is dropped when it ends.
    """
    stack = list(body)
    while stack:
        node = stack.pop()
        kind = type(node)
        if kind in _SCOPE_TYPES:
            continue
        if kind is ast.Expr and type(node.value) not in (ast.Attribute, ast.Name, ast.Constant):
            return False
        if kind is ast.Call:
            func = node.func
            if type(func) is ast.Name and not (func.id[:1].isupper() or func.id in _PURE_BUILTINS):
                return False
        elif kind in (ast.Await, ast.Yield, ast.YieldFrom, ast.Global, ast.Nonlocal):
            return False
        stack.extend(ast.iter_child_nodes(node))
    return True


def _is_main_guard(test: Any) -> bool:
    """``__name__ == "__main__"`` (either way round)."""
    if type(test) is not ast.Compare or len(test.comparators) != 1:
        return False
    sides = {dotted(test.left), dotted(test.comparators[0])}
    constants = [x for x in (test.left, test.comparators[0]) if type(x) is ast.Constant]
    return "__name__" in sides and any(c.value == "__main__" for c in constants)


class _RaisesEnd:
    """Marks, on the walk's stack, where a ``with pytest.raises(...)`` body ends."""


_RAISES_END = _RaisesEnd()


def _expects_error(node: Any) -> bool:
    """``with pytest.raises(...)`` / ``self.assertRaises(...)``: code expected to fail."""
    for item in node.items:
        expr = item.context_expr
        if type(expr) is ast.Call:
            name = dotted(expr.func)
            if name is not None and name.rsplit(".", 1)[-1] in ("raises", "assertRaises"):
                return True
    return False


_HANDLERS: dict[type, _Handler] = {
    ast.Import: _Checker.visit_import,
    ast.ImportFrom: _Checker.visit_import_from,
    ast.Call: _Checker.visit_call,
    ast.Assign: _Checker.visit_assign,
    ast.ListComp: _Checker.visit_comprehension_owner,
    ast.SetComp: _Checker.visit_comprehension_owner,
    ast.DictComp: _Checker.visit_comprehension_owner,
    ast.GeneratorExp: _Checker.visit_comprehension_owner,
    ast.Compare: _Checker.visit_compare,
    ast.NamedExpr: _Checker.visit_named_expr,
    ast.UnaryOp: _Checker.visit_unary,
    ast.Starred: _Checker.visit_starred,
}
_SCOPE_TYPES = frozenset({ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef})
_COMPOUND: dict[type, tuple[tuple[str, ...], tuple[str, ...]]] = {
    ast.FunctionDef: (("decorator_list", "args", "returns"), ("body",)),
    ast.AsyncFunctionDef: (("decorator_list", "args", "returns"), ("body",)),
    ast.ClassDef: (("decorator_list", "bases", "keywords"), ("body",)),
    ast.For: (("target", "iter"), ("body", "orelse")),
    ast.AsyncFor: (("target", "iter"), ("body", "orelse")),
    ast.While: (("test",), ("body", "orelse")),
    ast.If: (("test",), ("body", "orelse")),
    ast.With: (("items",), ("body",)),
    ast.AsyncWith: (("items",), ("body",)),
    ast.Try: ((), ("body", "handlers", "orelse", "finalbody")),
    ast.ExceptHandler: (("type",), ("body",)),
    ast.Match: (("subject",), ("cases",)),
}
if sys.version_info >= (3, 11):
    _COMPOUND[ast.TryStar] = _COMPOUND[ast.Try]


def check_source(
    source: str | bytes,
    path: str = "<string>",
    enabled: Iterable[str] | None = None,
    *,
    every_line: bool = False,
) -> list[Diagnostic]:
    """Lint one module's source text and return its findings sorted by position.

    The whole-program rule SL013 treats the module as a program of its own: its draws are
    reported when it has a ``__main__`` block and seeds nothing.

    Args:
        source: the module's text (bytes are decoded as Python does, honouring coding cookies).
        path: the name to report findings under.
        enabled: rule ids to check; ``None`` checks every default rule (not the opt-in ones).
        every_line: walk every expression instead of only lines that hold a trigger word
            (slower; the tests use it to show the prefilter drops nothing).

    Example:
        >>> [d.code for d in check_source("import os\\nfiles = os.listdir('.')\\n")]
        ['SL001']
    """
    from seedlock.lint._rules import DEFAULT

    active = DEFAULT if enabled is None else frozenset(enabled)
    found, facts = check_source_facts(source, path, active, every_line=every_line)
    if facts is not None and "SL013" in active and facts.main and not facts.seeds:
        message = draw_message
        found += [
            Diagnostic(path, ln, col, "SL013", message(call, path)) for ln, col, call in facts.draws
        ]
        found.sort()
    return found


def check_source_facts(
    source: str | bytes,
    path: str,
    active: frozenset[str],
    *,
    every_line: bool = False,
) -> tuple[list[Diagnostic], ProgramFacts | None]:
    """The findings of one module (without SL013) and its facts for the whole-program pass
    (``None`` when it does not parse).

    Example:
        >>> found, facts = check_source_facts("import random\\nrandom.random()\\n", "a.py",
        ...     frozenset({"SL013"}))
        >>> found, facts.draws
        ([], ((2, 1, 'random.random'),))
    """
    data = source.encode("utf-8") if isinstance(source, str) else source
    chunks = _chunks(data) if data.count(b"\n") > CHUNK_ABOVE else None
    try:
        if chunks is None:
            tree = ast.parse(source, filename=path)
            checker = _Checker(data, path, active, every_line)
            checker.run(tree)
            del tree
        else:
            checker = _run_chunked(data, path, active, every_line, chunks)
    except (SyntaxError, ValueError, RecursionError, MemoryError) as exc:
        if "SL000" not in active:
            return [], None
        line = getattr(exc, "lineno", None) or 1
        # An unknown coding cookie gives offset -1; SARIF needs startColumn >= 1.
        column = max(1, getattr(exc, "offset", None) or 1)
        message = getattr(exc, "msg", None) or str(exc)
        syntax = SL000.message(f"syntax error ({message})")
        return [Diagnostic(path, line, column, "SL000", syntax)], None
    want_draws = "SL013" in active and bool(checker.draws)
    if not checker.found and not want_draws:
        return [], checker.facts(None) if "SL013" in active else None
    text = source.decode("utf-8", "replace") if isinstance(source, bytes) else source
    lines = text.splitlines()
    facts = checker.facts(lines) if "SL013" in active else None
    out = set()
    for node, code, message in checker.found:
        first = node.lineno
        last = getattr(node, "end_lineno", None) or first
        if not suppressed(lines, first, last, code):
            out.add(Diagnostic(path, first, node.col_offset + 1, code, message))
    return sorted(out), facts


#: Files longer than CHUNK_ABOVE lines are parsed in chunks of about CHUNK_LINES lines of
#: whole top-level statements (a syntax tree takes several kilobytes per line; a 220,000-line
#: generated module would otherwise need > 1 GB).
CHUNK_ABOVE = 40_000
CHUNK_LINES = 20_000
_CONTINUATIONS = frozenset({"else", "elif", "except", "finally"})


def _chunks(data: bytes) -> list[tuple[int, int]] | None:
    """``(first, last)`` line ranges of runs of whole top-level statements, each about
    :data:`CHUNK_LINES` long; ``None`` when the file cannot be tokenized (it is then parsed
    whole, which reports its syntax error)."""
    import io
    import tokenize

    ranges = []
    start = 1
    depth = 0
    decorated = True  # nothing before the first statement to split from
    first_of_statement = True
    skip = (tokenize.NL, tokenize.COMMENT, tokenize.ENCODING, tokenize.INDENT, tokenize.DEDENT)
    try:
        for token in tokenize.tokenize(io.BytesIO(data).readline):
            kind = token.type
            if kind == tokenize.INDENT:
                depth += 1
            elif kind == tokenize.DEDENT:
                depth -= 1
            if kind in skip:
                continue
            if kind == tokenize.NEWLINE:
                first_of_statement = True
                continue
            if kind == tokenize.ENDMARKER:
                break
            if not first_of_statement:
                continue
            first_of_statement = False
            if depth != 0:
                continue
            line = token.start[0]
            if not decorated and token.string not in _CONTINUATIONS and line - start >= CHUNK_LINES:
                ranges.append((start, line - 1))
                start = line
            decorated = token.string == "@"
    except (tokenize.TokenError, SyntaxError, UnicodeDecodeError):
        return None
    ranges.append((start, data.count(b"\n") + 1))
    return ranges


def _run_chunked(
    data: bytes, path: str, active: frozenset[str], every_line: bool, chunks: list[tuple[int, int]]
) -> _Checker:
    """Walk a huge module chunk by chunk, so only one chunk's syntax tree is alive at a time."""
    import tokenize
    from io import BytesIO

    encoding, _ = tokenize.detect_encoding(BytesIO(data).readline)
    lines = data.decode(encoding).splitlines(keepends=True)
    checker = _Checker(data, path, active, every_line)
    for first, last in chunks:
        text = "".join(lines[first - 1 : last])
        try:
            tree = ast.parse(text, filename=path)
        except SyntaxError as exc:
            if exc.lineno is not None:
                exc.lineno += first - 1
            raise
        if first > 1:
            ast.increment_lineno(tree, first - 1)
        checker.run_chunk(tree)
        del tree, text
    checker.finish()
    return checker
