"""Per-step hashes of a PyTorch training run, recorded with no code change, and where two differ.

Determinism contract: a trace is a pure function of the tensors it hashes (SHA-1 of each
parameter's bytes after every optimizer step, the last loss passed to ``backward`` and, at one
chosen step, every module's forward input and output, every gradient and every parameter just
before the update), so bit-identical runs write identical records and the first differing record
is where two runs diverged. Tracing reads tensors only; it draws no randomness.

The environment protocol (set by ``seedlock verify --trace``, read by the start-up hook):

* ``SEEDLOCK_TRACE=<path>``: append JSON-lines records to ``<path>``, one write per record, so a
  run that crashes keeps the steps it finished.
* ``SEEDLOCK_TRACE_STEP=<S>``: also record the detail of optimizer step ``S``.

Steps are numbered from 1 (the first ``optimizer.step()``); step 0 is the state before the first
update. Every report, the README and ``seedlock verify`` use this numbering.

Records: ``{"kind": "start", "format": 2, "pid", "detail_step"}``; ``{"kind": "step", "step",
"loss", "input", "params": {name: hash}}`` after every step (``input``: the hash of the step's
first forward input, the batch; step 0 holds the parameters before the first update); for the
detail step: ``{"kind": "prefwd", "step", "input", "params", "buffers"}`` when the step's first
forward starts (the batch and the model as the forward sees them),
``{"kind": "forward", "step", "call", "module", "class", "input", "output"}`` per module call,
then ``{"kind": "grad", ...}``, ``{"kind": "pre", ...}`` with ``params`` and ``{"kind": "opt",
"step", "lr", "state"}`` (learning rates and optimizer state) just before the update.
"""

from __future__ import annotations

import hashlib
import importlib.abc
import importlib.machinery
import importlib.util
import json
import os
import sys
import types
import weakref
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from seedlock._base import envvars, validate
from seedlock._errors import SeedlockError
from seedlock._verify._trace_format import FORMAT

__all__ = [
    "FORMAT",
    "TRACE_ENV",
    "TRACE_STEP_ENV",
    "Divergence",
    "Trace",
    "Tracer",
    "first_divergence",
    "install",
    "install_from_env",
    "locate_in_step",
    "read_trace",
]

TRACE_ENV = envvars.TRACE
TRACE_STEP_ENV = envvars.TRACE_STEP
_READABLE = (1, 2)


def _tensor_digest(tensor: Any, digest: Any) -> None:
    import torch

    value = tensor.detach()
    if value.layout != torch.strided:
        value = value.to_dense()
    if value.device.type != "cpu":
        value = value.cpu()
    if not value.is_contiguous():
        value = value.contiguous()
    digest.update(f"{value.dtype}{tuple(value.shape)}".encode())
    try:
        data = value.numpy()
    except TypeError:  # dtypes NumPy lacks (bfloat16, float8): hash the raw bytes
        data = value.reshape(-1).view(torch.uint8).numpy()
    digest.update(data)


def _new_digest() -> Any:
    # SHA-1 runs in hardware on current x86 and ARM CPUs (several times BLAKE2b's speed); it only
    # tells two runs' tensors apart, so collision resistance against an attacker is not needed.
    return hashlib.sha1(usedforsecurity=False)


def _hash_tensor(tensor: Any) -> str:
    digest = _new_digest()
    _tensor_digest(tensor, digest)
    return str(digest.hexdigest()[:24])


def _hash_nested(value: object) -> str | None:
    """One hash over every tensor in a (nested) forward input/output, ``None`` if it has none."""
    import torch

    digest = _new_digest()
    found = False
    stack: list[object] = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, torch.Tensor):
            _tensor_digest(item, digest)
            found = True
        elif isinstance(item, dict):
            stack.extend(reversed(list(item.values())))
        elif isinstance(item, (list, tuple)):
            stack.extend(reversed(item))
    return digest.hexdigest()[:24] if found else None


