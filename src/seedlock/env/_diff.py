"""Compare two environment fingerprints, most result-changing differences first.

Determinism contract: ``fingerprint_diff(a, b)`` is a pure function of the two fingerprints; its
order is fixed (impact, then key), so the same pair always gives the same report.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Union

from seedlock._base import envvars
from seedlock._errors import SeedlockTypeError
from seedlock.env._fingerprint import PACKAGE_IMPACT, Fingerprint

__all__ = ["IMPACTS", "EnvDifference", "fingerprint_diff"]

#: Impact levels, most likely to change results first.
IMPACTS = ("high", "medium", "low")

FingerprintLike = Union[Fingerprint, Mapping[str, Any]]  # noqa: UP007 (runtime alias on 3.10)


@dataclass(frozen=True)
class EnvDifference:
    """One setting that differs between two fingerprints.

    Attributes:
        key: the dotted key (``"packages.torch"``, ``"gpus.0.name"``).
        a: the value in the first fingerprint (``None``: absent).
        b: the value in the second fingerprint (``None``: absent).
        impact: ``"high"``, ``"medium"`` or ``"low"``: how likely it is to change results.
        reason: why it can change results.

    Example:
        >>> EnvDifference("packages.torch", "2.1.0", "2.2.0", "high", "kernels").to_dict()["impact"]
        'high'
    """

    key: str
    a: Any
    b: Any
    impact: str
    reason: str

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict of the difference."""
        return {
            "key": self.key,
            "a": self.a,
            "b": self.b,
            "impact": self.impact,
            "reason": self.reason,
        }


_KERNELS = "a different version ships different kernels, defaults and RNG implementations"
_HIGH_PACKAGES = {name for name, impact in PACKAGE_IMPACT.items() if impact == "high"}
_MEDIUM_PACKAGES = {name for name, impact in PACKAGE_IMPACT.items() if impact == "medium"}
_HIGH_ENV = {
    "PYTHONHASHSEED": "fixes the order of sets and dicts of strs",
    "CUBLAS_WORKSPACE_CONFIG": "decides whether cuBLAS matrix products are deterministic",
    "NVIDIA_TF32_OVERRIDE": "turns TF32 math on or off for every CUDA library",
    "MKL_CBWR": "selects MKL's code path, which changes float results",
    "XLA_FLAGS": "XLA compiler flags, including deterministic GPU ops",
    "JAX_ENABLE_X64": "changes JAX's default precision",
    "JAX_DEFAULT_MATMUL_PRECISION": "changes JAX matmul precision",
    "TF_DETERMINISTIC_OPS": "decides whether TensorFlow GPU ops are deterministic",
    "TF_CUDNN_DETERMINISTIC": "decides whether TensorFlow cuDNN ops are deterministic",
    "TF_ENABLE_ONEDNN_OPTS": "oneDNN kernels change TensorFlow CPU float results",
    "KERAS_BACKEND": "a different Keras backend is different numerics and RNG",
    envvars.SEED: "a different root seed",
}

# (key pattern, impact, reason); the first match wins.
_RULES: tuple[tuple[str, str, str], ...] = (
    (r"cuda\.source", "low", "where the CUDA versions were read from"),
    (r"cuda\.", "high", "CUDA/cuDNN versions select different GPU kernels"),
    (r"gpus\.count", "high", "a different number of GPUs changes data sharding and reductions"),
    (r"gpus\.\d+\.name", "high", "a different GPU model runs different kernels (and TF32)"),
    (r"gpus\.\d+\.driver", "medium", "a different driver can change the kernels used"),
    (r"gpus\.\d+\.", "low", "GPU memory size rarely changes results"),
    (r"flags\.", "high", "a determinism or precision flag differs"),
    (r"threads\.", "high", "float reductions can differ with the number of threads"),
    (r"env\.SEEDLOCK_", "medium", "seedlock configuration differs"),
    (r"env\.CUDA_VISIBLE_DEVICES", "medium", "different GPUs (or number of GPUs) are used"),
    (r"python\.implementation", "high", "a different Python implementation"),
    (r"platform\.machine", "high", "a different CPU architecture has different float code paths"),
    (r"cpu\.model", "medium", "different SIMD instruction sets change BLAS/oneDNN float results"),
    (r"cpu\.(count|usable)", "medium", "unpinned thread pools size themselves from the CPU count"),
    (r"platform\.(system|platform)", "medium", "a different OS or C library can change math code"),
    (r"git\.commit", "high", "different code"),
    (r"git\.dirty", "medium", "uncommitted changes in the working directory"),
    (r"packages\.", "low", "a helper package that rarely changes numerics"),
    (r"python\.executable", "low", "a different interpreter path (the version is compared)"),
)


def _rank(key: str, a: Any, b: Any) -> tuple[str, str]:
    if key == "python.version":
        if str(a).split(".")[:2] != str(b).split(".")[:2]:
            return "high", "a different Python minor version (random, hashing, float printing)"
        return "medium", "a different Python patch release"
    if key.startswith("packages."):
        name = key.removeprefix("packages.")
        if name in _HIGH_PACKAGES:
            return "high", _KERNELS
        if name in _MEDIUM_PACKAGES:
            return "medium", _KERNELS
    if key.startswith("env."):
        name = key.removeprefix("env.")
        if name in _HIGH_ENV:
            return "high", _HIGH_ENV[name]
    for pattern, impact, reason in _RULES:
        if re.match(pattern, key):
            return impact, reason
    return "low", "rarely changes results"


def _as_fingerprint(value: object, name: str) -> Fingerprint:
    if isinstance(value, Fingerprint):
        return value
    if isinstance(value, Mapping):
        return Fingerprint.from_dict(dict(value))
    raise SeedlockTypeError(
        f"fingerprint_diff() {name} must be a Fingerprint or its to_dict() form, got "
        f"{type(value).__name__}. "
        "Pass seedlock.fingerprint() or Fingerprint.load(path)."
    )


def fingerprint_diff(a: FingerprintLike, b: FingerprintLike) -> list[EnvDifference]:
    """The differences between two fingerprints, most likely to change results first.

    Args:
        a: a :class:`Fingerprint` or its ``to_dict()`` form (as stored in a run record).
        b: the same for the other environment.

    Returns:
        One :class:`EnvDifference` per differing key, ordered by impact (high, medium, low), then
        key. The collection time is not compared.

    Raises:
        SeedlockTypeError: when an argument is neither a Fingerprint nor a dict.
        StateError: when a dict is not a valid fingerprint.

    Example:
        >>> import seedlock
        >>> fp = seedlock.fingerprint()
        >>> seedlock.fingerprint_diff(fp, fp)
        []
    """
    flat_a = _as_fingerprint(a, "a").flat()
    flat_b = _as_fingerprint(b, "b").flat()
    differences = []
    for key in sorted(flat_a.keys() | flat_b.keys()):
        value_a, value_b = flat_a.get(key), flat_b.get(key)
        if value_a != value_b or type(value_a) is not type(value_b):
            impact, reason = _rank(key, value_a, value_b)
            differences.append(EnvDifference(key, value_a, value_b, impact, reason))
    return sorted(differences, key=lambda d: (IMPACTS.index(d.impact), d.key))
