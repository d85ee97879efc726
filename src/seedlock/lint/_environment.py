"""Environment rules: PYTHONHASHSEED set at run time (SL009) and deterministic algorithms without
CUBLAS_WORKSPACE_CONFIG set earlier in the module (SL011).

Determinism contract: "earlier" is source position within one module, compared once the whole
module has been walked.
"""

from __future__ import annotations

import ast
from typing import Any

from seedlock.lint._base import CheckerBase
from seedlock.lint._nodes import is_str_constant
from seedlock.lint._rule import Rule

__all__ = ["ENV_SETTERS", "RULES", "SL009", "SL011", "USE_DETERMINISTIC", "EnvironmentRules"]

SL009 = Rule(
    "SL009",
    "runtime-pythonhashseed",
    "warning",
    "PYTHONHASHSEED set at run time has no effect on the running interpreter.",
    "Set it before Python starts (seedlock run does) or pass it in a subprocess's env=.",
    "has no effect on this interpreter, so str hashes and set order still change run to run",
)
SL011 = Rule(
    "SL011",
    "deterministic-without-cublas-config",
    "warning",
    "torch.use_deterministic_algorithms(True) without CUBLAS_WORKSPACE_CONFIG set earlier "
    "in the module; cuBLAS calls then fail on CUDA.",
    'Set os.environ["CUBLAS_WORKSPACE_CONFIG"] = ":4096:8" before any CUDA work '
    "(seedlock run does).",
    "makes cuBLAS calls fail on CUDA",
)
RULES = (SL009, SL011)

ENV_SETTERS = frozenset({"os.environ.setdefault", "os.putenv", "os.environ.update"})
USE_DETERMINISTIC = "torch.use_deterministic_algorithms"


class EnvironmentRules(CheckerBase):
    """SL009 and SL011."""

    cublas_set: list[tuple[int, int]]
    deterministic_calls: list[ast.Call]

    def check_environ_store(self, node: Any, target: Any) -> None:
        key = target.slice
        if not is_str_constant(key) or self.qualname(target.value) != "os.environ":
            return
        self.environ_key(node, key.value)

    def environ_key(self, node: Any, key: str) -> None:
        if key == "PYTHONHASHSEED":
            self.report(node, SL009, "setting PYTHONHASHSEED at run time")
        elif key == "CUBLAS_WORKSPACE_CONFIG":
            self.cublas_set.append((node.lineno, node.col_offset))

    def check_env_call(self, node: Any) -> None:
        args = node.args
        if args and is_str_constant(args[0]):
            self.environ_key(node, args[0].value)
            return
        for keyword in node.keywords:
            if keyword.arg is not None:
                self.environ_key(node, keyword.arg)
        if args and type(args[0]) is ast.Dict:
            keys: list[Any] = args[0].keys
            for key in keys:
                if key is not None and is_str_constant(key):
                    self.environ_key(node, key.value)

    def check_use_deterministic(self, node: Any) -> None:
        args = node.args
        on = args[0] if args else next((k.value for k in node.keywords if k.arg == "mode"), None)
        if type(on) is ast.Constant and on.value is True:
            self.deterministic_calls.append(node)

    def finish_environment(self) -> None:
        first_cublas = min(self.cublas_set, default=None)
        for call in self.deterministic_calls:
            if first_cublas is None or first_cublas > (call.lineno, call.col_offset):
                self.report(
                    call,
                    SL011,
                    "torch.use_deterministic_algorithms(True) without CUBLAS_WORKSPACE_CONFIG set "
                    "earlier in this module",
                )
