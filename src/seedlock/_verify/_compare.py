"""Exact comparison of what two runs produced: exit codes, metrics, printed lines, files, tensors.

Determinism contract: nothing here is compared with a tolerance. Floats compare by their bits (so
``-0.0`` differs from ``0.0`` and a NaN equals the same NaN), files by SHA-256, tensors element by
element on their bytes; the max abs difference is only reported, never used to decide.
"""

from __future__ import annotations

import dataclasses
import math
import os
import re
import struct
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from seedlock._base.files import file_sha256
from seedlock._errors import SeedlockError, SeedlockTypeError

__all__ = [
    "TENSOR_SUFFIXES",
    "OutputDifference",
    "compare_exit_codes",
    "compare_files",
    "compare_metric_history",
    "compare_stdout",
    "compare_outputs",
    "load_tensors",
    "normalize_stdout",
    "same_scalar",
    "to_portable",
]

#: Files compared tensor by tensor (when their bytes differ).
TENSOR_SUFFIXES = (".npy", ".npz", ".pt", ".pth", ".safetensors")


@dataclass(frozen=True)
class OutputDifference:
    """One thing that differs between the reference run (run 1) and another run.

    Attributes:
        kind: ``exit_code``, ``metric``, ``stdout``, ``file``, ``tensor`` or ``value``.
        where: the metric name, stdout line, file path, tensor name or value path.
        first: the value in run 1, as text.
        other: the value in run ``run``, as text.
        run: the 1-based index of the run that differs from run 1.
        max_abs_diff: the largest absolute difference, where the values are numeric.
        detail: a short extra note (element counts, shapes).

    Example:
        >>> d = OutputDifference("metric", "accuracy", "0.91", "0.89", run=2, max_abs_diff=0.02)
        >>> d.describe()
        'metric accuracy: run 1 0.91, run 2 0.89 (max abs diff 0.02)'
    """

    kind: str
    where: str
    first: str
    other: str
    run: int
    max_abs_diff: float | None = None
    detail: str = ""

    def describe(self) -> str:
        """One or more lines saying what differs, with both values."""
        extra = []
        if self.max_abs_diff is not None:
            extra.append(f"max abs diff {self.max_abs_diff:.3g}")
        if self.detail:
            extra.append(self.detail)
        tail = f" ({', '.join(extra)})" if extra else ""
        if self.kind == "stdout":
            return (
                f"stdout {self.where}{tail}:\n  run 1: {self.first}\n  run {self.run}: {self.other}"
            )
        return f"{self.kind} {self.where}: run 1 {self.first}, run {self.run} {self.other}{tail}"

    def to_dict(self) -> dict[str, Any]:
        """A JSON-able dict of the fields."""
        return {
            "kind": self.kind,
            "where": self.where,
            "first": self.first,
            "other": self.other,
            "run": self.run,
            "max_abs_diff": self.max_abs_diff,
            "detail": self.detail,
        }


def same_scalar(a: object, b: object) -> bool:
    """Whether two scalars are identical: floats by their bits, everything else by type and ``==``.

    Example:
        >>> same_scalar(0.1 + 0.2, 0.3), same_scalar(float("nan"), float("nan"))
        (False, True)
        >>> same_scalar(0.0, -0.0)
        False
    """
    if isinstance(a, float) and isinstance(b, float):
        return struct.pack("<d", a) == struct.pack("<d", b)
    if type(a) is not type(b):
        return False
    return bool(a == b)


def _numeric_gap(a: object, b: object) -> float | None:
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        if isinstance(a, bool) or isinstance(b, bool):
            return None
        gap = abs(float(a) - float(b))
        return None if math.isnan(gap) else gap
    return None


def compare_exit_codes(codes: Sequence[int | None]) -> list[OutputDifference]:
    """Each run whose exit code differs from run 1's.

    Example:
        >>> [d.describe() for d in compare_exit_codes([0, 0, 1])]
        ['exit_code exit code: run 1 0, run 3 1']
    """
    return [
        OutputDifference("exit_code", "exit code", str(codes[0]), str(code), run=index)
        for index, code in enumerate(codes[1:], start=2)
        if code != codes[0]
    ]


