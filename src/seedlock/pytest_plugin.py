"""seedlock's pytest plugin: each test starts from its own seed; a failure says how to replay it.

Determinism contract: a test's seed is the low 32 bits of
``derive("pytest", nodeid, seed=session_seed)`` (or the value of its ``@pytest.mark.seed``), a
pure function of the session seed and the test's node id, so its random draws do not depend on
which tests ran before it, on their order or on how pytest-xdist spreads them over workers.
The test body starts from ``seed_everything(test_seed)``; fixtures are set up from
``seed_everything(derive("pytest", "setup", seed=test_seed))`` and torn down from the same with
``"teardown"``, so a fixture's draws never equal the body's. A fixture of a wider scope (class,
module, package, session; ``setUpClass`` and ``setup_module`` too) is set up and torn down from
its own seed, derived from the session seed (or the seed mark of its class or module), its
scope's node id, its name and parameter, with the test's streams put back afterwards: its values
do not depend on which test needed it first.
The process's root seed and ``$SEEDLOCK_SEED`` are put back after the test. Turn it off with
``-p no:seedlock``.

With pytest-randomly also active, seedlock turns off its per-test reseeding (as
``--randomly-dont-reset-seed`` would; it still shuffles the order) and says so once in the
header: otherwise every test body would run on randomly's seed and seedlock's replay command would
not reproduce a failure. What randomly would have reset besides ``random`` and NumPy (Faker,
factory_boy, model_bakery, polyfactory and its ``pytest_randomly.random_seeder`` entry points)
seedlock resets at each phase from its own seed. ``-p no:randomly`` removes randomly.
"""

from __future__ import annotations

import os
import random
import secrets
import shlex
import sys
from collections.abc import Callable, Generator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from seedlock import _seed
from seedlock._base import rootseed
from seedlock._errors import SeedlockError

if TYPE_CHECKING:
    import numpy as np

__all__ = ["seedlock_rng", "seedlock_seed"]

_CACHE_KEY = "seedlock/session-seed"
_WORKER_KEY = "seedlock_session_seed"
_SESSION_SEED = pytest.StashKey[int]()
_TEST_SEED = pytest.StashKey[int]()
_SAVED = pytest.StashKey[rootseed.Saved]()
_SETUP_ROOT = pytest.StashKey[rootseed.Saved]()
_ERROR = pytest.StashKey[str]()
_RANDOMLY = pytest.StashKey[bool]()
_ITEM = pytest.StashKey[pytest.Item]()
_RESEEDERS = pytest.StashKey[list[Callable[[int], object]]]()
_PHASE_SEED = pytest.StashKey[int]()  # what the running phase (setup, call, teardown) began with
# What pytest-randomly resets at each test phase besides random and NumPy: (module, attribute),
# looked up only in modules already imported (pytest-randomly imports them when installed).
_RANDOMLY_RANDOMS = (
    ("faker.generator", "random"),
    ("model_bakery.random_gen", "baker_random"),
    ("polyfactory.constants", "DEFAULT_RANDOM"),
)


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("seedlock", "per-test seeding (seedlock)")
    group.addoption(
        "--seedlock-seed",
        action="store",
        default="random",
        metavar="N|last|random",
        help=(
            "session seed from which every test's seed is derived: an int, 'last' (the previous "
            "session's seed, from pytest's cache) or 'random' (default, drawn and printed)."
        ),
    )


def _session_seed(config: pytest.Config) -> int:
    workerinput = getattr(config, "workerinput", None)
    if workerinput is not None and _WORKER_KEY in workerinput:
        return int(workerinput[_WORKER_KEY])
    value = str(config.getoption("seedlock_seed")).strip()
    cache = getattr(config, "cache", None)
    if value == "random":
        return secrets.randbits(32)
    if value == "last":
        last = cache.get(_CACHE_KEY, None) if cache is not None else None
        if not isinstance(last, int):
            raise pytest.UsageError(
                "--seedlock-seed=last needs the seed of a previous session in pytest's cache, "
                "but there is none"
                + (" (the cacheprovider plugin is disabled)" if cache is None else "")
                + ". Pass the seed printed in that session's header, e.g. --seedlock-seed=1234."
            )
        return last
    try:
        return _seed.normalize_seed(int(value, 0), name="--seedlock-seed")
    except ValueError as exc:
        raise pytest.UsageError(
            f"--seedlock-seed accepts an int in [0, 2**128), 'last' or 'random', got {value!r}. "
            "Pass e.g. --seedlock-seed=1234."
        ) from exc


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "seed(value): run this test from the seedlock seed `value` (int or str)"
    )
    seed = _session_seed(config)
    config.stash[_SESSION_SEED] = seed
    cache = getattr(config, "cache", None)
    if cache is not None and getattr(config, "workerinput", None) is None:
        cache.set(_CACHE_KEY, seed)
    randomly = config.pluginmanager.hasplugin("randomly") and bool(
        getattr(config.option, "randomly_reset_seed", False)
    )
    config.stash[_RANDOMLY] = randomly
    if randomly:
        config.option.randomly_reset_seed = False


