"""Deterministic mode (framework flags, environment variables, thread pinning) and the doctor.

Determinism contract: the functions here switch on every determinism setting a loaded framework
offers and report each one as a :class:`Change`; a setting that comes too late to affect this
process (cuBLAS already initialised, JAX backend started, hash randomisation fixed at start-up)
is reported with ``effective=False`` and the way to set it in time, never silently claimed.
Nothing here imports a framework the program has not imported itself.

Example:
    >>> from seedlock.determinism import deterministic_env
    >>> deterministic_env()["CUBLAS_WORKSPACE_CONFIG"] in (":4096:8", ":16:8")
    True
"""

from __future__ import annotations

import os
import sys
import warnings
from dataclasses import dataclass
from types import ModuleType

from seedlock._base import limits, validate
from seedlock._errors import SeedlockError

__all__ = [
    "FRAMEWORKS",
    "THREAD_VARS",
    "Change",
    "Finding",
    "deterministic_env",
    "doctor",
    "enable_env",
    "enable_for",
    "hash_seed_fixed",
    "jax_backend_started",
    "pin_threads",
    "thread_env",
]

#: Framework names accepted by :func:`enable_for` and :func:`pin_threads`.
FRAMEWORKS = ("torch", "tensorflow", "keras", "jax", "cupy", "numpy", "python")

_CUBLAS_VAR = "CUBLAS_WORKSPACE_CONFIG"
# The two workspace configurations NVIDIA documents as deterministic; an existing one is kept.
_CUBLAS_VALUES = (":4096:8", ":16:8")
_XLA_FLAG = "--xla_gpu_deterministic_ops"
#: Thread-count environment variables that thread pinning sets (and fingerprints record).
THREAD_VARS = (
    "OMP_NUM_THREADS",
    "MKL_NUM_THREADS",
    "OPENBLAS_NUM_THREADS",
    "VECLIB_MAXIMUM_THREADS",
    "NUMEXPR_NUM_THREADS",
    "TF_NUM_INTRAOP_THREADS",
    "TF_NUM_INTEROP_THREADS",
)
_RUN_HINT = "`seedlock run --deterministic -- python ...` sets it before start-up"


@dataclass(frozen=True)
class Change:
    """One setting that deterministic mode or thread pinning applied.

    Attributes:
        target: what was set: ``"torch.use_deterministic_algorithms"``,
            ``"env:CUBLAS_WORKSPACE_CONFIG"``, ``"torch.set_num_threads"``...
        value: the value set, as text.
        effective: ``False`` when it came too late to take effect in this process.
        note: why it is not (fully) effective and what to do instead.

    Example:
        >>> Change("torch.set_num_threads", "1").to_dict()["effective"]
        True
    """

    target: str
    value: str
    effective: bool = True
    note: str = ""

    def to_dict(self) -> dict[str, object]:
        """A JSON-ready dict of the change."""
        return {
            "target": self.target,
            "value": self.value,
            "effective": self.effective,
            "note": self.note,
        }


def _check_framework(framework: object, caller: str) -> str:
    if not isinstance(framework, str) or framework not in FRAMEWORKS:
        raise SeedlockError(
            f"{caller}() got framework {framework!r}; accepted: {', '.join(FRAMEWORKS)}. "
            "Pass one of these names."
        )
    return framework


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


def _xla_flags_with_determinism(current: str) -> str:
    kept = [flag for flag in current.split() if not flag.startswith(_XLA_FLAG)]
    return " ".join([*kept, f"{_XLA_FLAG}=true"])


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
    cublas = os.environ.get(_CUBLAS_VAR, "")
    return {
        _CUBLAS_VAR: cublas if cublas in _CUBLAS_VALUES else _CUBLAS_VALUES[0],
        "TF_DETERMINISTIC_OPS": "1",
        "XLA_FLAGS": _xla_flags_with_determinism(os.environ.get("XLA_FLAGS", "")),
    }


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


