"""Dataset rule: global np.random / random draws in ``Dataset.__getitem__`` (SL010).

Determinism contract: a class is a dataset when a base's name ends in ``Dataset`` or it defines
both ``__getitem__`` and ``__len__``.
"""

from __future__ import annotations

import ast
from typing import Any

from seedlock.lint._base import CheckerBase
from seedlock.lint._nodes import dotted
from seedlock.lint._rule import Rule

__all__ = ["PY_DRAWS", "RULES", "SL010", "DatasetRules"]

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


class DatasetRules(CheckerBase):
    """SL010."""

    def is_dataset_class(self, node: Any) -> bool:
        for base in node.bases:
            name = dotted(base)
            if name is not None and name.rsplit(".", 1)[-1].endswith("Dataset"):
                return True
        methods = {
            stmt.name for stmt in node.body if type(stmt) in (ast.FunctionDef, ast.AsyncFunctionDef)
        }
        return "__getitem__" in methods and "__len__" in methods

    def check_global_draw(self, node: Any, qualname: str) -> None:
        module, _, name = qualname.rpartition(".")
        if (module == "numpy.random" and name not in _NP_GENERATOR_API) or (
            module == "random" and name in PY_DRAWS
        ):
            shown = qualname.replace("numpy.", "np.")
            self.report(node, SL010, f"global {shown}() in Dataset.__getitem__")
