"""Every docstring ``Example:`` in the package runs and shows what it claims (doctest).

Each module's examples run inside ``seedlock.isolate()`` so that the ones calling
``seed_everything`` leave no seed behind for the tests that follow. A module whose optional
dependency is not installed is skipped, not failed.
"""

from __future__ import annotations

import doctest
import importlib
import os
import pkgutil

import pytest

import seedlock

_OPTIONAL = {
    *("torch", "tensorflow", "jax", "keras", "cupy", "lightning", "transformers", "accelerate"),
    *("ray", "mlflow", "comet_ml", "wandb", "matplotlib", "scipy"),
}


def _modules() -> list[str]:
    names = ["seedlock"]
    for info in pkgutil.walk_packages(seedlock.__path__, "seedlock."):
        if ".launch._boot" in info.name or info.name == "seedlock.__main__":
            continue  # the start-up hook runs on import; __main__ runs the CLI
        names.append(info.name)
    return sorted(names)


@pytest.mark.parametrize("name", _modules())
def test_every_example_in_the_module_runs(name: str) -> None:
    try:
        module = importlib.import_module(name)
    except ImportError as exc:
        if exc.name and exc.name.split(".")[0] in _OPTIONAL:
            pytest.skip(f"{name} needs {exc.name}")
        raise
    tests = doctest.DocTestFinder(exclude_empty=True).find(module, name)
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS)
    saved = dict(os.environ)
    with seedlock.isolate():
        for test in tests:
            runner.run(test)
    os.environ.clear()
    os.environ.update(saved)
    assert runner.failures == 0, f"{runner.failures} failing example(s) in {name} (see above)"


def test_a_wrong_example_is_reported_as_a_failure() -> None:
    # The runner above must fail on a mismatch, not only on an exception.
    parser = doctest.DocTestParser()
    test = parser.get_doctest(">>> 1 + 1\n3\n", {}, "wrong", None, 0)
    runner = doctest.DocTestRunner()
    runner.run(test, out=lambda _text: None)
    assert runner.failures == 1