def _torch_cuda_initialized() -> bool:
    torch = sys.modules.get("torch")
    if torch is None:
        return False
    try:
        return bool(torch.cuda.is_initialized())
    except (AttributeError, RuntimeError):
        return False


def jax_backend_started() -> bool:
    """Whether JAX has already created a backend (after which ``XLA_FLAGS`` is ignored).

    Looks only at modules already imported; never imports JAX.

    Example:
        >>> jax_backend_started() in (True, False)
        True
    """
    bridge = sys.modules.get("jax._src.xla_bridge")
    if bridge is None:
        return False
    backends = getattr(bridge, "_backends", None)
    return bool(backends)


def _tf_context_started() -> bool:
    context = sys.modules.get("tensorflow.python.eager.context")
    if context is None:
        return False
    ctx = getattr(context, "_context", None)
    return ctx is not None and getattr(ctx, "_context_handle", None) is not None


def _too_late(name: str, value: str) -> str:
    """Why setting ``name`` now does not reach this process ("" if it still does)."""
    if name == _CUBLAS_VAR and _torch_cuda_initialized():
        return (
            "CUDA (and possibly cuBLAS) is already initialised in this process: set "
            f"{name}={value} before the first CUDA call; {_RUN_HINT}"
        )
    if name == "XLA_FLAGS" and jax_backend_started():
        return (
            "a JAX backend has already started and read XLA_FLAGS: set it before the first "
            f"JAX computation; {_RUN_HINT}"
        )
    if name == "TF_DETERMINISTIC_OPS" and _tf_context_started():
        return (
            "TensorFlow's context is already running: "
            "tf.config.experimental.enable_op_determinism() (done by "
            "seed_everything(..., deterministic=True)) covers this process"
        )
    return ""


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
    for name, value in deterministic_env().items():
        note = "" if os.environ.get(name) == value else _too_late(name, value)
        os.environ[name] = value
        changes.append(Change(f"env:{name}", value, effective=not note, note=note))
    return changes


