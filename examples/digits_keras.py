"""The Keras (TensorFlow backend) twin of ``digits.py``: a small CNN on scikit-learn's digits.

Random weight init, a random train/test split, shuffled batches, random flip/shift/noise
augmentation layers and dropout. Nothing here is seeded, so two plain runs print different
numbers:

    python examples/digits_keras.py                    # different every time
    seedlock verify -- python examples/digits_keras.py # two bit-identical runs, no code change

On a GPU add ``--deterministic`` (TF op determinism) for bit-identical runs; on CPU the ops this
model uses are deterministic already. The only seedlock call is the optional ``seedlock.log``.
"""

from __future__ import annotations

import argparse
import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("KERAS_BACKEND", "tensorflow")

import keras  # noqa: E402  (the backend must be chosen before keras is imported)
import numpy as np  # noqa: E402
from sklearn.datasets import load_digits  # noqa: E402

try:
    from seedlock import log
except ImportError:  # seedlock is optional

    def log(step: int | None = None, **metrics: float) -> None:
        """Stand-in for ``seedlock.log`` when seedlock is not installed."""


def build_model() -> keras.Model:
    """Augmentation layers, two convolutions, dropout, one dense layer."""
    return keras.Sequential(
        [
            keras.Input((8, 8, 1)),
            keras.layers.RandomFlip("horizontal"),
            keras.layers.RandomTranslation(0.125, 0.125, fill_mode="constant"),
            keras.layers.GaussianNoise(0.05),
            keras.layers.Conv2D(16, 3, padding="same", activation="relu"),
            keras.layers.Conv2D(32, 3, padding="same", activation="relu"),
            keras.layers.MaxPooling2D(2),
            keras.layers.Flatten(),
            keras.layers.Dropout(0.25),
            keras.layers.Dense(10),
        ]
    )


class Report(keras.callbacks.Callback):
    """Prints and logs the mean training loss of every epoch."""

    def on_epoch_end(self, epoch: int, logs: dict[str, float] | None = None) -> None:
        loss = float((logs or {})["loss"])
        print(f"epoch {epoch + 1} loss {loss:.6f}")
        log(step=epoch + 1, loss=loss)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=4)
    args = parser.parse_args()
    digits = load_digits()
    images = (digits.data / 16.0).astype("float32").reshape(-1, 8, 8, 1)
    order = np.random.permutation(len(images))
    cut = int(0.8 * len(order))
    train, test = order[:cut], order[cut:]
    model = build_model()
    model.compile(
        optimizer=keras.optimizers.Adam(5e-3),
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
        metrics=["accuracy"],
    )
    model.fit(
        images[train],
        digits.target[train],
        batch_size=32,
        epochs=args.epochs,
        shuffle=True,
        verbose=0,
        callbacks=[Report()],
    )
    _, accuracy = model.evaluate(images[test], digits.target[test], verbose=0)
    print(f"test accuracy {accuracy:.4f}")
    log(accuracy=float(accuracy))


if __name__ == "__main__":
    main()