def _metric_entries(history: Sequence[Mapping[str, Any]]) -> Iterator[tuple[str, object]]:
    for position, entry in enumerate(history):
        values = entry.get("metrics", entry)
        step = entry.get("step")
        label = f"step {step}" if step is not None else f"call {position + 1}"
        for key in values if isinstance(values, Mapping) else ():
            if key == "step" and values is entry:
                continue
            yield f"{key} ({label})", values[key]


def compare_metric_history(
    first: Sequence[Mapping[str, Any]], other: Sequence[Mapping[str, Any]], *, run: int
) -> tuple[list[OutputDifference], int]:
    """Compare the ``seedlock.log`` histories of two runs value by value, in logging order.

    Args:
        first: run 1's history, a list of ``{"metrics": {...}, "step": s}`` entries.
        other: the other run's history.
        run: the other run's 1-based index.

    Returns:
        The differences (the first differing value, plus a count mismatch if any) and the number
        of values compared.

    Example:
        >>> diffs, n = compare_metric_history(
        ...     [{"metrics": {"loss": 0.5}}], [{"metrics": {"loss": 0.25}}], run=2)
        >>> diffs[0].describe(), n
        ('metric loss (call 1): run 1 0.5, run 2 0.25 (max abs diff 0.25)', 1)
    """
    a = list(_metric_entries(first))
    b = list(_metric_entries(other))
    diffs: list[OutputDifference] = []
    for (name_a, value_a), (name_b, value_b) in zip(a, b, strict=False):
        if name_a != name_b:
            diffs.append(
                OutputDifference("metric", name_a, repr(value_a), f"{name_b}={value_b!r}", run)
            )
            break
        if not same_scalar(value_a, value_b):
            gap = _numeric_gap(value_a, value_b)
            diffs.append(OutputDifference("metric", name_a, repr(value_a), repr(value_b), run, gap))
            break
    if len(a) != len(b):
        diffs.append(
            OutputDifference(
                "metric", "count", f"{len(a)} values", f"{len(b)} values", run, detail="logged"
            )
        )
    return diffs, min(len(a), len(b))


_NUMBER = r"[-+]?(?:\d+\.\d*|\.\d+|\d+)(?:[eE][-+]?\d+)?"
_NUMBER_RE = re.compile(_NUMBER)
_TIMING_WORD = re.compile(
    r"((?<![A-Za-z])(?:time|elapsed|eta|took|duration)(?![A-Za-z])\W{0,3})" + _NUMBER, re.I
)
_TIMING_VALUE = re.compile(
    _NUMBER + r"\s*(?:ms|us|µs|ns|s|sec|secs|seconds?|mins?|minutes?|it/s|s/it|steps?/s|samples/s"
    r"|examples/s|img/s|images/s|tokens/s|batches/s)(?![A-Za-z])"
)
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?)?")
_CLOCK = re.compile(r"(?<![\d.])\d{1,2}:\d{2}(?::\d{2})?(?:[.,]\d+)?(?![\d:])")
_ADDRESS = re.compile(r"0x[0-9a-fA-F]{6,}")


def normalize_stdout(
    text: str, ignore: Sequence[re.Pattern[str]] = (), *, timings: bool = False
) -> list[tuple[int, str, str]]:
    """The lines of ``text`` to compare: ``(line number, original line, normalized line)``.

    Matches of ``ignore`` are removed; unless ``timings`` is true, timing-like values are masked
    (numbers followed by a time or rate unit, clock times, dates, a number right after the words
    time/elapsed/ETA/took/duration) and so are memory addresses. Lines left empty are dropped.

    Example:
        >>> normalize_stdout("epoch 1 loss 0.5 (3.2s)\\n\\nelapsed 12\\n")
        [(1, 'epoch 1 loss 0.5 (3.2s)', 'epoch 1 loss 0.5 (<t>)'), (3, 'elapsed 12', 'elapsed <t>')]
    """
    lines = []
    for number, line in enumerate(text.splitlines(), start=1):
        norm = line
        for pattern in ignore:
            norm = pattern.sub("", norm)
        if not timings:
            norm = _ADDRESS.sub("<addr>", norm)
            norm = _DATE.sub("<date>", norm)
            norm = _CLOCK.sub("<t>", norm)
            norm = _TIMING_VALUE.sub("<t>", norm)
            norm = _TIMING_WORD.sub(r"\1<t>", norm)
        norm = norm.rstrip()
        if norm.strip():
            lines.append((number, line.rstrip(), norm))
    return lines