def enable_for(framework: str, *, warn_only: bool = False) -> list[Change]:
    """Switch on the determinism settings of one already-imported framework.

    Args:
        framework: one of ``torch``, ``tensorflow``, ``keras``, ``jax``, ``cupy``, ``numpy``,
            ``python``. A framework that is not imported is left alone (``[]``).
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
    framework = _check_framework(framework, "enable_for")
    if framework == "python":
        return _python_hash_changes()
    module = sys.modules.get(framework)
    if module is None:
        return []
    if framework == "torch":
        return _enable_torch(module, warn_only)
    if framework == "tensorflow":
        module.config.experimental.enable_op_determinism()
        return [Change("tf.config.experimental.enable_op_determinism", "True")]
    if framework == "jax":
        value = _xla_flags_with_determinism(os.environ.get("XLA_FLAGS", ""))
        already = os.environ.get("XLA_FLAGS") == value
        os.environ["XLA_FLAGS"] = value
        if already or not jax_backend_started():
            return [Change("env:XLA_FLAGS", value)]
        return [
            Change(
                "env:XLA_FLAGS",
                value,
                effective=False,
                note=(
                    "a JAX backend has already started, so JAX GPU ops stay as they were: set "
                    f"XLA_FLAGS before the first JAX computation; {_RUN_HINT}"
                ),
            )
        ]
    return []


def _enable_torch(torch: ModuleType, warn_only: bool) -> list[Change]:
    torch.use_deterministic_algorithms(True, warn_only=warn_only)
    torch.backends.cudnn.deterministic = True
    torch.backends.cudnn.benchmark = False
    return [
        Change(
            "torch.use_deterministic_algorithms",
            "True (warn_only)" if warn_only else "True",
        ),
        Change("torch.backends.cudnn.deterministic", "True"),
        Change("torch.backends.cudnn.benchmark", "False"),
    ]


def _python_hash_changes() -> list[Change]:
    if hash_seed_fixed():
        return []
    return [
        Change(
            "python.hash_randomization",
            "off",
            effective=False,
            note=(
                "hash randomisation is fixed when the interpreter starts, so set/dict order of "
                "strs stays random in this process: start it with PYTHONHASHSEED set, e.g. "
                "`seedlock run --seed N -- python ...` or `PYTHONHASHSEED=0 python ...`"
            ),
        )
    ]


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
    framework = _check_framework(framework, "pin_threads")
    module = sys.modules.get(framework)
    if module is None:
        return []
    if framework == "torch":
        module.set_num_threads(threads)
        return [Change("torch.set_num_threads", str(threads))]
    if framework == "tensorflow":
        return _pin_tf_threads(module, threads)
    if framework == "numpy":
        return _pin_blas_threads(threads)
    return []


def _pin_tf_threads(tf: ModuleType, threads: int) -> list[Change]:
    changes = []
    threading = tf.config.threading
    for kind, setter in (
        ("intra_op", threading.set_intra_op_parallelism_threads),
        ("inter_op", threading.set_inter_op_parallelism_threads),
    ):
        target = f"tf.config.threading.set_{kind}_parallelism_threads"
        try:
            setter(threads)
        except RuntimeError:
            note = (
                "TensorFlow's context is already initialised, so its thread pools keep their "
                f"size: set TF_NUM_{kind.replace('_', '').upper()}_THREADS before start-up or call "
                "seed_everything(threads=...) before the first TensorFlow op"
            )
            changes.append(Change(target, str(threads), effective=False, note=note))
        else:
            changes.append(Change(target, str(threads)))
    return changes


def _pin_blas_threads(threads: int) -> list[Change]:
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:
        return [
            Change(
                "numpy BLAS threads",
                str(threads),
                effective=False,
                note=(
                    "NumPy's BLAS thread pool is sized when it loads: install threadpoolctl, or "
                    "start with `seedlock run --threads N -- python ...`"
                ),
            )
        ]
    # Not used as a context manager: the limit is meant to last for the rest of the process.
    threadpool_limits(limits=threads)
    return [Change("threadpoolctl.threadpool_limits", str(threads))]


# -- hash randomisation -------------------------------------------------------------------------

_M64 = 2**64 - 1
_PROBE = b"seedlock-hash-probe"


def _rotl(x: int, b: int) -> int:
    return ((x << b) | (x >> (64 - b))) & _M64


def _siphash(k0: int, k1: int, data: bytes, c_rounds: int, d_rounds: int) -> int:
    v0 = k0 ^ 0x736F6D6570736575
    v1 = k1 ^ 0x646F72616E646F6D
    v2 = k0 ^ 0x6C7967656E657261
    v3 = k1 ^ 0x7465646279746573

    def rounds(n: int) -> None:
        nonlocal v0, v1, v2, v3
        for _ in range(n):
            v0 = (v0 + v1) & _M64
            v1 = _rotl(v1, 13) ^ v0
            v0 = _rotl(v0, 32)
            v2 = (v2 + v3) & _M64
            v3 = _rotl(v3, 16) ^ v2
            v0 = (v0 + v3) & _M64
            v3 = _rotl(v3, 21) ^ v0
            v2 = (v2 + v1) & _M64
            v1 = _rotl(v1, 17) ^ v2
            v2 = _rotl(v2, 32)

    full = len(data) - len(data) % 8
    for i in range(0, full, 8):
        m = int.from_bytes(data[i : i + 8], "little")
        v3 ^= m
        rounds(c_rounds)
        v0 ^= m
    last = ((len(data) & 0xFF) << 56) | int.from_bytes(data[full:], "little")
    v3 ^= last
    rounds(c_rounds)
    v0 ^= last
    v2 ^= 0xFF
    rounds(d_rounds)
    return v0 ^ v1 ^ v2 ^ v3


def _expected_bytes_hash(hash_seed: int, data: bytes) -> int | None:
    """``hash(data)`` under ``PYTHONHASHSEED=hash_seed``; None where the algorithm is unknown."""
    algorithm = sys.hash_info.algorithm
    if algorithm not in ("siphash13", "siphash24") or sys.hash_info.width != 64:
        return None
    # CPython fills its hash secret from PYTHONHASHSEED with this LCG (Python/bootstrap_hash.c).
    x = hash_seed
    key = bytearray()
    for _ in range(16):
        x = (x * 214013 + 2531011) & 0xFFFFFFFF
        key.append((x >> 16) & 0xFF)
    k0 = int.from_bytes(key[:8], "little")
    k1 = int.from_bytes(key[8:], "little")
    if not data:
        return 0
    rounds = (1, 3) if algorithm == "siphash13" else (2, 4)
    value = _siphash(k0, k1, data, *rounds)
    if value >= 2**63:
        value -= 2**64
    return -2 if value == -1 else value


def hash_seed_fixed() -> bool:
    """Whether this interpreter's str/bytes hashes are fixed (it started with ``PYTHONHASHSEED``).

    Setting ``PYTHONHASHSEED`` inside a running process changes nothing for it; this checks the
    hash actually in effect against the one the variable's value would give, so a variable set
    too late is not mistaken for a fixed hash seed.

    Example:
        >>> hash_seed_fixed() in (True, False)
        True
    """
    if not sys.flags.hash_randomization:
        return True
    text = os.environ.get("PYTHONHASHSEED", "")
    try:
        hash_seed = int(text)
    except ValueError:
        return False
    if not 0 < hash_seed <= 0xFFFFFFFF:
        return False
    expected = _expected_bytes_hash(hash_seed, _PROBE)
    # An interpreter whose hash we cannot reproduce is trusted to have honoured the variable.
    return expected is None or expected == hash(_PROBE)


# -- doctor -------------------------------------------------------------------------------------

#: Finding severities, most serious first.
SEVERITIES = ("error", "warning", "info")
_FIX_DETERMINISTIC = (
    "call seedlock.seed_everything(SEED, deterministic=True), or launch with "
    "`seedlock run --seed SEED --deterministic -- python ...`"
)


@dataclass(frozen=True)
class Finding:
    """One reproducibility hazard found in the current process.

    Attributes:
        id: a stable identifier (``"hash-randomization"``), for scripts and ``--json`` output.
        severity: ``"error"``, ``"warning"`` or ``"info"``.
        title: one line saying what is wrong.
        detail: why it changes results.
        fix: the concrete command, call or variable that removes it.

    Example:
        >>> Finding("no-root-seed", "warning", "t", "d", "f").to_dict()["id"]
        'no-root-seed'
    """

    id: str
    severity: str
    title: str
    detail: str
    fix: str

    def to_dict(self) -> dict[str, object]:
        """A JSON-ready dict of the finding."""
        return {
            "id": self.id,
            "severity": self.severity,
            "title": self.title,
            "detail": self.detail,
            "fix": self.fix,
        }


def doctor() -> list[Finding]:
    """Check the current process for reproducibility hazards.

    Looks at hash randomisation, thread pinning, the root seed, and the determinism settings of
    every framework already imported (torch, TensorFlow, JAX); it never imports a framework.

    Returns:
        The findings, most severe first; an empty list means nothing was found.

    Example:
        >>> import seedlock
        >>> all(f.severity in ("error", "warning", "info") for f in seedlock.doctor())
        True
    """
    findings = [*_check_process(), *_check_frameworks_seeded()]
    torch = sys.modules.get("torch")
    if torch is not None:
        findings += _check_torch(torch)
    if "tensorflow" in sys.modules:
        findings += _check_tensorflow()
    if "jax" in sys.modules:
        findings += _check_jax()
    return sorted(findings, key=lambda f: SEVERITIES.index(f.severity))


def _check_process() -> list[Finding]:
    findings = []
    if not hash_seed_fixed():
        late = "PYTHONHASHSEED" in os.environ
        findings.append(
            Finding(
                "hash-randomization",
                "warning",
                "Python hash randomisation is on"
                + (" (PYTHONHASHSEED was set after start-up, which has no effect)" if late else ""),
                "Iteration order of sets and dict keys built from strs changes from run to run.",
                "start Python with the variable set: `seedlock run --seed SEED -- python ...` or "
                "`export PYTHONHASHSEED=0`",
            )
        )
    unset = [name for name in THREAD_VARS[:3] if name not in os.environ]
    if unset:
        findings.append(
            Finding(
                "threads-unpinned",
                "info",
                f"thread counts not pinned ({', '.join(unset)} unset)",
                "OpenMP and BLAS pick a thread count from the machine; float reductions can "
                "differ when it changes (another machine, another container limit).",
                "`export OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1`, or "
                "`seedlock run --threads 1 -- python ...`, or seed_everything(SEED, threads=1)",
            )
        )
    from seedlock._seed import root_seed

    if root_seed() is None:
        findings.append(
            Finding(
                "no-root-seed",
                "warning",
                "no root seed set",
                "seed_everything() has not been called and SEEDLOCK_SEED is unset, so derived "
                "streams have no seed and frameworks start from entropy.",
                "call seedlock.seed_everything(SEED) at start-up, or "
                "`seedlock run --seed SEED -- python ...`",
            )
        )
    return findings


def _framework_names(items: object) -> set[str]:
    if not isinstance(items, (list, tuple, set, frozenset, dict)):
        return set()
    return {item if isinstance(item, str) else str(getattr(item, "name", item)) for item in items}


def _check_frameworks_seeded() -> list[Finding]:
    try:
        from seedlock import frameworks
    except ImportError:
        return []
    loaded_fn = getattr(frameworks, "loaded", None)
    seeded_fn = getattr(frameworks, "seeded", None)
    if not callable(loaded_fn) or not callable(seeded_fn):
        return []
    unseeded = sorted(_framework_names(loaded_fn()) - _framework_names(seeded_fn()))
    if not unseeded:
        return []
    return [
        Finding(
            "unseeded-frameworks",
            "warning",
            f"loaded but not seeded by seedlock: {', '.join(unseeded)}",
            "Their global random generators start from entropy or from a seed set elsewhere, "
            "which seedlock cannot record or replay.",
            "call seedlock.seed_everything(SEED) after the imports (or before: frameworks "
            "imported later are seeded at import)",
        )
    ]


def _cuda_available(torch: ModuleType) -> bool:
    try:
        return bool(torch.cuda.is_available())
    except (AttributeError, RuntimeError):
        return False


def _check_torch(torch: ModuleType) -> list[Finding]:
    findings = []
    cuda = _cuda_available(torch)
    cudnn = torch.backends.cudnn
    if cudnn.benchmark:
        findings.append(
            Finding(
                "cudnn-benchmark",
                "warning",
                "torch.backends.cudnn.benchmark is True",
                "cuDNN times several convolution algorithms and keeps the fastest, which can be "
                "a different, non-deterministic one in each run.",
                f"set torch.backends.cudnn.benchmark = False, or {_FIX_DETERMINISTIC}",
            )
        )
    if not torch.are_deterministic_algorithms_enabled():
        findings.append(
            Finding(
                "torch-deterministic-off",
                # Nearly every nondeterministic kernel is a CUDA one; without CUDA this is a note.
                "warning" if cuda else "info",
                "torch deterministic algorithms are off",
                "Some torch operations (scatter/index_add, many CUDA backward passes, cuDNN "
                "convolutions) use atomics and give slightly different results each run."
                + ("" if cuda else " Without CUDA only a few CPU operations are affected."),
                _FIX_DETERMINISTIC,
            )
        )
    elif torch.is_deterministic_algorithms_warn_only_enabled():
        findings.append(
            Finding(
                "torch-deterministic-warn-only",
                "info",
                "torch deterministic algorithms are in warn-only mode",
                "Operations without a deterministic implementation warn and run anyway.",
                "seed_everything(SEED, deterministic=True) without warn_only=True",
            )
        )
    if cuda and os.environ.get(_CUBLAS_VAR) not in _CUBLAS_VALUES:
        findings.append(
            Finding(
                "cublas-workspace",
                "warning",
                f"{_CUBLAS_VAR} is not set to {' or '.join(_CUBLAS_VALUES)}",
                "cuBLAS matrix products are non-deterministic without a fixed workspace, and "
                "torch raises on them in deterministic mode.",
                f"`export {_CUBLAS_VAR}=:4096:8` before starting Python, or "
                "`seedlock run --deterministic -- python ...`",
            )
        )
    threads = torch.get_num_threads()
    if threads > 1 and os.environ.get("OMP_NUM_THREADS") != str(threads):
        findings.append(
            Finding(
                "torch-threads",
                "info",
                f"torch uses {threads} intra-op threads, not pinned",
                "torch CPU reductions can give different bits with a different thread count, "
                "e.g. on a machine with more cores.",
                "seed_everything(SEED, threads=N) or `seedlock run --threads N -- python ...`",
            )
        )
    tf32 = _torch_tf32(torch)
    if tf32:
        findings.append(
            Finding(
                "tf32",
                "warning" if cuda else "info",
                f"TF32 enabled ({', '.join(tf32)})",
                "TF32 rounds float32 matmuls/convolutions to 10-bit mantissas on Ampere and newer "
                "GPUs, so results differ from older GPUs and from CPU."
                + ("" if cuda else " No effect without CUDA."),
                "torch.backends.cuda.matmul.allow_tf32 = False; "
                "torch.backends.cudnn.allow_tf32 = False; "
                "torch.set_float32_matmul_precision('highest')",
            )
        )
    return findings


def _torch_tf32(torch: ModuleType) -> list[str]:
    enabled = []
    # Newer torch versions deprecate the allow_tf32 attributes in favour of fp32_precision;
    # reading them must not turn into an error under -W error.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if getattr(torch.backends.cuda.matmul, "allow_tf32", False):
            enabled.append("torch.backends.cuda.matmul.allow_tf32")
        if getattr(torch.backends.cudnn, "allow_tf32", False):
            enabled.append("torch.backends.cudnn.allow_tf32")
        precision = torch.get_float32_matmul_precision()
    if precision != "highest":
        enabled.append(f"float32_matmul_precision={precision!r}")
    return enabled


def _check_tensorflow() -> list[Finding]:
    config = sys.modules.get("tensorflow.python.framework.config")
    is_enabled = getattr(config, "is_op_determinism_enabled", None)
    if not callable(is_enabled) or is_enabled():
        return []
    return [
        Finding(
            "tf-op-determinism",
            "warning",
            "TensorFlow op determinism is off",
            "Several TensorFlow GPU kernels and tf.data parallel maps are non-deterministic "
            "unless op determinism is enabled.",
            f"tf.config.experimental.enable_op_determinism(), or {_FIX_DETERMINISTIC}",
        )
    ]


_JAX_GPU_PLUGINS = ("jax-cuda12-plugin", "jax-cuda13-plugin", "jax-rocm60-plugin")


def _jax_gpu_possible() -> bool:
    import importlib.metadata

    if jax_backend_started():
        bridge = sys.modules["jax._src.xla_bridge"]
        return any(name in ("cuda", "gpu", "rocm") for name in getattr(bridge, "_backends", {}))
    for dist in _JAX_GPU_PLUGINS:
        try:
            importlib.metadata.version(dist)
        except importlib.metadata.PackageNotFoundError:
            continue
        return True
    return False


def _check_jax() -> list[Finding]:
    if f"{_XLA_FLAG}=true" in os.environ.get("XLA_FLAGS", "").split():
        return []
    if not _jax_gpu_possible():
        return []
    return [
        Finding(
            "jax-deterministic-ops",
            "warning",
            f"XLA_FLAGS lacks {_XLA_FLAG}=true",
            "XLA's GPU scatter and reduction kernels use atomics and differ between runs.",
            f'`export XLA_FLAGS="$XLA_FLAGS {_XLA_FLAG}=true"` before the first JAX computation, '
            "or `seedlock run --deterministic -- python ...`",
        )
    ]
