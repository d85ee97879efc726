"""``seedlock.fingerprint_diff``: differences ranked by how likely they are to change results."""

from __future__ import annotations

from typing import Any

import pytest

import seedlock
from seedlock import SeedlockTypeError, StateError
from seedlock.env import EnvDifference, Fingerprint


def _variant(fp: Fingerprint, **sections: dict[str, Any]) -> Fingerprint:
    data = fp.to_dict()
    for name, changes in sections.items():
        data[name] = {**data[name], **changes}
    return Fingerprint.from_dict(data)


@pytest.fixture(scope="module")
def base() -> Fingerprint:
    data = seedlock.fingerprint().to_dict()
    data["python"]["version"] = "3.11.7"
    data["packages"]["torch"] = "2.1.0"
    data["gpus"] = [{"name": "NVIDIA A100", "driver": "535.1", "memory": "40960 MiB"}]
    data["git"] = {"commit": "a" * 40, "branch": "main", "dirty": False}
    return Fingerprint.from_dict(data)


def test_identical_fingerprints_have_no_differences(base: Fingerprint) -> None:
    assert seedlock.fingerprint_diff(base, base) == []


def test_collection_time_is_not_a_difference(base: Fingerprint) -> None:
    later = Fingerprint.from_dict({**base.to_dict(), "created": "2099-01-01T00:00:00+00:00"})
    assert seedlock.fingerprint_diff(base, later) == []


def test_differences_are_ranked_high_medium_low(base: Fingerprint) -> None:
    other = _variant(
        base,
        platform={"hostname": "other-host"},
        python={"version": "3.11.9"},
        packages={"torch": "2.2.0"},
        flags={"torch.cudnn.benchmark": True},
        git={"dirty": True},
    )
    differences = seedlock.fingerprint_diff(base, other)
    ranked = [(d.key, d.impact) for d in differences]
    assert ranked == [
        ("flags.torch.cudnn.benchmark", "high"),
        ("packages.torch", "high"),
        ("git.dirty", "medium"),
        ("python.version", "medium"),
        ("platform.hostname", "low"),
    ]
    torch = differences[1]
    assert (torch.a, torch.b) == ("2.1.0", "2.2.0")
    assert torch.reason
    assert torch.to_dict() == {
        "key": "packages.torch",
        "a": "2.1.0",
        "b": "2.2.0",
        "impact": "high",
        "reason": torch.reason,
    }


def test_a_python_minor_version_change_is_high_impact(base: Fingerprint) -> None:
    (difference,) = seedlock.fingerprint_diff(base, _variant(base, python={"version": "3.12.1"}))
    assert difference.impact == "high"


def test_gpu_model_and_count_are_high_impact_and_the_driver_medium(base: Fingerprint) -> None:
    data = base.to_dict()
    data["gpus"] = [
        {"name": "NVIDIA H100", "driver": "550.2", "memory": "40960 MiB"},
        {"name": "NVIDIA H100", "driver": "550.2", "memory": "40960 MiB"},
    ]
    impacts = {d.key: d.impact for d in seedlock.fingerprint_diff(base, data)}
    assert impacts["gpus.count"] == "high"
    assert impacts["gpus.0.name"] == "high"
    assert impacts["gpus.0.driver"] == "medium"
    assert impacts["gpus.1.name"] == "high"


def test_a_package_present_on_one_side_only_is_a_difference(base: Fingerprint) -> None:
    data = base.to_dict()
    del data["packages"]["torch"]
    (difference,) = seedlock.fingerprint_diff(base, data)
    assert (difference.key, difference.a, difference.b) == ("packages.torch", "2.1.0", None)


def test_determinism_env_vars_and_thread_counts_are_high_impact(base: Fingerprint) -> None:
    other = _variant(
        base,
        env={"CUBLAS_WORKSPACE_CONFIG": ":4096:8", "PYTHONHASHSEED": "0"},
        threads={"OMP_NUM_THREADS": "8"},
    )
    differences = seedlock.fingerprint_diff(base, other)
    assert {d.impact for d in differences} == {"high"}
    assert {d.key for d in differences} >= {
        "env.CUBLAS_WORKSPACE_CONFIG",
        "env.PYTHONHASHSEED",
        "threads.OMP_NUM_THREADS",
    }


def test_diff_accepts_dicts_and_rejects_other_types(base: Fingerprint) -> None:
    assert seedlock.fingerprint_diff(base.to_dict(), base) == []
    with pytest.raises(SeedlockTypeError, match="diff\\(\\) b must be a Fingerprint"):
        seedlock.fingerprint_diff(base, "env.json")  # type: ignore[arg-type]
    with pytest.raises(StateError):
        seedlock.fingerprint_diff(base, {"format": 1})


def test_difference_is_a_frozen_record() -> None:
    difference = EnvDifference("cpu.model", "a", "b", "medium", "why")
    with pytest.raises(AttributeError):
        difference.impact = "low"  # type: ignore[misc]