def compare_stdout(
    first: str,
    other: str,
    *,
    run: int,
    ignore: Sequence[re.Pattern[str]] = (),
    timings: bool = False,
) -> tuple[list[OutputDifference], int]:
    """Compare two runs' printed output line by line after :func:`normalize_stdout`.

    Returns:
        The first differing line (with both originals and the max abs difference of its numbers
        when both lines hold as many numbers), plus a line-count mismatch if any, and the number of
        lines compared.

    Example:
        >>> diffs, n = compare_stdout("acc 0.91\\n", "acc 0.89\\n", run=2)
        >>> diffs[0].where, round(diffs[0].max_abs_diff, 6), n
        ('line 1', 0.02, 1)
    """
    a = normalize_stdout(first, ignore, timings=timings)
    b = normalize_stdout(other, ignore, timings=timings)
    diffs: list[OutputDifference] = []
    for (line_a, orig_a, norm_a), (line_b, orig_b, norm_b) in zip(a, b, strict=False):
        if norm_a == norm_b:
            continue
        nums_a = [float(x) for x in _NUMBER_RE.findall(norm_a)]
        nums_b = [float(x) for x in _NUMBER_RE.findall(norm_b)]
        gap = None
        if nums_a and len(nums_a) == len(nums_b):
            gaps = [
                abs(x - y) for x, y in zip(nums_a, nums_b, strict=False) if not math.isnan(x - y)
            ]
            gap = max(gaps) if gaps else None
        where = f"line {line_a}" if line_a == line_b else f"line {line_a} (run {run}: {line_b})"
        diffs.append(OutputDifference("stdout", where, orig_a, orig_b, run, gap))
        break
    if len(a) != len(b):
        diffs.append(
            OutputDifference("stdout", "line count", f"{len(a)} lines", f"{len(b)} lines", run)
        )
    return diffs, min(len(a), len(b))


@dataclass
class _Leaves:
    tensors: dict[str, np.ndarray] = field(default_factory=dict)
    values: dict[str, object] = field(default_factory=dict)


def _torch_to_numpy(tensor: Any) -> np.ndarray:
    import torch

    tensor = tensor.detach().cpu()
    if tensor.dtype == torch.bfloat16:
        # bfloat16 -> float32 is exact and injective, so equality and differences are preserved.
        tensor = tensor.float()
    return np.array(tensor.numpy(), copy=True)


def _flatten(value: object, prefix: str, leaves: _Leaves) -> None:
    if isinstance(value, np.ndarray):
        leaves.tensors[prefix] = value
    elif type(value).__module__.startswith("torch") and hasattr(value, "detach"):
        leaves.tensors[prefix] = _torch_to_numpy(value)
    elif isinstance(value, Mapping):
        for key, item in value.items():
            _flatten(item, f"{prefix}.{key}" if prefix else str(key), leaves)
    elif isinstance(value, (list, tuple)):
        for index, item in enumerate(value):
            _flatten(item, f"{prefix}[{index}]", leaves)
    else:
        leaves.values[prefix] = value


