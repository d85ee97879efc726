"""PyTorch's default generators: CPU, every initialised CUDA device, and MPS.

Determinism contract: ``seed(s)`` is ``torch.manual_seed(s)``, which seeds the CPU generator and
every CUDA/MPS/XPU device (lazily for CUDA devices not yet initialised); on a machine without any
accelerator only the CPU generator exists and is seeded directly. The state holds the CPU
generator and, once CUDA is initialised, every CUDA device's generator; CUDA generators of a
process that never initialised CUDA are still at their seeded start and need no saving.
"""

from __future__ import annotations

import sys
import warnings
from collections.abc import Mapping
from typing import Any

from seedlock._errors import StateError
from seedlock.frameworks._base import Framework, State, as_int_list, require

__all__ = ["Torch", "byte_tensor"]


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
    return torch.tensor(as_int_list(value), dtype=torch.uint8)


class Torch(Framework):
    """``torch``'s default CPU, CUDA and MPS generators."""

    name = "torch"
    module = "torch"

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