class _Names:
    """Qualified names of modules and parameters, found from the modules seen in a forward pass."""

    def __init__(self, modules: Iterable[Any]) -> None:
        self._names: dict[int, tuple[weakref.ref[Any], str]] = {}
        seen = {id(m): m for m in modules}
        children: set[int] = set()
        for module in seen.values():
            children.update(id(c) for c in module.modules() if c is not module)
        roots = [m for key, m in seen.items() if key not in children]
        # The root holding the most parameters (the model) gets plain names: "fc.weight".
        roots.sort(key=lambda m: -sum(p.numel() for p in m.parameters()))
        #: The model: the root module holding the most parameters (``None`` when none ran).
        self.model: Any = roots[0] if roots else None
        for index, root in enumerate(roots):
            prefix = "" if index == 0 else type(root).__name__
            self._add(root, type(root).__name__)
            for name, module in root.named_modules():
                if name:
                    self._add(module, f"{prefix}.{name}" if prefix else name)
            for name, param in root.named_parameters():
                self._add(param, f"{prefix}.{name}" if prefix else name)

    def _add(self, obj: Any, name: str) -> None:
        if id(obj) not in self._names:
            self._names[id(obj)] = (weakref.ref(obj), name)

    def get(self, obj: Any, default: str) -> str:
        entry = self._names.get(id(obj))
        if entry is not None and entry[0]() is obj:
            return entry[1]
        return default