def load_tensors(path: str | os.PathLike[str], *, suffix: str | None = None) -> _Leaves:
    """Every tensor (as a NumPy array) and other value stored in a tensor file, by name.

    ``.npy``/``.npz`` load with ``allow_pickle=False``; ``.pt``/``.pth`` with
    ``torch.load(weights_only=True)``; ``.safetensors`` with the safetensors reader. Nothing is
    unpickled beyond what those safe loaders allow.

    Args:
        path: the file.
        suffix: the format, when the file's own name does not end with it (a copy).

    Raises:
        SeedlockError: the suffix is not a tensor format or the file cannot be read safely.
    """
    suffix = (suffix or Path(path).suffix).lower()
    leaves = _Leaves()
    try:
        if suffix == ".npy":
            leaves.tensors[""] = np.load(path, allow_pickle=False)
        elif suffix == ".npz":
            with np.load(path, allow_pickle=False) as archive:
                for key in archive.files:
                    leaves.tensors[key] = archive[key]
        elif suffix in (".pt", ".pth"):
            import torch

            _flatten(torch.load(path, map_location="cpu", weights_only=True), "", leaves)
        elif suffix == ".safetensors":
            from safetensors import safe_open

            try:
                import torch  # noqa: F401  (bfloat16 tensors need the torch reader)

                framework = "pt"
            except ImportError:
                framework = "np"
            with safe_open(str(path), framework=framework) as fh:
                for key in fh.keys():  # noqa: SIM118  (safe_open handles are not iterable)
                    tensor = fh.get_tensor(key)
                    leaves.tensors[key] = (
                        tensor if isinstance(tensor, np.ndarray) else _torch_to_numpy(tensor)
                    )
        else:
            raise SeedlockError(
                f"{os.fspath(path)!r} is not a tensor file; tensor comparison accepts "
                f"{', '.join(TENSOR_SUFFIXES)}. Its bytes are compared by hash instead."
            )
    except SeedlockError:
        raise
    except Exception as exc:  # noqa: BLE001  (any reader failure becomes one clear message)
        raise SeedlockError(
            f"cannot read tensors from {os.fspath(path)!r}: {type(exc).__name__}: {exc}. "
            "Only plain tensor files load (no pickled objects); its bytes are compared by hash."
        ) from exc
    return leaves


def _compare_arrays(name: str, a: np.ndarray, b: np.ndarray, run: int) -> OutputDifference | None:
    label = name or "array"
    if a.dtype != b.dtype or a.shape != b.shape:
        return OutputDifference(
            "tensor", label, f"{a.dtype}{list(a.shape)}", f"{b.dtype}{list(b.shape)}", run
        )
    if a.tobytes() == b.tobytes():
        return None
    flat_a = np.ascontiguousarray(a).reshape(-1)
    flat_b = np.ascontiguousarray(b).reshape(-1)
    if a.dtype.itemsize:
        bytes_a = flat_a.view(np.uint8).reshape(flat_a.size, a.dtype.itemsize)
        bytes_b = flat_b.view(np.uint8).reshape(flat_b.size, b.dtype.itemsize)
        count = int(np.count_nonzero((bytes_a != bytes_b).any(axis=1)))
    else:
        count = 0
    gap: float | None = None
    if a.dtype.kind in "biufc":
        with np.errstate(all="ignore"):
            wide = np.complex128 if a.dtype.kind == "c" else np.float64
            delta = np.abs(flat_a.astype(wide) - flat_b.astype(wide))
        finite = delta[~np.isnan(delta)]
        gap = float(finite.max()) if finite.size else None
    return OutputDifference(
        "tensor",
        label,
        f"{a.dtype}{list(a.shape)}",
        f"{count} of {a.size} elements differ",
        run,
        gap,
    )


def compare_files(
    first: str | os.PathLike[str], other: str | os.PathLike[str], *, label: str, run: int
) -> tuple[list[OutputDifference], int]:
    """Compare two copies of an output file: by SHA-256, then tensor by tensor for tensor files.

    Args:
        first: run 1's copy.
        other: the other run's copy.
        label: the name to report (the path the command wrote).
        run: the other run's 1-based index.

    Returns:
        The differences (the file, then each differing tensor or value) and the number of tensors
        compared (0 for plain files).
    """
    hash_a, hash_b = file_sha256(first), file_sha256(other)
    suffix = Path(label).suffix.lower()
    if suffix not in TENSOR_SUFFIXES:
        if hash_a == hash_b:
            return [], 0
        return [
            OutputDifference("file", label, f"sha256 {hash_a[:12]}", f"sha256 {hash_b[:12]}", run)
        ], 0
    if hash_a == hash_b:
        # Identical bytes: the tensor count is only for the summary, so a file that cannot be
        # loaded safely (objects, pickles) still counts as identical.
        try:
            return [], len(load_tensors(first, suffix=suffix).tensors)
        except SeedlockError:
            return [], 0
    file_diff = OutputDifference(
        "file", label, f"sha256 {hash_a[:12]}", f"sha256 {hash_b[:12]}", run
    )
    try:
        leaves_a = load_tensors(first, suffix=suffix)
        leaves_b = load_tensors(other, suffix=suffix)
    except SeedlockError as exc:
        return [dataclasses.replace(file_diff, detail=str(exc))], 0
    diffs = [file_diff]
    for name in sorted(set(leaves_a.tensors) | set(leaves_b.tensors)):
        where = f"{label}:{name}" if name else label
        if name not in leaves_a.tensors or name not in leaves_b.tensors:
            has = "present" if name in leaves_a.tensors else "missing"
            other_has = "present" if name in leaves_b.tensors else "missing"
            diffs.append(OutputDifference("tensor", where, has, other_has, run))
            continue
        diff = _compare_arrays(where, leaves_a.tensors[name], leaves_b.tensors[name], run)
        if diff is not None:
            diffs.append(diff)
    diffs.extend(
        compare_outputs(
            leaves_a.values, leaves_b.values, run=run, path=f"{label}:", limit=len(leaves_a.values)
        )
    )
    return diffs, len(leaves_a.tensors)


