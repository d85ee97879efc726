"""scikit-learn rule: estimators, splitters and functions called without random_state (SL007).

Determinism contract: ``KFold``-like splitters are reported only with ``shuffle=True``; an
estimator handed to a bagging or boosting ensemble is seeded by the ensemble.
"""

from __future__ import annotations

import ast
from typing import Any

from seedlock.lint._base import CheckerBase
from seedlock.lint._nodes import is_str_constant
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
SKLEARN_IF_SHUFFLE = frozenset({"KFold", "StratifiedKFold", "GroupKFold"})


class SklearnRules(CheckerBase):
    """SL007."""

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
        self.report(node, SL007, f"{term}() without random_state")
