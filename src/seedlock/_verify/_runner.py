"""Run a command several times with one root seed and compare everything it produced.

Determinism contract: every run gets the same root seed through ``seedlock run`` (same
``PYTHONHASHSEED``, same start-up seeding), so any difference the comparison finds comes from
randomness seedlock could not pin. Output files are copied away after each run, so runs never
compare against a stale file.
"""

from __future__ import annotations

import os
import re
import secrets
import shutil
import tempfile
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING

from seedlock._base import limits, validate
from seedlock._base.commands import is_python_command
from seedlock._errors import SeedlockError
from seedlock._verify import trace as trace_module
from seedlock._verify._compare import (
    OutputDifference,
    compare_exit_codes,
    compare_files,
    compare_metric_history,
    compare_stdout,
)
from seedlock._verify._report import VerifyResult, rank_findings
from seedlock.launch import unseeded_reason

if TYPE_CHECKING:
    from seedlock.launch import RunResult
    from seedlock.store import RunRecord, Store

__all__ = ["verify_command"]


def _compile(patterns: Sequence[str]) -> list[re.Pattern[str]]:
    compiled = []
    for pattern in patterns:
        try:
            compiled.append(re.compile(pattern))
        except re.error as exc:
            raise SeedlockError(
                f"ignore pattern {pattern!r} is not a valid regular expression ({exc}). "
                "Pass a Python regular expression, e.g. 'saved to \\S+'."
            ) from exc
    return compiled


def _check_outputs(outputs: Sequence[str], cwd: Path) -> None:
    # Outputs are deleted before each run so that no stale file is compared: only paths strictly
    # inside the working directory may be, never the directory itself, a parent or elsewhere.
    root = cwd.resolve()
    for given in outputs:
        target = (cwd / given).resolve()
        if target == root or root not in target.parents:
            raise SeedlockError(
                f"outputs path {given!r} is not inside the working directory {str(root)!r}. "
                "verify deletes each output before every run, so it accepts only files or "
                "folders below the working directory, e.g. outputs=['model.pt', 'out/']."
            )


def _remove(path: Path, root: Path) -> None:
    """Delete an output before a run, only if it still lies inside ``root``.

    Checked right before each deletion, because a run can turn a folder on the way into a
    symlink to somewhere else; a symlink itself is removed, never followed.
    """
    base = root.resolve()
    parent = path.parent.resolve()
    if parent != base and base not in parent.parents:
        raise SeedlockError(
            f"output {str(path)!r} now leads outside the working directory {str(base)!r} "
            f"(through {str(parent)!r}, a symlink made by a run?). Nothing was deleted; remove "
            "the symlink and run verify again."
        )
    if path.is_symlink():
        path.unlink()
    elif path.is_dir():
        shutil.rmtree(path)
    elif path.exists():
        path.unlink()


def _files_under(root: Path) -> dict[str, Path]:
    if root.is_file():
        return {"": root}
    return {str(p.relative_to(root)): p for p in sorted(root.rglob("*")) if p.is_file()}


def _compare_outputs(
    outputs: Sequence[str], first: Path, other: Path, run: int
) -> tuple[list[OutputDifference], int, int]:
    diffs: list[OutputDifference] = []
    n_files = n_tensors = 0
    for index, given in enumerate(outputs):
        files_a = _files_under(first / str(index))
        files_b = _files_under(other / str(index))
        for rel in sorted(set(files_a) | set(files_b)):
            label = str(Path(given, rel)) if rel else given
            if rel not in files_a or rel not in files_b:
                has_a = "present" if rel in files_a else "missing"
                has_b = "present" if rel in files_b else "missing"
                diffs.append(OutputDifference("file", label, has_a, has_b, run))
                continue
            found, tensors = compare_files(files_a[rel], files_b[rel], label=label, run=run)
            diffs.extend(found)
            n_files += 1
            n_tensors += tensors
    return diffs, n_files, n_tensors


def _environment_lines(first: RunRecord, other: RunRecord) -> list[str]:
    from seedlock.launch import diff_runs

    try:
        changes = diff_runs(first, other).differences
    except Exception as exc:  # noqa: BLE001  (a broken fingerprint must not hide the result)
        return [f"could not compare the environments: {type(exc).__name__}: {exc}"]
    lines = []
    for change in changes:
        if change.kind in ("environment", "flags"):
            note = f" ({change.note})" if change.note else ""
            lines.append(f"{change.key}: run 1 {change.a!r}, other {change.b!r}{note}")
    return lines