def to_portable(value: object, *, path: str = "result") -> object:
    """A copy of ``value`` built only from plain types and NumPy arrays, for exact comparison.

    Accepts ``None``, bools, ints, floats, strings, bytes, NumPy arrays and scalars, PyTorch
    tensors, anything with ``__array__`` (JAX, TensorFlow), and dicts/lists/tuples of these.

    Raises:
        SeedlockTypeError: a value of another type.

    Example:
        >>> import numpy as np
        >>> to_portable({"loss": np.float32(0.5), "w": [np.zeros(2)]})
        {'loss': 0.5, 'w': [array([0., 0.])]}
    """
    if value is None or isinstance(value, (bool, int, float, complex, str, bytes)):
        return value
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return np.array(value, copy=True)
    if type(value).__module__.startswith("torch") and hasattr(value, "detach"):
        return _torch_to_numpy(value)
    if isinstance(value, Mapping):
        return {key: to_portable(item, path=f"{path}[{key!r}]") for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        items = [to_portable(item, path=f"{path}[{i}]") for i, item in enumerate(value)]
        return items if isinstance(value, list) else tuple(items)
    if hasattr(value, "__array__"):
        return np.array(np.asarray(value), copy=True)
    raise SeedlockTypeError(
        f"verify compares numbers, strings, arrays, tensors and dicts/lists/tuples of them, but "
        f"{path} has type {type(value).__name__}. Return plain values (e.g. float(x), "
        "model.state_dict()) from the verified function."
    )


def _short(value: object) -> str:
    if isinstance(value, np.ndarray):
        return f"{value.dtype}{list(value.shape)}"
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def compare_outputs(
    first: object, other: object, *, run: int, path: str = "result", limit: int = 5
) -> list[OutputDifference]:
    """Compare two portable values (see :func:`to_portable`) exactly; at most ``limit`` diffs.

    Example:
        >>> print(compare_outputs({"a": [1.0, 2.0]}, {"a": [1.0, 2.5]}, run=2)[0].where)
        result['a'][1]
    """
    diffs: list[OutputDifference] = []
    _walk(first, other, run, path, diffs, limit)
    return diffs


def _walk(
    a: object, b: object, run: int, path: str, out: list[OutputDifference], limit: int
) -> None:
    if len(out) >= limit:
        return
    if isinstance(a, np.ndarray) and isinstance(b, np.ndarray):
        diff = _compare_arrays(path, a, b, run)
        if diff is not None:
            out.append(
                OutputDifference("value", path, diff.first, diff.other, run, diff.max_abs_diff)
            )
        return
    if isinstance(a, Mapping) and isinstance(b, Mapping):
        keys_a, keys_b = list(a), list(b)
        if keys_a != keys_b:
            out.append(
                OutputDifference("value", f"{path} keys", _short(keys_a), _short(keys_b), run)
            )
            return
        for key in keys_a:
            _walk(a[key], b[key], run, f"{path}[{key!r}]", out, limit)
        return
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)) and type(a) is type(b):
        if len(a) != len(b):
            out.append(OutputDifference("value", f"{path} length", str(len(a)), str(len(b)), run))
            return
        for index, (item_a, item_b) in enumerate(zip(a, b, strict=False)):
            _walk(item_a, item_b, run, f"{path}[{index}]", out, limit)
        return
    if not same_scalar(a, b):
        out.append(OutputDifference("value", path, _short(a), _short(b), run, _numeric_gap(a, b)))
