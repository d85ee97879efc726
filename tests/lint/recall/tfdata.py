# ruff: noqa
# Planted recall cases for SL015 (this module never sets the TensorFlow seed). See listings.py.
import tensorflow as tf

BUFFER = 10_000
ds = tf.data.Dataset.from_tensor_slices(x).shuffle(BUFFER).batch(32)  # expect: SL015
files = tf.data.Dataset.list_files("shards/*.tfrecord")  # expect: SL015
ok_1 = ds.shuffle(1024, seed=3)
ok_2 = tf.data.Dataset.list_files("shards/*.tfrecord", shuffle=False)
