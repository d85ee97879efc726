"""``seedlock lint``: find code that makes machine-learning runs irreproducible, without running it.

Determinism contract: linting parses source with :mod:`ast` and never imports or runs it; the
findings are a pure function of the files and the settings, sorted by path, line, column and
rule. Rule ids (``SL001`` ...) keep their meaning across versions.

Example:
    >>> from seedlock.lint import lint_source
    >>> [d.code for d in lint_source("import os\\nnames = os.listdir('data')\\n")]
    ['SL001']
"""

from __future__ import annotations

from seedlock.lint._checker import Diagnostic
from seedlock.lint._config import LintConfig, load_config
from seedlock.lint._fix import fix_source
from seedlock.lint._output import (
    render_github,
    render_json,
    render_sarif,
    render_statistics,
    render_text,
)
from seedlock.lint._rules import RULES, Rule, select_rules
from seedlock.lint._runner import (
    FixedFile,
    LintResult,
    fix_paths,
    iter_python_files,
    lint_paths,
    lint_source,
)

__all__ = [
    "RULES",
    "Diagnostic",
    "FixedFile",
    "LintConfig",
    "LintResult",
    "Rule",
    "fix_paths",
    "fix_source",
    "iter_python_files",
    "lint_paths",
    "lint_source",
    "load_config",
    "render_github",
    "render_json",
    "render_sarif",
    "render_statistics",
    "render_text",
    "select_rules",
]
