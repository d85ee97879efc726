"""PyTorch rules: DataLoader without generator= (SL005) and cudnn.benchmark = True (SL006).

Determinism contract: a DataLoader is reported only when it shuffles or starts workers, the two
cases in which it draws from the global torch RNG, and only in a file that never seeds that RNG
(``torch.manual_seed``, any ``seed_everything``/``set_seed``,
``LightningCLI(seed_everything_default=...)``). Loaders bound to an evaluation name
(``val_loader``, ``test_dataloader``) are not reported: their order reaches no trained weight.
``cudnn.benchmark = True`` is not reported in a speed benchmark script (``benchmark.py``): the
kernel choice by timing is what such a script measures.
"""

from __future__ import annotations

import ast
import re
from typing import Any

from seedlock.lint._base import CheckerBase
from seedlock.lint._rule import Rule

__all__ = [
    "DATALOADERS",
    "RULES",
    "SEEDING_CALLBACKS",
    "SL005",
    "SL006",
    "TORCH_SEEDING_TERMS",
    "TorchRules",
]

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
#: Terminal names of the calls that seed the global torch RNG (checked in :meth:`note_torch_seed`).
TORCH_SEEDING_TERMS = frozenset(
    {"manual_seed", "seed_everything", "set_seed", "LightningCLI", "SeedlockCallback"}
)
#: seedlock's trainer callbacks seed every framework on every rank when training starts, and
#: reseed the global RNGs before each sample of every loader the trainer runs.
SEEDING_CALLBACKS = frozenset(
    {"seedlock.lightning.SeedlockCallback", "seedlock.transformers.SeedlockCallback"}
)
_TORCH_MANUAL_SEED = frozenset({"torch.manual_seed", "torch.random.manual_seed"})


class TorchRules(CheckerBase):
    """SL005 and SL006."""

    torch_seeded: bool
    loader_findings: list[tuple[ast.Call, str]]
    #: Seed arguments of seeding calls that only run when a ``--seed`` option is given.
    optional_seed_options: set[str]
    maybe_seed_args: list[Any]

    def note_seed_option(self, node: Any) -> None:
        """``parser.add_argument("--seed")`` with no default (or ``default=None``): a seeding
        call given ``args.seed`` then seeds nothing unless the option is passed."""
        args = node.args
        if not args or not all(type(a) is ast.Constant and type(a.value) is str for a in args):
            return
        names = [a.value for a in args]
        option = next((n for n in names if n.startswith("--")), None)
        if option is None:
            return
        dest = next((k.value for k in node.keywords if k.arg == "dest"), None)
        field = dest.value if type(dest) is ast.Constant else option[2:].replace("-", "_")
        if "seed" not in str(field):
            return
        default = next((k.value for k in node.keywords if k.arg == "default"), None)
        if default is None or (type(default) is ast.Constant and default.value is None):
            self.optional_seed_options.add(str(field))

    def note_torch_seed(self, node: Any, qualname: str | None, term: str) -> None:
        """Remember a call that seeds the global torch RNG somewhere in the file.

        ``torch.manual_seed(...)``; any ``seed_everything(...)`` (seedlock, Lightning, a project's
        own helper) or ``set_seed(...)`` (transformers, accelerate) other than TensorFlow's; and
        ``LightningCLI(seed_everything_default=<not None/False>)``; seedlock's Lightning and
        Hugging Face ``SeedlockCallback`` (they seed every framework when training starts).
        """
        if term == "manual_seed":
            seeded = qualname in _TORCH_MANUAL_SEED
        elif term == "set_seed":
            seeded = qualname is None or not qualname.startswith(("tensorflow.", "tf."))
        elif term == "SeedlockCallback":
            seeded = qualname in SEEDING_CALLBACKS
            if seeded:
                self.torch_seeded = True
                return
        elif term == "LightningCLI":
            default = next(
                (k.value for k in node.keywords if k.arg == "seed_everything_default"), None
            )
            seeded = default is not None and not (
                type(default) is ast.Constant and default.value in (None, False)
            )
        else:
            seeded = True
        if seeded:
            first = node.args[0] if node.args else None
            if type(first) is ast.Attribute:
                self.maybe_seed_args.append(first)
            else:
                self.torch_seeded = True

    def finish_torch(self) -> None:
        optional = self.optional_seed_options
        for arg in self.maybe_seed_args:
            if arg.attr not in optional:
                self.torch_seeded = True
        if not self.torch_seeded:
            for call, reason in self.loader_findings:
                self.report(call, SL005, f"DataLoader with {reason} and no generator=")

    def check_cudnn_assign(self, node: Any, target: Any, value: Any) -> None:
        if (
            target.attr == "benchmark"
            and type(value) is ast.Constant
            and value.value is True
            and self.qualname(target) == "torch.backends.cudnn.benchmark"
            and not _speed_benchmark(self.path)
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
        elif type(shuffle) is ast.Constant and shuffle.value is False:
            return  # an explicit fixed order; randomness inside the dataset is SL010's
        elif shuffle is not None and type(shuffle) is not ast.Constant:
            reason = f"shuffle={_shown(shuffle)}"
        elif type(workers) is ast.Constant and type(workers.value) is int and workers.value > 0:
            reason = "num_workers > 0"
        elif workers is not None and type(workers) is not ast.Constant:
            reason = f"num_workers={_shown(workers)}"
        if reason is not None and not _evaluation_loader(self.assigned.get(id(node))):
            self.loader_findings.append((node, reason))


_EVALUATION = re.compile(r"(?:^|_)(?:val|valid|validation|test|eval|evaluation)(?:_|data|$)")


def _speed_benchmark(path: str) -> bool:
    """A speed benchmark script (``benchmark.py``, ``bench_models.py``): what it measures is
    the time of the kernels cudnn picks, so letting it pick is the point, not a fault.

    Example:
        >>> _speed_benchmark("timm/benchmark.py"), _speed_benchmark("train.py")
        (True, False)
    """
    stem = path.replace("\\", "/").rsplit("/", 1)[-1].lower()
    return stem.startswith("bench")


def _evaluation_loader(name: str | None) -> bool:
    """Whether a loader is bound to an evaluation name (``val_loader``, ``self.test_dl``,
    ``testdata``): its order cannot change what training learns, and a metric over the whole
    set does not depend on it."""
    if name is None:
        return False
    return _EVALUATION.search(name.rsplit(".", 1)[-1].lower()) is not None


def _shown(node: Any) -> str:
    """A short source rendering of a non-literal argument."""
    text = ast.unparse(node)
    return text if len(text) <= 40 else text[:37] + "..."
