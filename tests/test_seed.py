from __future__ import annotations

import os
import subprocess
import sys

import numpy as np
import pytest

from seedlock import SeedlockError, _seed, derive, derive_many, root_seed, seed_sequence
from seedlock._seed import framework_seed, normalize_seed
from seedlock.frameworks.python import hash_seed_for


def test_derive_golden_values_never_change() -> None:
    # Pinned: a change here changes every user's streams.
    assert derive(seed=0) == 6569863346532939966
    assert derive("data", "shuffle", 3, seed=42) == 6163578755725815011
    assert derive("rank", 3, seed=42) == 9103633519480749450
    # String roots hash to a fixed 128-bit root; roots past 2**32 and 2**64 use every word.
    assert normalize_seed("exp-a") == 55995724195649015981356064491307789622
    assert derive("component", "dropout", seed="exp-a") == 6306220802979303790
    assert derive("rank", 0, seed=2**32 - 1) == 1876367860163978647
    assert derive("rank", 0, seed=2**32) == 8497305889425103185
    assert derive("data", "shuffle", 3, seed=2**64 + 5) == 4996036621538407270
    assert derive(seed=2**127 + 1) == 7810262808151659245
    # The PYTHONHASHSEED a run's Python processes start with (seedlock run, verify).
    assert hash_seed_for(42) == 2638996560
    assert hash_seed_for(2**64 + 5) == 497781195


def test_string_roots_hash_stably_across_processes() -> None:
    code = "from seedlock import derive; print(derive('x', 1, seed='run-a'))"
    outs = {
        subprocess.run(
            [sys.executable, "-c", code],
            capture_output=True,
            text=True,
            check=True,
            env={**os.environ, "PYTHONHASHSEED": str(h)},
        ).stdout.strip()
        for h in (0, 1)
    }
    assert outs == {"7692203101887097693"}


def test_paths_that_differ_only_in_word_boundaries_do_not_collide() -> None:
    assert derive(2**32, seed=1) != derive(0, 1, seed=1)
    assert derive("1", seed=1) != derive(1, seed=1)
    assert derive("a", "b", seed=1) != derive("ab", seed=1)


def test_no_collisions_across_ranks_workers_and_epochs() -> None:
    seeds = np.concatenate(
        [
            derive_many(("worker", rank, worker), np.arange(100), seed=7)
            for rank in range(64)
            for worker in range(64)
        ]
    )
    assert seeds.size == 64 * 64 * 100
    assert np.unique(seeds).size == seeds.size


def test_derive_many_equals_derive_for_every_index() -> None:
    idx = np.array([0, 1, 2**32, 2**40 + 3, 2**63 + 11], dtype=np.uint64)
    for root in (0, 42, 2**40, 2**127 + 5, "name"):
        many = derive_many(("data", "sample", 5), idx, seed=root)
        assert [int(v) for v in many] == [
            derive("data", "sample", 5, int(i), seed=root) for i in idx
        ]


def test_derive_many_keeps_the_shape_of_its_indices() -> None:
    assert derive_many(("x",), np.arange(6).reshape(2, 3), seed=1).shape == (2, 3)
    assert derive_many(("x",), [], seed=1).shape == (0,)


def test_derived_seeds_fit_in_int64() -> None:
    values = derive_many(("x",), np.arange(10_000), seed=3)
    assert values.dtype == np.int64
    assert values.min() >= 0


def test_seed_sequence_matches_derive() -> None:
    ss = seed_sequence("a", 1, seed=9)
    assert int(ss.generate_state(1, np.uint64)[0]) & (2**63 - 1) == derive("a", 1, seed=9)


@pytest.mark.parametrize(
    ("bad", "fragment"),
    [
        (-3, "got -3 (int)"),
        (2**128, "129 bits"),
        ("", "empty str"),
        (1.5, "got 1.5 (float)"),
        (True, "(bool)"),
        (np.arange(3), "(ndarray)"),
        (None, "(NoneType)"),
    ],
)
def test_bad_seeds_name_the_value_and_what_is_accepted(bad: object, fragment: str) -> None:
    with pytest.raises(SeedlockError, match="int in \\[0, 2\\*\\*128\\)") as info:
        normalize_seed(bad)
    assert fragment in str(info.value)


