"""Shared fixtures: every test starts with seedlock's process state and the environment clean."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from seedlock._base import rootseed
from seedlock.frameworks import _registry


@pytest.fixture(autouse=True)
def _clean_seedlock_state(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """No test sees a root seed, SEEDLOCK_* variable or import hook left behind by another test."""
    saved_env = dict(os.environ)
    saved_root = rootseed.save()
    rootseed.set_root(None)
    rootseed.set_streams(None)
    for key in list(os.environ):
        if key.startswith("SEEDLOCK_"):
            monkeypatch.delenv(key)
    yield
    _registry._uninstall_hook()
    rootseed.restore(saved_root)
    os.environ.clear()
    os.environ.update(saved_env)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if not any(item.get_closest_marker("gpu") for item in items):
        return
    try:
        import torch

        has_gpu = torch.cuda.is_available()
    except ImportError:
        has_gpu = False
    if not has_gpu:
        skip = pytest.mark.skip(reason="needs a CUDA GPU")
        for item in items:
            if item.get_closest_marker("gpu"):
                item.add_marker(skip)
