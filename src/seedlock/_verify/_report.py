"""The outcome of a verification and its diagnosis: what differs first, and the likely causes.

Determinism contract: a report is a pure function of the compared runs' records; findings are
ranked by severity then by how many runs reported them, so the same runs give the same report.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from seedlock._verify._compare import OutputDifference
from seedlock._verify.trace import Divergence

__all__ = ["VerifyResult", "rank_findings"]

_SEVERITY_ORDER = ("error", "warning", "info")
# The order differences are reported in: the cheapest to understand first.
_KIND_ORDER = ("exit_code", "metric", "stdout", "file", "tensor", "value")


def rank_findings(per_run: Sequence[Sequence[Mapping[str, Any]]]) -> list[dict[str, Any]]:
    """The doctor findings of several runs, deduplicated by id and ranked by severity.

    Example:
        >>> a = [{"id": "hash", "severity": "warning", "title": "hash seed"}]
        >>> b = [{"id": "threads", "severity": "error", "title": "threads"}, *a]
        >>> [f["id"] for f in rank_findings([a, b])]
        ['threads', 'hash']
    """
    found: dict[str, dict[str, Any]] = {}
    counts: dict[str, int] = {}
    for findings in per_run:
        for finding in findings:
            key = str(finding.get("id") or finding.get("title"))
            found.setdefault(key, dict(finding))
            counts[key] = counts.get(key, 0) + 1

    def rank(key: str) -> tuple[int, int]:
        severity = str(found[key].get("severity", "info"))
        level = _SEVERITY_ORDER.index(severity) if severity in _SEVERITY_ORDER else 3
        return level, -counts[key]

    return [found[key] for key in sorted(found, key=rank)]


@dataclass
class VerifyResult:
    """The outcome of ``seedlock verify`` or :func:`seedlock.verify`: true when bit-identical.

    Attributes:
        identical: whether every compared thing was bit-identical in every run.
        runs: how many runs were compared.
        seed: the root seed every run used.
        differences: what differs, most telling first (see :class:`OutputDifference`).
        compared: how many things of each kind were compared (``metrics``, ``stdout lines``...).
        command: the verified command (``None`` for a function).
        run_ids: the run records in the store, in run order.
        exit_codes: each run's exit code.
        divergence: with tracing, where the runs first diverged.
        findings: the runs' doctor findings, most severe first.
        environment: differences between the runs' environment fingerprints.
        metrics: run 1's last value of each ``seedlock.log`` metric.
        last_line: run 1's last line on stdout.
        notes: anything else worth knowing (e.g. runs made sequential).

    Example:
        >>> result = VerifyResult(identical=True, runs=2, seed=42, compared={"values": 3})
        >>> bool(result), str(result).splitlines()[0]
        (True, 'seedlock verify: 2 runs with seed 42 are bit-identical')
    """

    identical: bool
    runs: int
    seed: int | None
    differences: list[OutputDifference] = field(default_factory=list)
    compared: dict[str, int] = field(default_factory=dict)
    command: list[str] | None = None
    run_ids: list[str] = field(default_factory=list)
    exit_codes: list[int | None] = field(default_factory=list)
    divergence: Divergence | None = None
    findings: list[dict[str, Any]] = field(default_factory=list)
    environment: list[str] = field(default_factory=list)
    metrics: dict[str, float | int | str] = field(default_factory=dict)
    last_line: str | None = None
    notes: list[str] = field(default_factory=list)

    def __bool__(self) -> bool:
        return self.identical

    def __str__(self) -> str:
        return self.format()

    def sorted_differences(self) -> list[OutputDifference]:
        """The differences in reporting order: exit codes, metrics, stdout, files, values."""
        return sorted(
            self.differences,
            key=lambda d: _KIND_ORDER.index(d.kind) if d.kind in _KIND_ORDER else len(_KIND_ORDER),
        )

    def format(self) -> str:
        """The human-readable report."""
        what = f"{self.runs} runs with seed {self.seed}"
        compared = ", ".join(f"{count} {kind}" for kind, count in self.compared.items() if count)
        lines: list[str] = []
        if self.identical:
            lines.append(f"seedlock verify: {what} are bit-identical")
            if compared:
                lines.append(f"  compared: {compared}")
            if self.metrics:
                values = ", ".join(f"{key}={value!r}" for key, value in self.metrics.items())
                lines.append(f"  metrics of every run: {values}")
            elif self.last_line:
                lines.append(f"  last line of every run: {self.last_line}")
        else:
            lines.append(f"seedlock verify: {what} are NOT reproducible")
            ordered = self.sorted_differences()
            if ordered:
                lines.append("first difference:")
                lines.extend("  " + line for line in ordered[0].describe().splitlines())
            if len(ordered) > 1:
                lines.append("also different:")
                for diff in ordered[1:8]:
                    lines.extend("  " + line for line in diff.describe().splitlines())
                if len(ordered) > 8:
                    lines.append(f"  ... and {len(ordered) - 8} more")
            if compared:
                lines.append(f"  compared: {compared}")
            lines.append("diagnosis:")
            lines.extend("  " + line for line in self._diagnosis())
        lines.extend(f"note: {note}" for note in self.notes)
        if self.run_ids:
            lines.append(f"runs: {' '.join(self.run_ids)}")
        return "\n".join(lines)

    def _diagnosis(self) -> list[str]:
        lines: list[str] = []
        if self.divergence is not None:
            lines.append(f"trace: {self.divergence.describe()}")
        if self.findings:
            lines.append("settings the doctor flagged in the runs (likely causes first):")
        for finding in self.findings[:6]:
            severity = finding.get("severity", "info")
            lines.append(f"[{severity}] {finding.get('title', finding.get('id', ''))}")
            for key in ("detail", "fix"):
                text = str(finding.get(key) or "").strip()
                if text:
                    prefix = "fix: " if key == "fix" else ""
                    lines.append(f"    {prefix}{text}")
        lines.extend(f"environment: {line}" for line in self.environment[:6])
        if not (self.findings or self.environment):
            lines.append(
                "no doctor finding or environment difference explains it: look for randomness "
                "seedlock cannot seed (clock time, os.urandom, uuid4, unsorted directory listings, "
                "thread or process races)"
            )
        if self.divergence is None and self.command is not None:
            lines.append("tip: rerun with --trace (PyTorch) to find the first diverging step")
        return lines

    def to_dict(self) -> dict[str, Any]:
        """A JSON-able dict (the ``--json`` output of ``seedlock verify``)."""
        return {
            "format": 1,
            "identical": self.identical,
            "runs": self.runs,
            "seed": self.seed,
            "command": self.command,
            "run_ids": self.run_ids,
            "exit_codes": self.exit_codes,
            "compared": self.compared,
            "differences": [d.to_dict() for d in self.sorted_differences()],
            "divergence": self.divergence.to_dict() if self.divergence else None,
            "findings": self.findings,
            "environment": self.environment,
            "metrics": self.metrics,
            "last_line": self.last_line,
            "notes": self.notes,
        }