def test_bad_path_items_are_rejected() -> None:
    with pytest.raises(TypeError, match="position 1"):
        derive("a", 1.0, seed=1)  # type: ignore[arg-type]
    with pytest.raises(SeedlockError, match="non-negative"):
        derive("epoch", -1, seed=1)


def test_derive_without_a_root_seed_says_how_to_set_one() -> None:
    with pytest.raises(SeedlockError, match="seed_everything"):
        derive("x")


def test_root_seed_falls_back_to_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SEEDLOCK_SEED", "1234")
    assert root_seed() == 1234
    assert derive("x") == derive("x", seed=1234)
    monkeypatch.setenv("SEEDLOCK_SEED", "-1")
    with pytest.raises(SeedlockError, match="SEEDLOCK_SEED"):
        root_seed()


def test_framework_seed_is_the_root_below_2_32_and_reduced_above() -> None:
    assert framework_seed(42) == 42
    assert framework_seed(2**32 - 1) == 2**32 - 1
    assert 0 <= framework_seed(2**32) < 2**32
    assert framework_seed(2**32) != framework_seed(2**32 + 1)


def test_pure_python_derive_equals_numpy_seed_sequence_for_random_roots_and_paths() -> None:
    rng = np.random.default_rng(20261125)
    for _ in range(300):
        root = int(rng.integers(0, 2**63)) << int(rng.integers(0, 65))
        path = tuple(
            int(rng.integers(0, 2**63)) if rng.random() < 0.5 else f"s{int(rng.integers(1000))}"
            for _ in range(int(rng.integers(0, 6)))
        )
        spawn_key = tuple(_seed._encode_path(path))
        expected = np.random.SeedSequence(root, spawn_key=spawn_key).generate_state(1, np.uint64)
        assert derive(*path, seed=root) == int(expected[0]) & (2**63 - 1), (root, path)
        reduced = np.random.SeedSequence(root).generate_state(1, np.uint32)[0]
        assert framework_seed(root) == (root if root < 2**32 else int(reduced))


def test_numpy_integer_seeds_and_path_items_are_accepted_like_ints() -> None:
    assert normalize_seed(np.uint64(7)) == 7
    assert derive(np.int32(3), seed=np.int64(42)) == derive(3, seed=42)


def test_deriving_a_seed_imports_no_numpy() -> None:
    code = (
        "import sys, seedlock; seedlock.seed_everything(1); seedlock.derive('x', 2); "
        "seedlock.snapshot(); print(sorted(m for m in ('numpy', 'torch') if m in sys.modules))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert out.strip() == "[]"


def test_float_seeds_numpy_floats_included_are_told_to_pass_an_int() -> None:
    for bad in (2.0, np.float64(2.0)):
        with pytest.raises(SeedlockError, match="Pass int\\(seed\\) if it is a whole number"):
            normalize_seed(bad)


def test_seed_words_equal_numpy_seed_sequence_also_when_prefixes_come_from_the_cache() -> None:
    rng = np.random.default_rng(20261129)
    cases = []
    for _ in range(200):
        root = int(rng.integers(0, 2**63)) << int(rng.integers(0, 65))
        prefix = tuple(
            int(rng.integers(0, 2**63)) if rng.random() < 0.5 else f"s{int(rng.integers(50))}"
            for _ in range(int(rng.integers(0, 4)))
        )
        cases.append((root, prefix, int(rng.integers(0, 2**64, dtype=np.uint64))))
    for cold in (True, False):  # the second pass reads every path's prefix pool from the cache
        if cold:
            _seed._prefix_pool.cache_clear()
        for root, prefix, last in cases:
            path = (*prefix, last)
            sequence = seed_sequence(*path, seed=root)
            for n_words in (1, 8, 9):
                assert (
                    _seed.seed_words(path, root, n_words)
                    == sequence.generate_state(n_words, np.uint32).tolist()
                )
                assert (
                    _seed.seed_words(path, root, n_words, wide=True)
                    == sequence.generate_state(n_words, np.uint64).tolist()
                )


def test_a_long_path_derives_as_numpy_does() -> None:
    path = tuple(range(1000))
    expected = seed_sequence(*path, seed=5).generate_state(1, np.uint64)
    assert derive(*path, seed=5) == int(expected[0]) & (2**63 - 1)
