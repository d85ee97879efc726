"""TensorFlow rule: tf.random.set_seed without op determinism (SL012).

Determinism contract: one ``enable_op_determinism()`` anywhere in the module silences every
finding of the module.
"""

from __future__ import annotations

import ast

from seedlock.lint._base import CheckerBase
from seedlock.lint._rule import Rule

__all__ = ["OP_DETERMINISM", "RULES", "SL012", "TF_SEEDERS", "TensorflowRules"]

SL012 = Rule(
    "SL012",
    "tf-seed-without-op-determinism",
    "info",
    "tf.random.set_seed without op determinism; GPU ops may still be nondeterministic.",
    "Also call tf.config.experimental.enable_op_determinism().",
    "leaves GPU ops free to be nondeterministic",
)
RULES = (SL012,)

OP_DETERMINISM = frozenset({"tensorflow.config.experimental.enable_op_determinism"})
TF_SEEDERS = frozenset({"tensorflow.random.set_seed", "tensorflow.compat.v1.set_random_seed"})


class TensorflowRules(CheckerBase):
    """SL012."""

    tf_seed_calls: list[ast.Call]
    op_determinism: bool

    def finish_tensorflow(self) -> None:
        if not self.op_determinism:
            for call in self.tf_seed_calls:
                self.report(call, SL012, "tf.random.set_seed without op determinism")