@pytest.hookimpl(optionalhook=True)
def pytest_configure_node(node: Any) -> None:
    """pytest-xdist: hand the controller's session seed to each worker."""
    node.workerinput[_WORKER_KEY] = node.config.stash[_SESSION_SEED]


def pytest_report_header(config: pytest.Config) -> list[str]:
    seed = config.stash[_SESSION_SEED]
    lines = [f"seedlock: session seed {seed} (replay with --seedlock-seed={seed})"]
    if config.stash.get(_RANDOMLY, False):
        lines.append(
            "seedlock: pytest-randomly is active; seedlock seeds each test and turned off "
            "randomly's per-test reseeding (it still shuffles test order). "
            "Run with -p no:randomly to remove it."
        )
    return lines


def _marked_seed(node: pytest.Item | pytest.Collector) -> int | None:
    """The value of the closest ``@pytest.mark.seed`` on ``node`` (``None``: not marked)."""
    marker = node.get_closest_marker("seed")
    if marker is None:
        return None
    if len(marker.args) != 1 or marker.kwargs:
        raise SeedlockError(
            f"@pytest.mark.seed takes one seed, got args={marker.args!r} kwargs={marker.kwargs!r} "
            f"on {node.nodeid}. Write @pytest.mark.seed(123)."
        )
    return _seed.normalize_seed(marker.args[0], name="@pytest.mark.seed")


def _test_seed(item: pytest.Item) -> int:
    marked = _marked_seed(item)
    if marked is None:
        # 32 bits: short enough to read and type, and frameworks take it as it is.
        session = item.config.stash[_SESSION_SEED]
        return _seed.derive("pytest", item.nodeid, seed=session) & 0xFFFFFFFF
    return marked


def _phase_seed(seed: int, phase: str) -> int:
    return _seed.derive("pytest", phase, seed=seed) & 0xFFFFFFFF


def _seed_everything(item: pytest.Item, seed: int) -> None:
    from seedlock._everything import seed_everything

    try:
        seed_everything(seed)
        if item.config.stash.get(_RANDOMLY, False):
            _reseed_as_randomly(item.config, seed)
    except Exception as exc:  # a seeding bug must show in the report, not fail the session
        item.stash[_ERROR] = f"{type(exc).__name__}: {exc}"


def _randomly_generators() -> list[tuple[Callable[[], Any], Callable[[Any], object]]]:
    """The shared generators pytest-randomly resets that are imported, as (get, set) of state."""
    found: list[tuple[Callable[[], Any], Callable[[Any], object]]] = []
    factory = sys.modules.get("factory.random")
    get = getattr(factory, "get_random_state", None)
    put = getattr(factory, "set_random_state", None)
    if get is not None and put is not None:
        found.append((get, put))
    for module_name, name in _RANDOMLY_RANDOMS:
        generator = getattr(sys.modules.get(module_name), name, None)
        if isinstance(generator, random.Random):
            found.append((generator.getstate, generator.setstate))
    return found


def _reseed_as_randomly(config: pytest.Config, seed: int) -> None:
    # pytest-randomly's users rely on it resetting, for every test phase, the generators of
    # factory_boy, Faker, model_bakery and polyfactory to the state of random.seed(seed), and
    # on it calling the `pytest_randomly.random_seeder` entry points; seedlock turned its reset
    # off, so it does the same from its own seed (random was just seeded with it).
    state = random.getstate()
    for _, put in _randomly_generators():
        put(state)
    reseeders = config.stash.get(_RESEEDERS, None)
    if reseeders is None:
        from importlib.metadata import entry_points

        group = entry_points(group="pytest_randomly.random_seeder")
        reseeders = config.stash[_RESEEDERS] = [entry.load() for entry in group]
    for reseed in reseeders:
        reseed(seed)


