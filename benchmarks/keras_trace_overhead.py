"""Claim: the Keras trace of ``seedlock verify --trace`` costs little per ``fit``, and naming
layer outputs (the detail pass: one eager step with every layer hooked) adds a fixed cost.

A digits MLP with dropout (64-64-10, batch 32, 57 batches per epoch, as in
``examples/keras_fit.py``) is fitted for one epoch three ways, in alternating rounds so machine
load hits all alike: plain; with the trace callback (SHA-1 of every weight after each batch);
with the trace callback and the detail step at batch 10 (layer inputs and outputs hashed).
Prints the median epoch time of each and the medians of the per-round ratios to plain.

Usage (from the repository root)::

    python benchmarks/keras_trace_overhead.py [--rounds 11]
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("KERAS_BACKEND", "tensorflow")

import keras  # noqa: E402
from sklearn.datasets import load_digits  # noqa: E402

from seedlock._verify.keras_trace import trace_callback  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=11)
    options = parser.parse_args()
    keras.utils.set_random_seed(0)
    digits = load_digits()
    x = (digits.data / 16.0).astype("float32")
    y = digits.target
    model = keras.Sequential(
        [
            keras.Input((64,)),
            keras.layers.Dense(64, activation="relu"),
            keras.layers.Dropout(0.3),
            keras.layers.Dense(10),
        ]
    )
    model.compile(
        optimizer=keras.optimizers.SGD(0.1),
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
    )
    model.fit(x, y, batch_size=32, epochs=1, verbose=0)  # compile the step once
    times: dict[str, list[float]] = {"plain": [], "trace": [], "detail": []}
    with tempfile.TemporaryDirectory() as scratch:
        for round_ in range(options.rounds):
            for kind in times:
                callbacks = []
                if kind != "plain":
                    path = os.path.join(scratch, f"{kind}-{round_}.jsonl")
                    step = 10 if kind == "detail" else None
                    callbacks.append(trace_callback(path, detail_step=step))
                start = time.perf_counter()
                model.fit(x, y, batch_size=32, epochs=1, verbose=0, callbacks=callbacks)
                times[kind].append(time.perf_counter() - start)
    for kind, values in times.items():
        line = f"{kind:7s} median epoch {statistics.median(values) * 1e3:7.1f} ms"
        if kind != "plain":
            ratios = [t / p for t, p in zip(values, times["plain"], strict=True)]
            line += f"   ratio to plain {statistics.median(ratios):.3f}x"
        print(line)
    print(f"({options.rounds} rounds, {-(-len(x) // 32)} batches per epoch)")


if __name__ == "__main__":
    main()
