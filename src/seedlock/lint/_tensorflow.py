"""TensorFlow rules: tf.random.set_seed without op determinism (SL012) and tf.data shuffles
without a seed (SL015).

Determinism contract: one ``enable_op_determinism()`` anywhere in the module silences every
SL012 finding of the module; one ``tf.random.set_seed(...)`` (or ``keras.utils.set_random_seed``)
anywhere in it silences every SL015 finding, since op seeds then derive from the global seed.
"""

from __future__ import annotations

import ast
from typing import Any

from seedlock.lint._base import CheckerBase
from seedlock.lint._rule import Rule

__all__ = [
    "OP_DETERMINISM",
    "RULES",
    "SL012",
    "SL015",
    "TF_DATA_TERMS",
    "TF_GLOBAL_SEEDERS",
    "TF_SEEDERS",
    "TensorflowRules",
]

SL012 = Rule(
    "SL012",
    "tf-seed-without-op-determinism",
    "info",
    "tf.random.set_seed without op determinism; GPU ops may still be nondeterministic.",
    "Also call tf.config.experimental.enable_op_determinism().",
    "leaves GPU ops free to be nondeterministic",
)
SL015 = Rule(
    "SL015",
    "tf-data-shuffle-without-seed",
    "warning",
    "tf.data shuffle or list_files without seed= in a module that never sets the TensorFlow "
    "global seed.",
    "Pass seed=<int>, or call tf.random.set_seed(seed) (seedlock.seed_everything does).",
    "draws its order from an unseeded op seed, so each run sees the data in a different order",
)
RULES = (SL012, SL015)

OP_DETERMINISM = frozenset({"tensorflow.config.experimental.enable_op_determinism"})
TF_SEEDERS = frozenset({"tensorflow.random.set_seed", "tensorflow.compat.v1.set_random_seed"})
#: Calls that set the TensorFlow global seed (op seeds then derive from it).
TF_GLOBAL_SEEDERS = TF_SEEDERS | {
    "tensorflow.keras.utils.set_random_seed",
    "keras.utils.set_random_seed",
    "tensorflow.compat.v1.random.set_random_seed",
}
TF_DATA_TERMS = frozenset({"shuffle", "list_files"})
_BUFFER_WORDS = ("buf", "BUF", "size", "SIZE")


class TensorflowRules(CheckerBase):
    """SL012."""

    tf_seed_calls: list[ast.Call]
    op_determinism: bool
    tf_global_seed: bool
    tf_shuffles: list[tuple[Any, str]]

    def check_tf_data(self, node: Any, qualname: str | None, term: str) -> None:
        """Hold a ``Dataset.shuffle(buffer)`` or ``Dataset.list_files(...)`` with no seed."""
        if not any(v.startswith("tensorflow") for v in self.aliases.values()):
            return
        keywords = {k.arg: k.value for k in node.keywords}
        if "seed" in keywords or None in keywords:
            return
        if term == "list_files":
            shuffle = keywords.get("shuffle")
            if (
                qualname is not None
                and qualname.endswith("data.Dataset.list_files")
                and not (type(shuffle) is ast.Constant and shuffle.value is False)
            ):
                self.tf_shuffles.append((node, "Dataset.list_files()"))
            return
        receiver: Any = node.func.value
        head = receiver
        while type(head) is ast.Attribute:
            head = head.value
        if (
            type(head) is ast.Name
            and head.id in self.aliases
            and head.id not in ("tf", "tensorflow")
        ):
            return  # random.shuffle, np.random.shuffle
        if not ("buffer_size" in keywords or (node.args and _buffer_like(node.args[0]))):
            return  # rng.shuffle(x) of a numpy Generator takes the array, not a buffer size
        self.tf_shuffles.append((node, "Dataset.shuffle()"))

    def finish_tensorflow(self) -> None:
        if not self.op_determinism:
            for call in self.tf_seed_calls:
                self.report(call, SL012, "tf.random.set_seed without op determinism")
        if not self.tf_global_seed:
            for call, shown in self.tf_shuffles:
                self.report(call, SL015, f"{shown} without seed=")


def _buffer_like(node: Any) -> bool:
    """A buffer size: an int literal, ``len(...)``, or a name that says buffer or size."""
    kind = type(node)
    if kind is ast.Constant:
        return type(node.value) is int
    if kind is ast.Call:
        return type(node.func) is ast.Name and node.func.id == "len"
    if kind is ast.Name:
        return any(w in node.id for w in _BUFFER_WORDS)
    if kind is ast.Attribute:
        return any(w in node.attr for w in _BUFFER_WORDS)
    return kind is ast.BinOp