class Tracer:
    """Hooks that write a run's trace; create with :func:`install`, undo with :meth:`remove`.

    Example:
        >>> import tempfile, torch  # doctest: +SKIP
        >>> tracer = install(tempfile.mktemp(suffix=".jsonl"))  # doctest: +SKIP
        >>> tracer.remove()  # doctest: +SKIP
    """

    def __init__(self, path: str | os.PathLike[str], detail_step: int | None = None) -> None:
        self.path = os.fspath(path)
        self.detail_step = detail_step
        self.completed = 0
        self._fd: int | None = None
        self._pid = os.getpid()
        self._names: _Names | None = None
        self._seen: dict[int, Any] = {}
        self._calls: list[tuple[Any, str | None, str | None]] = []
        self._loss: Any = None
        self._handles: list[Any] = []
        self._collect_handle: Any = None
        self._detail_handle: Any = None
        self._prefwd_handle: Any = None
        self._step_input: str | None = None
        self._input_taken = False
        self._original_backward: Callable[..., Any] | None = None

    def _install(self) -> None:
        import torch
        from torch.nn.modules import module as nn_module
        from torch.optim import optimizer as optim_module

        self._handles.append(optim_module.register_optimizer_step_pre_hook(self._pre_step))
        self._handles.append(optim_module.register_optimizer_step_post_hook(self._post_step))
        # Until the first step, note every module that runs, to name the parameters.
        self._collect_handle = nn_module.register_module_forward_pre_hook(self._collect)
        if self.detail_step == 1:
            self._start_detail()
        original: Callable[..., Any] = torch.Tensor.backward
        self._original_backward = original
        tracer = self

        def backward(tensor: Any, *args: Any, **kwargs: Any) -> Any:
            if tensor.numel() == 1:
                tracer._loss = tensor.detach()
            return original(tensor, *args, **kwargs)

        backward.__wrapped__ = original  # type: ignore[attr-defined]
        setattr(torch.Tensor, "backward", backward)  # noqa: B010  (mypy: a method is replaced)

    def remove(self) -> None:
        """Remove every hook and close the trace file."""
        import torch

        handles = [*self._handles, self._collect_handle, self._detail_handle, self._prefwd_handle]
        for handle in handles:
            if handle is not None:
                handle.remove()
        self._handles = []
        self._collect_handle = self._detail_handle = self._prefwd_handle = None
        if self._original_backward is not None:
            setattr(torch.Tensor, "backward", self._original_backward)  # noqa: B010
            self._original_backward = None
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None

    def _write(self, record: dict[str, Any]) -> None:
        # Worker processes forked from the traced one inherit the hooks; only this process writes.
        if os.getpid() != self._pid:
            return
        if self._fd is None:
            self._fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
            start = {"kind": "start", "format": FORMAT, "pid": self._pid}
            os.write(
                self._fd, (json.dumps({**start, "detail_step": self.detail_step}) + "\n").encode()
            )
        os.write(self._fd, (json.dumps(record) + "\n").encode())

    def _collect(self, module: Any, args: Any) -> None:
        self._seen[id(module)] = module
        self._take_input(module, args)

    def _take_input(self, module: Any, args: Any) -> None:
        # The first module call after an update is the model itself: its input is the batch.
        if not self._input_taken:
            self._input_taken = True
            self._step_input = _hash_nested(args)

    def _start_detail(self) -> None:
        from torch.nn.modules import module as nn_module

        self._calls = []
        self._detail_handle = nn_module.register_module_forward_hook(self._forward)
        self._prefwd_handle = nn_module.register_module_forward_pre_hook(self._before_forward)

    def _before_forward(self, module: Any, args: Any) -> None:
        """The step's first module call (the model itself): its input, parameters and buffers."""
        if self._prefwd_handle is not None:
            self._prefwd_handle.remove()
            self._prefwd_handle = None
        names = self._names
        params = {}
        for name, param in module.named_parameters():
            params[names.get(param, name) if names is not None else name] = _hash_tensor(param)
        buffers = {name: _hash_tensor(b) for name, b in module.named_buffers() if b is not None}
        self._write(
            {
                "kind": "prefwd",
                "step": self.completed + 1,
                "module": type(module).__name__,
                "input": _hash_nested(args),
                "params": params,
                "buffers": buffers,
            }
        )

    def _forward(self, module: Any, args: Any, output: Any) -> None:
        self._calls.append((module, _hash_nested(args), _hash_nested(output)))

    def _param_hashes(self, optimizer: Any, attr: str | None = None) -> dict[str, str]:
        names = self._names
        hashes: dict[str, str] = {}
        for group_index, group in enumerate(optimizer.param_groups):
            for index, param in enumerate(group["params"]):
                tensor = param if attr is None else getattr(param, attr)
                if tensor is None:
                    continue
                default = f"param_groups[{group_index}][{index}]"
                name = names.get(param, default) if names is not None else default
                hashes[name] = _hash_tensor(tensor)
        return hashes

    def _optimizer_state(self, optimizer: Any) -> dict[str, Any]:
        """Learning rates per group and a hash of each parameter's optimizer state."""
        lrs = []
        for group in optimizer.param_groups:
            lr = group.get("lr")
            lrs.append(float(lr) if isinstance(lr, (int, float)) else _hash_nested(lr))
        state: dict[str, str] = {}
        names = self._names
        for group_index, group in enumerate(optimizer.param_groups):
            for index, param in enumerate(group["params"]):
                entry = optimizer.state.get(param)
                if not entry:
                    continue
                default = f"param_groups[{group_index}][{index}]"
                name = names.get(param, default) if names is not None else default
                values = [entry[key] for key in sorted(entry)]
                plain = repr([v for v in values if not hasattr(v, "shape")]).encode()
                state[name] = f"{_hash_nested(values)}:{hashlib.sha1(plain).hexdigest()[:8]}"
        return {"lr": lrs, "state": state}

    def _pre_step(self, optimizer: Any, args: Any, kwargs: Any) -> None:
        step = self.completed + 1
        if self._collect_handle is not None:
            self._collect_handle.remove()
            self._collect_handle = None
            self._names = _Names(self._seen.values())
            # From now on only the model's own calls give the batch: a hook on every module
            # (global) would slow each module call of the whole run.
            if self._names.model is not None:
                hook = self._names.model.register_forward_pre_hook(self._take_input)
                self._handles.append(hook)
            self._seen = {}
            self._write(
                {"kind": "step", "step": 0, "loss": None, "params": self._param_hashes(optimizer)}
            )
        if step == self.detail_step and self._detail_handle is not None:
            self._detail_handle.remove()
            self._detail_handle = None
            calls, self._calls = self._calls, []
            names = _Names(module for module, _, _ in calls)
            for call, (module, inputs, output) in enumerate(calls):
                fallback = type(module).__name__
                name = names.get(module, fallback)
                if self._names is not None:
                    name = self._names.get(module, name)
                record = {"kind": "forward", "step": step, "call": call, "module": name}
                cls = type(module).__name__
                self._write({**record, "class": cls, "input": inputs, "output": output})
            self._write(
                {"kind": "grad", "step": step, "params": self._param_hashes(optimizer, "grad")}
            )
            self._write({"kind": "pre", "step": step, "params": self._param_hashes(optimizer)})
            self._write({"kind": "opt", "step": step, **self._optimizer_state(optimizer)})

    def _post_step(self, optimizer: Any, args: Any, kwargs: Any) -> None:
        self.completed += 1
        loss = self._loss
        self._loss = None
        value = float(loss.float().item()) if loss is not None else None
        params = self._param_hashes(optimizer)
        record = {"kind": "step", "step": self.completed, "loss": value, "params": params}
        self._write({**record, "input": self._step_input})
        self._input_taken = False
        self._step_input = None
        if self.detail_step is not None and self.completed + 1 == self.detail_step:
            self._start_detail()