def _randomly_saved(config: pytest.Config) -> list[tuple[Callable[[Any], object], Any]] | None:
    """What :func:`_reseed_as_randomly` resets, each with its setter: ``None`` without randomly.

    ``isolate()`` puts back the RNGs seedlock tracks, not these shared generators.
    """
    if not config.stash.get(_RANDOMLY, False):
        return None
    return [(put, get()) for get, put in _randomly_generators()]


def _randomly_put_back(
    config: pytest.Config,
    saved: list[tuple[Callable[[Any], object], Any]] | None,
    item: pytest.Item,
) -> None:
    """Put back what :func:`_randomly_saved` saved. The entry points have no state to read: they
    are reseeded with the seed ``item``'s running phase began with, which is exact for a fixture
    set up before the phase drew from them (a test's arguments), not for one a test body asks
    for (``request.getfixturevalue``) after drawing."""
    if saved is None:
        return
    for put, state in saved:
        put(state)
    seed = item.stash.get(_PHASE_SEED, None)
    if seed is not None:
        for reseed in config.stash.get(_RESEEDERS, []):
            reseed(seed)


_restore = rootseed.restore
_current = rootseed.save


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    item.config.stash[_ITEM] = item
    item.stash[_SAVED] = _current()
    seed = _test_seed(item)
    item.stash[_TEST_SEED] = seed
    item.user_properties.append(("seedlock_seed", seed))
    item.stash[_PHASE_SEED] = _phase_seed(seed, "setup")
    _seed_everything(item, item.stash[_PHASE_SEED])
    item.stash[_SETUP_ROOT] = _current()


@pytest.hookimpl(hookwrapper=True, tryfirst=True)
def pytest_runtest_call(item: pytest.Item) -> Generator[None, None, None]:
    # Higher-scoped fixtures are set up by whichever test needs them first; seeding again here
    # keeps their draws out of the test body's stream. The body's root seed is the test seed
    # (what seed_everything(<printed test seed>) gives outside pytest), unless a fixture changed
    # the root seed (or cleared it): then the body sees what the fixture left.
    seed = item.stash.get(_TEST_SEED, None)
    if seed is not None:
        before = _current()
        item.stash[_PHASE_SEED] = seed
        _seed_everything(item, seed)
        if before != item.stash.get(_SETUP_ROOT, None):
            _restore(before)
    yield


@pytest.hookimpl(hookwrapper=True, trylast=True)
def pytest_runtest_teardown(item: pytest.Item) -> Generator[None, None, None]:
    seed = item.stash.get(_TEST_SEED, None)
    if seed is not None:
        item.stash[_PHASE_SEED] = _phase_seed(seed, "teardown")
        _seed_everything(item, item.stash[_PHASE_SEED])
    yield
    saved = item.stash.get(_SAVED, None)
    if saved is not None:
        _restore(saved)


def _cwd_relative(config: pytest.Config, nodeid: str) -> str:
    # Node ids are relative to the rootdir; the command runs where pytest was run (as the
    # paths in pytest's own summary are).
    path, sep, rest = nodeid.partition("::")
    here = config.invocation_params.dir
    if path and here != config.rootpath:
        path = Path(os.path.relpath(config.rootpath / path, here)).as_posix()
    return path + sep + rest


def _fixture_seed(fixturedef: Any, request: Any, phase: str) -> int:
    # The scope's node id (module, class, package or session) and the fixture's name and
    # parameter: nothing about the test that happens to need the fixture first. A seed mark on
    # the scope (a pinned class or module) pins the fixture too.
    root = _marked_seed(request.node)
    if root is None:
        root = request.config.stash[_SESSION_SEED]
    path = ("pytest", "fixture", request.node.nodeid, fixturedef.argname)
    index = getattr(request, "param_index", 0)
    return _seed.derive(*path, index, phase, seed=root) & 0xFFFFFFFF


