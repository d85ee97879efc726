"""Re-run an exported run here: check what differs first, run it the same way, judge the result.

Determinism contract: the run gets the recorded root seed, stream roots, deterministic and
thread settings exactly as ``seedlock run`` gave them; the pre-run checks only read (files,
installed metadata, ``git`` with hook-like settings disabled). The verdict compares metrics bit
for bit (or within ``rtol``), output hashes, and the per-step trace when the export has one.
"""

from __future__ import annotations

import math
import os
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from seedlock._errors import SeedlockError
from seedlock.reproduce._bundle import (
    RunBundle,
    current_python,
    git_state,
    hash_inputs,
    installed_packages,
)

if TYPE_CHECKING:
    from seedlock._verify.trace import Divergence
    from seedlock.store import RunRecord, Store

__all__ = [
    "bundle_record",
    "trace_divergence",
    "Mismatch",
    "ReproduceResult",
    "check_bundle",
    "format_mismatches",
    "recipe",
    "reproduce",
]

# Ranks: a difference that certainly changes what the program computes comes first.
_RANK = {"input": 0, "high": 1, "commit": 2, "patch": 2, "medium": 3, "package": 4, "low": 5}


@dataclass(frozen=True)
class Mismatch:
    """One way this checkout or machine differs from the recorded run.

    Attributes:
        kind: ``input``, ``commit``, ``patch``, ``package`` or ``environment``.
        key: what differs (a file, a package, a fingerprint key).
        recorded: the recorded value (``None``: absent there).
        here: the value here (``None``: absent here).
        impact: ``high``, ``medium`` or ``low``.
        reason: why it can change results.
    """

    kind: str
    key: str
    recorded: Any
    here: Any
    impact: str
    reason: str

    def to_dict(self) -> dict[str, Any]:
        """A JSON-able dict."""
        return {
            "kind": self.kind,
            "key": self.key,
            "recorded": self.recorded,
            "here": self.here,
            "impact": self.impact,
            "reason": self.reason,
        }

    def format(self) -> str:
        """One line: impact, what, recorded -> here, why."""
        return (
            f"[{self.impact}] {self.kind} {self.key}: {self.recorded!r} -> {self.here!r} "
            f"({self.reason})"
        )


def _sort_key(m: Mismatch) -> tuple[int, str]:
    rank = _RANK.get(m.kind, _RANK.get(m.impact, 5))
    if m.kind in ("environment", "package"):
        rank = _RANK[m.impact] if m.impact != "low" else _RANK["low"]
    return rank, m.key


def _package_map(lines: list[str]) -> dict[str, str]:
    out = {}
    for line in lines:
        name, sep, version = line.partition("==")
        if sep:
            out[name.strip().lower().replace("_", "-")] = version.strip()
    return out


def _run_specific(key: str) -> bool:
    """Fingerprint keys that differ between any two runs (paths, pids, times, checkouts)."""
    return key.startswith(("git.", "created", "cuda.source")) or key in (
        "env.SEEDLOCK_BOOT_PID",
        "env.SEEDLOCK_PACKAGE_DIR",
        "env.SEEDLOCK_TRACE",
        "env.SEEDLOCK_RUN_ID",
        "env.SEEDLOCK_RUN_DIR",
        "env.SEEDLOCK_STORE",
    )


def _process_specific(key: str) -> bool:
    """Keys a run's own process sets, which this (unseeded, torch-free) process cannot show."""
    return (
        key.startswith(("flags.", "env.SEEDLOCK_"))
        or key in ("env.PYTHONHASHSEED", "threads.torch")
        or key.startswith("threads.tensorflow")
    )


