"""A run packed into one portable file: ``seedlock export`` writes it, ``reproduce`` reads it.

Determinism contract: a bundle is a zip of JSON and text members at fixed names (``run.json``,
``packages.txt``, ``patch.diff``, ``trace.jsonl``), never a pickle; nothing in it is executed or
extracted to a path it names. The loader checks sizes, JSON depth, the format version and every
path before anything is used, so a hostile or damaged file is a clear :class:`StateError`.
"""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import tempfile
import zipfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any

from seedlock._base import limits, persist, validate
from seedlock._base.commands import git_argv, git_env, is_python_interpreter
from seedlock._base.files import file_sha256
from seedlock._errors import SeedlockError, StateError

if TYPE_CHECKING:
    from seedlock.store import RunRecord, Store

__all__ = ["BUNDLE_KIND", "FORMAT", "RunBundle", "export_run", "load_bundle", "python_command"]

BUNDLE_KIND = "seedlock-run"
FORMAT = 1
_RUN_JSON = "run.json"
_PACKAGES = "packages.txt"
_PATCH = "patch.diff"
_TRACE = "trace.jsonl"
_MEMBERS = frozenset((_RUN_JSON, _PACKAGES, _PATCH, _TRACE))
#: Bounds for reading a bundle from someone else: the whole file, one member, JSON nesting.
MAX_BUNDLE_BYTES = 256 * 2**20
MAX_MEMBER_BYTES = 128 * 2**20
MAX_JSON_DEPTH = limits.MAX_JSON_DEPTH
#: Variables the launcher sets that name this machine's paths; they are not replayed.
_LOCAL_VARS = frozenset(
    ("PYTHONPATH", "SEEDLOCK_PACKAGE_DIR", "SEEDLOCK_RUN_ID", "SEEDLOCK_RUN_DIR", "SEEDLOCK_STORE")
)


@dataclass(frozen=True)
class RunBundle:
    """Everything needed to re-run a recorded run elsewhere and to judge the result.

    Attributes:
        run: the recorded run: id, name, command (paths relative to its working directory),
            seed, streams, deterministic, threads, status, exit code, metrics, output hashes.
        env: the variables seedlock set for the run (seed, hash seed, determinism, threads).
        fingerprint: the run's environment fingerprint (versions, hardware, threads, flags).
        git: ``{"commit", "branch", "dirty"}`` of the run's checkout, or ``None``.
        inputs: declared input files, relative path -> SHA-256.
        packages: installed distributions, ``name==version`` lines.
        patch: ``git diff HEAD`` of the checkout (uncommitted changes), or ``""``.
        trace: the run's per-step trace (JSON lines), or ``""``.
    """

    run: dict[str, Any]
    env: dict[str, str] = field(default_factory=dict)
    fingerprint: dict[str, Any] | None = None
    git: dict[str, Any] | None = None
    inputs: dict[str, str] = field(default_factory=dict)
    packages: list[str] = field(default_factory=list)
    patch: str = ""
    trace: str = ""

    @property
    def command(self) -> list[str]:
        """The command, as recorded (``python`` stands for the running interpreter)."""
        return list(self.run["command"])

    @property
    def streams(self) -> dict[str, int]:
        """The run's per-stream roots."""
        return dict(self.run.get("streams") or {})

    def to_json(self) -> dict[str, Any]:
        """The ``run.json`` member."""
        return {
            **persist.header(BUNDLE_KIND, FORMAT),
            "run": self.run,
            "env": self.env,
            "fingerprint": self.fingerprint,
            "git": self.git,
            "inputs": self.inputs,
        }


def python_command(command: Sequence[str]) -> list[str]:
    """``command`` with a Python interpreter's path written as ``python``.

    Example:
        >>> python_command(["/opt/venv/bin/python3.11", "train.py"])
        ['python', 'train.py']
    """
    parts = list(command)
    # PyPy stays as written: ``python`` is replaced by the reproducing interpreter.
    if (
        parts
        and is_python_interpreter(parts[0])
        and os.path.basename(parts[0]).startswith("python")
    ):
        parts[0] = "python"
    return parts