@pytest.hookimpl(hookwrapper=True)
def pytest_fixture_setup(fixturedef: Any, request: Any) -> Generator[None, None, None]:
    # A module-, class-, package- or session-scoped fixture (setUpClass and setup_module too) is
    # set up and torn down by whichever test needs it first or last: from its own stream, in an
    # isolate() that leaves the test's setup or teardown stream as it was, so its values and the
    # function-scoped fixtures after it are the same in the full run, alone, and under xdist.
    config = request.config
    item = config.stash.get(_ITEM, None)
    if fixturedef.scope == "function" or item is None or _SESSION_SEED not in config.stash:
        yield
        return
    from seedlock.state import isolate

    teardown: list[tuple[isolate, Any]] = []

    def teardown_begins() -> None:
        saved = _randomly_saved(config)
        teardown.append((isolate().__enter__(), saved))
        _seed_everything(
            config.stash.get(_ITEM, item), _fixture_seed(fixturedef, request, "teardown")
        )

    def teardown_ends() -> None:
        if teardown:
            isolated, saved = teardown.pop()
            isolated.__exit__(None, None, None)
            _randomly_put_back(config, saved, config.stash.get(_ITEM, item))

    # Finalizers run last-in first-out: this one after the fixture's own teardown.
    fixturedef.addfinalizer(teardown_ends)
    saved = _randomly_saved(config)
    try:
        with isolate():
            _seed_everything(item, _fixture_seed(fixturedef, request, "setup"))
            yield
    finally:
        _randomly_put_back(config, saved, item)
    fixturedef.addfinalizer(teardown_begins)


# Command-line options that decide which plugins run and what is collected, and how: the replay
# command repeats them (a doctest is not even found without --doctest-modules). Those taking a
# value, then flags.
_REPLAYED_WITH_VALUE = (
    "-p",
    "-c",
    "--config-file",
    "--rootdir",
    "-o",
    "--override-ini",
    "--import-mode",
    "--doctest-glob",
)
_REPLAYED_FLAGS = ("--doctest-modules",)


def _replayed_options(args: list[str]) -> list[str]:
    kept = []
    long_forms = tuple(f"{name}=" for name in _REPLAYED_WITH_VALUE if name.startswith("--"))
    short_forms = tuple(name for name in _REPLAYED_WITH_VALUE if len(name) == 2)
    i = 0
    while i < len(args):
        arg = args[i]
        if arg in _REPLAYED_WITH_VALUE:
            kept += args[i : i + 2]
            i += 1
        elif arg in _REPLAYED_FLAGS or arg.startswith(long_forms + short_forms):
            kept.append(arg)  # --rootdir=dir, -pno:randomly
        i += 1
    return kept


def _replay_command(item: pytest.Item) -> str:
    session = item.config.stash[_SESSION_SEED]
    options = _replayed_options(list(item.config.invocation_params.args))
    nodeid = _cwd_relative(item.config, item.nodeid)
    words = ["pytest", nodeid, f"--seedlock-seed={session}", *options]
    randomly_seed = getattr(item.config.option, "randomly_seed", None)
    if item.config.pluginmanager.hasplugin("randomly") and isinstance(randomly_seed, int):
        # pytest-randomly seeds Faker's `faker` fixture (faker_seed) from its own seed.
        words.append(f"--randomly-seed={randomly_seed}")
    return " ".join(shlex.quote(word) for word in words)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, Any, None]:
    outcome = yield
    report: pytest.TestReport = outcome.get_result()
    seed = item.stash.get(_TEST_SEED, None)
    error = item.stash.get(_ERROR, None)
    if report.failed and seed is not None:
        session = item.config.stash[_SESSION_SEED]
        text = (
            f"test seed {seed} (session seed {session}); replay just this test with:\n"
            f"  {_replay_command(item)}\n"
        )
        if error is not None:
            text += f"seeding failed: {error}\n"
        report.sections.append(("seedlock", text))


def pytest_terminal_summary(terminalreporter: Any, exitstatus: int, config: pytest.Config) -> None:
    if terminalreporter.stats.get("failed") or terminalreporter.stats.get("error"):
        seed = config.stash[_SESSION_SEED]
        terminalreporter.write_line(
            f"seedlock: session seed {seed}; replay this session with --seedlock-seed={seed}"
        )


@pytest.fixture
def seedlock_seed(request: pytest.FixtureRequest) -> int:
    """The seed this test was started from (derived from the session seed, or its mark).

    Example:
        >>> def test_noise(seedlock_seed):  # doctest: +SKIP
        ...     data = make_data(seed=seedlock_seed)
    """
    seed = request.node.stash.get(_TEST_SEED, None)
    if seed is None:
        raise pytest.UsageError("the seedlock_seed fixture only works in test functions")
    return int(seed)


@pytest.fixture
def seedlock_rng(seedlock_seed: int) -> np.random.Generator:
    """A NumPy ``Generator`` on this test's own stream, independent of the global RNGs.

    Example:
        >>> def test_mean(seedlock_rng):  # doctest: +SKIP
        ...     assert abs(seedlock_rng.normal(size=10_000).mean()) < 0.05
    """
    from seedlock._generators import numpy_rng

    return numpy_rng("pytest", "rng", seed=seedlock_seed)