def check_bundle(
    bundle: RunBundle,
    cwd: str | os.PathLike[str] | None = None,
    *,
    after: dict[str, Any] | None = None,
) -> list[Mismatch]:
    """What differs between the recorded run and this checkout and machine, most likely first.

    Checked: declared input files (by SHA-256), the git commit and uncommitted patch, the
    environment fingerprint (package versions, threads, hardware, flags; ranked as
    ``seedlock env --diff`` ranks them) and the full package lock. Before a run (``after`` is
    ``None``) the fingerprint is this process's, without what only the run's own process sets;
    with ``after``, the new run's fingerprint, compared in full.
    """
    from seedlock.env import Fingerprint, fingerprint, fingerprint_diff

    where = os.fspath(cwd) if cwd is not None else os.getcwd()
    found: list[Mismatch] = []
    if bundle.inputs:
        present = {name: digest for name in bundle.inputs for digest in [_input_hash(where, name)]}
        for name, digest in bundle.inputs.items():
            if present[name] != digest:
                found.append(
                    Mismatch(
                        "input",
                        name,
                        digest[:12],
                        None if present[name] is None else str(present[name])[:12],
                        "high",
                        "the program reads different data",
                    )
                )
    git, patch = git_state(where)
    if bundle.git is not None:
        if git is None:
            found.append(
                Mismatch(
                    "commit",
                    "git",
                    bundle.git["commit"],
                    None,
                    "high",
                    "this directory is not a git checkout, so the code cannot be checked",
                )
            )
        elif git["commit"] != bundle.git["commit"]:
            found.append(
                Mismatch(
                    "commit",
                    "git commit",
                    bundle.git["commit"][:12],
                    git["commit"][:12],
                    "high",
                    "different code",
                )
            )
        if git is not None and patch != bundle.patch:
            found.append(
                Mismatch(
                    "patch",
                    "uncommitted changes",
                    _lines(bundle.patch),
                    _lines(patch),
                    "high",
                    "the recorded run had other uncommitted changes than this "
                    "checkout; `git apply` the bundle's patch.diff to match it",
                )
            )
    if bundle.fingerprint is not None:
        try:
            recorded = Fingerprint.from_dict(bundle.fingerprint)
        except SeedlockError:
            recorded = None
        if recorded is not None:
            here = Fingerprint.from_dict(after) if after is not None else fingerprint(where)
            for d in fingerprint_diff(recorded, here):
                if _run_specific(d.key) or (after is None and _process_specific(d.key)):
                    continue
                found.append(Mismatch("environment", d.key, d.a, d.b, d.impact, d.reason))
    seen = {m.key.removeprefix("packages.") for m in found if m.kind == "environment"}
    recorded_pkgs, here_pkgs = _package_map(bundle.packages), _package_map(installed_packages())
    for name in sorted(set(recorded_pkgs) | set(here_pkgs)):
        a, b = recorded_pkgs.get(name), here_pkgs.get(name)
        if a != b and name not in seen:
            found.append(
                Mismatch("package", name, a, b, "low", "a dependency of a different version")
            )
    return sorted(found, key=_sort_key)


def _input_hash(cwd: str, name: str) -> str | None:
    try:
        return hash_inputs([name], cwd).get(name)
    except SeedlockError:
        return None


def _lines(patch: str) -> str:
    return f"{len(patch.splitlines())} lines" if patch else "none"


@dataclass(frozen=True)
class ReproduceResult:
    """The outcome of :func:`reproduce`.

    Attributes:
        verdict: ``"bit-identical"``, ``"within-tolerance"`` or ``"not-reproduced"``.
        mismatches: what differs from the recorded run (inputs, code, packages, the new run's
            environment), most likely cause first.
        record: the new run's record.
        metrics: metric -> (recorded, here) for every metric of either run.
        outputs: output -> (recorded hash, hash here) where they differ.
        divergence: the first step and tensor where the traces differ, when both have one.
        rtol: the relative tolerance used (``None``: bit for bit).
        notes: other observations (a trace missing, a failed run).
    """

    verdict: str
    mismatches: list[Mismatch]
    record: RunRecord
    metrics: dict[str, tuple[Any, Any]] = field(default_factory=dict)
    outputs: dict[str, tuple[Any, Any]] = field(default_factory=dict)
    divergence: Divergence | None = None
    rtol: float | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def reproduced(self) -> bool:
        """Bit-identical or within the tolerance."""
        return self.verdict != "not-reproduced"

    def to_dict(self) -> dict[str, Any]:
        """A JSON-able dict."""
        return {
            "verdict": self.verdict,
            "run_id": self.record.id,
            "rtol": self.rtol,
            "mismatches": [m.to_dict() for m in self.mismatches],
            "metrics": {k: list(v) for k, v in self.metrics.items()},
            "outputs": {k: list(v) for k, v in self.outputs.items()},
            "divergence": None if self.divergence is None else self.divergence.to_dict(),
            "notes": list(self.notes),
        }

    def format(self) -> str:
        """A report for a terminal."""
        lines = []
        words = {
            "bit-identical": "reproduced bit for bit",
            "within-tolerance": f"reproduced within rtol={self.rtol}",
            "not-reproduced": "NOT reproduced",
        }
        lines.append(f"{words[self.verdict]} (new run {self.record.id})")
        for name, (a, b) in self.metrics.items():
            mark = "=" if _same(a, b) else "!="
            lines.append(f"  metric {name}: recorded {a!r} {mark} here {b!r}")
        for name, (a, b) in self.outputs.items():
            lines.append(f"  output {name}: recorded {a} != here {b}")
        if self.divergence is not None:
            lines.append(f"  {self.divergence.describe()}")
        lines.extend(f"  note: {note}" for note in self.notes)
        return "\n".join(lines)


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b):
        return True
    return bool(a == b and type(a) is type(b))


