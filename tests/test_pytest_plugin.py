"""The pytest plugin, black-box with pytester: per-test seeds replay alone, reversed, in xdist."""

from __future__ import annotations

import json
import os
import random
import re
import shlex
import sys
from pathlib import Path

import numpy as np
import pytest

import seedlock
from seedlock import _seed
from seedlock._generators import numpy_rng

pytest_plugins = ["pytester"]

CONFTEST = """
import json, os
from pathlib import Path

from seedlock._base import rootseed

def pytest_collection_modifyitems(items):
    if os.environ.get("SEEDLOCK_TEST_REVERSE"):
        items.reverse()

def pytest_runtest_logfinish(nodeid):
    leaked = {"root": rootseed.get(), "env": os.environ.get("SEEDLOCK_SEED")}
    out = Path(os.environ["SEEDLOCK_TEST_OUT"]) / "leaks.jsonl"
    with out.open("a") as handle:
        handle.write(json.dumps(leaked) + "\\n")
"""

DRAWS = """
import json, os, random
from pathlib import Path

import numpy as np
import pytest

def record(request, **values):
    name = request.node.nodeid.replace("/", "_").replace(":", "_")
    out = Path(os.environ["SEEDLOCK_TEST_OUT"]) / f"{name}.json"
    out.write_text(json.dumps(values))

@pytest.fixture(scope="module")
def shared():
    return random.random()

def draws(rng):
    return {"random": random.random(), "numpy": float(np.random.random()), "rng": rng.random()}

def test_one(request, seedlock_rng, seedlock_seed):
    record(request, seed=seedlock_seed, **draws(seedlock_rng))

def test_two(request, seedlock_rng, seedlock_seed, shared):
    record(request, seed=seedlock_seed, **draws(seedlock_rng))

@pytest.mark.parametrize("k", [1, 2, 3])
def test_three(request, seedlock_rng, seedlock_seed, k):
    record(request, seed=seedlock_seed, **draws(seedlock_rng))
"""


