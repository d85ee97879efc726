"""Dataset rule: global np.random / random draws in ``Dataset.__getitem__`` (SL010), and the
record of every global draw of a module (for the whole-program rule SL013).

Determinism contract: a class is a dataset when a base's name ends in ``Dataset`` or it defines
both ``__getitem__`` and ``__len__``. A draw counts as made in ``__getitem__`` when it is in the
method itself, in a method of the class it calls through ``self.name(...)`` (transitively), or in
a module-level function it calls by name. Nothing is reported in a file that reseeds the global
RNGs per sample with seedlock: a Lightning or Hugging Face ``SeedlockCallback`` (it reseeds the
samples of every loader the trainer runs), or ``seedlock.torch.dataloader`` /
``seedlock.data.seeded`` in a file that builds no plain ``DataLoader``. Each sample's draws are
then a function of its index and epoch, whatever worker loads it.
"""

from __future__ import annotations

import ast
from typing import Any

from seedlock.lint._base import CheckerBase
from seedlock.lint._nodes import dotted
from seedlock.lint._rule import Rule
from seedlock.lint._torch import SEEDING_CALLBACKS

__all__ = [
    "DRAW_MODULES",
    "DRAW_TRIGGERS",
    "GLOBAL_DRAW_TERMS",
    "PER_SAMPLE_SEEDERS",
    "PER_SAMPLE_SEEDING_TERMS",
    "PY_DRAWS",
    "RULES",
    "SL010",
    "DatasetRules",
    "global_draw",
]

SL010 = Rule(
    "SL010",
    "global-draw-in-getitem",
    "warning",
    "Global np.random / random draw in Dataset.__getitem__ depends on the worker and on "
    "access order.",
    "Draw from seedlock.data.sample_rng(index, epoch) instead.",
    "depends on the worker and on access order, so samples change with num_workers",
)
RULES = (SL010,)

