"""Keras 3 ``fit`` on scikit-learn's digits, resumable to the same weights with seedlock.

A small MLP with dropout, data from ``seedlock.keras.EpochDataset`` (seedlock's epoch order,
per-sample noise/shift augmentation from ``sample_rng``, 2 worker threads), and
``BackupAndRestore`` accompanied by ``seedlock.keras.SeedlockCallback``, which stores the RNG
state and the dropout layers' SeedGenerator states that Keras' backup leaves out.

    python examples/keras_fit.py --out /tmp/k --interrupt   # interrupted in epoch 2
    python examples/keras_fit.py --out /tmp/k               # resumes: same digest as
    python examples/keras_fit.py --out /tmp/k2              # an uninterrupted fit
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("KERAS_BACKEND", "tensorflow")

import keras  # noqa: E402  (the backend must be chosen before keras is imported)
import numpy as np  # noqa: E402
from sklearn.datasets import load_digits  # noqa: E402

import seedlock  # noqa: E402
from seedlock.keras import EpochDataset, SeedlockCallback  # noqa: E402

DIGITS = load_digits()
IMAGES = (DIGITS.images / 16.0).astype("float32")


def sample(index: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """One augmented digit: a random one-pixel shift and noise, drawn from the sample's rng."""
    image = np.roll(IMAGES[index], int(rng.integers(-1, 2)), axis=1)
    image = image + 0.05 * rng.standard_normal((8, 8)).astype("float32")
    return image.reshape(64), DIGITS.target[index]


class Interrupt(keras.callbacks.Callback):  # type: ignore[misc]
    """Raises in the middle of epoch 2, as a crash would."""

    def on_epoch_begin(self, epoch, logs=None):  # type: ignore[no-untyped-def]
        self.epoch = epoch

    def on_train_batch_end(self, batch, logs=None):  # type: ignore[no-untyped-def]
        if self.epoch == 1 and batch == 20:
            raise KeyboardInterrupt


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", required=True)
    parser.add_argument("--interrupt", action="store_true")
    options = parser.parse_args()

    seedlock.seed_everything(0)
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
    data = EpochDataset(sample, len(IMAGES), 32, workers=2)
    backup = os.path.join(options.out, "backup")
    callbacks = [keras.callbacks.BackupAndRestore(backup), SeedlockCallback(backup, [data])]
    if options.interrupt:
        callbacks.append(Interrupt())
    with contextlib.suppress(KeyboardInterrupt):
        model.fit(data, epochs=3, callbacks=callbacks, verbose=0)
        digest = hashlib.sha256()
        for variable in model.trainable_variables:
            digest.update(np.asarray(variable.numpy()).tobytes())
        print(f"weights {digest.hexdigest()[:16]}")
        return
    print("interrupted; run again without --interrupt to resume")


if __name__ == "__main__":
    main()