def _relative(part: str, cwd: str) -> str:
    if os.path.isabs(part):
        try:
            rel = os.path.relpath(part, cwd)
        except ValueError:
            return part
        if not rel.startswith(".."):
            return PurePosixPath(*Path(rel).parts).as_posix()
    return part


def _check_relative(path: str, what: str) -> str:
    pure = PurePosixPath(path)
    if not path or pure.is_absolute() or ".." in pure.parts or "\\" in path or "\x00" in path:
        raise StateError(
            f"{what} {path!r} is not a path inside the working directory (absolute, '..' or "
            "empty). The run file is damaged or was made to write elsewhere; it is refused."
        )
    return path


def hash_inputs(paths: Sequence[str], cwd: str) -> dict[str, str]:
    """SHA-256 of every regular file under ``paths`` (files or folders), keyed by relative path.

    Raises:
        SeedlockError: a path is outside ``cwd`` or does not exist.
    """
    root = Path(cwd).resolve()
    hashes: dict[str, str] = {}
    for given in paths:
        target = (root / given).resolve()
        if target != root and root not in target.parents:
            raise SeedlockError(
                f"input {given!r} is outside the working directory {str(root)!r}; declare inputs "
                "inside it so that another checkout finds them at the same place."
            )
        if not target.exists():
            raise SeedlockError(f"input {given!r} does not exist (looked for {str(target)!r}).")
        files = [target] if target.is_file() else sorted(p for p in target.rglob("*"))
        for file in files:
            if file.is_file() and not file.is_symlink():
                hashes[file.relative_to(root).as_posix()] = file_sha256(file)
    return dict(sorted(hashes.items()))