class _Runner:
    """The runs of one verification, sharing seed, flags, store and scratch directory."""

    def __init__(
        self,
        command: list[str],
        *,
        seed: int,
        deterministic: bool,
        threads: int | None,
        name: str | None,
        outputs: Sequence[str],
        store: Store | None,
        scratch: Path,
        jobs: int,
        tags: Mapping[str, str],
        say: Callable[[str], None],
        streams: Mapping[str, int] | None = None,
    ) -> None:
        self.command = command
        self.streams = dict(streams or {})
        self.seed = seed
        self.deterministic = deterministic
        self.threads = threads
        self.name = name
        self.outputs = list(outputs)
        self.store = store
        self.scratch = scratch
        self.jobs = jobs
        self.tags = {**tags, "verify": secrets.token_hex(4)}
        self.cwd = Path.cwd()
        self.say = say

    def run(self, index: int, total: int, extra_env: dict[str, str], tag: str) -> RunResult:
        from seedlock.launch import run_command

        for given in self.outputs:
            _remove(self.cwd / given, self.cwd)
        result = run_command(
            self.command,
            seed=self.seed,
            deterministic=self.deterministic,
            threads=self.threads,
            name=self.name,
            outputs=self.outputs,
            store=self.store,
            tags={**self.tags, "verify_pass": tag, "verify_run": str(index)},
            extra_env=extra_env,
            echo=False,
            streams=self.streams,
        )
        for position, given in enumerate(self.outputs):
            source = self.cwd / given
            target = self.scratch / f"{tag}-{index}" / str(position)
            target.parent.mkdir(parents=True, exist_ok=True)
            if source.is_dir():
                shutil.copytree(source, target)
            else:
                shutil.copy2(source, target)
        record = result.record
        took = f" in {record.duration:.1f} s" if record.duration is not None else ""
        label = "run" if tag == "main" else f"{tag} run"
        self.say(f"{label} {index}/{total} ({record.id}) exit {record.exit_code}{took}")
        return result

    def run_all(self, envs: Sequence[dict[str, str]], tag: str) -> list[RunResult]:
        # Runs writing the same output paths must not overlap; only those run one at a time.
        if self.jobs == 1 or self.outputs:
            return [self.run(i, len(envs), env, tag) for i, env in enumerate(envs, start=1)]
        from seedlock.launch import forward_signals

        # Signals reach this (main) thread: passed on to every running run's process group.
        with forward_signals(), ThreadPoolExecutor(max_workers=min(self.jobs, len(envs))) as pool:
            futures = [
                pool.submit(self.run, i, len(envs), env, tag) for i, env in enumerate(envs, start=1)
            ]
            return [future.result() for future in futures]


def _trace_envs(scratch: Path, tag: str, n: int, step: int | None) -> list[dict[str, str]]:
    envs = []
    for index in range(1, n + 1):
        env = {trace_module.TRACE_ENV: str(scratch / f"trace-{tag}-{index}.jsonl")}
        if step is not None:
            env[trace_module.TRACE_STEP_ENV] = str(step)
        envs.append(env)
    return envs


def _diagnose_trace(
    runner: _Runner, scratch: Path, other: int, notes: list[str]
) -> trace_module.Divergence | None:
    try:
        first = trace_module.read_trace(scratch / "trace-main-1.jsonl")
        second = trace_module.read_trace(scratch / f"trace-main-{other}.jsonl")
    except SeedlockError as exc:
        notes.append(f"trace: {exc}")
        return None
    divergence = trace_module.first_divergence(first, second)
    if divergence is None:
        notes.append(
            "trace: parameters and losses are identical at every optimizer step, so the "
            "difference arises outside training (evaluation, printing or files written)"
        )
        return None
    if divergence.kind in ("initial", "length"):
        return divergence
    runner.run_all(_trace_envs(scratch, "detail", 2, divergence.step), "detail")
    try:
        detail_a = trace_module.read_trace(scratch / "trace-detail-1.jsonl")
        detail_b = trace_module.read_trace(scratch / "trace-detail-2.jsonl")
    except SeedlockError as exc:
        notes.append(f"trace (second pass): {exc}")
        return divergence
    again = trace_module.first_divergence(detail_a, detail_b)
    if again is None or again.step != divergence.step:
        notes.append(
            f"trace: the second pass did not diverge at step {divergence.step} again "
            f"({again.describe() if again else 'it did not diverge at all'}); the "
            "nondeterminism is intermittent"
        )
        return divergence
    located = trace_module.locate_in_step(detail_a, detail_b, divergence.step)
    return located or divergence


