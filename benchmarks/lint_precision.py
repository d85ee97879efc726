"""Precision of ``seedlock lint``: a seeded sample of 30 findings on the installed torch and
scikit-learn sources, printed with their source line so that each can be judged by reading it.

Run from the repository root: ``python benchmarks/lint_precision.py``. SL000 (files the running
Python cannot parse) is left out of the sample: it is not a reproducibility claim.
"""

from __future__ import annotations

import importlib.util
import random
import sys
from collections import Counter
from pathlib import Path

from seedlock.lint import LintConfig, lint_paths

SAMPLE_SIZE = 30
SAMPLE_SEED = 0


def _package_dir(name: str) -> Path:
    spec = importlib.util.find_spec(name)
    if spec is None or spec.origin is None:
        raise SystemExit(f"{name} is not installed")
    return Path(spec.origin).parent


def main() -> None:
    roots = [_package_dir("torch"), _package_dir("sklearn")]
    site = roots[0].parent
    result = lint_paths(roots, config=LintConfig())
    findings = [d for d in result.findings if d.code != "SL000"]
    print(f"files {result.files}, lines {result.lines}, findings {len(findings)} (without SL000)")
    print("per rule:", dict(sorted(Counter(d.code for d in findings).items())))
    sample = sorted(random.Random(SAMPLE_SEED).sample(findings, min(SAMPLE_SIZE, len(findings))))
    for d in sample:
        line = Path(d.path).read_text(encoding="utf-8").splitlines()[d.line - 1].strip()
        print(f"{Path(d.path).relative_to(site)}:{d.line}  {d.code}  {line[:90]}")


if __name__ == "__main__":
    sys.exit(main())