@pytest.fixture
def project(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> pytest.Pytester:
    pytester.makeconftest(CONFTEST)
    pytester.makepyfile(test_draws=DRAWS)
    monkeypatch.setenv("SEEDLOCK_TEST_OUT", str(pytester.path))
    return pytester


def _collect(path: Path) -> dict[str, dict[str, float]]:
    found = {p.stem: json.loads(p.read_text()) for p in path.glob("test_draws*.json")}
    for p in path.glob("test_draws*.json"):
        p.unlink()
    return found


def _session_seed(output: str) -> int:
    match = re.search(r"seedlock: session seed (\d+) \(replay with --seedlock-seed=\1\)", output)
    assert match is not None, output
    return int(match.group(1))


def test_a_test_draws_the_same_alone_in_a_full_run_reversed_and_under_xdist(
    project: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    full = project.runpytest("--seedlock-seed=1234")
    full.assert_outcomes(passed=5)
    assert _session_seed(full.stdout.str()) == 1234
    everything = _collect(project.path)
    assert len(everything) == 5
    # Every test has its own stream: no two tests drew the same numbers.
    assert len({d["random"] for d in everything.values()}) == 5

    project.runpytest("--seedlock-seed=1234", "test_draws.py::test_two").assert_outcomes(passed=1)
    alone = _collect(project.path)
    assert alone == {"test_draws.py__test_two": everything["test_draws.py__test_two"]}

    monkeypatch.setenv("SEEDLOCK_TEST_REVERSE", "1")
    reverse = project.runpytest("--seedlock-seed=1234", "-v", "-p", "no:randomly")
    reverse.assert_outcomes(passed=5)
    lines = [line for line in reverse.stdout.lines if "PASSED" in line]
    assert "test_three[3]" in lines[0] and "test_one" in lines[-1]
    assert _collect(project.path) == everything
    monkeypatch.delenv("SEEDLOCK_TEST_REVERSE")

    distributed = project.runpytest_subprocess("-n", "2", "--seedlock-seed=1234")
    distributed.assert_outcomes(passed=5)
    assert _collect(project.path) == everything

    other = project.runpytest("--seedlock-seed=99")
    other.assert_outcomes(passed=5)
    assert all(
        d["random"] != everything[name]["random"] for name, d in _collect(project.path).items()
    )


def test_the_test_seed_is_derived_from_the_session_seed_and_the_node_id(
    project: pytest.Pytester,
) -> None:
    project.runpytest("--seedlock-seed=7").assert_outcomes(passed=5)
    draws = _collect(project.path)["test_draws.py__test_one"]
    seed = _seed.derive("pytest", "test_draws.py::test_one", seed=7) % 2**32
    assert draws["seed"] == seed
    assert draws["random"] == random.Random(seed).random()
    assert draws["numpy"] == np.random.RandomState(seed).random_sample()
    assert draws["rng"] == numpy_rng("pytest", "rng", seed=seed).random()


def test_the_root_seed_and_env_var_do_not_leak_out_of_a_test(project: pytest.Pytester) -> None:
    project.runpytest("--seedlock-seed=5").assert_outcomes(passed=5)
    leaks = [json.loads(line) for line in (project.path / "leaks.jsonl").read_text().splitlines()]
    assert leaks == [{"root": None, "env": None}] * 5


def test_last_replays_the_previous_random_session(project: pytest.Pytester) -> None:
    first = project.runpytest()
    first.assert_outcomes(passed=5)
    seed = _session_seed(first.stdout.str())
    before = _collect(project.path)
    again = project.runpytest("--seedlock-seed=last")
    again.assert_outcomes(passed=5)
    assert _session_seed(again.stdout.str()) == seed
    assert _collect(project.path) == before


def test_a_failure_report_shows_the_seed_and_a_command_that_replays_it(
    project: pytest.Pytester,
) -> None:
    project.makepyfile(
        test_fail="""
        import json, os, random
        from pathlib import Path

        def test_fails(seedlock_seed):
            out = Path(os.environ["SEEDLOCK_TEST_OUT"]) / "fail.json"
            out.write_text(json.dumps([seedlock_seed, random.random()]))
            assert random.random() > 2
        """
    )
    result = project.runpytest("--seedlock-seed=31", "-p", "no:randomly", "test_fail.py")
    result.assert_outcomes(failed=1)
    seed = _seed.derive("pytest", "test_fail.py::test_fails", seed=31) % 2**32
    result.stdout.fnmatch_lines(
        [
            "*- seedlock -*",
            f"test seed {seed} (session seed 31); replay just this test with:",
            "  pytest test_fail.py::test_fails --seedlock-seed=31 -p no:randomly",
            "seedlock: session seed 31; replay this session with --seedlock-seed=31",
        ]
    )
    first = (project.path / "fail.json").read_text()
    project.runpytest("test_fail.py::test_fails", "--seedlock-seed=31").assert_outcomes(failed=1)
    assert (project.path / "fail.json").read_text() == first


def test_the_seed_mark_pins_a_test_and_the_fixtures_follow_it(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import random
        import numpy as np
        import pytest
        from seedlock._generators import numpy_rng

        @pytest.mark.seed(123)
        def test_pinned(seedlock_seed, seedlock_rng):
            assert seedlock_seed == 123
            assert random.random() == random.Random(123).random()
            assert np.random.random() == np.random.RandomState(123).random_sample()
            assert seedlock_rng.random() == numpy_rng("pytest", "rng", seed=123).random()

        @pytest.mark.seed("experiment-a")
        def test_pinned_by_name(seedlock_seed):
            import seedlock
            assert seedlock_seed == seedlock._seed.normalize_seed("experiment-a")

        @pytest.mark.seed(-1)
        def test_bad_mark():
            pass
        """
    )
    result = pytester.runpytest("--seedlock-seed=1")
    result.assert_outcomes(passed=2, errors=1)
    result.stdout.fnmatch_lines(["*seed must be an int in [[]0, 2**128)*"])


def test_no_seedlock_turns_the_plugin_off(pytester: pytest.Pytester) -> None:
    pytester.makepyfile("def test_uses_fixture(seedlock_seed):\n    pass\n")
    result = pytester.runpytest("-p", "no:seedlock")
    result.assert_outcomes(errors=1)
    assert "seedlock: session seed" not in result.stdout.str()
    result.stdout.fnmatch_lines(["*fixture 'seedlock_seed' not found*"])


def test_a_bad_seed_option_is_a_usage_error(pytester: pytest.Pytester) -> None:
    pytester.makepyfile("def test_ok():\n    pass\n")
    result = pytester.runpytest("--seedlock-seed=banana")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*--seedlock-seed accepts an int*'banana'*"])
    result = pytester.runpytest("--seedlock-seed=last", "-p", "no:cacheprovider")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*cacheprovider plugin is disabled*"])


def test_the_plugin_seeds_this_suite_alongside_its_clean_state_fixture(seedlock_seed: int) -> None:
    # The project's conftest clears the root seed after the plugin seeded the global RNGs.
    assert seedlock.root_seed() is None
    assert random.random() == random.Random(seedlock_seed).random()


def test_the_seedlock_rng_fixture_is_a_generator_on_the_tests_own_stream(
    seedlock_rng: np.random.Generator, seedlock_seed: int
) -> None:
    assert isinstance(seedlock_rng, np.random.Generator)
    assert seedlock_rng.random() == numpy_rng("pytest", "rng", seed=seedlock_seed).random()


def test_the_plugin_adds_no_fixture_named_rng(pytester: pytest.Pytester) -> None:
    pytester.makepyfile("def test_uses_rng(rng):\n    pass\n")
    pytester.runpytest("-p", "no:randomly").stdout.fnmatch_lines(["*fixture 'rng' not found*"])


FIXTURE_STREAMS = """
import json, os, random
from pathlib import Path

import numpy as np
import pytest

def draw():
    return [random.random(), float(np.random.random())]

DRAWS = {}

@pytest.fixture
def fixture_draws():
    DRAWS["setup"] = draw()
    yield DRAWS["setup"]
    DRAWS["teardown"] = draw()
    out = Path(os.environ["SEEDLOCK_TEST_OUT"]) / "streams.json"
    out.write_text(json.dumps(DRAWS))

def test_body(fixture_draws):
    DRAWS["call"] = draw()
"""


def _streams(pytester: pytest.Pytester, *args: str) -> dict[str, list[float]]:
    pytester.runpytest("--seedlock-seed=8", *args).assert_outcomes(passed=1)
    found: dict[str, list[float]] = json.loads((pytester.path / "streams.json").read_text())
    return found


def test_fixtures_setup_and_teardown_draw_from_streams_other_than_the_test_body(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Ported from pytest-randomly's test_fixtures_get_different_random_state_to_tests (and its
    # teardown twin): each phase has its own stream, and the body's is the test seed's.
    pytester.makepyfile(test_streams=FIXTURE_STREAMS)
    monkeypatch.setenv("SEEDLOCK_TEST_OUT", str(pytester.path))
    draws = _streams(pytester, "-p", "no:randomly")
    assert len({draws[phase][0] for phase in ("setup", "call", "teardown")}) == 3
    assert len({draws[phase][1] for phase in ("setup", "call", "teardown")}) == 3
    seed = _seed.derive("pytest", "test_streams.py::test_body", seed=8) % 2**32
    assert draws["call"][0] == random.Random(seed).random()
    assert _streams(pytester, "-p", "no:randomly") == draws


def test_with_pytest_randomly_active_tests_still_draw_seedlocks_streams(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    pytest.importorskip("pytest_randomly")
    pytester.makepyfile(test_streams=FIXTURE_STREAMS)
    monkeypatch.setenv("SEEDLOCK_TEST_OUT", str(pytester.path))
    alone = _streams(pytester, "-p", "no:randomly")
    result = pytester.runpytest("--seedlock-seed=8", "-p", "randomly", "--randomly-seed=3")
    result.assert_outcomes(passed=1)
    assert json.loads((pytester.path / "streams.json").read_text()) == alone
    header = [line for line in result.stdout.lines if "pytest-randomly is active" in line]
    assert len(header) == 1 and "-p no:randomly" in header[0]
    quiet = pytester.runpytest("--seedlock-seed=8", "-p", "no:randomly")
    assert "pytest-randomly" not in quiet.stdout.str()


def test_the_test_body_runs_under_the_test_seed_as_root_seed(pytester: pytest.Pytester) -> None:
    # seed_everything(<the printed test seed>) outside pytest must give the body's streams,
    # those derived from the root seed (derive, numpy_rng, seedlock's loaders) included.
    pytester.makepyfile(
        """
        import pytest
        import seedlock

        @pytest.fixture
        def drawn_in_setup():
            return seedlock.derive("x")

        def test_root(seedlock_seed, drawn_in_setup):
            assert seedlock.root_seed() == seedlock_seed
            assert seedlock.derive("x") == seedlock.derive("x", seed=seedlock_seed)

        @pytest.mark.seed(123)
        def test_pinned():
            assert seedlock.root_seed() == 123

        @pytest.fixture
        def reroots():
            seedlock.seed_everything(77)

        def test_a_fixture_that_seeds_decides(reroots):
            assert seedlock.root_seed() == 77
        """
    )
    pytester.runpytest("--seedlock-seed=4", "-p", "no:randomly").assert_outcomes(passed=3)


def test_the_replay_command_works_from_the_directory_pytest_was_run_in(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Node ids are relative to the rootdir; run from a subdirectory (cd tests; pytest), the
    # command must name the test as pytest's own summary does, relative to where it runs.
    pytester.makeini("[pytest]\n")
    sub = pytester.mkpydir("sub")
    (sub / "test_fail.py").write_text("def test_fails():\n    assert False\n")
    monkeypatch.chdir(sub)
    result = pytester.runpytest("--seedlock-seed=3", "-p", "no:randomly")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["  pytest test_fail.py::test_fails --seedlock-seed=3 *"])
    pytester.runpytest("test_fail.py::test_fails", "--seedlock-seed=3").assert_outcomes(failed=1)


SHARED_FIXTURES = """
import json, os, random
import unittest
from pathlib import Path

import numpy as np
import pytest

def record(name, **values):
    out = Path(os.environ["SEEDLOCK_TEST_OUT"]) / f"{name}.json"
    out.write_text(json.dumps(values))

def draw():
    return [random.random(), float(np.random.random())]

@pytest.fixture(scope="module")
def shared():
    value = draw()
    yield value
    record("shared-teardown", value=draw())

@pytest.fixture
def own():
    return draw()

def test_first(shared, own):
    record("first", shared=shared, own=own, body=draw())

def test_second(shared, own):
    record("second", shared=shared, own=own, body=draw())

@pytest.fixture(scope="class")
def per_class():
    return draw()

class TestGroup:
    def test_third(self, per_class, shared):
        record("third", per_class=per_class, shared=shared)

    def test_fourth(self, per_class):
        record("fourth", per_class=per_class)

class Case(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.drawn = draw()

    def test_fifth(self):
        record("fifth", drawn=self.drawn)

    def test_sixth(self):
        record("sixth", drawn=self.drawn)
"""


def test_a_higher_scoped_fixture_draws_the_same_whichever_test_sets_it_up(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A module-, class- or setUpClass-level draw must not depend on which test happened to
    # need it first (the order, -k, xdist's distribution): a test replayed alone sees the
    # fixture values it saw in the full run, and so do the function-scoped fixtures after it.
    pytester.makeconftest(CONFTEST)
    pytester.makepyfile(test_shared=SHARED_FIXTURES)
    monkeypatch.setenv("SEEDLOCK_TEST_OUT", str(pytester.path))

    def run(*args: str) -> dict[str, dict[str, list[float]]]:
        pytester.runpytest("--seedlock-seed=6", "-p", "no:randomly", *args).assert_outcomes(
            passed=len(args) or 6
        )
        found = {}
        for path in pytester.path.glob("*.json"):
            found[path.stem] = json.loads(path.read_text())
            path.unlink()
        return found

    full = run()
    assert len(full) == 7
    assert full["first"]["shared"] == full["second"]["shared"] == full["third"]["shared"]
    assert full["first"]["shared"] != full["first"]["own"] != full["second"]["own"]
    monkeypatch.setenv("SEEDLOCK_TEST_REVERSE", "1")
    assert run() == full
    monkeypatch.delenv("SEEDLOCK_TEST_REVERSE")
    for name, test in [
        ("second", "test_second"),
        ("third", "TestGroup::test_third"),
        ("fourth", "TestGroup::test_fourth"),
        ("sixth", "Case::test_sixth"),
    ]:
        alone = run(f"test_shared.py::{test}")
        assert alone[name] == full[name], name
        if "shared" in full[name]:
            assert alone["shared-teardown"] == full["shared-teardown"]


def test_the_replay_command_of_a_failing_doctest_collects_it_again(
    pytester: pytest.Pytester,
) -> None:
    # Without --doctest-modules, `pytest mod.py::mod.half` finds nothing to run.
    pytester.makepyfile(
        mod='''
        def half():
            """
            >>> import random
            >>> round(random.random(), 6)
            2
            """
        '''
    )
    args = (
        "--seedlock-seed=9",
        "-p",
        "no:randomly",
        "--doctest-modules",
        "--import-mode",
        "append",
    )
    result = pytester.runpytest(*args)
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        [
            "  pytest mod.py::mod.half --seedlock-seed=9 -p no:randomly --doctest-modules "
            "--import-mode append"
        ]
    )
    drawn = result.stdout.lines[result.stdout.lines.index("Got:") + 1]
    command = next(line for line in result.stdout.lines if line.startswith("  pytest "))
    again = pytester.runpytest(*shlex.split(command)[1:])
    again.assert_outcomes(failed=1)
    assert again.stdout.lines[again.stdout.lines.index("Got:") + 1] == drawn


RESEEDED = """
import json, os, random
from pathlib import Path

import faker.generator
import fake_seeder

def record(name, seed):
    values = [seed, fake_seeder.rng.random(), faker.generator.random.random()]
    (Path(os.environ["SEEDLOCK_TEST_OUT"]) / f"{name}.json").write_text(json.dumps(values))

def test_a(seedlock_seed):
    record("a", seedlock_seed)

def test_b(seedlock_seed):
    record("b", seedlock_seed)
"""


def _fake_faker(pytester: pytest.Pytester) -> None:
    """What pytest-randomly uses of Faker (not installed here)."""
    faker = pytester.mkpydir("faker")
    (faker / "generator.py").write_text("import random as _random\nrandom = _random.Random()\n")
    plugin = faker / "contrib" / "pytest"
    plugin.mkdir(parents=True)
    for folder in (faker / "contrib", plugin):
        (folder / "__init__.py").write_text("")
    (plugin / "plugin.py").write_text("DEFAULT_SEED = 0\n")


def _randomly_project(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, **test_files: str
) -> None:
    """``test_files`` beside what pytest-randomly reseeds: a fake Faker and a fake
    ``pytest_randomly.random_seeder`` entry point (``fake_seeder.rng``); tests write their
    values to ``$SEEDLOCK_TEST_OUT``."""
    pytest.importorskip("pytest_randomly")
    pytester.makepyfile(
        fake_seeder="import random\nrng = random.Random()\ndef reseed(seed):\n    rng.seed(seed)\n"
    )
    dist = pytester.mkdir("fake_seeder-1.0.dist-info")
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: fake-seeder\nVersion: 1.0\n")
    (dist / "entry_points.txt").write_text(
        "[pytest_randomly.random_seeder]\nfake = fake_seeder:reseed\n"
    )
    _fake_faker(pytester)
    pytester.makepyfile(**test_files)
    monkeypatch.setenv("SEEDLOCK_TEST_OUT", str(pytester.path))
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join([str(pytester.path), *sys.path]))


def test_with_pytest_randomly_active_what_it_reseeds_per_test_is_reseeded_from_the_test_seed(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Ported from pytest-randomly's test_entrypoint_injection and test_faker: its users rely on
    # faker / factory_boy / model_bakery and the `pytest_randomly.random_seeder` entry points
    # being reset for every test; seedlock turns randomly's reset off, so it does their reset.
    _randomly_project(pytester, monkeypatch, test_reseeded=RESEEDED)
    for args in ((), ("-n", "2")):
        result = pytester.runpytest_subprocess("--seedlock-seed=2", "-p", "randomly", *args)
        result.assert_outcomes(passed=2)
        for name in ("a", "b"):
            seed, reseeded, faked = json.loads((pytester.path / f"{name}.json").read_text())
            assert reseeded == faked == random.Random(seed).random(), (name, args)


WIDER_FIXTURE = """
import json, os
from pathlib import Path

import faker.generator
import fake_seeder
import pytest

@pytest.fixture(scope="session")
def shared():
    return faker.generator.random.random(), fake_seeder.rng.random()

@pytest.fixture
def drawn():
    return faker.generator.random.random(), fake_seeder.rng.random()

def record(name, drawn):
    (Path(os.environ["SEEDLOCK_TEST_OUT"]) / f"{name}.json").write_text(json.dumps(drawn))

def test_a(shared, drawn):
    record("a", drawn)

def test_b(shared, drawn):
    record("b", drawn)

def test_c(request):
    request.getfixturevalue("shared")  # set up in the test body when test_c runs alone
    record("c", [faker.generator.random.random(), fake_seeder.rng.random()])
"""


def test_with_pytest_randomly_active_a_wider_fixture_leaves_its_generators_to_the_test(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Faker & co and the random_seeder entry points are shared generators that isolate() does
    # not track: a session fixture reseeding them must not hand its stream to the function
    # fixtures after it, or a test replayed alone sees other values than in the full run.
    _randomly_project(pytester, monkeypatch, test_wider=WIDER_FIXTURE)
    options = ("--seedlock-seed=9", "-p", "randomly", "--randomly-dont-reorganize")
    names = ("a", "b", "c")

    def run(*args: str) -> dict[str, object]:
        pytester.runpytest_subprocess(*options, *args).assert_outcomes(passed=len(args) or 3)
        return {
            name: json.loads((pytester.path / f"{name}.json").read_text())
            for name in names
            if (pytester.path / f"{name}.json").exists()
        }

    full = run()
    for name in names:
        (pytester.path / f"{name}.json").unlink()
    alone: dict[str, object] = {}
    for name in names:
        alone.update(run(f"test_wider.py::test_{name}"))
    assert full == alone


def test_with_pytest_randomly_active_the_replay_command_gives_its_seed_too(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    # pytest-randomly seeds Faker's `faker` fixture from its own seed (the faker_seed fixture):
    # a replay on another randomly seed would see other fake data.
    pytest.importorskip("pytest_randomly")
    _fake_faker(pytester)
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join([str(pytester.path), *sys.path]))
    pytester.makepyfile(
        """
        import json, os
        from pathlib import Path

        def test_fails(faker_seed):
            out = Path(os.environ["SEEDLOCK_TEST_OUT"]) / "faker.json"
            out.write_text(json.dumps(faker_seed))
            assert False
        """
    )
    monkeypatch.setenv("SEEDLOCK_TEST_OUT", str(pytester.path))
    result = pytester.runpytest_subprocess("--seedlock-seed=2", "-p", "randomly")
    result.assert_outcomes(failed=1)
    first = (pytester.path / "faker.json").read_text()
    command = next(line for line in result.stdout.lines if line.startswith("  pytest "))
    assert "--randomly-seed=" in command
    pytester.runpytest_subprocess(*shlex.split(command)[1:]).assert_outcomes(failed=1)
    assert (pytester.path / "faker.json").read_text() == first


def test_a_seed_mark_on_a_class_or_module_pins_its_wider_scoped_fixtures_too(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    pytester.makepyfile(
        test_pinned="""
        import json, os, random
        from pathlib import Path
        import pytest

        @pytest.fixture(scope="class")
        def per_class():
            return random.random()

        @pytest.mark.seed(123)
        class TestPinned:
            def test_it(self, per_class):
                out = Path(os.environ["SEEDLOCK_TEST_OUT"]) / "pinned.json"
                out.write_text(json.dumps(per_class))
        """
    )
    monkeypatch.setenv("SEEDLOCK_TEST_OUT", str(pytester.path))
    drawn = []
    for session in ("1", "2"):
        pytester.runpytest(f"--seedlock-seed={session}", "-p", "no:randomly").assert_outcomes(
            passed=1
        )
        drawn.append((pytester.path / "pinned.json").read_text())
    assert drawn[0] == drawn[1]