def verify_command(
    command: Sequence[str],
    *,
    seed: int,
    n: int = 2,
    jobs: int = 1,
    outputs: Sequence[str] = (),
    ignore: Sequence[str] = (),
    timings: bool = False,
    trace: bool = False,
    deterministic: bool = False,
    threads: int | None = None,
    name: str | None = None,
    store: Store | None = None,
    tags: Mapping[str, str] | None = None,
    progress: Callable[[str], None] | None = None,
    streams: Mapping[str, int] | None = None,
) -> VerifyResult:
    """Run ``command`` ``n`` times through ``seedlock run`` with one seed and compare the runs.

    Compared: exit codes, ``seedlock.log`` metrics (exactly), stdout line by line (after removing
    ``ignore`` matches and, unless ``timings``, masking timing-like values), and ``outputs`` by
    SHA-256 and tensor by tensor. With ``trace`` (PyTorch), differing runs are traced again to
    name the first diverging step and module or parameter.

    Args:
        command: the command, e.g. ``["python", "train.py"]``.
        seed: the root seed of every run.
        n: how many runs (at least 2).
        jobs: how many runs at once; runs with ``outputs`` always run one at a time because they
            write the same paths.
        outputs: files or directories (relative to the working directory) the command writes.
        ignore: regular expressions whose matches are removed from stdout before comparing.
        timings: also compare timing-like values on stdout.
        trace: record per-step parameter hashes (PyTorch) to locate the first divergence.
        deterministic: run in deterministic mode.
        threads: pin thread pools to this many threads.
        name: the run name recorded in the store.
        store: the run store (default: ``.seedlock/runs.db`` or ``$SEEDLOCK_STORE``).
        tags: labels for every run's record (``verify``, ``verify_pass`` and ``verify_run`` are
            added to group the runs of this verification).
        progress: called with a short line as each phase starts and each run ends.
        streams: streams given their own root in every run (``{"data": 3}``).

    Returns:
        The :class:`VerifyResult`.

    Raises:
        SeedlockError: no command, ``n < 2``, a bad ``ignore`` pattern, ``trace`` for a
            non-Python command, a missing output, or a command that fails in every run.

    Example:
        >>> import sys  # doctest: +SKIP
        >>> verify_command([sys.executable, "-c", "print(1)"], seed=1).identical  # doctest: +SKIP
        True
    """
    command = [os.fspath(part) for part in command]
    if not command:
        raise SeedlockError(
            "no command to verify. Put it after '--', e.g. seedlock verify -- python train.py"
        )
    validate.check_count(
        n, func="verify_command", param="n", low=2, high=limits.MAX_RUNS, fix="(runs to compare)"
    )
    validate.check_count(jobs, func="verify_command", param="jobs", high=limits.MAX_JOBS)
    patterns = _compile(ignore)
    _check_outputs(outputs, Path.cwd())
    if trace and not is_python_command(command):
        raise SeedlockError(
            f"trace=True hooks PyTorch inside a Python process, but {command[0]!r} does not "
            "look like Python. Run the script with python (['python', 'train.py']) or pass "
            "trace=False."
        )
    say = progress or (lambda line: None)
    scratch = Path(tempfile.mkdtemp(prefix="seedlock-verify-"))
    notes: list[str] = []
    try:
        runner = _Runner(
            command,
            seed=seed,
            deterministic=deterministic,
            threads=threads,
            name=name,
            outputs=outputs,
            store=store,
            scratch=scratch,
            jobs=jobs,
            tags=tags or {},
            say=say,
            streams=streams,
        )
        if jobs > 1 and outputs:
            notes.append("runs ran one at a time because they write the same output paths")
        unseeded = unseeded_reason(command)
        if unseeded is not None:
            notes.append(
                f"not seeded: {unseeded}; the runs are not reproducible until the flag is dropped"
            )
        say(f"running {n} times with seed {seed}: {' '.join(command)}")
        envs = _trace_envs(scratch, "main", n, None) if trace else [{} for _ in range(n)]
        results = runner.run_all(envs, "main")
        records = [r.record for r in results]
        codes = [rec.exit_code for rec in records]
        if all(code != 0 for code in codes) and len(set(codes)) == 1:
            tail = results[0].stderr.strip().splitlines()[-5:]
            raise SeedlockError(
                f"the command failed in every run (exit code {codes[0]}), so there is nothing "
                f"to compare. Its stderr ends with:\n  " + "\n  ".join(tail) + "\nFix the "
                f"command first (runs {', '.join(rec.id for rec in records)} are recorded)."
            )
        differences = compare_exit_codes(codes)
        compared = {"exit codes": n, "metric values": 0, "stdout lines": 0}
        compared.update({"output files": 0, "tensors": 0})
        for index, result in enumerate(results[1:], start=2):
            found, count = compare_metric_history(
                records[0].metric_history, result.record.metric_history, run=index
            )
            differences += found
            compared["metric values"] += count
            found, count = compare_stdout(
                results[0].stdout, result.stdout, run=index, ignore=patterns, timings=timings
            )
            differences += found
            compared["stdout lines"] += count
            if outputs:
                found, n_files, n_tensors = _compare_outputs(
                    outputs, scratch / "main-1", scratch / f"main-{index}", index
                )
                differences += found
                compared["output files"] += n_files
                compared["tensors"] += n_tensors
        outcome = VerifyResult(
            identical=not differences,
            runs=n,
            seed=seed,
            differences=differences,
            compared=compared,
            command=command,
            run_ids=[rec.id for rec in records],
            exit_codes=codes,
            metrics=dict(records[0].metrics),
            last_line=results[0].stdout.strip().splitlines()[-1]
            if results[0].stdout.strip()
            else None,
            notes=notes,
        )
        if differences:
            other = min(d.run for d in differences)
            outcome.findings = rank_findings([rec.doctor for rec in records])
            outcome.environment = _environment_lines(records[0], records[other - 1])
            for index, code in enumerate(codes, start=1):
                if code != 0:
                    tail = results[index - 1].stderr.strip().splitlines()[-3:]
                    notes.append(f"run {index} exited with {code}; stderr: " + " | ".join(tail))
            if trace:
                say("reading the traces; a detail pass reruns twice to locate the divergence")
                outcome.divergence = _diagnose_trace(runner, scratch, other, notes)
        return outcome
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
