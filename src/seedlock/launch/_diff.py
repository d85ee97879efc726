"""``diff_runs``: what differs between two recorded runs, likely causes first.

Determinism contract: a pure function of the two records; the same pair always gives the same
differences in the same order (causes: seed, command, flags, environment; then effects: exit
status, metrics by size of the difference, outputs).
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Any

from seedlock._errors import StateError
from seedlock.launch._protocol import BOOT_PID_VAR, RUN_DIR_VAR, RUN_ID_VAR, SEED_VAR, TRACE_VAR
from seedlock.store import RunRecord

__all__ = ["RunDifference", "RunDiff", "diff_runs"]

# Fingerprint keys that name the run itself (its id, its directory, its trace file), so they
# differ between any two runs and explain nothing.
_PER_RUN_KEYS = frozenset(
    f"env.{var}" for var in (BOOT_PID_VAR, RUN_DIR_VAR, RUN_ID_VAR, TRACE_VAR)
)
_SEED_KEYS = frozenset((f"env.{SEED_VAR}", "env.PYTHONHASHSEED"))


@dataclass(frozen=True)
class RunDifference:
    """One field that differs between run A and run B.

    ``kind`` is one of ``seed``, ``command``, ``flags``, ``environment``, ``status``,
    ``metric``, ``output``; ``a``/``b`` are the values (``None`` where one run lacks it).
    """

    kind: str
    key: str
    a: Any
    b: Any
    note: str = ""

    def to_dict(self) -> dict[str, Any]:
        """A JSON-able dict."""
        return asdict(self)


@dataclass(frozen=True)
class RunDiff:
    """Every difference between two runs, likely causes first."""

    a: str
    b: str
    differences: list[RunDifference]

    @property
    def identical(self) -> bool:
        """Whether nothing recorded differs."""
        return not self.differences

    def to_dict(self) -> dict[str, Any]:
        """A JSON-able dict."""
        return {
            "a": self.a,
            "b": self.b,
            "identical": self.identical,
            "differences": [d.to_dict() for d in self.differences],
        }

    def format(self) -> str:
        """A human-readable report, one difference per line."""
        if self.identical:
            return f"runs {self.a} and {self.b}: no recorded difference"
        lines = [f"runs {self.a} (A) and {self.b} (B) differ in {len(self.differences)} ways:"]
        for d in self.differences:
            note = f"  ({d.note})" if d.note else ""
            lines.append(f"  {d.kind:<11} {d.key}: A={_show(d.a)}  B={_show(d.b)}{note}")
        return "\n".join(lines)


def _show(value: Any) -> str:
    if value is None:
        return "-"
    text = " ".join(value) if isinstance(value, list) else str(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _metric_gap(a: Any, b: Any) -> float:
    """How far apart two metric values are (relative for numbers; strings count as infinite)."""
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        if math.isnan(a) or math.isnan(b):
            return math.inf
        scale = max(abs(a), abs(b))
        return abs(a - b) / scale if scale else 0.0
    return math.inf


def _metric_differences(a: RunRecord, b: RunRecord) -> list[RunDifference]:
    found = []
    for key in sorted(set(a.metrics) | set(b.metrics)):
        va, vb = a.metrics.get(key), b.metrics.get(key)
        if va == vb and type(va) is type(vb):
            continue
        gap = _metric_gap(va, vb) if va is not None and vb is not None else math.inf
        note = ""
        if isinstance(va, (int, float)) and isinstance(vb, (int, float)):
            note = f"B-A={vb - va:+.6g}"
            if math.isfinite(gap):
                note += f", {gap:.2%} relative"
        found.append((-gap, key, RunDifference("metric", key, va, vb, note)))
    found.sort(key=lambda item: (item[0], item[1]))
    if len(a.metric_history) != len(b.metric_history):
        found.append(
            (
                0.0,
                "",
                RunDifference(
                    "metric",
                    "(number of log calls)",
                    len(a.metric_history),
                    len(b.metric_history),
                ),
            )
        )
    return [item[2] for item in found]


def _environment_differences(a: RunRecord, b: RunRecord) -> list[RunDifference]:
    """Fingerprint differences, highest impact first, minus what differs in every pair of runs."""
    if a.fingerprint is None or b.fingerprint is None:
        if (a.fingerprint is None) != (b.fingerprint is None):
            return [
                RunDifference(
                    "environment",
                    "fingerprint",
                    "recorded" if a.fingerprint else None,
                    "recorded" if b.fingerprint else None,
                    "only one run recorded its environment",
                )
            ]
        return []
    from seedlock.env import fingerprint_diff

    try:
        changes = fingerprint_diff(a.fingerprint, b.fingerprint)
    except StateError as exc:
        return [RunDifference("environment", "fingerprint", None, None, f"unreadable: {exc}")]
    # With different seeds, the seed variables differ as a consequence; the seed is reported.
    skip = _PER_RUN_KEYS | (_SEED_KEYS if a.seed != b.seed else frozenset())
    return [
        RunDifference("environment", c.key, c.a, c.b, f"{c.impact} impact: {c.reason}")
        for c in changes
        if c.key not in skip
    ]


def diff_runs(a: RunRecord, b: RunRecord) -> RunDiff:
    """Compare two run records: causes first (seed, command, flags, environment), then effects.

    Example:
        >>> from seedlock.store import RunRecord
        >>> base = dict(name=None, cwd="/", status="finished", exit_code=0, started=0, ended=1)
        >>> a = RunRecord(id="a1", command=["t"], seed=1, metrics={"acc": 0.9}, **base)
        >>> b = RunRecord(id="b2", command=["t"], seed=2, metrics={"acc": 0.8}, **base)
        >>> [d.kind for d in diff_runs(a, b).differences]
        ['seed', 'metric']
    """
    found: list[RunDifference] = []
    if a.seed != b.seed:
        found.append(RunDifference("seed", "root seed", a.seed, b.seed))
    if a.command != b.command:
        found.append(RunDifference("command", "command", a.command, b.command))
    if a.cwd != b.cwd:
        found.append(RunDifference("command", "cwd", a.cwd, b.cwd))
    for key in ("deterministic", "threads"):
        va, vb = getattr(a, key), getattr(b, key)
        if va != vb:
            found.append(RunDifference("flags", key, va, vb))
    environment = _environment_differences(a, b)
    low = [d for d in environment if d.note.startswith("low impact")]
    found.extend(d for d in environment if d not in low)
    if (a.status, a.exit_code) != (b.status, b.exit_code):
        found.append(
            RunDifference(
                "status", "exit", f"{a.status} ({a.exit_code})", f"{b.status} ({b.exit_code})"
            )
        )
    found.extend(_metric_differences(a, b))
    for path in sorted(set(a.outputs) | set(b.outputs)):
        ha, hb = a.outputs.get(path), b.outputs.get(path)
        if ha != hb:
            found.append(
                RunDifference(
                    "output",
                    path,
                    ha and ha[:16],
                    hb and hb[:16],
                    "sha256 differs" if ha and hb else "",
                )
            )
    found.extend(low)
    return RunDiff(a=a.id, b=b.id, differences=found)
