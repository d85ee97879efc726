"""Seed lists, sweep names, and the versioned sweep file."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from seedlock._errors import SeedlockError, StateError
from seedlock.sweep import SweepSpec, command_for, load_spec, needs_seed_placeholder, parse_seeds
from seedlock.sweep._spec import SPEC_VERSION, check_name, draw_seeds, save_spec, spec_path


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("0-4", [0, 1, 2, 3, 4]),
        ("0,3,7", [0, 3, 7]),
        ("0-2, 10", [0, 1, 2, 10]),
        ("5-5", [5]),
        ("3,1,3", [3, 1]),
        ("20", 20),
    ],
)
def test_seed_specs_give_ranges_lists_or_a_random_count(text: str, expected: object) -> None:
    assert parse_seeds(text) == expected


@pytest.mark.parametrize("text", ["", ",", "0", "5-3", "a-b", "-1", "1.5", "200000"])
def test_bad_seed_specs_are_clear_errors(text: str) -> None:
    with pytest.raises(SeedlockError, match="--seeds"):
        parse_seeds(text)


def test_random_seeds_are_distinct_32_bit_ints_avoiding_the_excluded() -> None:
    seeds = draw_seeds(50, exclude=[1, 2])
    assert len(set(seeds)) == 50
    assert all(0 <= s < 2**32 and s not in (1, 2) for s in seeds)


@pytest.mark.parametrize("name", ["", ".hidden", "a/b", "a b", "x" * 101])
def test_bad_sweep_names_are_refused(name: str) -> None:
    with pytest.raises(SeedlockError, match="sweep name"):
        check_name(name)


def test_spec_round_trips_through_its_versioned_file(tmp_path: Path) -> None:
    spec = SweepSpec(
        name="adam",
        command=["python", "t.py", "{seed}"],
        seeds=[3, 1, 2**32 - 1],
        random=True,
        deterministic=True,
        threads=2,
        created=1.5,
    )
    path = spec_path(tmp_path / "runs.db", "adam")
    save_spec(spec, path)
    assert path == tmp_path / "sweeps" / "adam.json"
    header = json.loads(path.read_text())
    assert (header["kind"], header["format"]) == ("seedlock-sweep", SPEC_VERSION)
    assert load_spec(path) == spec
    assert [p.name for p in path.parent.iterdir()] == ["adam.json"]


def test_missing_spec_is_none(tmp_path: Path) -> None:
    assert load_spec(tmp_path / "nope.json") is None


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{", "not valid JSON"),
        ('{"format": "other"}', "not the seedlock sweep file .*'kind' is None"),
        (
            json.dumps({"format": "seedlock-sweep", "version": SPEC_VERSION + 1}),
            "format 3, newer than this seedlock reads",
        ),
        (
            json.dumps({"kind": "seedlock-sweep", "format": SPEC_VERSION + 1}),
            "format 3, newer than this seedlock reads",
        ),
        ('{"kind": "seedlock-snapshot", "format": 1}', "'kind' is 'seedlock-snapshot'"),
        (
            json.dumps(
                {
                    "format": "seedlock-sweep",
                    "version": SPEC_VERSION,
                    "name": "a",
                    "command": ["x"],
                    "seeds": [-1],
                    "random": False,
                    "deterministic": False,
                    "threads": None,
                    "created": 0,
                }
            ),
            "invalid command, seed list",
        ),
    ],
)
def test_corrupt_or_foreign_spec_files_are_state_errors(
    tmp_path: Path, content: str, message: str
) -> None:
    path = tmp_path / "a.json"
    path.write_text(content)
    with pytest.raises(StateError, match=message):
        load_spec(path)


def test_seed_placeholder_is_replaced_and_only_non_python_commands_need_it() -> None:
    assert command_for(["./train", "--seed", "{seed}", "out-{seed}"], 9) == [
        "./train",
        "--seed",
        "9",
        "out-9",
    ]
    assert not needs_seed_placeholder(["python3.11", "-m", "train"])
    assert not needs_seed_placeholder(["/usr/bin/python", "t.py"])
    assert not needs_seed_placeholder(["uv", "run", "python", "train.py"])
    assert not needs_seed_placeholder(["/usr/bin/env", "python", "train.py"])
    assert not needs_seed_placeholder(["./train.py"])
    assert not needs_seed_placeholder(["./train.sh", "--seed={seed}"])
    assert needs_seed_placeholder(["./train.sh"])
