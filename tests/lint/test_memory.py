"""Huge generated modules are parsed in chunks of whole top-level statements: the findings do
not change, and a 220,000-line file peaks well under 300 MB."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from seedlock.lint import _checker
from seedlock.lint._checker import check_source

RECALL = Path(__file__).parent / "recall"

_TRICKY = '''
import os
import random


@decorator
@other(
    1,
)
def f():
    return os.listdir("a")


if random.random() > 0.5:
    x = 1
elif True:
    x = 2
else:
    x = 3
try:
    import torch
except ImportError:
    torch = None
finally:
    pass
s = """
not code: import os
"""
names = sorted(os.listdir("b"))
'''


@pytest.mark.parametrize("name", ["tricky", *sorted(p.name for p in RECALL.glob("*.py"))])
def test_chunked_parsing_finds_what_a_whole_parse_finds(
    name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    source = _TRICKY if name == "tricky" else (RECALL / name).read_text()
    whole = check_source(source)
    monkeypatch.setattr(_checker, "CHUNK_ABOVE", 1)
    monkeypatch.setattr(_checker, "CHUNK_LINES", 3)
    chunks = _checker._chunks(source.encode())
    assert chunks is not None and len(chunks) > 2
    assert check_source(source) == whole


def test_a_syntax_error_in_a_later_chunk_is_sl000_at_its_line(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(_checker, "CHUNK_ABOVE", 1)
    monkeypatch.setattr(_checker, "CHUNK_LINES", 2)
    source = "a = 1\nb = 2\nc = 3\nd = 4\ne = (\n"
    assert [(d.code, d.line) for d in check_source(source)] == [("SL000", 5)]


_MEASURE = textwrap.dedent(
    """
    import resource, sys
    from seedlock.lint import LintConfig, lint_paths
    result = lint_paths([sys.argv[1]], config=LintConfig())
    assert result.lines > 220_000, result.lines
    # VmHWM belongs to this process's own memory; ru_maxrss also counts the parent's size at
    # fork (kept across exec), which under pytest-xdist can be a large worker.
    try:
        with open("/proc/self/status") as status:
            hwm = [line for line in status if line.startswith("VmHWM:")]
        print(int(hwm[0].split()[1]))
    except (OSError, IndexError):
        print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
    """
)


@pytest.mark.slow
def test_a_220k_line_generated_file_peaks_under_300_mb(tmp_path: Path) -> None:
    block = (
        "def step_{i}(model, batch, opt):\n"
        "    x, y = batch['x'], batch['y']\n"
        "    loss = ((model(x) - y) ** 2).mean() + 0.{i} * sum(p.sum() for p in model.params())\n"
        "    opt.step()\n"
        "    return {{'loss': loss.item(), 'step': {i}, 'name': 'step_{i}'}}\n\n\n"
    )
    big = tmp_path / "generated.py"
    big.write_text("import os\n\n\n" + "".join(block.format(i=i) for i in range(31_500)))
    env = {"PYTHONPATH": str(Path(_checker.__file__).parents[2])}
    done = subprocess.run(
        [sys.executable, "-c", _MEASURE, str(big)],
        capture_output=True,
        text=True,
        check=True,
        env=env,
    )
    peak_kib = int(done.stdout.strip())
    assert peak_kib < 300 * 1024, f"peak {peak_kib / 1024:.0f} MB"