def install(path: str | os.PathLike[str], *, detail_step: int | None = None) -> Tracer:
    """Trace the PyTorch training in this process into ``path`` (torch must be imported).

    Args:
        path: the JSON-lines file to append to.
        detail_step: an optimizer step (1-based) whose module inputs/outputs, gradients and
            pre-update parameters are also recorded.

    Returns:
        The :class:`Tracer`; call ``remove()`` to stop tracing.

    Raises:
        SeedlockError: ``detail_step`` is not a positive int.

    Example:
        >>> import tempfile, torch  # doctest: +SKIP
        >>> tracer = install(tempfile.mktemp(suffix=".jsonl"))  # doctest: +SKIP
        >>> tracer.remove()  # doctest: +SKIP
    """
    if detail_step is not None:
        validate.check_int(
            detail_step,
            func="install",
            param="detail_step",
            low=1,
            accepted="an optimizer step >= 1",
            fix="Steps are counted from 1; step 0 is the state before the first update.",
        )
    tracer = Tracer(path, detail_step)
    tracer._install()
    return tracer


class _TorchImportHook(importlib.abc.MetaPathFinder):
    """Runs a callback right after ``module`` (torch by default) finishes importing (one shot)."""

    def __init__(self, callback: Callable[[], None], module: str = "torch") -> None:
        self._callback = callback
        self._module = module

    def find_spec(
        self,
        fullname: str,
        path: Sequence[str] | None,
        target: types.ModuleType | None = None,
    ) -> importlib.machinery.ModuleSpec | None:
        if fullname != self._module:
            return None
        sys.meta_path.remove(self)
        # Other finders (another import hook included) still get to resolve it first.
        spec = importlib.util.find_spec(self._module)
        if spec is None or spec.loader is None:
            return spec
        original = spec.loader.exec_module
        callback = self._callback

        def exec_module(module: types.ModuleType) -> None:
            original(module)
            callback()

        setattr(spec.loader, "exec_module", exec_module)  # noqa: B010  (the loader is per-module)
        return spec


_active: Tracer | None = None


def _unless_torch(callback: Callable[[], None]) -> Callable[[], None]:
    def run() -> None:
        if _active is None:
            callback()

    return run


