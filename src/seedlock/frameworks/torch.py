"""PyTorch's default generators: CPU, every initialised CUDA device, and MPS.

Determinism contract: ``seed(s)`` is ``torch.manual_seed(s)``, which seeds the CPU generator and
every CUDA/MPS/XPU device (lazily for CUDA devices not yet initialised); on a machine without any
accelerator only the CPU generator exists and is seeded directly. The state holds the CPU
generator and, once CUDA is initialised, every CUDA device's generator; CUDA generators of a
process that never initialised CUDA are still at their seeded start and need no saving.
Deterministic mode switches on deterministic algorithms and cuDNN's deterministic kernels and
needs ``CUBLAS_WORKSPACE_CONFIG`` before CUDA starts.
"""

from __future__ import annotations

import os
import sys
import warnings
from collections.abc import Mapping
from types import ModuleType

from seedlock._errors import StateError
from seedlock.frameworks._base import (
    FIX_DETERMINISTIC,
    RUN_HINT,
    Change,
    Finding,
    Framework,
    State,
    as_int_list,
    require,
)

# Not ``typing.TYPE_CHECKING``: the start-up hook imports this module in every child process.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

__all__ = ["CUBLAS_VALUES", "CUBLAS_VAR", "Torch", "byte_tensor"]

CUBLAS_VAR = "CUBLAS_WORKSPACE_CONFIG"
#: The two workspace configurations NVIDIA documents as deterministic; an existing one is kept.
CUBLAS_VALUES = (":4096:8", ":16:8")


def byte_tensor(value: object, owner: str) -> Any:
    """A CPU uint8 tensor from a tensor or a list of ints (a state after JSON)."""
    import torch

    if isinstance(value, torch.Tensor):
        if value.dtype != torch.uint8:
            raise StateError(
                f"{owner} state must be a uint8 tensor, got dtype {value.dtype}. "
                "Pass the tensor that snapshot() produced."
            )
        return value.detach().cpu()
    words = as_int_list(value)
    bad = next((w for w in words if not 0 <= w <= 255), None)
    if bad is not None:
        raise StateError(
            f"{owner} state must hold bytes (ints in [0, 255]), got {bad}. The snapshot is "
            "corrupt or was edited; use another checkpoint."
        )
    return torch.tensor(words, dtype=torch.uint8)