def _close(a: Any, b: Any, rtol: float) -> bool:
    if _same(a, b):
        return True
    numbers = (int, float)
    if isinstance(a, numbers) and isinstance(b, numbers) and not isinstance(a, bool):
        return math.isclose(float(a), float(b), rel_tol=rtol, abs_tol=0.0)
    return False


def format_mismatches(mismatches: list[Mismatch], *, limit: int = 20) -> str:
    """The pre-run differences as lines, most likely cause first."""
    if not mismatches:
        return "no differences found before the run: same inputs, code, packages and machine"
    shown = [f"  {m.format()}" for m in mismatches[:limit]]
    if len(mismatches) > limit:
        shown.append(f"  ... and {len(mismatches) - limit} more (--json lists all)")
    return "differences before the run, most likely cause first:\n" + "\n".join(shown)


def reproduce(
    bundle: RunBundle,
    *,
    store: Store | None = None,
    rtol: float | None = None,
    cwd: str | os.PathLike[str] | None = None,
    echo: bool = False,
    before_run: Callable[[list[Mismatch]], None] | None = None,
) -> ReproduceResult:
    """Check, then re-run ``bundle``'s command here with its seed, streams and settings.

    Args:
        bundle: a run loaded with :func:`~seedlock.reproduce.load_bundle`.
        store: where to record the new run (tagged ``reproduces=<original id>``).
        rtol: accept metrics within this relative tolerance (``None``: bit for bit only).
        cwd: the checkout to run in (default: the working directory).
        echo: stream the command's output.
        before_run: called with the pre-run differences before the command starts.

    Raises:
        SeedlockError: ``rtol`` is not a non-negative number, or the command cannot start.
    """
    from seedlock._verify import trace as trace_module
    from seedlock.launch import run_command

    if rtol is not None and not (isinstance(rtol, (int, float)) and 0 <= rtol < math.inf):
        raise SeedlockError(f"rtol must be a non-negative number, got {rtol!r}.")
    where = os.fspath(cwd) if cwd is not None else os.getcwd()
    if before_run is not None:
        before_run(check_bundle(bundle, where))
    command = [
        current_python() if i == 0 and p == "python" else p for i, p in enumerate(bundle.command)
    ]
    outputs = list(bundle.run.get("outputs") or {})
    notes: list[str] = []
    with tempfile.TemporaryDirectory(prefix="seedlock-reproduce-") as scratch:
        trace_path = Path(scratch) / "trace.jsonl"
        extra = {trace_module.TRACE_ENV: str(trace_path)} if bundle.trace else {}
        result = run_command(
            command,
            seed=bundle.run["seed"],
            deterministic=bool(bundle.run.get("deterministic")),
            threads=bundle.run.get("threads"),
            name=bundle.run.get("name"),
            outputs=[o for o in outputs if os.path.exists(os.path.join(where, o))],
            store=store,
            tags={"reproduces": str(bundle.run.get("id"))},
            extra_env=extra,
            echo=echo,
            cwd=where,
            streams=bundle.streams,
        )
        record = result.record
        divergence = None
        if bundle.trace:
            recorded_path = Path(scratch) / "recorded.jsonl"
            recorded_path.write_text(bundle.trace, encoding="utf-8")
            try:
                divergence = trace_module.first_divergence(
                    trace_module.read_trace(recorded_path), trace_module.read_trace(trace_path)
                )
            except SeedlockError as exc:
                notes.append(f"trace not compared: {exc}")
            if store is not None and trace_path.is_file():
                target = store.run_dir(record.id) / "trace.jsonl"
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(trace_path.read_bytes())
    mismatches = check_bundle(bundle, where, after=record.fingerprint)
    recorded_metrics = dict(bundle.run.get("metrics") or {})
    metrics = {
        name: (recorded_metrics.get(name), record.metrics.get(name))
        for name in sorted(set(recorded_metrics) | set(record.metrics))
    }
    recorded_outputs = dict(bundle.run.get("outputs") or {})
    output_diffs = {
        name: (digest, record.outputs.get(name))
        for name, digest in recorded_outputs.items()
        if record.outputs.get(name) != digest
    }
    if record.exit_code != bundle.run.get("exit_code"):
        notes.append(
            f"exit code {record.exit_code} here, {bundle.run.get('exit_code')} when recorded"
        )
    exact = (
        all(_same(a, b) for a, b in metrics.values())
        and not output_diffs
        and record.exit_code == bundle.run.get("exit_code")
    )
    if exact and divergence is None:
        verdict = "bit-identical"
    elif (
        rtol is not None
        and all(_close(a, b, rtol) for a, b in metrics.values())
        and record.exit_code == bundle.run.get("exit_code")
    ):
        verdict = "within-tolerance"
    else:
        verdict = "not-reproduced"
    if not recorded_metrics and not recorded_outputs and not bundle.trace:
        notes.append(
            "the recorded run logged no metrics, outputs or trace, so only the exit code was "
            "compared; use seedlock.log(...), --outputs or `seedlock run --trace`"
        )
    return ReproduceResult(
        verdict, mismatches, record, metrics, output_diffs, divergence, rtol, notes
    )


