"""Fit a tiny Keras model; run by tests/integrations/test_keras.py.

    python keras_run.py OUT WORKERS MODE [MODE ...]

Prints ``MODE <SHA-256 of the final weights>``: ``full`` fits 3 epochs with BackupAndRestore and
SeedlockCallback; ``plain`` with BackupAndRestore only; ``stop`` is interrupted in the middle of
epoch 2; ``resume`` fits again from the backup (with SeedlockCallback, or without it when the
mode is ``plain-resume``). ``ckpt``, ``ckpt-stop`` and ``ckpt-resume`` do the same with a
``ModelCheckpoint`` saving every 4 batches (6 per epoch) and ``SeedlockCallback(checkpoint=)``;
the resume loads ``e2-b2.keras`` (epoch 2, after its second batch) in a new model. They also
print ``files MODE <checkpoint files>``, and ``ckpt``/``ckpt-resume`` print ``history MODE
<loss,accuracy of each epoch fitted>`` (exact float reprs).
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import sys

os.environ.setdefault("KERAS_BACKEND", "tensorflow")  # the tests pass it
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import keras  # noqa: E402
import numpy as np  # noqa: E402

import seedlock  # noqa: E402
from seedlock.keras import EpochDataset, SeedlockCallback  # noqa: E402

gen = np.random.default_rng(0)
X = gen.normal(size=(48, 8)).astype("float32")
Y = gen.integers(0, 2, size=48)


def sample(index: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    sign = 1.0 if rng.random() < 0.5 else -1.0  # random augmentation
    return (sign * X[index] + 0.1 * rng.normal(size=8)).astype("float32"), Y[index]


class Interrupt(keras.callbacks.Callback):  # type: ignore[misc]
    def on_epoch_begin(self, epoch, logs=None):  # type: ignore[no-untyped-def]
        self.epoch = epoch

    def on_train_batch_end(self, batch, logs=None):  # type: ignore[no-untyped-def]
        if self.epoch == 1 and batch == 2:
            raise KeyboardInterrupt("stop in the middle of epoch 2")


def build() -> keras.Model:
    model = keras.Sequential(
        [
            keras.Input((8,)),
            keras.layers.Dense(16, activation="relu"),
            keras.layers.Dropout(0.5),
            keras.layers.Dense(2),
        ]
    )
    model.compile(
        optimizer=keras.optimizers.SGD(0.05),
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
        metrics=["accuracy"],
    )
    return model


def checkpointed(out: str, data: EpochDataset, mode: str) -> keras.Model:
    folder = os.path.join(out, "ckpt-full" if mode == "ckpt" else "ckpt")
    checkpoint = keras.callbacks.ModelCheckpoint(
        os.path.join(folder, "e{epoch}-b{batch}.keras"), save_freq=4
    )
    resume = os.path.join(folder, "e2-b2.keras") if mode == "ckpt-resume" else None
    model = build() if resume is None else keras.models.load_model(resume)
    callback = SeedlockCallback(checkpoint=checkpoint, datasets=[data], resume_from=resume)
    callbacks = [checkpoint, callback]
    if mode.endswith("stop"):
        callbacks.append(Interrupt())
    with contextlib.suppress(KeyboardInterrupt):
        history = model.fit(data, epochs=3, callbacks=callbacks, verbose=0).history
        logs = zip(history["loss"], history["accuracy"], strict=True)
        print("history", mode, ",".join(f"{loss!r}:{acc!r}" for loss, acc in logs), flush=True)
    print("files", mode, ",".join(sorted(os.listdir(folder))), flush=True)
    return model


def main(out: str, workers: int, mode: str) -> None:
    seedlock.seed_everything(7)
    data = EpochDataset(sample, 48, 8, workers=max(workers, 1), use_multiprocessing=False)
    if mode.startswith("ckpt"):
        model = checkpointed(out, data, mode)
    else:
        model = build()
        fit_with_backup(out, data, model, mode)
    digest = hashlib.sha256()
    for variable in model.variables:
        digest.update(np.asarray(variable.numpy()).tobytes())
    print(mode, digest.hexdigest(), flush=True)


def fit_with_backup(out: str, data: EpochDataset, model: keras.Model, mode: str) -> None:
    backup = os.path.join(out, f"backup-{mode.split('-')[0]}")
    callbacks = [keras.callbacks.BackupAndRestore(backup)]
    if not mode.startswith("plain"):
        callbacks.append(SeedlockCallback(backup, [data]))
    if mode.endswith("stop"):
        callbacks.append(Interrupt())
    with contextlib.suppress(KeyboardInterrupt):
        model.fit(data, epochs=3, callbacks=callbacks, verbose=0)


if __name__ == "__main__":
    for name in sys.argv[3:]:
        main(sys.argv[1], int(sys.argv[2]), name)
