"""seed_everything: compatibility with the classic snippet, seed sources, validation, report."""

from __future__ import annotations

import json
import logging
import os
import random
import subprocess
import sys
import textwrap
from collections.abc import Iterator

import numpy as np
import pytest

import seedlock
from seedlock import _everything, _seed, determinism
from seedlock._errors import SeedlockError, SeedlockTypeError
from seedlock.frameworks import _registry
from seedlock.frameworks import python as python_adapter


@pytest.fixture(autouse=True)
def _no_import_hook() -> Iterator[None]:
    yield
    _registry._uninstall_hook()


def _draws() -> tuple[float, float]:
    return random.random(), float(np.random.rand())


def test_seed_42_draws_exactly_what_random_and_numpy_seed_42_draw() -> None:
    seedlock.seed_everything(42)
    ours = _draws()
    random.seed(42)
    np.random.seed(42)
    assert ours == _draws()


@pytest.mark.torch
def test_seed_42_draws_exactly_what_torch_manual_seed_42_draws() -> None:
    torch = pytest.importorskip("torch")
    seedlock.seed_everything(42)
    ours = torch.rand(4)
    torch.manual_seed(42)
    assert torch.equal(ours, torch.rand(4))


@pytest.mark.tensorflow
def test_seed_42_draws_exactly_what_tf_random_set_seed_42_draws() -> None:
    tf = pytest.importorskip("tensorflow")
    seedlock.seed_everything(42)
    ours = [tf.random.uniform([3]).numpy(), tf.random.normal([2]).numpy()]
    tf.random.set_seed(42)
    theirs = [tf.random.uniform([3]).numpy(), tf.random.normal([2]).numpy()]
    assert all(np.array_equal(a, b) for a, b in zip(ours, theirs, strict=True))


@pytest.mark.tensorflow
def test_tf_global_generator_is_seeded_too() -> None:
    tf = pytest.importorskip("tensorflow")
    seedlock.seed_everything(5)
    first = tf.random.get_global_generator().normal([3]).numpy()
    seedlock.seed_everything(5)
    assert np.array_equal(first, tf.random.get_global_generator().normal([3]).numpy())


def test_seeds_of_2_to_the_32_and_above_and_strings_reach_frameworks_as_32_bit_seeds() -> None:
    big = seedlock.seed_everything(2**100)
    assert big.seed == 2**100
    assert big.frameworks["numpy"] == _seed.framework_seed(2**100) < 2**32
    named = seedlock.seed_everything("baseline")
    assert named.seed == _seed.normalize_seed("baseline")
    assert named.frameworks["python"] == _seed.framework_seed(named.seed)


def test_the_root_seed_is_recorded_and_exported_for_child_processes() -> None:
    seedlock.seed_everything(2**70 + 3)
    assert seedlock.root_seed() == 2**70 + 3
    assert os.environ["SEEDLOCK_SEED"] == str(2**70 + 3)
    assert seedlock.derive("x") == seedlock.derive("x", seed=2**70 + 3)


def test_seed_none_takes_seedlock_seed_from_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("SEEDLOCK_SEED", "1234")
    report = seedlock.seed_everything()
    assert (report.seed, report.source) == (1234, "env")


def test_seed_none_draws_from_entropy_logs_it_and_replays(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with caplog.at_level(logging.INFO, logger="seedlock"):
        report = seedlock.seed_everything()
    assert report.source == "entropy"
    assert str(report.seed) in caplog.text
    assert os.environ["SEEDLOCK_SEED"] == str(report.seed)
    first = _draws()
    seedlock.seed_everything(report.seed)
    assert _draws() == first


@pytest.mark.parametrize(
    ("seed", "error"),
    [
        (-1, SeedlockError),
        (1.5, SeedlockTypeError),
        (True, SeedlockTypeError),
        (2**128, SeedlockError),
        ("", SeedlockError),
        (np.array([1, 2]), SeedlockTypeError),
    ],
)
def test_bad_seeds_raise_errors_naming_the_value(seed: object, error: type[Exception]) -> None:
    with pytest.raises(error, match="seed must be"):
        seedlock.seed_everything(seed)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"threads": 0}, "positive int"),
        ({"threads": 2.0}, "positive int"),
        ({"threads": True}, "positive int"),
        ({"deterministic": "yes"}, "True or False"),
        ({"warn_only": 1}, "True or False"),
    ],
)
def test_bad_options_raise_clear_errors(kwargs: dict[str, object], match: str) -> None:
    with pytest.raises(SeedlockError, match=match):
        seedlock.seed_everything(1, **kwargs)  # type: ignore[arg-type]


def test_bad_options_change_nothing() -> None:
    seedlock.seed_everything(7)
    with pytest.raises(SeedlockError):
        seedlock.seed_everything(8, threads=-1)
    assert seedlock.root_seed() == 7


def test_the_report_lists_seed_frameworks_and_reads_well() -> None:
    report = seedlock.seed_everything(42)
    assert report.frameworks["python"] == report.frameworks["numpy"] == 42
    assert report.frameworks == {
        k: v for k, v in seedlock.frameworks.seeded().items() if k in report.frameworks
    }
    data = json.loads(json.dumps(report.to_dict()))
    assert data["seed"] == 42 and data["source"] == "argument"
    text = str(report)
    assert "root seed 42" in text and "numpy=42" in text