def install_from_env() -> None:
    """Install tracing as the environment asks (the start-up hook calls this).

    If torch is not imported yet, tracing is installed right after the program imports it; a
    Keras 3 program (without torch) is traced through every ``Model.fit`` instead.
    Nothing happens when ``$SEEDLOCK_TRACE`` is unset or tracing is already installed.

    Raises:
        SeedlockError: ``$SEEDLOCK_TRACE_STEP`` is not a positive integer.

    Example:
        >>> install_from_env()  # without $SEEDLOCK_TRACE: nothing happens
    """
    path = os.environ.get(TRACE_ENV)
    if not path or _active is not None:
        return
    step_text = os.environ.get(TRACE_STEP_ENV, "").strip()
    if step_text and not (step_text.isdigit() and int(step_text) >= 1):
        raise SeedlockError(
            f"${TRACE_STEP_ENV} must be an optimizer step >= 1, got {step_text!r}. "
            f"Unset it or set it to a step number."
        )
    detail_step = int(step_text) if step_text else None

    def start() -> None:
        global _active
        _active = install(path, detail_step=detail_step)

    def start_keras() -> None:
        from seedlock._verify.keras_trace import install_keras

        install_keras(path, detail_step)

    hooks = [f for f in sys.meta_path if isinstance(f, _TorchImportHook)]
    if "torch" in sys.modules:
        start()
    elif not any(h._module == "torch" for h in hooks):
        sys.meta_path.insert(0, _TorchImportHook(start))
    # A Keras program is traced through fit(); a program that uses both writes two traces'
    # records into one file, so Keras is traced only when torch is not.
    if "keras" in sys.modules:
        if "torch" not in sys.modules:
            start_keras()
    elif not any(h._module == "keras" for h in hooks):
        sys.meta_path.insert(0, _TorchImportHook(_unless_torch(start_keras), "keras"))


@dataclass
class Trace:
    """A trace file read back: per-step records and the detail records of one step."""

    steps: dict[int, dict[str, Any]] = field(default_factory=dict)
    forward: list[dict[str, Any]] = field(default_factory=list)
    grad: dict[int, dict[str, str]] = field(default_factory=dict)
    pre: dict[int, dict[str, str]] = field(default_factory=dict)
    prefwd: dict[int, dict[str, Any]] = field(default_factory=dict)
    opt: dict[int, dict[str, Any]] = field(default_factory=dict)

    @property
    def last_step(self) -> int:
        """The last optimizer step recorded (0 when none completed)."""
        return max(self.steps, default=0)


def read_trace(path: str | os.PathLike[str]) -> Trace:
    """Read a trace file (records of its first process only; a torn last line is skipped).

    Raises:
        SeedlockError: the file is missing, or is not a seedlock trace of a known format.
    """
    trace = Trace()
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise SeedlockError(
            f"cannot read the trace {os.fspath(path)!r}: {exc}. The command may not have used "
            "a PyTorch optimizer, or may not be a Python program."
        ) from exc
    owner: int | None = None
    current: int | None = None
    for line in text.splitlines():
        try:
            record = json.loads(line)
        except json.JSONDecodeError:
            continue
        if not isinstance(record, dict):
            continue
        if record.get("kind") == "start":
            if record.get("format") not in _READABLE:
                raise SeedlockError(
                    f"{os.fspath(path)!r} is a trace of format {record.get('format')!r}; this "
                    f"seedlock reads format {FORMAT}. Re-run with this seedlock version."
                )
            current = record.get("pid")
            owner = current if owner is None else owner
            continue
        if current != owner:
            continue
        kind, step = record.get("kind"), record.get("step")
        if kind == "step" and isinstance(step, int):
            trace.steps[step] = record
        elif kind == "forward":
            trace.forward.append(record)
        elif kind == "grad" and isinstance(step, int):
            trace.grad[step] = record.get("params", {})
        elif kind == "pre" and isinstance(step, int):
            trace.pre[step] = record.get("params", {})
        elif kind == "prefwd" and isinstance(step, int):
            trace.prefwd.setdefault(step, record)
        elif kind == "opt" and isinstance(step, int):
            trace.opt[step] = record
    if owner is None:
        raise SeedlockError(
            f"{os.fspath(path)!r} holds no seedlock trace records. Tracing needs a PyTorch "
            "program that calls optimizer.step()."
        )
    return trace


@dataclass(frozen=True)
class Divergence:
    """Where two traced runs first differ.

    Attributes:
        step: the optimizer step (0: the parameters before the first update).
        kind: ``initial``, ``loss``, ``param``, ``input``, ``output``, ``grad``, ``pre`` or
            ``length``.
        where: the parameter or module name.
        detail: an explanation of what that means.
    """

    step: int
    kind: str
    where: str
    detail: str = ""

    def describe(self) -> str:
        """``first divergence at step S in <where>`` plus the explanation."""
        head = f"first divergence at step {self.step} in {self.where}"
        return f"{head}: {self.detail}" if self.detail else head

    def to_dict(self) -> dict[str, Any]:
        """A JSON-able dict of the fields."""
        return {"step": self.step, "kind": self.kind, "where": self.where, "detail": self.detail}