def recipe(bundle_or_record: RunBundle | RunRecord) -> str:
    """The few lines a colleague needs to rerun a run: install, checkout, command.

    Example:
        >>> from seedlock.store import RunRecord
        >>> rec = RunRecord(id="0123456789ab", name=None, command=["python", "t.py"], cwd="/w",
        ...                 seed=42, status="finished", exit_code=0, started=0.0, ended=1.0)
        >>> print(recipe(rec).splitlines()[-1])
        seedlock run --seed 42 -- python t.py
    """
    import shlex

    from seedlock.reproduce._bundle import python_command

    if isinstance(bundle_or_record, RunBundle):
        run = bundle_or_record.run
        git = bundle_or_record.git
        fp = bundle_or_record.fingerprint or {}
        command = bundle_or_record.command
        streams = bundle_or_record.streams
    else:
        record = bundle_or_record
        run = {
            "seed": record.seed,
            "deterministic": record.deterministic,
            "threads": record.threads,
            "id": record.id,
        }
        fp = record.fingerprint or {}
        git = fp.get("git") if isinstance(fp.get("git"), dict) else None
        command = python_command(record.command)
        from seedlock._seed import parse_streams

        text = record.tags.get("streams", "")
        streams = parse_streams(text) if text else {}
    lines = [f"# seedlock run {run.get('id')}"]
    found = fp.get("packages")
    packages: dict[str, Any] = found if isinstance(found, dict) else {}
    # Local version labels (torch's "+cpu") name a build, not something PyPI serves.
    pins = [
        f"{k}=={v.split('+')[0]}"
        for k, v in sorted(packages.items())
        if isinstance(v, str) and k != "seedlock"
    ]
    mine = packages.get("seedlock")
    head = f"seedlock=={mine}" if isinstance(mine, str) else "seedlock"
    lines.append("pip install " + " ".join(shlex.quote(p) for p in [head, *pins]))
    if git and git.get("commit"):
        lines.append(f"git checkout {git['commit']}")
        if git.get("dirty"):
            lines.append("# the run had uncommitted changes: `seedlock export` saves them")
    flags = [f"--seed {run['seed']}"]
    flags += [f"--stream {k}={v}" for k, v in sorted(streams.items())]
    if run.get("deterministic"):
        flags.append("--deterministic")
    if run.get("threads"):
        flags.append(f"--threads {run['threads']}")
    lines.append(f"seedlock run {' '.join(flags)} -- {shlex.join(command)}")
    return "\n".join(lines)


def bundle_record(bundle: RunBundle) -> RunRecord:
    """The exported run as a :class:`~seedlock.store.RunRecord` (not stored), to diff it."""
    from seedlock._seed import format_streams
    from seedlock.store import RunRecord

    run = bundle.run
    tags = {"imported": "true"}
    if bundle.streams:
        tags["streams"] = format_streams(bundle.streams)
    return RunRecord(
        id=str(run.get("id") or "exported"),
        name=run.get("name") if isinstance(run.get("name"), str) else None,
        command=bundle.command,
        cwd=".",
        seed=int(run["seed"]),
        status=str(run.get("status") or "finished"),
        exit_code=run.get("exit_code") if isinstance(run.get("exit_code"), int) else None,
        started=float(run.get("started") or 0.0),
        ended=None,
        deterministic=bool(run.get("deterministic")),
        threads=run.get("threads"),
        tags=tags,
        fingerprint=bundle.fingerprint,
        metrics=dict(run.get("metrics") or {}),
        metric_history=list(run.get("metric_history") or []),
        outputs={str(k): str(v) for k, v in dict(run.get("outputs") or {}).items()},
        host=str(run.get("host") or ""),
    )


def trace_divergence(trace_a: str, trace_b: str) -> Divergence | None:
    """The first divergence between two traces given as text; ``None`` if either is empty."""
    from seedlock._verify import trace as trace_module

    if not trace_a or not trace_b:
        return None
    with tempfile.TemporaryDirectory(prefix="seedlock-diff-") as scratch:
        paths = [Path(scratch) / "a.jsonl", Path(scratch) / "b.jsonl"]
        for path, text in zip(paths, (trace_a, trace_b), strict=True):
            path.write_text(text, encoding="utf-8")
        return trace_module.first_divergence(*(trace_module.read_trace(p) for p in paths))
