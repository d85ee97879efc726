"""The pure recomputation of CPython's str/bytes hash under PYTHONHASHSEED, pinned by literals."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from seedlock.frameworks._hashseed import expected_bytes_hash, hash_key, siphash

_PROBE = b"seedlock-hash-probe"
# hash(data) in CPython 3.x (64-bit, siphash13) started with PYTHONHASHSEED=seed.
_GOLDEN_SIPHASH13 = {
    1: [-5267404633867781060, -202642195356325900, 9058415254629903952],
    42: [-7754788483199411443, -5457871895989710762, -4705332822649223158],
    2**32 - 1: [-8575280985843205677, 3424456984880118976, -6068748345979133897],
}
_DATA = [_PROBE, b"abcdefgh", b"x"]


def test_siphash24_matches_the_reference_vector_of_its_paper() -> None:
    # Key 00 01 .. 0f, empty message: the first vector of the SipHash reference implementation.
    assert siphash(0x0706050403020100, 0x0F0E0D0C0B0A0908, b"", 2, 4) == 0x726FDB47DD0E0E31


def test_the_hash_key_is_cpythons_lcg_expansion_of_the_seed() -> None:
    assert hash_key(1) == (0xAED66CE184BE2329, 0xEBE9BBF1F1499052)


@pytest.mark.parametrize("seed", sorted(_GOLDEN_SIPHASH13))
def test_expected_hashes_are_pinned_for_siphash13(seed: int) -> None:
    assert [expected_bytes_hash(seed, d, "siphash13") for d in _DATA] == _GOLDEN_SIPHASH13[seed]


def test_siphash24_gives_other_values_and_unknown_algorithms_give_none() -> None:
    assert expected_bytes_hash(1, _PROBE, "siphash24") == -49989041841452726
    assert expected_bytes_hash(1, _PROBE, "fnv") is None
    assert expected_bytes_hash(1, b"", "siphash13") == 0


@pytest.mark.skipif(
    sys.hash_info.algorithm != "siphash13" or sys.hash_info.width != 64,
    reason="the golden values are for 64-bit siphash13 interpreters",
)
def test_the_golden_values_are_what_this_interpreter_computes() -> None:
    env = {**os.environ, "PYTHONHASHSEED": "42"}
    code = f"print([hash(d) for d in {_DATA!r}])"
    out = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == str(_GOLDEN_SIPHASH13[42])
