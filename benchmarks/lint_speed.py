"""Speed of ``seedlock lint`` on a large real code base: the installed torch package.

Run from the repository root: ``python benchmarks/lint_speed.py [PATH]``. Prints lines, files,
findings, seconds and lines per second for seedlock lint, and the same for a bare ``ast.parse``
of every file (the floor any AST-based linter pays), on one core. CPU time is printed beside wall
time because a shared machine's wall time also counts waiting for a core; the goal is 50,000
lines/s.
"""

from __future__ import annotations

import ast
import contextlib
import gc
import sys
import time
from collections import Counter
from pathlib import Path

from seedlock.lint import LintConfig, iter_python_files, lint_paths


def _default_target() -> Path:
    import importlib.util

    spec = importlib.util.find_spec("torch")
    if spec is None or spec.origin is None:
        raise SystemExit("torch is not installed; pass a directory to lint instead")
    return Path(spec.origin).parent


def main() -> None:
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else _default_target()
    files = list(iter_python_files([target], LintConfig()))
    sources = [f.read_bytes() for f in files]  # warm the page cache for both timings
    gc.disable()
    parse_cpu_start = time.process_time()
    for source in sources:
        with contextlib.suppress(SyntaxError, ValueError):
            ast.parse(source)
    parse_seconds = time.process_time() - parse_cpu_start
    gc.enable()
    start = time.perf_counter()
    cpu_start = time.process_time()
    result = lint_paths([target], config=LintConfig())
    seconds = time.perf_counter() - start
    cpu_seconds = time.process_time() - cpu_start
    print(f"target          {target}")
    print(f"files           {result.files}")
    print(f"lines           {result.lines}")
    print(f"findings        {len(result.findings)}")
    for code, n in sorted(Counter(d.code for d in result.findings).items()):
        print(f"  {code}         {n}")
    print(f"seconds         {seconds:.2f} wall, {cpu_seconds:.2f} cpu")
    print(
        f"lines/s         {result.lines / seconds:,.0f} wall, {result.lines / cpu_seconds:,.0f} cpu"
    )
    print(f"ast.parse only  {result.lines / parse_seconds:,.0f} lines/s cpu")
    print(f"lint / parse    {cpu_seconds / parse_seconds:.2f}x the cpu time of parsing alone")


if __name__ == "__main__":
    main()
