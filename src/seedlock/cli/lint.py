"""``seedlock lint PATH ...``: report code that makes runs irreproducible.

Determinism contract: the output is a pure function of the files and settings (sorted findings,
sorted directory walks); exit 0 when clean, 1 with findings, 2 for usage errors.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

__all__ = ["register"]


def _codes(text: str) -> list[str]:
    return [part for part in text.replace(" ", ",").split(",") if part]


def register(subparsers: Any) -> None:
    """Add the ``lint`` subcommand to ``subparsers``.

    Example:
        >>> parser = argparse.ArgumentParser()
        >>> register(parser.add_subparsers())
        >>> parser.parse_args(["lint", "src"]).paths
        ['src']
    """
    parser = subparsers.add_parser(
        "lint",
        help="find nondeterminism in Python code without running it",
        description=(
            "Check Python files for code that makes runs irreproducible (rules SL001-SL015). "
            "Settings: [tool.seedlock.lint] select/ignore/exclude in pyproject.toml; "
            "silence one line with '# noqa: SL001'. Exit 0 clean, 1 findings, 2 usage error."
        ),
    )
    parser.add_argument("paths", nargs="*", default=["."], help="files or directories (default .)")
    parser.add_argument(
        "--format",
        "--output-format",
        dest="format",
        choices=("text", "json", "sarif", "github"),
        default="text",
        help="output format (github: GitHub Actions annotations)",
    )
    parser.add_argument(
        "--select", type=_codes, default=None, help="comma-separated rule ids or prefixes to check"
    )
    parser.add_argument(
        "--ignore", type=_codes, default=None, help="comma-separated rule ids or prefixes to skip"
    )
    parser.add_argument(
        "--statistics", action="store_true", help="print a count per rule after the findings"
    )
    parser.add_argument(
        "--isolated", action="store_true", help="ignore [tool.seedlock.lint] in pyproject.toml"
    )
    parser.add_argument(
        "--fix",
        action="store_true",
        help="show a unified diff of the mechanical fixes (sorted(...), random_state=/seed=/"
        "generator= from the module's seed variable); with --write, apply them",
    )
    parser.add_argument("--write", action="store_true", help="with --fix: write the fixes")
    parser.add_argument("--list-rules", action="store_true", help="list the rules and exit")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    """Handle ``seedlock lint``; returns the exit code.

    Example:
        >>> ns = argparse.Namespace(paths=["."], format="text", select=None, ignore=None,
        ...     statistics=False, isolated=False, list_rules=True)
        >>> run(ns)  # doctest: +ELLIPSIS
        SL000 ...
        0
    """
    from seedlock._errors import SeedlockError
    from seedlock.lint import (
        RULES,
        LintConfig,
        lint_paths,
        render_github,
        render_json,
        render_sarif,
        render_statistics,
        render_text,
    )

    if args.list_rules:
        for rule in RULES.values():
            opt_in = "" if rule.default else " (opt-in: checked only when selected by its id)"
            print(f"{rule.id} {rule.name} [{rule.severity}]{opt_in}: {rule.summary} {rule.fix}")
        return 0
    if getattr(args, "write", False) and not getattr(args, "fix", False):
        print("seedlock lint: error: --write only applies with --fix; add --fix", file=sys.stderr)
        return 2
    if getattr(args, "fix", False):
        status = _fix(args)
        if status == 2 or not args.write:
            return status
    try:
        result = lint_paths(
            args.paths,
            select=args.select,
            ignore=args.ignore,
            config=LintConfig() if args.isolated else None,
        )
    except SeedlockError as exc:
        print(f"seedlock lint: error: {exc}", file=sys.stderr)
        return 2
    findings = result.findings
    if args.format == "json":
        sys.stdout.write(render_json(findings, result.files))
    elif args.format == "sarif":
        sys.stdout.write(render_sarif(findings))
    elif args.format == "github":
        sys.stdout.write(render_github(findings))
    else:
        sys.stdout.write(render_text(findings))
        if args.statistics and findings:
            sys.stdout.write(render_statistics(findings))
        noun = "finding" if len(findings) == 1 else "findings"
        print(
            f"{len(findings)} {noun} in {result.files} file{'s' if result.files != 1 else ''}",
            file=sys.stderr,
        )
    return 1 if findings else 0


def _fix(args: argparse.Namespace) -> int:
    """``--fix``: print the diff (exit 1 when there is one) or, with ``--write``, apply it."""
    import difflib

    from seedlock._errors import SeedlockError
    from seedlock.lint import LintConfig, fix_paths

    try:
        fixed = fix_paths(
            args.paths,
            select=args.select,
            ignore=args.ignore,
            config=LintConfig() if args.isolated else None,
            write=args.write,
        )
    except SeedlockError as exc:
        print(f"seedlock lint: error: {exc}", file=sys.stderr)
        return 2
    count = sum(f.fixes for f in fixed)
    if args.write:
        print(
            f"fixed {count} finding{'s' if count != 1 else ''} in {len(fixed)} file"
            f"{'s' if len(fixed) != 1 else ''}",
            file=sys.stderr,
        )
        return 0
    for item in fixed:
        name = item.path.as_posix()
        sys.stdout.writelines(
            difflib.unified_diff(
                item.before.splitlines(keepends=True),
                item.after.splitlines(keepends=True),
                f"a/{name}",
                f"b/{name}",
            )
        )
    print(
        f"{count} fixable finding{'s' if count != 1 else ''} in {len(fixed)} file"
        f"{'s' if len(fixed) != 1 else ''}; apply with --fix --write",
        file=sys.stderr,
    )
    return 1 if fixed else 0
