"""Reproducible except for one value read from os.urandom (printed and logged)."""

import os
import random

import seedlock

print("seeded", random.random())
nonce = int.from_bytes(os.urandom(4), "little")
print("nonce", nonce)
seedlock.log(nonce=nonce)