def _first_key(a: dict[str, str], b: dict[str, str]) -> str | None:
    for key in [*a, *(k for k in b if k not in a)]:
        if a.get(key) != b.get(key):
            return key
    return None


def first_divergence(a: Trace, b: Trace) -> Divergence | None:
    """The first step whose loss or parameters differ between two traces, ``None`` if none do.

    Example:
        >>> t1 = Trace(steps={1: {"loss": 0.5, "params": {"w": "aa"}}})
        >>> t2 = Trace(steps={1: {"loss": 0.5, "params": {"w": "bb"}}})
        >>> first_divergence(t1, t2).describe()
        'first divergence at step 1 in w: the parameter differs after the optimizer update'
    """
    for step in sorted(set(a.steps) & set(b.steps)):
        rec_a, rec_b = a.steps[step], b.steps[step]
        if step > 0 and "input" in rec_a and "input" in rec_b and rec_a["input"] != rec_b["input"]:
            return Divergence(
                step,
                "input",
                "the input batch",
                "the batch of this step differs while the previous step ended with equal "
                "parameters: the data order, the augmentation or a data file differs",
            )
        if step > 0 and not _same_loss(rec_a.get("loss"), rec_b.get("loss")):
            return Divergence(
                step,
                "loss",
                "the loss",
                f"run 1 {rec_a.get('loss')!r}, other {rec_b.get('loss')!r}; the forward pass "
                "already differs at this step",
            )
        key = _first_key(rec_a.get("params", {}), rec_b.get("params", {}))
        if key is not None:
            if step == 0:
                return Divergence(
                    0,
                    "initial",
                    key,
                    "the initial weights differ (model initialisation is not seeded)",
                )
            return Divergence(
                step, "param", key, "the parameter differs after the optimizer update"
            )
    if a.last_step != b.last_step:
        step = min(a.last_step, b.last_step) + 1
        return Divergence(
            step,
            "length",
            "the number of steps",
            f"run 1 took {a.last_step} optimizer steps, the other {b.last_step}",
        )
    return None


def _same_loss(x: object, y: object) -> bool:
    if isinstance(x, float) and isinstance(y, float) and x != x and y != y:
        return True
    return x == y and type(x) is type(y)


def _module_label(record: dict[str, Any]) -> str:
    module = str(record.get("module"))
    cls = record.get("class")
    return f"{module} ({cls})" if isinstance(cls, str) and cls != module else module


def _before_forward(a: Trace, b: Trace, step: int) -> Divergence | None:
    """The batch, parameters and buffers as the step's forward pass found them."""
    pa, pb = a.prefwd.get(step), b.prefwd.get(step)
    if pa is None or pb is None:
        return None
    key = _first_key(pa.get("params", {}), pb.get("params", {}))
    if key is not None:
        if step == 1:
            detail = "the parameter differs as the first forward pass starts"
        else:
            detail = (
                f"the parameter was equal after step {step - 1} but differs when step {step}'s "
                f"forward starts: it was changed outside the optimizer between the end of step "
                f"{step - 1} and the forward of step {step} (an in-place edit, a "
                "re-initialisation or a weight load)"
            )
        return Divergence(step, "outside", key, detail)
    key = _first_key(pa.get("buffers", {}), pb.get("buffers", {}))
    if key is not None:
        return Divergence(
            step,
            "buffer",
            key,
            "a buffer (running statistics, a counter) differs before the forward pass while the "
            "parameters match: it was updated by a forward whose input differed, or changed "
            "outside training",
        )
    if pa.get("input") != pb.get("input"):
        return Divergence(
            step,
            "input",
            "the input batch",
            f"the batch given to {pa.get('module')} differs while the parameters match: the "
            "data order, the augmentation or a data file differs",
        )
    return None


