"""Per-batch hashes of a Keras 3 ``fit``, in the trace format of :mod:`seedlock._verify.trace`.

Determinism contract: the callback reads weights only (SHA-1 of each weight's bytes after every
training batch and before the first; at one chosen batch also the weights as that batch starts),
so bit-identical fits write identical records and ``first_divergence`` / ``locate_in_step`` read
them like PyTorch traces. Batches are numbered from 1 across epochs, like optimizer steps.
Keras callbacks never see the batch itself, so module inputs and outputs are not recorded.
"""

from __future__ import annotations

import hashlib
import json
import os
from typing import Any

from seedlock._verify._trace_format import FORMAT

__all__ = ["install_keras", "trace_callback"]


def _hash_array(value: Any) -> str:
    import numpy as np

    array = np.ascontiguousarray(np.asarray(value))
    digest = hashlib.sha1(usedforsecurity=False)
    digest.update(f"{array.dtype}{array.shape}".encode())
    digest.update(array.tobytes())
    return digest.hexdigest()[:24]


def trace_callback(path: str | os.PathLike[str], *, detail_step: int | None = None) -> Any:
    """A ``keras.callbacks.Callback`` writing the per-batch trace of ``fit`` to ``path``.

    Example:
        >>> import tempfile  # doctest: +SKIP
        >>> model.fit(x, y, callbacks=[trace_callback(tempfile.mktemp())])  # doctest: +SKIP
    """
    import keras

    target = os.fspath(path)

    class _TraceCallback(keras.callbacks.Callback):  # type: ignore[misc]
        def __init__(self) -> None:
            super().__init__()
            self.completed = 0
            self._pid = os.getpid()
            self._started = False

        def _write(self, record: dict[str, Any]) -> None:
            if os.getpid() != self._pid:
                return
            lines = []
            if not self._started:
                self._started = True
                start = {"kind": "start", "format": FORMAT, "pid": self._pid}
                lines.append(
                    json.dumps({**start, "detail_step": detail_step, "framework": "keras"})
                )
            lines.append(json.dumps(record))
            with open(target, "a", encoding="utf-8") as handle:
                handle.write("".join(line + "\n" for line in lines))

        def _weights(self) -> dict[str, str]:
            return {
                str(getattr(w, "path", None) or w.name): _hash_array(w.numpy())
                for w in self.model.weights
            }

        def on_train_begin(self, logs: dict[str, Any] | None = None) -> None:
            if self.completed == 0:
                self._write({"kind": "step", "step": 0, "loss": None, "params": self._weights()})

        def on_train_batch_begin(self, batch: int, logs: dict[str, Any] | None = None) -> None:
            step = self.completed + 1
            if step == detail_step:
                params = self._weights()
                self._write(
                    {
                        "kind": "prefwd",
                        "step": step,
                        "module": type(self.model).__name__,
                        "input": None,
                        "params": params,
                        "buffers": {},
                    }
                )

        def on_train_batch_end(self, batch: int, logs: dict[str, Any] | None = None) -> None:
            self.completed += 1
            loss: Any = (logs or {}).get("loss")
            value = None if loss is None else float(loss)
            self._write(
                {"kind": "step", "step": self.completed, "loss": value, "params": self._weights()}
            )

    return _TraceCallback()


def install_keras(path: str, detail_step: int | None) -> None:
    """Make every ``keras.Model.fit`` in this process add :func:`trace_callback` (one trace)."""
    import keras

    original = keras.Model.fit
    if getattr(original, "__seedlock_traced__", False):
        return
    callback: list[Any] = []

    def fit(self: Any, *args: Any, **kwargs: Any) -> Any:
        if not callback:
            callback.append(trace_callback(path, detail_step=detail_step))
        callbacks = list(kwargs.pop("callbacks", None) or [])
        return original(self, *args, callbacks=[*callbacks, callback[0]], **kwargs)

    fit.__seedlock_traced__ = True  # type: ignore[attr-defined]
    fit.__wrapped__ = original  # type: ignore[attr-defined]
    setattr(keras.Model, "fit", fit)  # noqa: B010
