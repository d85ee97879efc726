"""Keras fit; from batch 4 (across epochs) the layer ``jitter`` adds a clock-dependent amount."""

import time

import keras
import numpy as np
import tensorflow as tf

rng = np.random.default_rng(0)
x, y = rng.normal(size=(32, 4)).astype("float32"), rng.normal(size=(32, 1)).astype("float32")
ON = [False]


def clock() -> np.float32:
    return np.float32(time.time_ns() % 1_000_003 * 1e-7 if ON[0] else 0.0)


class Jitter(keras.layers.Layer):
    def call(self, inputs):
        noise = tf.numpy_function(clock, [], tf.float32, stateful=True)
        return inputs + tf.reshape(noise, [])


class SwitchOn(keras.callbacks.Callback):
    seen = 0

    def on_train_batch_begin(self, batch, logs=None):
        SwitchOn.seen += 1
        ON[0] = SwitchOn.seen >= 4


model = keras.Sequential(
    [
        keras.Input((4,)),
        keras.layers.Dense(8, activation="relu"),
        Jitter(name="jitter"),
        keras.layers.Dropout(0.2),
        keras.layers.Dense(1),
    ]
)
model.compile(optimizer="sgd", loss="mse")
model.fit(x, y, batch_size=8, epochs=2, shuffle=True, verbose=0, callbacks=[SwitchOn()])
print("final", float(model.evaluate(x, y, verbose=0)))
