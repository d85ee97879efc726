"""scikit-learn rule: estimators, splitters and functions called without random_state (SL007).

Determinism contract: ``KFold``-like splitters are reported only with ``shuffle=True``; an
estimator handed to a bagging or boosting ensemble is seeded by the ensemble. An estimator or
splitter (a class) is reported only when it can draw: when it is fitted, split with, or handed
to another call (a pipeline, ``cross_val_score`` ...), not when it is only built, shown
(``repr``, ``print``), asked for its parameters, listed in a decorator (``parametrize``) or
built inside ``with pytest.raises(...)``.
"""

from __future__ import annotations

import ast
from typing import Any

from seedlock.lint._base import CheckerBase, Scope
from seedlock.lint._nodes import ScopeUses, is_str_constant
from seedlock.lint._rule import Rule

__all__ = ["RULES", "SKLEARN_ALWAYS", "SKLEARN_IF_SHUFFLE", "SL007", "SklearnRules"]

SL007 = Rule(
    "SL007",
    "sklearn-without-random-state",
    "warning",
    "scikit-learn estimator, splitter or function called without random_state.",
    "Pass random_state=<int> (e.g. seedlock.derive('model') % 2**32).",
    "draws from the global numpy RNG, so it gives different results each run",
)
RULES = (SL007,)

SKLEARN_ALWAYS = frozenset(
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
#: These take random_state only when shuffle=True.
SKLEARN_IF_SHUFFLE = frozenset({"KFold", "StratifiedKFold", "GroupKFold", "StratifiedGroupKFold"})
#: Methods that only read or show an estimator's settings: calling them leaves it unfitted.
_SETTINGS_METHODS = frozenset(
    {"get_params", "set_params", "__repr__", "__str__", "_get_param_names"}
)
#: Calls that only show or inspect a value.
_SHOWING = frozenset(
    {"repr", "str", "print", "type", "isinstance", "hasattr", "getattr", "id", "format", "vars"}
)


class SklearnRules(CheckerBase):
    """SL007."""

    raises_depth: int
    in_decorator: bool

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
            k.arg == "init" and not is_str_constant(k.value) for k in node.keywords
        ):
            return  # explicit initial centres: nothing random is left
        if term in SKLEARN_IF_SHUFFLE:
            shuffle = next((k.value for k in node.keywords if k.arg == "shuffle"), None)
            if not (type(shuffle) is ast.Constant and shuffle.value is True):
                return
        if not term[:1].isupper():
            self.report(node, SL007, f"{term}() without random_state")
            return
        if self.raises_depth or self.in_decorator or "SL007" not in self.enabled:
            return
        # Held until the scope ends: reported only when the object is used to draw.
        self.scopes[-1].estimators.append(
            (node, self.assigned.get(id(node)), SL007.message(f"{term}() without random_state"))
        )

    def settle_estimators(self, scope: Scope) -> None:
        """Report the held estimators of ``scope`` that are fitted or handed on, and drop them."""
        if scope.estimators and scope.node is not None:
            uses = _EstimatorUses(scope.node)
            for node, target, message in scope.estimators:
                if uses.drawn(node, target):
                    self.found.append((node, "SL007", message))
        scope.estimators = []

    def end_scope(self, scope: Scope) -> None:
        self.settle_estimators(scope)
        super().end_scope(scope)


class _EstimatorUses(ScopeUses):
    """Parents and name loads of one scope, to tell a fitted estimator from one only built."""

    def drawn(self, call: Any, target: str | None) -> bool:
        if target is None:
            return self.used(call)
        if "." in target:
            return True  # an attribute (self.model) may be fitted anywhere
        return any(self.used(use) for use in self.loads.get(target, ()))

    def used(self, node: Any) -> bool:
        """Whether the value ``node`` can be fitted or split with from here."""
        parent: Any = self.parents.get(id(node))
        kind = type(parent)
        if kind is ast.Expr:
            return False  # built and dropped
        if kind is ast.Attribute:
            grand: Any = self.parents.get(id(parent))
            called = type(grand) is ast.Call and grand.func is parent
            return called and parent.attr not in _SETTINGS_METHODS
        if kind is ast.keyword:
            parent = self.parents.get(id(parent))
            kind = type(parent)
        if kind is ast.Call:
            func = parent.func
            name = func.id if type(func) is ast.Name else None
            return node is parent.func or name not in _SHOWING
        return kind is not ast.FormattedValue
