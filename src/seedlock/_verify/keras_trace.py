"""Per-batch hashes of a Keras 3 ``fit``, in the trace format of :mod:`seedlock._verify.trace`.

Determinism contract: the callback reads weights only (SHA-1 of each weight's bytes after every
training batch and before the first), so bit-identical fits write identical records and
``first_divergence`` / ``locate_in_step`` read them like PyTorch traces. Batches are numbered
from 1 across epochs, like optimizer steps. At one chosen batch (the detail step) the training
step runs eagerly once, with every layer of the model hooked: the batch and the weights as the
model's forward starts (``prefwd``) and each layer call's input and output (``forward``, in the
order calls finish, so an inner layer comes before the model holding it) are recorded. Both runs
compared take that eager step, so the records name the first layer whose output differs given
equal weights and input; the steps before and after run compiled as usual.
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


def _hash_nested(value: Any) -> str | None:
    """One hash over every tensor in a (nested) layer input/output, ``None`` if it has none."""
    import keras

    digest = hashlib.sha1(usedforsecurity=False)
    found = False
    for item in keras.tree.flatten(value):
        try:
            array = item.numpy()
        except (AttributeError, NotImplementedError, TypeError, ValueError):
            continue  # not a tensor, or a symbolic one (a layer traced inside a graph)
        digest.update(_hash_array(array).encode())
        found = True
    return digest.hexdigest()[:24] if found else None


def _layer_name(layer: Any) -> str:
    return str(layer.name)


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
            self._restore: list[tuple[Any, str, Any]] = []
            self._calls: list[dict[str, Any]] = []

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
            if self.completed + 1 == detail_step:
                self._start_detail()

        def _start_detail(self) -> None:
            model = self.model
            layers = {id(layer): layer for layer in model._flatten_layers(include_self=True)}
            names = {key: _layer_name(layer) for key, layer in layers.items()}
            original_call = keras.layers.Layer.__call__
            callback = self
            step = self.completed + 1

            def call(layer: Any, *args: Any, **kwargs: Any) -> Any:
                key = id(layer)
                if layers.get(key) is not layer:
                    return original_call(layer, *args, **kwargs)
                if layer is model and not callback._calls:
                    callback._write(
                        {
                            "kind": "prefwd",
                            "step": step,
                            "module": type(model).__name__,
                            "input": _hash_nested(args[:1]),
                            "params": callback._weights(),
                            "buffers": {},
                        }
                    )
                output = original_call(layer, *args, **kwargs)
                callback._calls.append(
                    {
                        "kind": "forward",
                        "step": step,
                        "module": names[key],
                        "class": type(layer).__name__,
                        "input": _hash_nested(args[:1]),
                        "output": _hash_nested(output),
                    }
                )
                return output

            # One eager step: a compiled step calls layers only while it is traced.
            self._restore = [
                (keras.layers.Layer, "__call__", original_call),
                (model, "train_function", model.train_function),
                (model, "run_eagerly", model.run_eagerly),
            ]
            model.run_eagerly = True
            model.make_train_function(force=True)
            keras.layers.Layer.__call__ = call

        def _end_detail(self) -> None:
            for owner, name, value in reversed(self._restore):
                setattr(owner, name, value)
            self._restore = []
            calls, self._calls = self._calls, []
            for index, record in enumerate(calls):
                self._write({**record, "call": index})

        def on_train_batch_end(self, batch: int, logs: dict[str, Any] | None = None) -> None:
            if self._restore:
                self._end_detail()
            self.completed += 1
            loss: Any = (logs or {}).get("loss")
            value = None if loss is None else float(loss)
            self._write(
                {"kind": "step", "step": self.completed, "loss": value, "params": self._weights()}
            )

        def on_train_end(self, logs: dict[str, Any] | None = None) -> None:
            if self._restore:
                self._end_detail()

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
