"""Deterministic mode: framework switches, the environment variables they need, thread pinning.

Determinism contract: the functions here switch on every determinism setting a loaded framework
offers and report each one as a :class:`Change`; a setting that comes too late to affect this
process (cuBLAS already initialised, JAX backend started, hash randomisation fixed at start-up)
is reported with ``effective=False`` and the way to set it in time, never silently claimed.
Each framework's switches live in its adapter (:mod:`seedlock.frameworks`); this module loops
over them. Nothing here imports a framework the program has not imported itself.

Example:
    >>> from seedlock.determinism import deterministic_env
    >>> deterministic_env()["CUBLAS_WORKSPACE_CONFIG"] in (":4096:8", ":16:8")
    True
"""

from __future__ import annotations

import os

from seedlock._base import limits, validate
from seedlock._errors import SeedlockError
from seedlock.frameworks import FRAMEWORKS, Change, Framework, get
from seedlock.frameworks.jax import backend_started as jax_backend_started
from seedlock.frameworks.python import hash_seed_fixed

__all__ = [
    "THREAD_VARS",
    "Change",
    "deterministic_env",
    "enable_env",
    "enable_for",
    "hash_seed_fixed",
    "jax_backend_started",
    "pin_threads",
    "thread_env",
]

#: Thread-count environment variables that thread pinning sets (and fingerprints record).
THREAD_VARS = tuple(name for fw in FRAMEWORKS for name in fw.thread_vars)


def _framework(name: object, caller: str) -> Framework:
    if not isinstance(name, str) or name not in {fw.name for fw in FRAMEWORKS}:
        raise SeedlockError(
            f"{caller}() got framework {name!r}; accepted: "
            f"{', '.join(fw.name for fw in FRAMEWORKS)}. Pass one of these names."
        )
    return get(name)


def _check_threads(threads: object, caller: str) -> int:
    return validate.check_int(
        threads,
        func=caller,
        param="threads",
        low=1,
        high=limits.MAX_THREADS,
        accepted=f"a positive int (at most {limits.MAX_THREADS})",
        fix="Pass e.g. threads=1.",
    )


def deterministic_env() -> dict[str, str]:
    """Environment variables deterministic mode needs, given the current ``os.environ``.

    ``CUBLAS_WORKSPACE_CONFIG`` (kept if it already holds a deterministic value),
    ``TF_DETERMINISTIC_OPS=1`` and ``XLA_FLAGS`` with ``--xla_gpu_deterministic_ops=true``
    appended to the flags already there. ``seedlock run --deterministic`` passes these to the
    child process so they are in place before any framework starts.

    Example:
        >>> deterministic_env()["TF_DETERMINISTIC_OPS"]
        '1'
    """
    env: dict[str, str] = {}
    for fw in FRAMEWORKS:
        env.update(fw.deterministic_env(os.environ))
    return env


def thread_env(threads: int) -> dict[str, str]:
    """Environment variables that pin OpenMP, BLAS, NumExpr and TensorFlow thread pools.

    Args:
        threads: the number of threads, a positive int.

    Raises:
        SeedlockError: when ``threads`` is not a positive int.

    Example:
        >>> thread_env(1)["OMP_NUM_THREADS"]
        '1'
    """
    threads = _check_threads(threads, "thread_env")
    return dict.fromkeys(THREAD_VARS, str(threads))


def enable_env() -> list[Change]:
    """Put :func:`deterministic_env` into ``os.environ`` and report what is too late.

    ``CUBLAS_WORKSPACE_CONFIG`` is too late once torch has initialised CUDA, ``XLA_FLAGS`` once
    a JAX backend exists and ``TF_DETERMINISTIC_OPS`` once TensorFlow's context is up; each
    such change says so (child processes still get the value). A variable that already held
    its value is effective.

    Example:
        >>> import os
        >>> saved = dict(os.environ)
        >>> [c.target for c in enable_env()]
        ['env:CUBLAS_WORKSPACE_CONFIG', 'env:TF_DETERMINISTIC_OPS', 'env:XLA_FLAGS']
        >>> os.environ.clear(); os.environ.update(saved)
    """
    changes = []
    for fw in FRAMEWORKS:
        for name, value in fw.deterministic_env(os.environ).items():
            note = "" if os.environ.get(name) == value else fw.env_too_late(name, value)
            os.environ[name] = value
            changes.append(Change(f"env:{name}", value, effective=not note, note=note))
    return changes


def enable_for(framework: str, *, warn_only: bool = False) -> list[Change]:
    """Switch on the determinism settings of one already-imported framework.

    Args:
        framework: the name of an adapter in :data:`seedlock.frameworks.FRAMEWORKS`
            (``python``, ``numpy``, ``torch``, ``tensorflow``, ``keras``, ``cupy``, ``jax``).
            A framework that is not imported is left alone (``[]``).
        warn_only: for torch, warn instead of raising on an operation without a deterministic
            implementation.

    Returns:
        The changes made; ``[]`` where the framework has nothing to set (NumPy, CuPy, Keras,
        whose backend framework is configured under its own name).

    Raises:
        SeedlockError: for an unknown framework name.

    Example:
        >>> enable_for("numpy")
        []
    """
    adapter = _framework(framework, "enable_for")
    if not adapter.is_loaded():
        return []
    return adapter.enable_determinism(warn_only=warn_only)


def pin_threads(threads: int, framework: str | None = None) -> list[Change]:
    """Pin thread counts, because float reductions can differ with the number of threads.

    Args:
        threads: the number of threads, a positive int.
        framework: ``None`` sets the thread environment variables (:func:`thread_env`), which
            reach child processes and thread pools started later; a framework name pins that
            framework's intra-op threads in this process (``torch.set_num_threads``, TF's
            intra/inter-op threads, NumPy's BLAS through threadpoolctl when installed).

    Raises:
        SeedlockError: for a non-positive or non-int ``threads`` or an unknown framework name.

    Example:
        >>> import os
        >>> saved = dict(os.environ)
        >>> [c.target for c in pin_threads(2)][:1]
        ['env:OMP_NUM_THREADS']
        >>> os.environ.clear(); os.environ.update(saved)
    """
    threads = _check_threads(threads, "pin_threads")
    if framework is None:
        os.environ.update(thread_env(threads))
        note = "reaches child processes and thread pools started after this call"
        return [Change(f"env:{name}", str(threads), note=note) for name in THREAD_VARS]
    adapter = _framework(framework, "pin_threads")
    if not adapter.is_loaded():
        return []
    return adapter.pin_threads(threads)
