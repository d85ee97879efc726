"""The public API is pinned: names may be added on purpose, never lost by accident."""

from __future__ import annotations

import subprocess
import sys

import seedlock

PUBLIC = {
    "Finding",
    "SeedReport",
    "SeedlockError",
    "SeedlockTypeError",
    "Snapshot",
    "StateError",
    "__version__",
    "derive",
    "derive_many",
    "doctor",
    "fingerprint",
    "fingerprint_diff",
    "isolate",
    "jax_key",
    "log",
    "log_artifact",
    "numpy_rng",
    "python_rng",
    "restore",
    "root_seed",
    "seed_everything",
    "seed_sequence",
    "STREAMS",
    "stream_seeds",
    "snapshot",
    "tf_generator",
    "torch_generator",
    "track",
    "untrack",
    "verify",
}


def test_all_lists_exactly_the_public_names() -> None:
    assert set(seedlock.__all__) == PUBLIC


def test_every_public_name_resolves_and_is_documented() -> None:
    for name in sorted(PUBLIC - {"__version__"}):
        value = getattr(seedlock, name)
        assert value.__doc__, f"seedlock.{name} has no docstring"


def test_subpackages_are_reachable_as_attributes() -> None:
    assert seedlock.data.EpochShuffle is not None
    assert callable(seedlock.stats.compare)


def test_unknown_names_raise_attribute_error() -> None:
    try:
        seedlock.no_such_name  # noqa: B018
    except AttributeError as exc:
        assert "no_such_name" in str(exc)
    else:
        raise AssertionError("expected AttributeError")


def test_import_seedlock_imports_no_optional_dependency() -> None:
    heavy = ["torch", "tensorflow", "jax", "keras", "scipy", "matplotlib", "ray", "mlflow", "wandb"]
    code = (
        "import sys, seedlock\n"
        "[getattr(seedlock, n) for n in ('seed_everything', 'snapshot', 'doctor', 'derive')]\n"
        f"print(sorted(set({heavy!r}) & set(sys.modules)))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