class Torch(Framework):
    """``torch``'s default CPU, CUDA and MPS generators."""

    name = "torch"
    module = "torch"
    generator_kinds = ("torch.Generator",)

    def seed(self, seed: int) -> None:
        import torch

        if _cpu_only(torch):
            # torch.manual_seed would also queue lazy seeding for CUDA/XPU/MTIA devices this
            # process cannot have, formatting the whole call stack for each (about 0.5 ms);
            # the CPU generator ends up exactly as torch.manual_seed leaves it.
            torch.default_generator.manual_seed(seed)
        else:
            torch.manual_seed(seed)

    def get_state(self) -> State:
        import torch

        state: State = {"cpu": torch.get_rng_state()}
        # Reading CUDA state would initialise CUDA, which breaks forked workers; an uninitialised
        # device still holds its (lazily applied) seed.
        if torch.cuda.is_available() and torch.cuda.is_initialized():  # type: ignore[no-untyped-call]
            state["cuda"] = list(torch.cuda.get_rng_state_all())
        if _mps_available(torch):
            state["mps"] = torch.mps.get_rng_state()
        return state

    def set_state(self, state: Mapping[str, Any]) -> None:
        import torch

        cpu = byte_tensor(require(state, "cpu", object, "torch"), "torch cpu")
        cuda = state.get("cuda")
        cuda_states = []
        if cuda is not None:
            if not isinstance(cuda, (list, tuple)):
                raise StateError(
                    f"torch state['cuda'] must be a list of per-device states, got "
                    f"{type(cuda).__name__}. The snapshot is corrupt."
                )
            cuda_states = [byte_tensor(s, f"torch cuda:{i}") for i, s in enumerate(cuda)]
        mps = state.get("mps")
        mps_state = None if mps is None else byte_tensor(mps, "torch mps")
        try:
            torch.set_rng_state(cpu)
        except RuntimeError as exc:
            raise StateError(
                f"torch CPU state cannot be applied: {exc}. The snapshot is corrupt."
            ) from exc
        if cuda_states:
            available = torch.cuda.device_count() if torch.cuda.is_available() else 0
            for index, device_state in enumerate(cuda_states[:available]):
                torch.cuda.set_rng_state(device_state, index)
            if available < len(cuda_states):
                warnings.warn(
                    f"the snapshot holds {len(cuda_states)} CUDA generator states but this "
                    f"process sees {available} CUDA device(s); restored {available}. "
                    "Run on the same devices (CUDA_VISIBLE_DEVICES) to restore all of them.",
                    RuntimeWarning,
                    stacklevel=3,
                )
        if mps_state is not None and _mps_available(torch):
            torch.mps.set_rng_state(mps_state)

    def deterministic_env(self, environ: Mapping[str, str]) -> dict[str, str]:
        cublas = environ.get(CUBLAS_VAR, "")
        return {CUBLAS_VAR: cublas if cublas in CUBLAS_VALUES else CUBLAS_VALUES[0]}

    def env_too_late(self, name: str, value: str) -> str:
        if name == CUBLAS_VAR and _cuda_initialized():
            return (
                "CUDA (and possibly cuBLAS) is already initialised in this process: set "
                f"{name}={value} before the first CUDA call; {RUN_HINT}"
            )
        return ""

    def enable_determinism(self, *, warn_only: bool) -> list[Change]:
        import torch

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

    def pin_threads(self, threads: int) -> list[Change]:
        import torch

        torch.set_num_threads(threads)
        return [Change("torch.set_num_threads", str(threads))]

    def doctor(self) -> list[Finding]:
        import torch

        return _doctor(torch)

    def fingerprint_threads(self) -> dict[str, Any]:
        import torch

        return {"torch": torch.get_num_threads()}

    def fingerprint_flags(self) -> dict[str, Any]:
        import torch

        with warnings.catch_warnings():
            # Newer torch deprecates the allow_tf32 attributes; reading them must not fail.
            warnings.simplefilter("ignore")
            return {
                "torch.deterministic_algorithms": torch.are_deterministic_algorithms_enabled(),
                "torch.deterministic_warn_only": (
                    torch.is_deterministic_algorithms_warn_only_enabled()
                ),
                "torch.cudnn.deterministic": bool(torch.backends.cudnn.deterministic),
                "torch.cudnn.benchmark": bool(torch.backends.cudnn.benchmark),
                "torch.cuda.matmul.allow_tf32": bool(torch.backends.cuda.matmul.allow_tf32),
                "torch.cudnn.allow_tf32": bool(torch.backends.cudnn.allow_tf32),
                "torch.float32_matmul_precision": torch.get_float32_matmul_precision(),
            }

    def fingerprint_cuda(self) -> dict[str, Any] | None:
        import torch

        backend: Any = torch.backends.cudnn
        cudnn = backend.version() if backend.is_available() else None
        return {
            "cuda": torch.version.cuda,
            "cudnn": None if cudnn is None else str(cudnn),
            "hip": getattr(torch.version, "hip", None),
            "source": "torch",
        }

    def fingerprint_gpus(self) -> list[dict[str, Any]] | None:
        import torch

        if not torch.cuda.is_available():
            return None
        return [
            {"name": torch.cuda.get_device_name(i), "driver": None, "memory": None}
            for i in range(torch.cuda.device_count())
        ]

    def generator_kind(self, generator: object) -> str | None:
        import torch

        return "torch.Generator" if isinstance(generator, torch.Generator) else None

    def generator_state(self, kind: str, generator: Any) -> State:
        return {"device": str(generator.device), "state": generator.get_state()}

    def set_generator_state(self, kind: str, generator: Any, state: Mapping[str, Any]) -> None:
        generator.set_state(byte_tensor(state.get("state"), "tracked torch.Generator"))


_no_accelerator: bool | None = None


def _cpu_only(torch: Any) -> bool:
    """Whether this process can have no device generator besides the CPU one (cached)."""
    global _no_accelerator
    if _no_accelerator is None:
        custom = torch._C._get_privateuse1_backend_name()
        _no_accelerator = not (
            torch.cuda.is_available()
            or _mps_available(torch)
            or torch.xpu.is_available()
            or torch.mtia.is_available()
            or hasattr(torch, custom)
        )
    return _no_accelerator


def _mps_available(torch: Any) -> bool:
    return sys.platform == "darwin" and bool(torch.backends.mps.is_available())


def _cuda_initialized() -> bool:
    torch = sys.modules.get("torch")
    if torch is None:
        return False
    try:
        return bool(torch.cuda.is_initialized())
    except (AttributeError, RuntimeError):
        return False


def _cuda_available(torch: ModuleType) -> bool:
    try:
        return bool(torch.cuda.is_available())
    except (AttributeError, RuntimeError):
        return False


def _doctor(torch: ModuleType) -> list[Finding]:
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
                f"set torch.backends.cudnn.benchmark = False, or {FIX_DETERMINISTIC}",
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
                FIX_DETERMINISTIC,
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
    if cuda and os.environ.get(CUBLAS_VAR) not in CUBLAS_VALUES:
        findings.append(
            Finding(
                "cublas-workspace",
                "warning",
                f"{CUBLAS_VAR} is not set to {' or '.join(CUBLAS_VALUES)}",
                "cuBLAS matrix products are non-deterministic without a fixed workspace, and "
                "torch raises on them in deterministic mode.",
                f"`export {CUBLAS_VAR}=:4096:8` before starting Python, or "
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
    tf32 = _tf32(torch)
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


def _tf32(torch: ModuleType) -> list[str]:
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
