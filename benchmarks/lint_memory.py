"""Peak memory of ``seedlock lint`` on one huge generated module (issue 15: <= 300 MB).

Run from the repository root: ``python benchmarks/lint_memory.py [LINES]`` (default 220,000).
Writes a generated module of that many lines to a temporary directory, then measures, each in a
fresh subprocess, the peak resident memory (``resource.getrusage``) of the bare interpreter with
seedlock imported, of a plain ``ast.parse`` of the file (what a linter that parses whole files
pays), and of ``seedlock lint`` on it; prints the three and the ratio lint / ast.parse.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

_BLOCK = (
    "def step_{i}(model, batch, opt):\n"
    "    x, y = batch['x'], batch['y']\n"
    "    loss = ((model(x) - y) ** 2).mean() + 0.{i} * sum(p.sum() for p in model.params())\n"
    "    opt.step()\n"
    "    return {{'loss': loss.item(), 'step': {i}, 'name': 'step_{i}'}}\n\n\n"
)
_PEAK = "import resource; print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024)"
_CASES = {
    "interpreter": "import seedlock.lint\n" + _PEAK,
    "ast.parse": "import ast, sys\nast.parse(open(sys.argv[1], 'rb').read())\n" + _PEAK,
    "seedlock lint": (
        "import sys\nfrom seedlock.lint import LintConfig, lint_paths\n"
        "lint_paths([sys.argv[1]], config=LintConfig())\n" + _PEAK
    ),
}


def main() -> None:
    lines = int(sys.argv[1]) if len(sys.argv) > 1 else 220_000
    with tempfile.TemporaryDirectory() as tmp:
        big = Path(tmp) / "generated.py"
        big.write_text(
            "import os\n\n\n" + "".join(_BLOCK.format(i=i) for i in range(lines // 7 + 1))
        )
        count = big.read_bytes().count(b"\n")
        print(f"file            {count:,} lines")
        peaks = {}
        for name, code in _CASES.items():
            done = subprocess.run(
                [sys.executable, "-c", code, str(big)], capture_output=True, text=True, check=True
            )
            peaks[name] = int(done.stdout.strip())
            print(f"{name:15s} {peaks[name]:,} MB peak")
        print(f"lint / parse    {peaks['seedlock lint'] / peaks['ast.parse']:.2f}x the peak")


if __name__ == "__main__":
    main()
