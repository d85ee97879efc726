"""The import hook: frameworks imported after seed_everything are seeded; imports stay intact."""

from __future__ import annotations

import importlib
import json
import logging
import subprocess
import sys
import textwrap
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest

import seedlock
from seedlock import frameworks
from seedlock.frameworks import _registry
from seedlock.frameworks._base import Framework, State


class _Fake(Framework):
    name = "fakefw"
    module = "seedlock_fakefw"

    def __init__(self) -> None:
        self.seeds: list[int] = []
        self.fail = False

    def seed(self, seed: int) -> None:
        if self.fail:
            raise RuntimeError("seeding broke")
        self.seeds.append(seed)

    def get_state(self) -> State:
        return {}

    def set_state(self, state: Mapping[str, Any]) -> None:
        """Nothing to restore."""


@pytest.fixture
def fake(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[_Fake]:
    package = tmp_path / "seedlock_fakefw"
    package.mkdir()
    (package / "__init__.py").write_text("VALUE = 1\n")
    (package / "sub.py").write_text("VALUE = 2\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    importlib.invalidate_caches()
    adapter = _Fake()
    monkeypatch.setitem(_registry._HOOKABLE, adapter.module, adapter)
    monkeypatch.setitem(_registry._installed, adapter.module, True)
    yield adapter
    _registry._uninstall_hook()
    for name in ("seedlock_fakefw", "seedlock_fakefw.sub"):
        sys.modules.pop(name, None)


def _install(adapter: Framework, seed: int) -> list[str]:
    return _registry.install_hook(_registry.Settings(seed), [adapter])


def test_a_framework_imported_later_is_seeded_once_its_import_finishes(fake: _Fake) -> None:
    assert _install(fake, 42) == ["fakefw"]
    assert fake.seeds == []
    import seedlock_fakefw  # type: ignore[import-not-found]

    assert fake.seeds == [42]
    assert seedlock_fakefw.VALUE == 1
    assert frameworks.seeded()["fakefw"] == 42
    assert _registry._FINDER not in sys.meta_path


def test_the_framework_sees_its_real_loader_and_submodules_import(fake: _Fake) -> None:
    _install(fake, 1)
    import seedlock_fakefw.sub  # type: ignore[import-not-found]

    module = sys.modules["seedlock_fakefw"]
    assert type(module.__loader__).__name__ == "SourceFileLoader"
    assert module.__spec__ is not None and module.__spec__.loader is module.__loader__
    assert seedlock_fakefw.sub.VALUE == 2
    assert fake.seeds == [1]


def test_reload_does_not_seed_again(fake: _Fake) -> None:
    _install(fake, 1)
    import seedlock_fakefw

    importlib.reload(seedlock_fakefw)
    assert fake.seeds == [1]


def test_a_later_seed_everything_replaces_the_pending_settings(fake: _Fake) -> None:
    _install(fake, 1)
    _install(fake, 2)
    import seedlock_fakefw  # noqa: F401

    assert fake.seeds == [2]


def test_an_error_in_the_framework_import_passes_through_and_a_retry_is_seeded(
    fake: _Fake, tmp_path: Path
) -> None:
    init = tmp_path / "seedlock_fakefw" / "__init__.py"
    init.write_text("raise ImportError('the framework itself is broken')\n")
    _install(fake, 5)
    with pytest.raises(ImportError, match="the framework itself is broken"):
        import seedlock_fakefw  # noqa: F401
    assert fake.seeds == []
    init.write_text("VALUE = 3\n")
    importlib.invalidate_caches()
    import seedlock_fakefw  # noqa: F401, F811

    assert fake.seeds == [5]


def test_a_failure_to_seed_is_logged_and_never_breaks_the_import(
    fake: _Fake, caplog: pytest.LogCaptureFixture
) -> None:
    fake.fail = True
    _install(fake, 5)
    with caplog.at_level(logging.WARNING, logger="seedlock"):
        import seedlock_fakefw
    assert seedlock_fakefw.VALUE == 1
    assert "could not seed fakefw" in caplog.text


def test_deterministic_and_thread_settings_reach_a_framework_at_its_import(
    fake: _Fake, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[tuple[object, ...]] = []
    monkeypatch.setattr(
        fake,
        "enable_determinism",
        lambda *, warn_only: calls.append(("enable", fake.name, warn_only)) or [],
    )
    monkeypatch.setattr(fake, "pin_threads", lambda n: calls.append(("pin", n, fake.name)) or [])
    _registry.install_hook(
        _registry.Settings(7, deterministic=True, warn_only=True, threads=3), [fake]
    )
    import seedlock_fakefw  # noqa: F401

    assert fake.seeds == [7]
    assert calls == [("enable", "fakefw", True), ("pin", 3, "fakefw")]


def test_nothing_is_hooked_when_every_framework_is_loaded_or_missing() -> None:
    pending = _registry.install_hook(_registry.Settings(1), [_registry.get("python")])
    assert pending == []
    assert _registry._FINDER not in sys.meta_path


def test_loaded_never_imports_and_get_rejects_unknown_names() -> None:
    assert {"python", "numpy"} <= set(frameworks.loaded())
    with pytest.raises(seedlock.SeedlockError, match="unknown framework 'mxnet'"):
        frameworks.get("mxnet")


_TF_ORDER_SCRIPT = textwrap.dedent(
    """
    import json, os, random
    os.environ["TF_CPP_MIN_LOG_LEVEL"] = "3"
    import numpy as np
    import seedlock
    seedlock.seed_everything(42)
    first_python = random.random()
    import keras  # imports tensorflow; neither may rewind Python or NumPy
    import tensorflow as tf
    out = {
        "second_python": random.random(),
        "tf": tf.random.uniform([3]).numpy().tolist(),
        "seeded": seedlock.frameworks.seeded(),
    }
    random.seed(42); random.random()
    tf.random.set_seed(42)
    out["classic"] = [random.random(), tf.random.uniform([3]).numpy().tolist()]
    print(json.dumps(out))
    """
)


@pytest.mark.tensorflow
def test_tensorflow_and_keras_imported_later_are_seeded_without_rewinding_python() -> None:
    pytest.importorskip("tensorflow")
    pytest.importorskip("keras")
    proc = subprocess.run(
        [sys.executable, "-c", _TF_ORDER_SCRIPT],
        capture_output=True,
        text=True,
        check=True,
        timeout=300,
    )
    out = json.loads(proc.stdout.splitlines()[-1])
    assert [out["second_python"], out["tf"]] == out["classic"]
    assert out["seeded"]["tensorflow"] == out["seeded"]["keras"] == 42


_NUMPY_ORDER_SCRIPT = textwrap.dedent(
    """
    import json, random, sys
    import seedlock
    from seedlock import _everything
    from seedlock.frameworks import _registry
    from seedlock.frameworks.python import PythonRandom

    class DrawsNumPy(PythonRandom):  # a framework that imports NumPy and draws from it
        name = module = "seedlock_drawsnumpy"

    fake = DrawsNumPy()
    _registry.FRAMEWORKS += (fake,)
    _everything.FRAMEWORKS = _registry.FRAMEWORKS
    _registry._HOOKABLE[fake.module] = fake
    _registry._installed[fake.module] = True
    seedlock.seed_everything(42)
    out = {"loaded_before": "numpy" in sys.modules}
    if sys.argv[1] == "framework":
        import seedlock_drawsnumpy
    import numpy as np
    out["draws"] = np.random.rand(4).tolist()
    out["seeded"] = seedlock.frameworks.seeded()
    np.random.seed(42)
    out["classic"] = np.random.rand(4).tolist()
    print(json.dumps(out))
    """
)


@pytest.mark.parametrize("first", ["numpy", "framework"])
def test_numpy_imported_after_seed_everything_draws_what_np_random_seed_draws(
    first: str, tmp_path: Path
) -> None:
    (tmp_path / "seedlock_drawsnumpy.py").write_text("import numpy\nnumpy.random.rand(5)\n")
    proc = subprocess.run(
        [sys.executable, "-c", _NUMPY_ORDER_SCRIPT, first],
        capture_output=True,
        text=True,
        check=True,
        timeout=300,
        cwd=tmp_path,
    )
    out = json.loads(proc.stdout.splitlines()[-1])
    assert out["loaded_before"] is False
    assert out["draws"] == out["classic"]
    assert out["seeded"]["numpy"] == 42
    assert out["seeded"].get("seedlock_drawsnumpy") == (42 if first == "framework" else None)