def test_hash_randomisation_is_reported_only_when_active(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_everything, "_hash_checked", {})
    monkeypatch.setattr(python_adapter, "hash_seed_fixed", lambda: False)
    assert any("PYTHONHASHSEED" in w for w in seedlock.seed_everything(1).warnings)
    monkeypatch.setattr(_everything, "_hash_checked", {})
    monkeypatch.setattr(python_adapter, "hash_seed_fixed", lambda: True)
    assert seedlock.seed_everything(1).warnings == []


def test_deterministic_mode_reports_hash_randomisation_once_as_too_late(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(_everything, "_hash_checked", {})
    monkeypatch.setattr(python_adapter, "hash_seed_fixed", lambda: False)
    report = seedlock.seed_everything(1, deterministic=True)
    assert not any("PYTHONHASHSEED" in w for w in report.warnings)
    (late,) = [c for c in report.changes if c.target == "python.hash_randomization"]
    assert not late.effective
    assert "too late to set python.hash_randomization=off - " in str(report)


def test_deterministic_and_threads_go_through_each_loaded_frameworks_adapter(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    calls: list[tuple[object, ...]] = []

    def change(*args: object) -> list[determinism.Change]:
        calls.append(args)
        return [determinism.Change(str(args[0]), str(args[1:]))]

    monkeypatch.setattr(determinism, "enable_env", lambda: change("env"))
    monkeypatch.setattr(determinism, "pin_threads", lambda n, name=None: change("pin", n, name))
    for fw in _registry.FRAMEWORKS:
        monkeypatch.setattr(
            fw,
            "enable_determinism",
            lambda *, warn_only, name=fw.name: change("enable", name, warn_only),
        )
        monkeypatch.setattr(fw, "pin_threads", lambda n, name=fw.name: change("pin", n, name))
    report = seedlock.seed_everything(3, deterministic=True, warn_only=True, threads=2)
    loaded = _registry.loaded()
    expected: list[tuple[object, ...]] = [("env",), ("pin", 2, None)]
    for name in loaded:
        expected += [("enable", name, True), ("pin", 2, name)]
    assert calls == expected
    assert [c.target for c in report.changes] == [c[0] for c in expected]


@pytest.mark.torch
def test_deterministic_mode_switches_torch_to_deterministic_algorithms() -> None:
    torch = pytest.importorskip("torch")
    before = (
        torch.are_deterministic_algorithms_enabled(),
        torch.is_deterministic_algorithms_warn_only_enabled(),
        torch.backends.cudnn.deterministic,
        torch.backends.cudnn.benchmark,
    )
    try:
        report = seedlock.seed_everything(1, deterministic=True, warn_only=True)
        assert torch.are_deterministic_algorithms_enabled()
        assert torch.is_deterministic_algorithms_warn_only_enabled()
        assert os.environ["CUBLAS_WORKSPACE_CONFIG"] == ":4096:8"
        targets = {change.target for change in report.changes}
        assert {"torch.use_deterministic_algorithms", "env:CUBLAS_WORKSPACE_CONFIG"} <= targets
        assert "torch.use_deterministic_algorithms=True (warn_only)" in str(report)
    finally:
        torch.use_deterministic_algorithms(before[0], warn_only=before[1])
        torch.backends.cudnn.deterministic, torch.backends.cudnn.benchmark = before[2:]


def test_a_distributed_run_without_process_group_warns_loudly(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("WORLD_SIZE", "2")
    monkeypatch.setenv("RANK", "1")
    report = seedlock.seed_everything()
    assert report.source == "entropy"
    assert any("ranks disagree" in w for w in report.warnings)
    monkeypatch.setenv("SEEDLOCK_SEED", "9")
    assert not any("ranks disagree" in w for w in seedlock.seed_everything().warnings)


_IMPORT_ORDER_SCRIPT = textwrap.dedent(
    """
    import json, sys
    import seedlock
    import seedlock.distributed, seedlock.frameworks, seedlock.state, seedlock._generators
    heavy = ("torch", "tensorflow", "keras", "jax", "cupy")
    report = seedlock.seed_everything(42)
    snap = seedlock.snapshot()
    seedlock.restore(snap)
    seedlock.distributed.rank_info()
    untouched = not any(name in sys.modules for name in heavy)
    import random
    import numpy as np
    import torch
    import torch.nn  # submodules import normally through the hook
    out = {
        "untouched": untouched,
        "pending": report.pending,
        "seeded": seedlock.frameworks.seeded(),
        "torch": torch.rand(3).tolist(),
        "python": random.random(),
        "numpy": float(np.random.rand()),
        "loader": type(torch.__loader__).__name__,
    }
    torch.manual_seed(42); random.seed(42); np.random.seed(42)
    out["classic"] = [torch.rand(3).tolist(), random.random(), float(np.random.rand())]
    print(json.dumps(out))
    """
)


@pytest.mark.torch
def test_torch_imported_after_seed_everything_draws_like_the_classic_snippet() -> None:
    pytest.importorskip("torch")
    proc = subprocess.run(
        [sys.executable, "-c", _IMPORT_ORDER_SCRIPT],
        capture_output=True,
        text=True,
        check=True,
        timeout=300,
    )
    out = json.loads(proc.stdout.splitlines()[-1])
    assert out["untouched"], "seedlock imported a framework the program never imported"
    assert "torch" in out["pending"]
    assert out["seeded"]["torch"] == 42
    assert [out["torch"], out["python"], out["numpy"]] == out["classic"]
    assert out["loader"] == "SourceFileLoader"