def _optimizer_difference(a: Trace, b: Trace, step: int) -> Divergence | None:
    oa, ob = a.opt.get(step), b.opt.get(step)
    if oa is None or ob is None:
        return None
    if oa.get("lr") != ob.get("lr"):
        return Divergence(
            step,
            "lr",
            "the learning rate",
            f"gradients and parameters match but the learning rates differ ({oa.get('lr')} vs "
            f"{ob.get('lr')}): the learning-rate schedule or a manual change",
        )
    key = _first_key(oa.get("state", {}), ob.get("state", {}))
    if key is not None:
        return Divergence(
            step,
            "optimizer-state",
            key,
            "gradients, parameters and learning rates match but the optimizer state "
            "(momentum, Adam moments, step count) of this parameter differs",
        )
    return None


def locate_in_step(a: Trace, b: Trace, step: int) -> Divergence | None:
    """Within the detail records of ``step``, the first thing that differs, in the order it ran.

    Checked in order: the parameters, buffers and batch as the forward pass starts (changed
    outside the optimizer / different input), each module's input and output (with its class),
    the gradients, the parameters just before the update, the learning rates and optimizer state.
    Returns ``None`` when neither trace holds detail records for ``step``.

    Example:
        >>> fa = {"kind": "forward", "step": 2, "module": "fc", "class": "Linear",
        ...       "input": "x", "output": "y"}
        >>> fb = dict(fa, output="z")
        >>> locate_in_step(Trace(forward=[fa]), Trace(forward=[fb]), 2).where
        'fc (Linear)'
    """
    found = _before_forward(a, b, step)
    if found is not None:
        return found
    calls_a = [r for r in a.forward if r.get("step") == step]
    calls_b = [r for r in b.forward if r.get("step") == step]
    for position, (rec_a, rec_b) in enumerate(zip(calls_a, calls_b, strict=False)):
        if rec_a.get("module") != rec_b.get("module"):
            return Divergence(
                step,
                "output",
                _module_label(rec_a),
                f"the modules ran in a different order (other run called {rec_b.get('module')})",
            )
        module = _module_label(rec_a)
        if rec_a.get("input") != rec_b.get("input"):
            if position == 0 and not (a.prefwd.get(step) and b.prefwd.get(step)):
                detail = (
                    "the first module's input differs: the input batch differs (the data order, "
                    "the augmentation or a data file)"
                )
            else:
                detail = (
                    "its input differs while every module before it matched: a random operation "
                    "between modules (functional dropout, torch.rand in forward) or input "
                    "handling that differs"
                )
            return Divergence(step, "input", module, detail)
        if rec_a.get("output") != rec_b.get("output"):
            return Divergence(
                step,
                "output",
                module,
                "same parameters and same input, different output: a random layer (such as "
                "dropout) or a nondeterministic kernel",
            )
    if len(calls_a) != len(calls_b):
        return Divergence(step, "output", "the forward pass", "a different number of module calls")
    key = _first_key(a.grad.get(step, {}), b.grad.get(step, {}))
    if key is not None:
        return Divergence(
            step,
            "grad",
            key,
            "the forward outputs match but the gradient differs: a nondeterministic backward "
            "kernel (atomics in index_add/scatter/embedding backward), a gradient hook, or "
            "randomness in the loss",
        )
    key = _first_key(a.pre.get(step, {}), b.pre.get(step, {}))
    if key is not None:
        return Divergence(
            step,
            "pre",
            key,
            "forward outputs and gradients match, but the parameter was changed outside the "
            "optimizer between the backward pass and the update",
        )
    found = _optimizer_difference(a, b, step)
    if found is not None:
        return found
    if not (calls_a or a.grad.get(step) or a.pre.get(step)):
        return None
    return Divergence(
        step,
        "update",
        "the optimizer update",
        "forward outputs, gradients, parameters, learning rates and optimizer state before the "
        "update all match; the update itself differs (a nondeterministic optimizer kernel)",
    )