def _git(cwd: str, *args: str) -> str | None:
    try:
        done = subprocess.run(
            git_argv(cwd, *args), capture_output=True, text=True, timeout=20, env=git_env()
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return done.stdout if done.returncode == 0 else None


def git_state(cwd: str) -> tuple[dict[str, Any] | None, str]:
    """``({"commit", "branch", "dirty"}, patch)`` of the checkout at ``cwd``; ``(None, "")``."""
    commit = _git(cwd, "rev-parse", "HEAD")
    if commit is None:
        return None, ""
    branch = (_git(cwd, "rev-parse", "--abbrev-ref", "HEAD") or "").strip()
    patch = _git(cwd, "diff", "--no-ext-diff", "--no-color", "HEAD") or ""
    return {"commit": commit.strip(), "branch": branch, "dirty": bool(patch)}, patch


def installed_packages() -> list[str]:
    """Every installed distribution as ``name==version``, sorted (a ``pip freeze``-style lock)."""
    from importlib import metadata

    found = {}
    for dist in metadata.distributions():
        name = dist.metadata["Name"]
        if name:
            found[name.lower().replace("_", "-")] = dist.version
    return [f"{name}=={version}" for name, version in sorted(found.items())]


def _seedlock_env(record: RunRecord) -> dict[str, str]:
    from seedlock.launch import child_env

    streams = _record_streams(record)
    env = child_env(
        seed=record.seed,
        deterministic=record.deterministic,
        threads=record.threads,
        streams=streams,
    )
    return {
        key: value
        for key, value in sorted(env.items())
        if os.environ.get(key) != value and key not in _LOCAL_VARS
    }


def _record_streams(record: RunRecord) -> dict[str, int]:
    from seedlock._seed import parse_streams

    text = record.tags.get("streams", "")
    return parse_streams(text, name="the run's streams tag") if text else {}


def export_run(
    record: RunRecord,
    path: str | os.PathLike[str],
    *,
    store: Store,
    inputs: Sequence[str] = (),
) -> RunBundle:
    """Write ``record`` as one portable file at ``path`` and return what was written.

    Args:
        record: the run to export.
        path: the file to write (a zip of JSON and text; written atomically).
        store: the run's store (its trace is taken from the run's folder there).
        inputs: files or folders, relative to the run's working directory, to hash.

    Raises:
        SeedlockError: an input is missing or outside the working directory, or the file
            cannot be written.
    """
    cwd = record.cwd
    git, patch = git_state(cwd) if os.path.isdir(cwd) else (None, "")
    trace_file = store.run_dir(record.id) / "trace.jsonl"
    run = {
        "id": record.id,
        "name": record.name,
        "command": python_command([_relative(p, cwd) for p in record.command]),
        "seed": record.seed,
        "streams": _record_streams(record),
        "deterministic": record.deterministic,
        "threads": record.threads,
        "status": record.status,
        "exit_code": record.exit_code,
        "started": record.started,
        "metrics": dict(record.metrics),
        "metric_history": list(record.metric_history),
        "outputs": {_relative(k, cwd): v for k, v in record.outputs.items()},
        "host": record.host,
    }
    from seedlock.env import redact_env

    bundle = RunBundle(
        run=run,
        env=redact_env(_seedlock_env(record)),
        fingerprint=record.fingerprint,
        git=git,
        inputs=hash_inputs(inputs, cwd) if inputs else {},
        packages=installed_packages(),
        patch=patch,
        trace=trace_file.read_text(encoding="utf-8") if trace_file.is_file() else "",
    )
    _write(bundle, Path(path))
    return bundle


def _write(bundle: RunBundle, target: Path) -> None:
    if not target.parent.is_dir():
        raise SeedlockError(
            f"cannot write {str(target)!r}: the folder {str(target.parent)!r} does not exist."
        )
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as raw, zipfile.ZipFile(raw, "w", zipfile.ZIP_DEFLATED) as zf:
            zf.writestr(_RUN_JSON, json.dumps(bundle.to_json(), indent=2, sort_keys=True))
            zf.writestr(_PACKAGES, "".join(line + "\n" for line in bundle.packages))
            if bundle.patch:
                zf.writestr(_PATCH, bundle.patch)
            if bundle.trace:
                zf.writestr(_TRACE, bundle.trace)
        os.replace(tmp, target)
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        raise SeedlockError(f"cannot write {str(target)!r}: {exc.strerror or exc}.") from None
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _read_member(zf: zipfile.ZipFile, name: str, where: str) -> str | None:
    try:
        info = zf.getinfo(name)
    except KeyError:
        return None
    if info.file_size > MAX_MEMBER_BYTES:
        raise StateError(
            f"{where}: member {name!r} unpacks to {info.file_size} bytes, over the "
            f"{MAX_MEMBER_BYTES} byte limit for a run file."
        )
    with zf.open(info) as handle:
        data = handle.read(MAX_MEMBER_BYTES + 1)
    if len(data) > MAX_MEMBER_BYTES:
        raise StateError(f"{where}: member {name!r} is larger than it claims; refused.")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise StateError(f"{where}: member {name!r} is not UTF-8 text.") from None


def _field(data: Mapping[str, Any], key: str, kind: type | tuple[type, ...], where: str) -> Any:
    value = data.get(key)
    if not isinstance(value, kind) or (isinstance(value, bool) and kind in (int, (int, float))):
        raise StateError(f"{where}: {key!r} is missing or has the wrong type ({value!r:.80}).")
    return value


def load_bundle(path: str | os.PathLike[str]) -> RunBundle:
    """Read and validate a run file written by :func:`export_run`.

    Raises:
        StateError: not a seedlock run file, too large, too deeply nested, a newer format, a
            path that leaves the working directory, or damaged content.
    """
    where = os.fspath(path)
    try:
        size = os.stat(where).st_size
        if size > MAX_BUNDLE_BYTES:
            raise StateError(f"{where}: {size} bytes, over the {MAX_BUNDLE_BYTES} byte limit.")
        with open(where, "rb") as handle:
            raw = handle.read(MAX_BUNDLE_BYTES + 1)
    except OSError as exc:
        raise StateError(f"cannot read the run file {where!r}: {exc.strerror or exc}.") from None
    try:
        with zipfile.ZipFile(io.BytesIO(raw)) as zf:
            unknown = [n for n in zf.namelist() if n not in _MEMBERS]
            if unknown:
                raise StateError(
                    f"{where}: unexpected member {unknown[0]!r}; a seedlock run file holds only "
                    f"{', '.join(sorted(_MEMBERS))}."
                )
            text = _read_member(zf, _RUN_JSON, where)
            packages = _read_member(zf, _PACKAGES, where) or ""
            patch = _read_member(zf, _PATCH, where) or ""
            trace = _read_member(zf, _TRACE, where) or ""
    except zipfile.BadZipFile:
        raise StateError(f"{where} is not a seedlock run file (not a zip archive).") from None
    if text is None:
        raise StateError(f"{where} is not a seedlock run file (no {_RUN_JSON}).")
    data = persist.loads_checked(
        text,
        kind=BUNDLE_KIND,
        current=FORMAT,
        what=f"the seedlock run file {where}",
        fix="Pass a file written by `seedlock export`.",
    )
    return _validated(data, packages, patch, trace, where)


def _validated(
    data: dict[str, Any], packages: str, patch: str, trace: str, where: str
) -> RunBundle:
    from seedlock._seed import normalize_seed, normalize_streams

    run = _field(data, "run", dict, where)
    command = _field(run, "command", list, where)
    if not command or not all(isinstance(p, str) and p and "\x00" not in p for p in command):
        raise StateError(f"{where}: the command must be a non-empty list of strings.")
    try:
        run["seed"] = normalize_seed(_field(run, "seed", int, where), name="the run's seed")
        run["streams"] = normalize_streams(run.get("streams") or {}, name="the run's streams")
    except SeedlockError as exc:
        raise StateError(f"{where}: {exc}") from None
    threads = run.get("threads")
    if threads is not None and (
        not validate.is_int(threads) or not 1 <= threads <= limits.MAX_THREADS
    ):
        raise StateError(
            f"{where}: threads must be an int in [1, {limits.MAX_THREADS}] or null, got "
            f"{validate.describe(threads)}."
        )
    if not isinstance(run.get("deterministic", False), bool):
        raise StateError(f"{where}: 'deterministic' must be true or false.")
    metrics = _field(run, "metrics", dict, where)
    history = run.get("metric_history", [])
    if not isinstance(history, list) or not all(isinstance(h, dict) for h in history):
        raise StateError(f"{where}: 'metric_history' must be a list of objects.")
    outputs = _field(run, "outputs", dict, where)
    for name in outputs:
        _check_relative(name, "output")
    inputs = data.get("inputs") or {}
    env = data.get("env") or {}
    if not isinstance(inputs, dict) or not isinstance(env, dict):
        raise StateError(f"{where}: 'inputs' and 'env' must be objects.")
    for name, digest in inputs.items():
        _check_relative(name, "input")
        if not isinstance(digest, str):
            raise StateError(f"{where}: the hash of input {name!r} is not a string.")
    if not all(isinstance(k, str) and isinstance(v, str) for k, v in env.items()):
        raise StateError(f"{where}: 'env' must map names to strings.")
    if any(k.upper().startswith(("LD_", "PYTHONSTARTUP", "PYTHONPATH")) for k in env):
        raise StateError(f"{where}: 'env' sets a variable seedlock never sets; refused.")
    fingerprint = data.get("fingerprint")
    git = data.get("git")
    if fingerprint is not None and not isinstance(fingerprint, dict):
        raise StateError(f"{where}: 'fingerprint' must be an object or null.")
    if git is not None and not (isinstance(git, dict) and isinstance(git.get("commit"), str)):
        raise StateError(f"{where}: 'git' must be an object with a commit, or null.")
    run["metrics"] = metrics
    return RunBundle(
        run=run,
        env={str(k): str(v) for k, v in env.items()},
        fingerprint=fingerprint,
        git=git,
        inputs={str(k): str(v) for k, v in inputs.items()},
        packages=[line.strip() for line in packages.splitlines() if line.strip()],
        patch=patch,
        trace=trace,
    )


def current_python() -> str:
    """The interpreter that stands for ``python`` in a recorded command."""
    return sys.executable or "python"
