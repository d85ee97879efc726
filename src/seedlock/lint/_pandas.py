"""pandas rule: ``DataFrame.sample`` / ``Series.sample`` without ``random_state`` (SL014).

Determinism contract: only calls that look like pandas' ``sample`` are reported, in files that
import pandas: a ``.sample(...)`` method with ``n=``/``frac=``/``weights=``/``axis=``/``replace=``
or a literal count, on something that is not an imported module (``random.sample`` is not
pandas'), without ``random_state``.
"""

from __future__ import annotations

import ast
from typing import Any

from seedlock.lint._base import CheckerBase
from seedlock.lint._rule import Rule

__all__ = ["PANDAS_TERMS", "RULES", "SL014", "PandasRules"]

SL014 = Rule(
    "SL014",
    "pandas-sample-without-random-state",
    "warning",
    "DataFrame.sample / Series.sample called without random_state.",
    "Pass random_state=<int> (e.g. seedlock.derive('sample') % 2**32).",
    "draws from the global numpy RNG, so it picks different rows each run",
)
RULES = (SL014,)

PANDAS_TERMS = frozenset({"sample"})
_PANDAS_KEYWORDS = frozenset({"n", "frac", "weights", "axis", "replace", "ignore_index"})


class PandasRules(CheckerBase):
    """SL014."""

    def check_pandas_sample(self, node: Any) -> None:
        receiver = node.func.value
        head: Any = receiver
        while type(head) is ast.Attribute:
            head = head.value
        if type(head) is ast.Name and head.id in self.aliases and head.id != "pd":
            return  # random.sample, np.random.sample, torch.distributions...: not pandas
        if not any(v.startswith("pandas") for v in self.aliases.values()):
            return
        names = {k.arg for k in node.keywords}
        if "random_state" in names or None in names:
            return
        args = node.args
        literal_count = bool(args) and type(args[0]) is ast.Constant
        literal_count = literal_count and type(args[0].value) in (int, float)
        if len(args) > 1 or not (literal_count or names & _PANDAS_KEYWORDS):
            return
        self.report(node, SL014, ".sample() without random_state")
