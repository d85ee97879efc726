"""Keras fit; before batch 4 (across epochs) a weight is changed from the clock in a callback."""

import time

import keras
import numpy as np

rng = np.random.default_rng(0)
x, y = rng.normal(size=(32, 4)).astype("float32"), rng.normal(size=(32, 1)).astype("float32")


class Nudge(keras.callbacks.Callback):
    seen = 0

    def on_train_batch_begin(self, batch, logs=None):
        Nudge.seen += 1
        if Nudge.seen == 4:
            kernel = self.model.layers[-1].kernel
            kernel.assign(kernel.numpy() + time.time_ns() % 1_000_003 * 1e-7)


model = keras.Sequential(
    [keras.Input((4,)), keras.layers.Dense(8, activation="relu"), keras.layers.Dense(1)]
)
model.compile(optimizer="sgd", loss="mse")
model.fit(x, y, batch_size=8, epochs=2, shuffle=False, verbose=0, callbacks=[Nudge()])
print("final", float(model.evaluate(x, y, verbose=0)))
