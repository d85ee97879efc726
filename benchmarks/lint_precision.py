"""Precision of ``seedlock lint`` on checkouts of public training repositories, judged by hand.

Lints every repository given, draws a seeded sample of the findings and joins it with the
committed judgments (``benchmarks/lint_judged.json``: each finding judged by reading the code,
``true`` when it really makes results depend on something unseeded or unordered). Prints the
precision overall and per rule, then every sampled finding that has no judgment yet.

Run from the repository root (the corpus is listed, with commits, in docs/benchmarks.md)::

    PYTHONPATH=src python benchmarks/lint_precision.py /work/corpus/*

Options: ``--sample N`` (default 90), ``--per-rule K`` (default 5: every rule with K or more
findings gets at least K in the sample), ``--seed S``, ``--judged FILE``, ``--select IDS``
(comma-separated rules to check; opt-in rules such as SL101 are checked only this way),
``--table`` (print the sample as the markdown table of docs/benchmarks.md), ``--template``
(print the unjudged findings as JSON entries to fill in and add to the judgments file).

The sample is stable: each finding's place in the draw is a hash of the seed and its key
(repository, path, rule, the stripped source line), so a finding keeps its place when lines
shift, and findings added by new rules enter the sample without reshuffling the rest. A judgment
is matched by the same key. SL000 (files this Python cannot parse) is left out: it is not a
reproducibility claim.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path

from seedlock.lint import LintConfig, lint_paths

JUDGED = Path(__file__).with_name("lint_judged.json")
FORMAT_VERSION = 1
VERDICTS = ("true", "false")


@dataclass(frozen=True)
class Finding:
    """One finding with its stable key and its place in the draw."""

    repo: str
    path: str
    line: int
    rule: str
    text: str
    occurrence: int
    rank: str

    @property
    def key(self) -> tuple[str, str, str, str]:
        return (self.repo, self.path, self.rule, self.text)


def _rank(seed: int, repo: str, path: str, rule: str, text: str, occurrence: int) -> str:
    raw = "\0".join((str(seed), repo, path, rule, text, str(occurrence)))
    return hashlib.sha256(raw.encode()).hexdigest()


def collect(
    repos: list[Path], seed: int, select: tuple[str, ...] | None = None
) -> tuple[list[Finding], dict[str, tuple[int, int]]]:
    """Every finding (without SL000) of every repository, and each repository's files/lines
    (``select``: the rules to check; ``None``, the default set)."""
    findings: list[Finding] = []
    sizes: dict[str, tuple[int, int]] = {}
    for root in repos:
        result = lint_paths([root], config=LintConfig(select=select))
        sizes[root.name] = (result.files, result.lines)
        seen: Counter[tuple[str, str, str]] = Counter()
        lines_of: dict[str, list[str]] = {}
        for d in result.findings:
            if d.code == "SL000":
                continue
            if d.path not in lines_of:
                lines_of[d.path] = Path(d.path).read_text("utf-8", "replace").splitlines()
            text = lines_of[d.path][d.line - 1].strip()
            path = Path(d.path).relative_to(root).as_posix()
            occurrence = seen[(path, d.code, text)]
            seen[(path, d.code, text)] += 1
            rank = _rank(seed, root.name, path, d.code, text, occurrence)
            findings.append(Finding(root.name, path, d.line, d.code, text, occurrence, rank))
    return findings, sizes


def draw(findings: list[Finding], size: int, per_rule: int) -> list[Finding]:
    """The ``size`` lowest-ranked findings, topped up so each rule with ``per_rule`` or more
    findings has at least ``per_rule`` in the sample; in (repo, path, line) order."""
    ranked = sorted(findings, key=lambda f: f.rank)
    chosen = {f.rank: f for f in ranked[:size]}
    by_rule: dict[str, list[Finding]] = defaultdict(list)
    for f in ranked:
        by_rule[f.rule].append(f)
    for group in by_rule.values():
        if len(group) >= per_rule:
            for f in group[:per_rule]:
                chosen.setdefault(f.rank, f)
    return sorted(chosen.values(), key=lambda f: (f.repo, f.path, f.line, f.rule))


def load_judgments(path: Path) -> dict[tuple[str, str, str, str], dict[str, str]]:
    """The judgments file, checked: version, fields and verdicts."""
    if not path.exists():
        return {}
    data = json.loads(path.read_text(encoding="utf-8"))
    if not isinstance(data, dict) or data.get("version") != FORMAT_VERSION:
        raise SystemExit(f"{path}: expected a JSON object with version {FORMAT_VERSION}")
    out: dict[tuple[str, str, str, str], dict[str, str]] = {}
    for i, entry in enumerate(data.get("judgments", [])):
        fields = ("repo", "path", "rule", "text", "verdict", "reason")
        if not isinstance(entry, dict) or any(not isinstance(entry.get(k), str) for k in fields):
            raise SystemExit(f"{path}: judgment {i} needs string fields {', '.join(fields)}")
        if entry["verdict"] not in VERDICTS:
            got = entry["verdict"]
            raise SystemExit(f"{path}: judgment {i} has verdict {got!r}; use true or false")
        out[(entry["repo"], entry["path"], entry["rule"], entry["text"])] = entry
    return out


def _precision(hits: int, judged: int) -> str:
    return f"{hits}/{judged} = {hits / judged:.0%}" if judged else "-"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("repos", nargs="+", type=Path, help="checkouts of training repositories")
    parser.add_argument("--sample", type=int, default=90)
    parser.add_argument("--per-rule", type=int, default=5)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--judged", type=Path, default=JUDGED)
    parser.add_argument("--table", action="store_true", help="print the markdown sample table")
    parser.add_argument("--template", action="store_true", help="print unjudged as JSON entries")
    parser.add_argument(
        "--select",
        help="comma-separated rule ids to check (default: the default set; opt-in rules such as "
        "SL101 only this way)",
    )
    args = parser.parse_args(argv)
    for repo in args.repos:
        if not repo.is_dir():
            parser.error(f"not a directory: {repo}")

    select = tuple(args.select.split(",")) if args.select else None
    findings, sizes = collect(args.repos, args.seed, select)
    judgments = load_judgments(args.judged)
    sample = draw(findings, args.sample, args.per_rule)

    total_files = sum(f for f, _ in sizes.values())
    total_lines = sum(n for _, n in sizes.values())
    print(
        f"{len(sizes)} repositories, {total_files} files, {total_lines} lines, "
        f"{len(findings)} findings (without SL000)"
    )
    per_repo = Counter(f.repo for f in findings)
    for name, (files, lines) in sizes.items():
        print(f"  {name}: {files} files, {lines} lines, {per_repo[name]} findings")
    volume = Counter(f.rule for f in findings)

    verdicts: dict[str, list[bool]] = defaultdict(list)
    unjudged: list[Finding] = []
    for f in sample:
        entry = judgments.get(f.key)
        if entry is None:
            unjudged.append(f)
        else:
            verdicts[f.rule].append(entry["verdict"] == "true")

    if args.table:
        print("\n| # | path:line | rule | verdict | reason |\n|---|---|---|---|---|")
        for i, f in enumerate(sample, 1):
            entry = judgments.get(f.key)
            verdict, reason = (entry["verdict"], entry["reason"]) if entry else ("?", "unjudged")
            print(f"|{i}|{f.repo}/{f.path}:{f.line}|{f.rule}|{verdict}|{reason}|")

    print(
        f"\nsample: {len(sample)} findings (seed {args.seed}, {args.per_rule}+ per rule with "
        f"{args.per_rule}+ findings), judged {len(sample) - len(unjudged)}"
    )
    print(f"{'rule':6} {'findings':>8} {'sampled':>7}  precision")
    weighted = 0.0
    weight = 0
    for rule in sorted(volume):
        got = verdicts.get(rule, [])
        sampled = sum(1 for f in sample if f.rule == rule)
        bar = (
            ""
            if volume[rule] < args.per_rule or not got
            else ("  ok" if sum(got) / len(got) >= 0.7 else "  BELOW 70%")
        )
        print(f"{rule:6} {volume[rule]:>8} {sampled:>7}  {_precision(sum(got), len(got))}{bar}")
        if got:
            weighted += volume[rule] * sum(got) / len(got)
            weight += volume[rule]
    hits = sum(sum(v) for v in verdicts.values())
    judged = sum(len(v) for v in verdicts.values())
    print(f"overall (judged sample): {_precision(hits, judged)}")
    if weight:
        print(f"overall (weighted by rule volume): {weighted / weight:.0%}")

    known = [judgments[f.key]["verdict"] == "true" for f in findings if f.key in judgments]
    print(
        f"every judged finding (sampled or not): {_precision(sum(known), len(known))}, "
        f"{len(known)} of {len(findings)} findings judged"
    )

    if unjudged:
        print(f"\nUNJUDGED: {len(unjudged)} sampled findings have no judgment in {args.judged}:")
        for f in unjudged:
            print(f"  {f.repo}/{f.path}:{f.line}  {f.rule}  {f.text[:100]}")
        if args.template:
            entries = [
                {
                    "repo": f.repo,
                    "path": f.path,
                    "line": f.line,
                    "rule": f.rule,
                    "text": f.text,
                    "verdict": "",
                    "reason": "",
                }
                for f in unjudged
            ]
            print(json.dumps(entries, indent=1))
    else:
        print("\nevery sampled finding is judged")
    return 0


if __name__ == "__main__":
    sys.exit(main())