#: seedlock's loaders: they reseed the global RNGs before each sample of what they load.
_SEEDING_LOADERS = frozenset({"seedlock.torch.dataloader", "seedlock.data.seeded"})
PER_SAMPLE_SEEDERS = SEEDING_CALLBACKS | _SEEDING_LOADERS
PER_SAMPLE_SEEDING_TERMS = frozenset(name.rsplit(".", 1)[1] for name in PER_SAMPLE_SEEDERS)

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
PY_DRAWS = frozenset(
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


_NP_LEGACY_DRAWS = frozenset(
    {
        "rand",
        "randn",
        "randint",
        "random",
        "random_sample",
        "random_integers",
        "ranf",
        "sample",
        "choice",
        "shuffle",
        "permutation",
        "normal",
        "uniform",
        "binomial",
        "poisson",
        "beta",
        "gamma",
        "exponential",
        "standard_normal",
        "multivariate_normal",
        "dirichlet",
        "laplace",
        "lognormal",
        "logistic",
        "geometric",
        "multinomial",
        "bytes",
        "standard_cauchy",
        "standard_exponential",
        "standard_gamma",
        "standard_t",
        "chisquare",
        "gumbel",
        "hypergeometric",
        "negative_binomial",
        "pareto",
        "power",
        "rayleigh",
        "triangular",
        "vonmises",
        "wald",
        "weibull",
        "zipf",
    }
)
_TORCH_DRAWS = frozenset(
    {
        "rand",
        "randn",
        "randint",
        "randperm",
        "rand_like",
        "randn_like",
        "randint_like",
        "bernoulli",
        "multinomial",
        "normal",
    }
)
#: Last names of the calls that draw from a global RNG (numpy legacy, random, torch).
GLOBAL_DRAW_TERMS = PY_DRAWS | _NP_LEGACY_DRAWS | _TORCH_DRAWS
#: Prefilter words for those draws: ``np.random.x(...)`` and ``random.x(...)`` name "random".
DRAW_TRIGGERS = frozenset({"random", "normal"} | _TORCH_DRAWS)
#: Modules whose draw functions, imported by name, are global draws.
DRAW_MODULES = frozenset({"random", "numpy.random", "torch"})


def global_draw(qualname: str) -> tuple[str, str] | None:
    """(the RNG, the call as shown) when ``qualname`` draws from a global RNG, else ``None``.

    Example:
        >>> global_draw("numpy.random.rand")
        ('numpy', 'np.random.rand')
        >>> global_draw("numpy.random.default_rng") is None
        True
    """
    module, _, name = qualname.rpartition(".")
    if module == "numpy.random" and name not in _NP_GENERATOR_API:
        return "numpy", qualname.replace("numpy.", "np.")
    if module == "random" and name in PY_DRAWS:
        return "random", qualname
    if module == "torch" and name in _TORCH_DRAWS:
        return "torch", qualname
    return None


class DatasetRules(CheckerBase):
    """SL010."""

    draws: list[tuple[Any, str, str, tuple[str | None, str] | None]]
    helper_calls: dict[tuple[str | None, str], set[tuple[str | None, str]]]
    dataset_classes: list[str]
    #: Draws made in ``__getitem__`` itself, reported at the end unless samples are reseeded.
    getitem_draws: list[tuple[Any, str]]
    #: The per-sample seeders called in the file, and "DataLoader" when it builds a plain one.
    per_sample_seeded: set[str]

    def note_helper_call(
        self, function: tuple[str | None, str] | None, func: Any, kind: Any
    ) -> None:
        """Record that a dataset method calls ``self.name(...)`` or a module function."""
        if function is None:
            return
        if kind is ast.Attribute and type(func.value) is ast.Name and func.value.id == "self":
            callee = (function[0], func.attr)
        elif kind is ast.Name:
            callee = (None, func.id)
        else:
            return
        self.helper_calls.setdefault(function, set()).add(callee)

    def note_global_draw(self, node: Any, qualname: str) -> None:
        """Record a global draw; report it at once when it is in ``__getitem__`` itself."""
        found = global_draw(qualname)
        if found is None:
            return
        rng, shown = found
        if rng == "torch" and any(k.arg in ("generator", None) for k in node.keywords):
            return  # drawn from the generator it is given
        scope = self.scopes[-1]
        self.draws.append((node, rng, shown, scope.function))
        if scope.in_getitem and rng != "torch":
            self.getitem_draws.append((node, shown))

    def finish_dataset(self) -> None:
        """Report draws in helpers that ``__getitem__`` calls (SL010)."""
        if not self.dataset_classes or "SL010" not in self.enabled or self.samples_reseeded():
            return
        for node, shown in self.getitem_draws:
            self.report(node, SL010, f"global {shown}() in Dataset.__getitem__")
        calls = self.helper_calls
        for name in self.dataset_classes:
            start: tuple[str | None, str] = (name, "__getitem__")
            reached = {start}
            todo = [start]
            while todo:
                for callee in calls.get(todo.pop(), ()):
                    if callee not in reached:
                        reached.add(callee)
                        todo.append(callee)
            for node, rng, shown, function in self.draws:
                if function in reached and function != start and rng != "torch":
                    assert function is not None
                    self.report(
                        node,
                        SL010,
                        f"global {shown}() in {function[1]}(), called from Dataset.__getitem__,",
                    )

    def samples_reseeded(self) -> bool:
        """Whether seedlock reseeds the global RNGs before each sample this file loads."""
        called = self.per_sample_seeded
        if called & SEEDING_CALLBACKS:
            return True
        return bool(called & _SEEDING_LOADERS) and "DataLoader" not in called

    def is_dataset_class(self, node: Any) -> bool:
        for base in node.bases:
            name = dotted(base)
            if name is not None and name.rsplit(".", 1)[-1].endswith("Dataset"):
                return True
        methods = {
            stmt.name for stmt in node.body if type(stmt) in (ast.FunctionDef, ast.AsyncFunctionDef)
        }
        return "__getitem__" in methods and "__len__" in methods
