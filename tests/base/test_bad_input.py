"""Issue 9, "Bad input": every case gives exit 2, one line on stderr, no traceback, no file."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from seedlock.cli import main

HUGE = str(2**200)
HUGE_INT = 2**200
DIGITS = "7" * 5000
PY = ["--", "python", "-c", "pass"]
RESUME = ["sweep", "--resume", "--name", "s"]


def _write(name: str, content: str | bytes) -> Callable[[Path], str]:
    def make(root: Path) -> str:
        path = root / "inputs" / name
        path.parent.mkdir(exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
        return str(path)

    return make


def _spec(**fields: object) -> Callable[[Path], str]:
    """A sweep spec named ``s`` next to the test's store, with ``fields`` overriding a valid one."""

    def make(root: Path) -> str:
        data: dict[str, object] = {
            "format": "seedlock-sweep",
            "version": 1,
            "name": "s",
            "command": ["python", "-c", "pass"],
            "seeds": [0, 1],
            "random": False,
            "deterministic": False,
            "threads": None,
            "created": 1.0,
        }
        data.update(fields)
        path = root / "store" / "sweeps" / "s.json"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(data), encoding="utf-8")
        return str(path)

    return make


def _spec_text(text: str) -> Callable[[Path], str]:
    def make(root: Path) -> str:
        path = root / "store" / "sweeps" / "s.json"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        return str(path)

    return make


DEEP = "[" * 100_000 + "]" * 100_000
BIG_INT = "[" + str(10**400) + ", 1]"
VALUES = "seed,accuracy\n0,0.8\n1,0.81\n2,0.79\n"

# (id, argv with {a}/{b} placeholders for the files made by the makers, makers, env)
CASES: list[tuple[str, list[str], list[Callable[[Path], str]], dict[str, str]]] = [
    ("verify -n 2**200", ["verify", "-n", HUGE, *PY], [], {}),
    ("verify --jobs 2**200", ["verify", "--jobs", HUGE, *PY], [], {}),
    ("run --seed 5000 digits", ["run", "--seed", DIGITS, *PY], [], {}),
    ("verify --seed 5000 digits", ["verify", "--seed", DIGITS, *PY], [], {}),
    ("sweep --seeds 5000 digits", ["sweep", "--seeds", DIGITS, "--name", "s", *PY], [], {}),
    (
        "sweep --seeds 1,5000 digits",
        ["sweep", "--seeds", "1," + DIGITS, "--name", "s", *PY],
        [],
        {},
    ),
    ("sweep --seeds 1,2**200", ["sweep", "--seeds", "1," + HUGE, "--name", "s", *PY], [], {}),
    (
        "sweep --seeds split ranges",
        ["sweep", "--seeds", "0-99999,100000-100001", "--name", "s", *PY],
        [],
        {},
    ),
    ("sweep --seeds huge range", ["sweep", "--seeds", f"0-{HUGE}", "--name", "s", *PY], [], {}),
    ("SEEDLOCK_SEED 5000 digits", ["run", *PY], [], {"SEEDLOCK_SEED": DIGITS}),
    ("run --threads 2**200", ["run", "--threads", HUGE, *PY], [], {}),
    ("run --threads 0", ["run", "--threads", "0", *PY], [], {}),
    ("verify --threads 2**200", ["verify", "--threads", HUGE, *PY], [], {}),
    (
        "sweep --threads 2**200",
        ["sweep", "--seeds", "0-1", "--name", "s", "--threads", HUGE, *PY],
        [],
        {},
    ),
    ("runs --store unreachable", ["runs", "--store", "/dev/null/x/runs.db"], [], {}),
    ("runs --store /dev/null", ["runs", "--store", "/dev/null"], [], {}),
    ("run --store /dev/null", ["run", "--store", "/dev/null", *PY], [], {}),
    ("run --store unreachable", ["run", "--store", "/dev/null/x/runs.db", *PY], [], {}),
    ("run --name with a line break", ["run", "--name", "abc\n", *PY], [], {}),
    (
        "compare --resamples 2**200",
        ["compare", "{a}", "{b}", "--resamples", HUGE],
        [_write("a.csv", VALUES), _write("b.csv", VALUES)],
        {},
    ),
    ("doctor --with ''", ["doctor", "--with", ""], [], {}),
    (
        "compare non-UTF-8 CSV",
        ["compare", "{a}", "{b}"],
        [_write("a.csv", b"seed,acc\n0,\xff\xfe\n"), _write("b.csv", VALUES)],
        {},
    ),
    (
        "compare 128 KB CSV field",
        ["compare", "{a}", "{b}"],
        [_write("a.csv", "seed,acc\n0," + "9" * 131_072 + "\n"), _write("b.csv", VALUES)],
        {},
    ),
    (
        "compare JSON 10**400",
        ["compare", "{a}", "{b}"],
        [_write("a.json", BIG_INT), _write("b.csv", VALUES)],
        {},
    ),
    (
        "compare JSON 100k deep",
        ["compare", "{a}", "{b}"],
        [_write("a.json", DEEP), _write("b.csv", VALUES)],
        {},
    ),
    (
        "env --diff 10**400",
        ["env", "--diff", "{a}", "{b}"],
        [_write("a.json", '{"format": ' + str(10**400) + "}"), _write("b.json", "{}")],
        {},
    ),
    (
        "env --diff 100k deep",
        ["env", "--diff", "{a}", "{b}"],
        [_write("a.json", DEEP), _write("b.json", "{}")],
        {},
    ),
    ("sweep --resume 100k deep", RESUME, [_spec_text(DEEP)], {}),
    ("sweep --resume 10**400", RESUME, [_spec_text(BIG_INT)], {}),
    ("sweep --resume threads -5", RESUME, [_spec(threads=-5)], {}),
    ("sweep --resume 2**200 seed", RESUME, [_spec(seeds=[HUGE_INT])], {}),
    ("sweep --name newline", ["sweep", "--seeds", "0-1", "--name", "abc\n", *PY], [], {}),
]


def _files(root: Path) -> dict[str, float]:
    return {
        str(path.relative_to(root)): path.stat().st_mtime
        for path in sorted(root.rglob("*"))
        if path.is_file()
    }


@pytest.mark.parametrize(
    ("argv", "makers", "env"),
    [pytest.param(argv, makers, env, id=name) for name, argv, makers, env in CASES],
)
def test_bad_input_exits_2_with_one_line_and_writes_nothing(
    argv: list[str],
    makers: list[Callable[[Path], str]],
    env: dict[str, str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("SEEDLOCK_STORE", str(tmp_path / "store" / "runs.db"))
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    made = [make(tmp_path) for make in makers]
    names = dict(zip("ab", made, strict=False))
    argv = [part.format(**names) if "{" in part else part for part in argv]
    before = _files(tmp_path)

    try:
        code = main(argv)
    except SystemExit as exc:  # argparse's own usage errors (a bad flag value) exit 2 there
        code = exc.code

    out, err = capsys.readouterr()
    assert code == 2, (out, err[-500:])
    lines = err.strip().splitlines()
    assert len(lines) == 1, err[-2000:]
    assert "Traceback" not in err
    assert len(lines[0]) < 400, lines[0][:500]
    assert lines[0].startswith("seedlock ")
    assert _files(tmp_path) == before
