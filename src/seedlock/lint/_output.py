"""Text, JSON, SARIF 2.1.0 and GitHub Actions annotation renderings of lint findings.

Determinism contract: every format is a pure function of the (already sorted) findings, so the
same findings always render to the same bytes.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Sequence
from pathlib import PurePath

from seedlock.lint._checker import Diagnostic
from seedlock.lint._rules import RULES

__all__ = [
    "JSON_FORMAT",
    "render_github",
    "render_json",
    "render_sarif",
    "render_statistics",
    "render_text",
]

#: Version of the JSON output's layout.
JSON_FORMAT = 1
_SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
_SARIF_LEVEL = {"error": "error", "warning": "warning", "info": "note"}


def render_text(findings: Sequence[Diagnostic]) -> str:
    """One ``path:line:col: SLxxx message`` line per finding.

    Example:
        >>> render_text([Diagnostic("a.py", 1, 1, "SL006", "msg")])
        'a.py:1:1: SL006 msg\\n'
    """
    return "".join(f"{d.path}:{d.line}:{d.column}: {d.code} {d.message}\n" for d in findings)


_GITHUB_LEVEL = {"error": "error", "warning": "warning", "info": "notice"}


def _escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def render_github(findings: Sequence[Diagnostic]) -> str:
    """GitHub Actions workflow commands (``::warning file=...::...``), one per finding, which
    show as annotations on a pull request's changed lines (as ``ruff --output-format github``).

    Example:
        >>> render_github([Diagnostic("a.py", 3, 5, "SL006", "msg")])
        '::warning title=seedlock (SL006),file=a.py,line=3,col=5::a.py:3:5: SL006 msg\\n'
    """
    out = []
    for d in findings:
        level = _GITHUB_LEVEL[RULES[d.code].severity]
        path = PurePath(d.path).as_posix()
        props = (
            f"title={_escape_property(f'seedlock ({d.code})')},file={_escape_property(path)},"
            f"line={d.line},col={d.column}"
        )
        text = _escape_data(f"{path}:{d.line}:{d.column}: {d.code} {d.message}")
        out.append(f"::{level} {props}::{text}\n")
    return "".join(out)


def render_statistics(findings: Sequence[Diagnostic]) -> str:
    """A count per rule, most frequent first.

    Example:
        >>> render_statistics([Diagnostic("a.py", 1, 1, "SL006", "msg")])
        '    1  SL006  cudnn-benchmark\\n'
    """
    counts = Counter(d.code for d in findings)
    rows = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    return "".join(f"{n:5d}  {code}  {RULES[code].name}\n" for code, n in rows)


def render_json(findings: Sequence[Diagnostic], files: int) -> str:
    """A JSON document ``{"format": 1, "files": N, "findings": [...]}``.

    Example:
        >>> import json
        >>> json.loads(render_json([], 3))["files"]
        3
    """
    document = {
        "format": JSON_FORMAT,
        "files": files,
        "findings": [
            {
                "path": d.path,
                "line": d.line,
                "column": d.column,
                "code": d.code,
                "name": RULES[d.code].name,
                "severity": RULES[d.code].severity,
                "message": d.message,
            }
            for d in findings
        ],
    }
    return json.dumps(document, indent=2) + "\n"


def render_sarif(findings: Sequence[Diagnostic]) -> str:
    """A minimal valid SARIF 2.1.0 log with one run of the ``seedlock`` tool.

    Example:
        >>> import json
        >>> json.loads(render_sarif([]))["version"]
        '2.1.0'
    """
    from seedlock import __version__

    index = {code: i for i, code in enumerate(RULES)}
    rules = [
        {
            "id": rule.id,
            "name": rule.name,
            "shortDescription": {"text": rule.summary},
            "help": {"text": rule.fix},
            "defaultConfiguration": {"level": _SARIF_LEVEL[rule.severity]},
        }
        for rule in RULES.values()
    ]
    results = [
        {
            "ruleId": d.code,
            "ruleIndex": index[d.code],
            "level": _SARIF_LEVEL[RULES[d.code].severity],
            "message": {"text": d.message},
            "locations": [
                {
                    "physicalLocation": {
                        "artifactLocation": {"uri": PurePath(d.path).as_posix()},
                        "region": {"startLine": d.line, "startColumn": d.column},
                    }
                }
            ],
        }
        for d in findings
    ]
    log = {
        "$schema": _SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "seedlock",
                        "version": __version__,
                        "informationUri": "https://pypi.org/project/seedlock/",
                        "rules": rules,
                    }
                },
                "results": results,
            }
        ],
    }
    return json.dumps(log, indent=2) + "\n"
