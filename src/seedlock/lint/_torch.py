"""PyTorch rules: DataLoader without generator= (SL005) and cudnn.benchmark = True (SL006).

Determinism contract: a DataLoader is reported only when it shuffles or starts workers, the two
cases in which it draws from the global torch RNG.
"""

from __future__ import annotations

import ast
from typing import Any

from seedlock.lint._base import CheckerBase
from seedlock.lint._rule import Rule

__all__ = ["DATALOADERS", "RULES", "SL005", "SL006", "TorchRules"]

SL005 = Rule(
    "SL005",
    "dataloader-without-generator",
    "warning",
    "DataLoader shuffles or starts workers without generator=, so it draws from the global "
    "torch RNG.",
    'Pass generator=seedlock.torch_generator("loader") or use seedlock.torch.dataloader(...).',
    "draws its order and worker seeds from the global torch RNG, which any other draw shifts",
)
SL006 = Rule(
    "SL006",
    "cudnn-benchmark",
    "warning",
    "torch.backends.cudnn.benchmark = True picks kernels by timing, which varies run to run.",
    "Set it to False (seedlock.seed_everything(deterministic=True) does).",
    "picks kernels by timing, so results vary run to run",
)
RULES = (SL005, SL006)

DATALOADERS = frozenset({"torch.utils.data.DataLoader", "torch.utils.data.dataloader.DataLoader"})


class TorchRules(CheckerBase):
    """SL005 and SL006."""

    def check_cudnn_assign(self, node: Any, target: Any, value: Any) -> None:
        if (
            target.attr == "benchmark"
            and type(value) is ast.Constant
            and value.value is True
            and self.qualname(target) == "torch.backends.cudnn.benchmark"
        ):
            self.report(node, SL006, "torch.backends.cudnn.benchmark = True")

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
            self.report(node, SL005, f"DataLoader with {reason} and no generator=")
