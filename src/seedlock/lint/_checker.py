"""The single-pass AST checker behind ``seedlock lint``.

Determinism contract: the checker is a pure function of the source text. It parses with
:mod:`ast`, never imports or runs the code, walks each tree once in source order and returns the
findings sorted by position, so the same file always gives the same findings in the same order.
"""

from __future__ import annotations

import ast
import re
import sys
from bisect import bisect_left
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

__all__ = ["Diagnostic", "check_source"]


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
_LISTING = frozenset({"listdir", "scandir", "glob", "iglob", "rglob", "iterdir"})
_LISTING_QUALIFIED = frozenset({"os.listdir", "os.scandir", "glob.glob", "glob.iglob"})
_PATH_METHODS = frozenset({"glob", "rglob", "iterdir"})
# Consumers for which the order of their argument does not matter.
_ORDER_FREE = frozenset(
    {"sorted", "set", "frozenset", "len", "min", "max", "any", "all", "sum", "bool", "Counter"}
)
# Order-preserving wrappers: safe inside an order-free consumer, order-revealing otherwise.
_ORDER_KEEPING = frozenset({"list", "tuple", "iter", "enumerate", "reversed"})

_NO_ARG_SEEDS = frozenset(
    {
        "random.seed",
        "numpy.random.seed",
        "torch.seed",
        "torch.random.seed",
        "torch.cuda.seed",
        "torch.cuda.seed_all",
    }
)
_SEEDERS = frozenset(
    {
        "random.seed",
        "numpy.random.seed",
        "torch.manual_seed",
        "torch.random.manual_seed",
        "torch.cuda.manual_seed",
        "torch.cuda.manual_seed_all",
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
_SEED_METHODS = frozenset({"manual_seed", "seed", "set_seed"})
_SEED_KEYWORDS = frozenset({"seed", "random_state", "random_seed", "rng"})
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
_UNSEEDED_CTORS = {
    "numpy.random.default_rng": "np.random.default_rng()",
    "numpy.random.RandomState": "np.random.RandomState()",
    "random.Random": "random.Random()",
    "torch.Generator": "torch.Generator()",
}
_GENERATOR_SEEDING_METHODS = frozenset({"manual_seed", "seed"})
_DATALOADERS = frozenset({"torch.utils.data.DataLoader", "torch.utils.data.dataloader.DataLoader"})
_SKLEARN_ALWAYS = frozenset(
    {
        "train_test_split",
        "ShuffleSplit",
        "StratifiedShuffleSplit",
        "GroupShuffleSplit",
        "RepeatedKFold",
        "RepeatedStratifiedKFold",
        "RandomForestClassifier",
        "RandomForestRegressor",
        "ExtraTreesClassifier",
        "ExtraTreesRegressor",
        "RandomTreesEmbedding",
        "GradientBoostingClassifier",
        "GradientBoostingRegressor",
        "HistGradientBoostingClassifier",
        "HistGradientBoostingRegressor",
        "BaggingClassifier",
        "BaggingRegressor",
        "AdaBoostClassifier",
        "AdaBoostRegressor",
        "IsolationForest",
        "DecisionTreeClassifier",
        "DecisionTreeRegressor",
        "ExtraTreeClassifier",
        "ExtraTreeRegressor",
        "KMeans",
        "MiniBatchKMeans",
        "BisectingKMeans",
        "SpectralClustering",
        "GaussianMixture",
        "BayesianGaussianMixture",
        "TruncatedSVD",
        "NMF",
        "MiniBatchNMF",
        "FastICA",
        "LatentDirichletAllocation",
        "DictionaryLearning",
        "MiniBatchDictionaryLearning",
        "SparseRandomProjection",
        "GaussianRandomProjection",
        "TSNE",
        "MDS",
        "SpectralEmbedding",
        "SGDClassifier",
        "SGDRegressor",
        "SGDOneClassSVM",
        "Perceptron",
        "PassiveAggressiveClassifier",
        "PassiveAggressiveRegressor",
        "MLPClassifier",
        "MLPRegressor",
        "RANSACRegressor",
        "RBFSampler",
        "Nystroem",
        "SkewedChi2Sampler",
        "RandomizedSearchCV",
        "permutation_importance",
        "make_classification",
        "make_regression",
        "make_blobs",
        "make_moons",
        "make_circles",
        "make_multilabel_classification",
        "make_friedman1",
        "make_s_curve",
        "make_swiss_roll",
        "resample",
        "shuffle",
    }
)
_SKLEARN_SEEDS_ITS_ESTIMATOR = frozenset(
    {"BaggingClassifier", "BaggingRegressor", "AdaBoostClassifier", "AdaBoostRegressor"}
)
# These take random_state only when shuffle=True.
_SKLEARN_IF_SHUFFLE = frozenset({"KFold", "StratifiedKFold", "GroupKFold"})
_NP_GENERATOR_API = frozenset(
    {
        "default_rng",
        "Generator",
        "RandomState",
        "SeedSequence",
        "BitGenerator",
        "PCG64",
        "PCG64DXSM",
        "MT19937",
        "Philox",
        "SFC64",
        "get_state",
        "set_state",
        "seed",
    }
)
_PY_DRAWS = frozenset(
    {
        "random",
        "randint",
        "randrange",
        "choice",
        "choices",
        "shuffle",
        "sample",
        "uniform",
        "gauss",
        "normalvariate",
        "lognormvariate",
        "triangular",
        "betavariate",
        "expovariate",
        "gammavariate",
        "paretovariate",
        "weibullvariate",
        "vonmisesvariate",
        "getrandbits",
        "randbytes",
        "binomialvariate",
    }
)
_ENV_SETTERS = frozenset({"os.environ.setdefault", "os.putenv", "os.environ.update"})
_OP_DETERMINISM = frozenset({"tensorflow.config.experimental.enable_op_determinism"})
_TF_SEEDERS = frozenset({"tensorflow.random.set_seed", "tensorflow.compat.v1.set_random_seed"})
_USE_DETERMINISTIC = "torch.use_deterministic_algorithms"

_TERMINALS = (
    _LISTING
    | _ORDER_FREE
    | _ORDER_KEEPING
    | {"join", "sort", "union", "zip"}
    | {name.rsplit(".", 1)[1] for name in _NO_ARG_SEEDS | _SEEDERS | set(_UNSEEDED_CTORS)}
    | _SEED_METHODS
    | {"DataLoader", "use_deterministic_algorithms", "set_random_seed", "enable_op_determinism"}
    | {"setdefault", "putenv", "update"}
    | _SKLEARN_ALWAYS
    | _SKLEARN_IF_SHUFFLE
    | _PY_DRAWS
)

_NOQA = re.compile(r"#\s*noqa(?::\s*(?P<codes>[A-Za-z]+[0-9]+(?:[\s,]+[A-Za-z]+[0-9]+)*))?", re.I)
_CODE = re.compile(r"[A-Za-z]+[0-9]+")

_Handler = Callable[["_Checker", Any], None]


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


_FIELDS = _fields_by_type()


class _ScopeEnd:
    __slots__ = ("scope",)

    def __init__(self, scope: _Scope) -> None:
        self.scope = scope


class _Scope:
    __slots__ = ("dataset_class", "fixed", "in_getitem", "is_class", "pending")

    def __init__(
        self, in_getitem: bool, dataset_class: bool = False, is_class: bool = False
    ) -> None:
        self.in_getitem = in_getitem
        self.dataset_class = dataset_class
        self.is_class = is_class
        # (target name, rule) -> findings waiting for a later `name.sort()` / `name.manual_seed()`.
        self.pending: dict[tuple[str, str], list[tuple[Any, str, str]]] = {}
        self.fixed: set[tuple[str, str]] = set()


def _dotted(node: Any) -> str | None:
    """``a.b.c`` for a Name/Attribute chain, without resolving imports."""
    parts = []
    while type(node) is ast.Attribute:
        parts.append(node.attr)
        node = node.value
    if type(node) is not ast.Name:
        return None
    parts.append(node.id)
    return ".".join(reversed(parts))


def _is_str_constant(node: Any) -> bool:
    return type(node) is ast.Constant and type(node.value) is str


class _Checker:
    def __init__(
        self, source: bytes, path: str, enabled: frozenset[str], every_line: bool = False
    ) -> None:
        self.source = source
        self.every_line = every_line
        self.lines = set() if every_line else _candidate_lines(source)
        self.line_list = sorted(self.lines)
        self.path = path
        self.enabled = enabled
        self.aliases: dict[str, str] = {}
        self.terminal: dict[str, str] = {}
        self.found: list[tuple[Any, str, str]] = []
        self.safe: set[int] = set()
        self.assigned: dict[int, str] = {}
        self.str_sets: set[str] = set()
        self.scopes: list[_Scope] = [_Scope(False)]
        self.cublas_set: list[tuple[int, int]] = []
        self.deterministic_calls: list[ast.Call] = []
        self.tf_seed_calls: list[ast.Call] = []
        self.op_determinism = False

    # -- helpers -------------------------------------------------------------------------------

    def report(self, node: Any, code: str, message: str) -> None:
        if code in self.enabled:
            self.found.append((node, code, message))

    def qualname(self, node: Any) -> str | None:
        dotted = _dotted(node)
        if dotted is None:
            return None
        head, dot, rest = dotted.partition(".")
        resolved = self.aliases.get(head, head)
        return f"{resolved}{dot}{rest}"

    def is_str_set(self, node: Any) -> bool:
        kind = type(node)
        if kind is ast.Set:
            elts = node.elts
            return len(elts) > 1 and all(_is_str_constant(e) for e in elts)
        if kind is ast.SetComp:
            elt = node.elt
            return _is_str_constant(elt) or type(elt) is ast.JoinedStr
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
                    return len(arg.elts) > 1 and all(_is_str_constant(e) for e in arg.elts)
                return _is_str_constant(arg) and len(arg.value) > 1
            if type(func) is ast.Attribute and func.attr in (
                "union",
                "difference",
                "intersection",
                "symmetric_difference",
            ):
                return self.is_str_set(func.value)
        return False

    def set_order(self, node: Any, what: str) -> None:
        self.report(
            node,
            "SL008",
            f"{what} a set of strings: its order changes with PYTHONHASHSEED; iterate "
            "sorted(...) or keep the values in a tuple, list or dict",
        )

    def scope_key_report(self, call: Any, code: str, message: str) -> None:
        """Report now, or hold the finding until the scope ends when it was assigned to a name."""
        target = self.assigned.get(id(call))
        if target is None:
            self.report(call, code, message)
            return
        scope = self.scopes[-1]
        if target.startswith("self."):
            # An attribute set in one method is often sorted or seeded in another one.
            scope = next((s for s in reversed(self.scopes) if s.is_class), scope)
        scope.pending.setdefault((target, code), []).append((call, code, message))

    def mark_fixed(self, target: Any, code: str) -> None:
        name = _dotted(target)
        if name is not None:
            for scope in self.scopes:
                scope.fixed.add((name, code))

    def end_scope(self, scope: _Scope) -> None:
        for key, held in scope.pending.items():
            if key not in scope.fixed:
                for node, code, message in held:
                    self.report(node, code, message)

    # -- node handlers -------------------------------------------------------------------------

    def visit_import(self, node: Any) -> None:
        for alias in node.names:
            if alias.asname:
                self.aliases[alias.asname] = alias.name
                self.terminal[alias.asname] = alias.name.rsplit(".", 1)[-1]
                if self.terminal[alias.asname] in _TERMINALS:
                    self.add_word(alias.asname)
            else:
                head = alias.name.split(".", 1)[0]
                self.aliases[head] = head

    def visit_import_from(self, node: Any) -> None:
        if node.level or not node.module:
            return
        for alias in node.names:
            local = alias.asname or alias.name
            self.aliases[local] = f"{node.module}.{alias.name}"
            self.terminal[local] = alias.name
            if local != alias.name and alias.name in _TERMINALS:
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
        self.scopes.append(_Scope(in_getitem, dataset_class, is_class))

    def is_dataset_class(self, node: Any) -> bool:
        for base in node.bases:
            dotted = _dotted(base)
            if dotted is not None and dotted.rsplit(".", 1)[-1].endswith("Dataset"):
                return True
        methods = {
            stmt.name for stmt in node.body if type(stmt) in (ast.FunctionDef, ast.AsyncFunctionDef)
        }
        return "__getitem__" in methods and "__len__" in methods

    def visit_assign(self, node: Any) -> None:
        value = node.value
        targets = node.targets
        if len(targets) == 1:
            target = targets[0]
            kind = type(target)
            if kind is ast.Name:
                if self.is_str_set(value):
                    if target.id not in self.str_sets:
                        self.str_sets.add(target.id)
                        self.add_word(target.id)
                else:
                    self.str_sets.discard(target.id)
                self.note_assignment(target, value)
            elif kind is ast.Attribute:
                self.note_assignment(target, value)
                if (
                    target.attr == "benchmark"
                    and type(value) is ast.Constant
                    and value.value is True
                    and self.qualname(target) == "torch.backends.cudnn.benchmark"
                ):
                    self.report(
                        node,
                        "SL006",
                        "torch.backends.cudnn.benchmark = True picks kernels by timing, so "
                        "results vary run to run; set it to False "
                        "(seedlock.seed_everything(deterministic=True) does)",
                    )
            elif kind in (ast.Tuple, ast.List) and self.is_str_set(value):
                self.set_order(value, "unpacking")
        for target in targets:
            if type(target) is ast.Subscript:
                self.check_environ_store(node, target)

    def note_assignment(self, target: Any, value: Any) -> None:
        name = _dotted(target)
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

    def check_environ_store(self, node: Any, target: Any) -> None:
        key = target.slice
        if not _is_str_constant(key) or self.qualname(target.value) != "os.environ":
            return
        self.environ_key(node, key.value)

    def environ_key(self, node: Any, key: str) -> None:
        if key == "PYTHONHASHSEED":
            self.report(
                node,
                "SL009",
                "setting PYTHONHASHSEED at run time has no effect on this interpreter; set it "
                "before Python starts (seedlock run does) or pass it in a subprocess's env=",
            )
        elif key == "CUBLAS_WORKSPACE_CONFIG":
            self.cublas_set.append((node.lineno, node.col_offset))

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
        if term not in _TERMINALS and not self.scopes[-1].in_getitem:
            return
        args = node.args
        if kind is ast.Name and term in _ORDER_FREE:
            for arg in args:
                self.safe.add(id(arg))
                if type(arg) is ast.Name and term == "sorted":
                    self.mark_fixed(arg, "SL001")
            return
        if term in _ORDER_KEEPING or term in ("join", "zip"):
            self.check_order_keeping(node, term, id(node) in self.safe)
            if kind is ast.Name or term == "join":
                return
        if term == "sort" and kind is ast.Attribute:
            self.mark_fixed(func.value, "SL001")
            return
        if kind is ast.Attribute and term in _GENERATOR_SEEDING_METHODS and args:
            self.mark_fixed(func.value, "SL004")
            self.safe.add(id(func.value))
        qualname = self.qualname(func)
        if term in _LISTING:
            self.check_listing(node, qualname, term, kind is ast.Attribute)
        if qualname is None:
            return
        self.check_call(node, qualname, term)

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
        self.scope_key_report(
            node,
            "SL001",
            f"{shown}() order depends on the file system; wrap it in sorted(...)",
        )

    def check_seed_keywords(self, node: Any) -> None:
        for keyword in node.keywords:
            if keyword.arg in _SEED_KEYWORDS and self.from_clock(keyword.value):
                self.clock_seed(keyword.value)
                return

    def from_clock(self, expr: Any) -> bool:
        for sub in ast.walk(expr):
            if type(sub) is ast.Call and self.qualname(sub.func) in _CLOCK:
                return True
        return False

    def clock_seed(self, node: Any) -> None:
        self.report(
            node,
            "SL002",
            "seed taken from the clock, pid, a uuid or os.urandom is never the same twice; use a "
            "fixed seed, or seedlock.seed_everything() which logs the seed it draws",
        )

    def check_call(self, node: Any, qualname: str, term: str) -> None:
        args = node.args
        keywords = node.keywords
        seeder = qualname in _SEEDERS or (
            type(node.func) is ast.Attribute and term in _SEED_METHODS
        )
        if seeder and args and self.from_clock(args[0]):
            self.clock_seed(args[0])
        if qualname in _NO_ARG_SEEDS and not keywords and (not args or _is_none(args[0])):
            shown = qualname.replace("numpy.", "np.")
            self.report(
                node,
                "SL003",
                f"{shown}() with no seed seeds from entropy; pass an explicit seed or call "
                "seedlock.seed_everything(seed)",
            )
        elif qualname in _UNSEEDED_CTORS:
            self.check_unseeded(node, qualname)
        elif qualname in _DATALOADERS:
            self.check_dataloader(node)
        elif qualname.startswith("sklearn.") and (
            term in _SKLEARN_ALWAYS or term in _SKLEARN_IF_SHUFFLE
        ):
            self.check_sklearn(node, term)
        elif qualname == _USE_DETERMINISTIC:
            on = args[0] if args else next((k.value for k in keywords if k.arg == "mode"), None)
            if type(on) is ast.Constant and on.value is True:
                self.deterministic_calls.append(node)
        elif qualname in _TF_SEEDERS:
            self.tf_seed_calls.append(node)
        elif qualname in _OP_DETERMINISM:
            self.op_determinism = True
        elif qualname in _ENV_SETTERS:
            self.check_env_call(node)
        if self.scopes[-1].in_getitem:
            self.check_global_draw(node, qualname, term)

    def check_unseeded(self, node: Any, qualname: str) -> None:
        if qualname == "torch.Generator":
            if id(node) in self.safe:
                return
        elif any(k.arg in ("seed", "x") for k in node.keywords) or (
            node.args and not _is_none(node.args[0])
        ):
            return
        self.scope_key_report(
            node,
            "SL004",
            f"{_UNSEEDED_CTORS[qualname]} without a seed is unreproducible; pass a seed, e.g. "
            'seedlock.numpy_rng("name") or a seedlock.derive("name") value',
        )

    def check_dataloader(self, node: Any) -> None:
        names = {k.arg for k in node.keywords}
        if "generator" in names or None in names:
            return
        values = {k.arg: k.value for k in node.keywords}
        shuffle = values.get("shuffle")
        if shuffle is None and len(node.args) >= 3:
            shuffle = node.args[2]
        workers = values.get("num_workers")
        reason = None
        if type(shuffle) is ast.Constant and shuffle.value is True:
            reason = "shuffle=True"
        elif type(workers) is ast.Constant and type(workers.value) is int and workers.value > 0:
            reason = "num_workers > 0"
        if reason is not None:
            self.report(
                node,
                "SL005",
                f"DataLoader with {reason} and no generator= draws from the global torch RNG; "
                'pass generator=seedlock.torch_generator("loader") or use '
                "seedlock.torch.dataloader(...)",
            )

    def check_sklearn(self, node: Any, term: str) -> None:
        if term in _SKLEARN_SEEDS_ITS_ESTIMATOR:
            # The ensemble gives each copy of its estimator a random_state drawn from its own.
            inner = [k.value for k in node.keywords if k.arg in ("estimator", "base_estimator")]
            for sub in inner + node.args[:1]:
                self.safe.add(id(sub))
        names = {k.arg for k in node.keywords}
        if "random_state" in names or None in names or id(node) in self.safe:
            return
        if term == "KMeans" and any(
            k.arg == "init" and not _is_str_constant(k.value) for k in node.keywords
        ):
            return  # explicit initial centres: nothing random is left
        if term in _SKLEARN_IF_SHUFFLE:
            shuffle = next((k.value for k in node.keywords if k.arg == "shuffle"), None)
            if not (type(shuffle) is ast.Constant and shuffle.value is True):
                return
        self.report(
            node,
            "SL007",
            f"{term}() without random_state gives different results each run; pass "
            "random_state=<int>",
        )

    def check_env_call(self, node: Any) -> None:
        args = node.args
        if args and _is_str_constant(args[0]):
            self.environ_key(node, args[0].value)
            return
        for keyword in node.keywords:
            if keyword.arg is not None:
                self.environ_key(node, keyword.arg)
        if args and type(args[0]) is ast.Dict:
            keys: list[Any] = args[0].keys
            for key in keys:
                if key is not None and _is_str_constant(key):
                    self.environ_key(node, key.value)

    def check_global_draw(self, node: Any, qualname: str, term: str) -> None:
        module, _, name = qualname.rpartition(".")
        if (module == "numpy.random" and name not in _NP_GENERATOR_API) or (
            module == "random" and name in _PY_DRAWS
        ):
            shown = qualname.replace("numpy.", "np.")
            self.report(
                node,
                "SL010",
                f"global {shown}() in Dataset.__getitem__ depends on the worker and on access "
                "order; draw from seedlock.data.sample_rng(index, epoch) instead",
            )

    def finish_module(self) -> None:
        first_cublas = min(self.cublas_set, default=None)
        for call in self.deterministic_calls:
            if first_cublas is None or first_cublas > (call.lineno, call.col_offset):
                self.report(
                    call,
                    "SL011",
                    "torch.use_deterministic_algorithms(True) without CUBLAS_WORKSPACE_CONFIG set "
                    'earlier in this module; set os.environ["CUBLAS_WORKSPACE_CONFIG"] = '
                    '":4096:8" before any CUDA work (seedlock run does)',
                )
        if not self.op_determinism:
            for call in self.tf_seed_calls:
                self.report(
                    call,
                    "SL012",
                    "tf.random.set_seed without op determinism: GPU ops may still be "
                    "nondeterministic; also call tf.config.experimental.enable_op_determinism()",
                )

    # -- the walk ------------------------------------------------------------------------------
    #
    # Statements are walked one by one; the expressions of a statement are walked only when one
    # of its lines holds a word some rule reacts to (found with bytes.find, at C speed). A rule
    # can only fire on an expression that names its trigger, so this skips most of a file's
    # nodes without changing what is found.

    def add_word(self, word: str) -> None:
        if self.every_line:
            return
        self.lines.update(_word_lines(self.source, (word.encode(),)))
        self.line_list = sorted(self.lines)

    def hit(self, first: int, last: int) -> bool:
        if self.every_line or self.scopes[-1].in_getitem:
            return True
        line_list = self.line_list
        i = bisect_left(line_list, first)
        return i < len(line_list) and line_list[i] <= last

    def walk_expr(self, root: Any) -> None:
        handlers = _HANDLERS
        fields = _FIELDS
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
        compound = _COMPOUND
        scopes = self.scopes
        stack: list[Any] = list(reversed(tree.body))
        pop = stack.pop
        push = stack.append
        extend = stack.extend
        while stack:
            node = pop()
            kind = type(node)
            if kind is _ScopeEnd:
                self.end_scope(node.scope)
                scopes.pop()
                continue
            parts = compound.get(kind)
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
                push(_ScopeEnd(scopes[-1]))
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
        self.end_scope(scopes[0])
        self.finish_module()


def _word_lines(source: bytes, words: Iterable[bytes]) -> set[int]:
    """Line numbers holding any of ``words`` as a whole identifier."""
    positions = []
    for word in words:
        size = len(word)
        pos = source.find(word)
        while pos != -1:
            before = source[pos - 1 : pos] if pos else b" "
            after = source[pos + size : pos + size + 1]
            if not (before.isalnum() or before == b"_" or after.isalnum() or after == b"_"):
                positions.append(pos)
            pos = source.find(word, pos + size)
    return _to_lines(source, positions)


def _to_lines(source: bytes, positions: list[int]) -> set[int]:
    lines = set()
    line = 1
    previous = 0
    for pos in sorted(positions):
        line += source.count(b"\n", previous, pos)
        previous = pos
        lines.add(line)
    return lines


_TRIGGER_WORDS = tuple(
    word.encode()
    for word in sorted(
        (_TERMINALS - _SKLEARN_ALWAYS - _SKLEARN_IF_SHUFFLE - _PY_DRAWS - _ORDER_FREE)
        | {"sorted", "set", "frozenset", "sort", "environ", "benchmark", "PYTHONHASHSEED"}
        | _SEED_KEYWORDS
    )
)
_SKLEARN_WORDS = tuple(w.encode() for w in sorted(_SKLEARN_ALWAYS | _SKLEARN_IF_SHUFFLE))
# A string followed by a comma or `for` right after `{` starts a set of strings (a dict would
# have a colon there).
_STR_SET_START = re.compile(rb"""\{\s*[rRuUfF]?(?:"[^"\n]*"|'[^'\n]*')\s*(?:,|for\b)""")


def _candidate_lines(source: bytes) -> set[int]:
    words = _TRIGGER_WORDS + _SKLEARN_WORDS if b"sklearn" in source else _TRIGGER_WORDS
    lines = _word_lines(source, words)
    lines.update(_to_lines(source, [m.start() for m in _STR_SET_START.finditer(source)]))
    return lines


_COLLECTING_METHODS = frozenset(
    {"append", "extend", "insert", "appendleft", "write", "writelines", "put", "update"}
)


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


def _is_none(node: Any) -> bool:
    return type(node) is ast.Constant and node.value is None


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


def _suppressed(lines: list[str], first: int, last: int, code: str) -> bool:
    for number in {first, last}:
        if not 0 < number <= len(lines):
            continue
        text = lines[number - 1]
        if "#" not in text:
            continue
        match = _NOQA.search(text)
        if match is None:
            continue
        codes = match.group("codes")
        if codes is None or code in {c.upper() for c in _CODE.findall(codes)}:
            return True
    return False


def check_source(
    source: str | bytes,
    path: str = "<string>",
    enabled: Iterable[str] | None = None,
    *,
    every_line: bool = False,
) -> list[Diagnostic]:
    """Lint one module's source text and return its findings sorted by position.

    Args:
        source: the module's text (bytes are decoded as Python does, honouring coding cookies).
        path: the name to report findings under.
        enabled: rule ids to check; ``None`` checks every rule.
        every_line: walk every expression instead of only lines that hold a trigger word
            (slower; the tests use it to show the prefilter drops nothing).

    Example:
        >>> [d.code for d in check_source("import os\\nfiles = os.listdir('.')\\n")]
        ['SL001']
    """
    from seedlock.lint._rules import RULES

    active = frozenset(RULES) if enabled is None else frozenset(enabled)
    try:
        tree = ast.parse(source, filename=path)
    except (SyntaxError, ValueError, RecursionError, MemoryError) as exc:
        if "SL000" not in active:
            return []
        line = getattr(exc, "lineno", None) or 1
        column = getattr(exc, "offset", None) or 1
        message = getattr(exc, "msg", None) or str(exc)
        return [
            Diagnostic(path, line, column, "SL000", f"syntax error, file not checked: {message}")
        ]
    data = source.encode("utf-8") if isinstance(source, str) else source
    checker = _Checker(data, path, active, every_line)
    checker.run(tree)
    if not checker.found:
        return []
    text = source.decode("utf-8", "replace") if isinstance(source, bytes) else source
    lines = text.splitlines()
    out = set()
    for node, code, message in checker.found:
        first = node.lineno
        last = getattr(node, "end_lineno", None) or first
        if not _suppressed(lines, first, last, code):
            out.add(Diagnostic(path, first, node.col_offset + 1, code, message))
    return sorted(out)
