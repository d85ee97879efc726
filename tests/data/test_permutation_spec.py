"""The stream specification in data/permutation.py's docstring, implemented from the text alone.

If the code and the documented algorithm ever disagree, this test fails: the reference below uses
only what the module docstring states (domain, word size, constants, keys, cycle walking).
"""

from __future__ import annotations

import pytest

from seedlock._seed import seed_sequence
from seedlock.data.permutation import Permutation

_CONSTANTS = {32: (0x7FEB352D, 0x846CA68B, 16), 64: (0xBF58476D1CE4E5B9, 0x94D049BB133111EB, 32)}


def _documented(n: int, seed: int, i: int) -> int:
    b = max(8, (n - 1).bit_length())
    w = 32 if b <= 32 else 64
    mask = (1 << w) - 1
    m1, m2, s = _CONSTANTS[w]
    words = seed_sequence("permutation", n, seed=seed).generate_state(8, f"uint{w}")
    keys = [int(k) for k in words]
    high = (b + 1) // 2

    def cipher(x: int) -> int:
        wl, wr = high, b - high
        left, right = x >> wr, x & ((1 << wr) - 1)
        for r in range(8):
            t = ((right ^ keys[r]) * m1) & mask
            t = ((t ^ (t >> s)) * m2) & mask
            left, right = right, left ^ (t >> (w - wl))
            wl, wr = wr, wl
        return (left << wr) | right

    x = cipher(i)
    while x >= n:
        x = cipher(x)
    return x


@pytest.mark.parametrize(
    ("n", "seed"),
    [(1, 0), (10, 42), (257, 7), (1000, 2**70), (2**32, 5), (2**32 + 1, 5), (3 * 2**40 + 17, 1)],
)
def test_the_permutation_is_the_algorithm_its_docstring_describes(n: int, seed: int) -> None:
    perm = Permutation(n, seed=seed)
    positions = sorted({0, n // 2, n - 1} | {min(n - 1, 12345 * k) for k in range(5)})
    assert [int(perm[i]) for i in positions] == [_documented(n, seed, i) for i in positions]
