"""JAX: no global random state; keys come from :func:`seedlock.jax_key`.

Determinism contract: JAX randomness is explicit (keys passed to every call), so there is nothing
to seed or save. seed_everything lists JAX as handled because ``seedlock.jax_key(*path)`` gives
keys that are a pure function of the root seed and the path. Deterministic mode is XLA's
``--xla_gpu_deterministic_ops``, read once when the first backend starts.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping

from seedlock.frameworks._base import RUN_HINT, Change, Finding, Framework, State

# Not ``typing.TYPE_CHECKING``: the start-up hook imports this module in every child process.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

__all__ = ["Jax", "backend_started"]

_XLA_FLAG = "--xla_gpu_deterministic_ops"
_GPU_PLUGINS = ("jax-cuda12-plugin", "jax-cuda13-plugin", "jax-rocm60-plugin")


def backend_started() -> bool:
    """Whether JAX has already created a backend (after which ``XLA_FLAGS`` is ignored).

    Looks only at modules already imported; never imports JAX.

    Example:
        >>> backend_started() in (True, False)
        True
    """
    return bool(_backends())


def _backends() -> Any:
    bridge = sys.modules.get("jax._src.xla_bridge")
    return None if bridge is None else getattr(bridge, "_backends", None)


def _with_determinism(current: str) -> str:
    kept = [flag for flag in current.split() if not flag.startswith(_XLA_FLAG)]
    return " ".join([*kept, f"{_XLA_FLAG}=true"])


def _gpu_possible() -> bool:
    import importlib.metadata

    if backend_started():
        return any(name in ("cuda", "gpu", "rocm") for name in _backends())
    for dist in _GPU_PLUGINS:
        try:
            importlib.metadata.version(dist)
        except importlib.metadata.PackageNotFoundError:
            continue
        return True
    return False


class Jax(Framework):
    """JAX, which keeps no global RNG state."""

    name = "jax"
    module = "jax"
    has_state = False

    def seed(self, seed: int) -> None:
        """Nothing to do: JAX keys are explicit (see :func:`seedlock.jax_key`)."""

    def get_state(self) -> State:
        return {}

    def set_state(self, state: Mapping[str, Any]) -> None:
        """Nothing to do: JAX has no global RNG state."""

    def deterministic_env(self, environ: Mapping[str, str]) -> dict[str, str]:
        return {"XLA_FLAGS": _with_determinism(environ.get("XLA_FLAGS", ""))}

    def env_too_late(self, name: str, value: str) -> str:
        if name == "XLA_FLAGS" and backend_started():
            return (
                "a JAX backend has already started and read XLA_FLAGS: set it before the first "
                f"JAX computation; {RUN_HINT}"
            )
        return ""

    def enable_determinism(self, *, warn_only: bool) -> list[Change]:
        value = _with_determinism(os.environ.get("XLA_FLAGS", ""))
        already = os.environ.get("XLA_FLAGS") == value
        os.environ["XLA_FLAGS"] = value
        if already or not backend_started():
            return [Change("env:XLA_FLAGS", value)]
        return [
            Change(
                "env:XLA_FLAGS",
                value,
                effective=False,
                note=(
                    "a JAX backend has already started, so JAX GPU ops stay as they were: set "
                    f"XLA_FLAGS before the first JAX computation; {RUN_HINT}"
                ),
            )
        ]

    def doctor(self) -> list[Finding]:
        if f"{_XLA_FLAG}=true" in os.environ.get("XLA_FLAGS", "").split():
            return []
        if not _gpu_possible():
            return []
        return [
            Finding(
                "jax-deterministic-ops",
                "warning",
                f"XLA_FLAGS lacks {_XLA_FLAG}=true",
                "XLA's GPU scatter and reduction kernels use atomics and differ between runs.",
                f'`export XLA_FLAGS="$XLA_FLAGS {_XLA_FLAG}=true"` before the first JAX '
                "computation, or `seedlock run --deterministic -- python ...`",
            )
        ]

    def fingerprint_flags(self) -> dict[str, Any]:
        backends = _backends()
        return {"jax.backends": ",".join(sorted(backends))} if backends else {}
