"""CPython's str/bytes hash under a given ``PYTHONHASHSEED``, recomputed in pure Python.

Determinism contract: every function here is pure. :func:`expected_bytes_hash` gives what
``hash(data)`` returns in an interpreter started with ``PYTHONHASHSEED=hash_seed``, so a process
can tell whether the variable it sees was in place when it started.
"""

from __future__ import annotations

__all__ = ["expected_bytes_hash", "hash_key", "siphash"]

_M64 = 2**64 - 1
#: The SipHash variants CPython uses, with their (compression, finalisation) round counts.
_ROUNDS = {"siphash13": (1, 3), "siphash24": (2, 4)}


def _rotl(x: int, b: int) -> int:
    return ((x << b) | (x >> (64 - b))) & _M64


def siphash(k0: int, k1: int, data: bytes, c_rounds: int, d_rounds: int) -> int:
    """SipHash-c-d of ``data`` under the 128-bit key ``(k0, k1)``, as an unsigned 64-bit int.

    Example:
        >>> hex(siphash(0x0706050403020100, 0x0F0E0D0C0B0A0908, b"", 2, 4))
        '0x726fdb47dd0e0e31'
    """
    v0 = k0 ^ 0x736F6D6570736575
    v1 = k1 ^ 0x646F72616E646F6D
    v2 = k0 ^ 0x6C7967656E657261
    v3 = k1 ^ 0x7465646279746573

    def rounds(n: int) -> None:
        nonlocal v0, v1, v2, v3
        for _ in range(n):
            v0 = (v0 + v1) & _M64
            v1 = _rotl(v1, 13) ^ v0
            v0 = _rotl(v0, 32)
            v2 = (v2 + v3) & _M64
            v3 = _rotl(v3, 16) ^ v2
            v0 = (v0 + v3) & _M64
            v3 = _rotl(v3, 21) ^ v0
            v2 = (v2 + v1) & _M64
            v1 = _rotl(v1, 17) ^ v2
            v2 = _rotl(v2, 32)

    full = len(data) - len(data) % 8
    for i in range(0, full, 8):
        m = int.from_bytes(data[i : i + 8], "little")
        v3 ^= m
        rounds(c_rounds)
        v0 ^= m
    last = ((len(data) & 0xFF) << 56) | int.from_bytes(data[full:], "little")
    v3 ^= last
    rounds(c_rounds)
    v0 ^= last
    v2 ^= 0xFF
    rounds(d_rounds)
    return v0 ^ v1 ^ v2 ^ v3


def hash_key(hash_seed: int) -> tuple[int, int]:
    """The SipHash key CPython derives from ``PYTHONHASHSEED=hash_seed``.

    CPython fills its hash secret from the seed with this LCG (``Python/bootstrap_hash.c``).

    Example:
        >>> [hex(k) for k in hash_key(1)]
        ['0xaed66ce184be2329', '0xebe9bbf1f1499052']
    """
    x = hash_seed
    key = bytearray()
    for _ in range(16):
        x = (x * 214013 + 2531011) & 0xFFFFFFFF
        key.append((x >> 16) & 0xFF)
    return int.from_bytes(key[:8], "little"), int.from_bytes(key[8:], "little")


def expected_bytes_hash(hash_seed: int, data: bytes, algorithm: str) -> int | None:
    """``hash(data)`` under ``PYTHONHASHSEED=hash_seed`` for a 64-bit ``algorithm``.

    Args:
        hash_seed: the variable's value, in ``[1, 2**32)``.
        data: the bytes hashed.
        algorithm: ``sys.hash_info.algorithm``; only the SipHash variants are known.

    Returns:
        The hash, or None for an algorithm this module does not reproduce.

    Example:
        >>> expected_bytes_hash(1, b"", "siphash13")
        0
    """
    rounds = _ROUNDS.get(algorithm)
    if rounds is None:
        return None
    if not data:
        return 0
    value = siphash(*hash_key(hash_seed), data, *rounds)
    if value >= 2**63:
        value -= 2**64
    return -2 if value == -1 else value
