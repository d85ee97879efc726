"""``run_command``: start any command with its randomness pinned, and record the run.

Determinism contract: the child's environment is a pure function of the root seed and the run's
flags (``SEEDLOCK_SEED``, ``PYTHONHASHSEED`` derived from the root, deterministic and thread
variables), all set before the process starts; Python children are also seeded at start-up by the
hook in ``seedlock/launch/_boot``. Run ids come from OS entropy and never reach the child's RNGs.
"""

from __future__ import annotations

import contextlib
import dataclasses
import errno
import json
import logging
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from seedlock._base import persist, validate
from seedlock._base.commands import is_python_interpreter
from seedlock._base.files import file_sha256
from seedlock._errors import SeedlockError, StateError, StoreError
from seedlock._seed import (
    draw_entropy_seed,
    format_streams,
    normalize_seed,
    normalize_streams,
    parse_seed_text,
)
from seedlock.frameworks.python import hash_seed_for
from seedlock.launch._protocol import (
    ARTIFACTS_FILE,
    BOOT_PID_VAR,
    DETERMINISTIC_VAR,
    DOCTOR_FILE,
    EXIT_FILE,
    FINGERPRINT_FILE,
    METRICS_FILE,
    PACKAGE_DIR_VAR,
    RUN_DIR_VAR,
    RUN_FILE_HEADERS,
    RUN_ID_VAR,
    SEED_VAR,
    STREAMS_VAR,
    THREADS_VAR,
)
from seedlock.launch._signals import forward_signals, popen_options, stop_requested, track_child
from seedlock.store import RunRecord, Store

__all__ = ["HOOK_DIR", "RunResult", "child_env", "resolve_seed_arg", "run_command"]

_log = logging.getLogger("seedlock")

#: The directory holding seedlock's ``sitecustomize.py`` start-up hook.
HOOK_DIR = str(Path(__file__).resolve().parent / "_boot")
_PACKAGE_DIR = str(Path(__file__).resolve().parents[2])
_TAIL_CHARS = 10_000
# Bytes reserved for the exit file (JSON padded with spaces), enough for its three keys.
_EXIT_RESERVE = 512
_SQLITE_SIDE_FILES = ("-wal", "-shm", "-journal")
# Variables a parent run may have set; a nested `seedlock run` starts its own run from scratch.
_RUN_VARS = (
    BOOT_PID_VAR,
    DETERMINISTIC_VAR,
    RUN_DIR_VAR,
    RUN_ID_VAR,
    SEED_VAR,
    STREAMS_VAR,
    THREADS_VAR,
)


@dataclass(frozen=True)
class RunResult:
    """A finished run: its stored record and the child's full stdout and stderr.

    ``store_error`` says why the store could not record the run's end (a full disk); ``record``
    is then the run as it ended, kept in memory only, and ``seedlock runs repair`` records it
    once the store is writable again.
    """

    record: RunRecord
    stdout: str
    stderr: str
    store_error: str | None = None


def resolve_seed_arg(
    text: str | None, *, store: Store, name: str | None, command: Sequence[str]
) -> int:
    """The root seed a ``--seed`` argument asks for.

    Args:
        text: ``"42"`` (an int), ``"random"`` (fresh from OS entropy), ``"last"`` (the root seed of
            the latest run with this ``name``, or with this exact ``command`` when there is no
            name), or any other string (hashed to a seed). ``None`` means ``$SEEDLOCK_SEED`` if
            set, else a fresh entropy seed.
        store: where ``"last"`` looks.
        name: the run name ``"last"`` matches.
        command: the command ``"last"`` matches when ``name`` is ``None``.

    Raises:
        SeedlockError: ``"last"`` with no earlier matching run, or an invalid seed.

    Example:
        >>> import tempfile, os
        >>> store = Store(os.path.join(tempfile.mkdtemp(), "runs.db"))
        >>> resolve_seed_arg("42", store=store, name=None, command=["true"])
        42
    """
    if text is None:
        env = os.environ.get(SEED_VAR)
        return parse_seed_text(env) if env else draw_entropy_seed()
    text = text.strip()
    if text == "random":
        return draw_entropy_seed()
    if text == "last":
        previous = store.latest(name=name) if name is not None else store.latest(command=command)
        if previous is None:
            what = f"name {name!r}" if name is not None else f"command {list(command)!r}"
            raise SeedlockError(
                f"--seed last found no earlier run with {what} in {str(store.path)!r}. "
                "Run it once with --seed N or --seed random first, or pass --name."
            )
        return previous.seed
    return parse_seed_text(text, name="--seed")


def child_env(
    *,
    seed: int,
    deterministic: bool = False,
    threads: int | None = None,
    run_id: str | None = None,
    run_dir: str | None = None,
    extra_env: Mapping[str, str] | None = None,
    streams: Mapping[str, int] | None = None,
) -> dict[str, str]:
    """The environment ``run_command`` gives the child: ``os.environ`` plus the run's settings.

    Example:
        >>> env = child_env(seed=42)
        >>> env["SEEDLOCK_SEED"], env["PYTHONHASHSEED"]
        ('42', '2638996560')
    """
    env = {k: v for k, v in os.environ.items() if k not in _RUN_VARS}
    env.update(extra_env or {})
    env[SEED_VAR] = str(seed)
    if streams:
        env[STREAMS_VAR] = format_streams(streams)
    env["PYTHONHASHSEED"] = str(hash_seed_for(seed))
    if deterministic:
        from seedlock.determinism import deterministic_env

        env.update(deterministic_env())
        env[DETERMINISTIC_VAR] = "1"
    if threads is not None:
        from seedlock.determinism import thread_env

        env.update(thread_env(threads))
        env[THREADS_VAR] = str(threads)
    if run_id is not None:
        env[RUN_ID_VAR] = run_id
    if run_dir is not None:
        env[RUN_DIR_VAR] = run_dir
    path = [HOOK_DIR, *(p for p in env.get("PYTHONPATH", "").split(os.pathsep) if p)]
    env["PYTHONPATH"] = os.pathsep.join(path)
    env[PACKAGE_DIR_VAR] = _PACKAGE_DIR
    return env


#: The tag a record gets when its Python process cannot have been seeded by the start-up hook.
UNSEEDED_TAG = "unseeded"
_TAKES_VALUE = frozenset("WXQ")


def unseeded_reason(command: Sequence[str]) -> str | None:
    """Why a Python ``command`` skips seedlock's start-up hook, or ``None`` when it does not.

    ``-I`` (isolated), ``-E`` (ignore ``PYTHON*`` variables) and ``-S`` (no ``site``) each keep
    the interpreter from loading the hook through ``PYTHONPATH``, so the process is not seeded.

    Example:
        >>> unseeded_reason(["python", "-I", "train.py"])
        'python -I ignores PYTHONPATH, so the start-up hook never ran and nothing was seeded'
        >>> unseeded_reason(["python", "-u", "train.py"]) is None
        True
    """
    start = next((i for i, part in enumerate(command) if is_python_interpreter(part)), None)
    if start is None:
        return None
    reasons = {
        "I": "-I ignores PYTHONPATH",
        "E": "-E ignores PYTHONPATH",
        "S": "-S skips site and sitecustomize",
    }
    args = list(command[start + 1 :])
    index = 0
    while index < len(args):
        part = args[index]
        if not part.startswith("-") or part in ("-", "--") or part.startswith("--"):
            return None
        letters = part[1:]
        for position, letter in enumerate(letters):
            if letter in reasons:
                why = reasons[letter]
                return f"python {why}, so the start-up hook never ran and nothing was seeded"
            if letter in "cm":
                return None  # what follows is the program
            if letter in _TAKES_VALUE:
                if position == len(letters) - 1:
                    index += 1  # -W error: the value is the next argument
                break
        index += 1
    return None


# How long output still arriving after the command exited is waited for.
_PIPE_GRACE_S = 2.0


class _Pump(threading.Thread):
    """Reads one pipe to the end, keeping every byte and optionally echoing it."""

    def __init__(self, pipe: IO[bytes], echo_to: IO[str] | None) -> None:
        super().__init__(daemon=True)
        self._pipe = pipe
        self._echo_to = echo_to
        self._chunks: list[bytes] = []

    def run(self) -> None:
        fd = self._pipe.fileno()
        while chunk := os.read(fd, 65536):
            self._chunks.append(chunk)
            if self._echo_to is not None:
                self._echo(chunk)
        self._pipe.close()

    def _echo(self, chunk: bytes) -> None:
        target = self._echo_to
        assert target is not None
        buffer = getattr(target, "buffer", None)
        try:
            if buffer is not None:
                target.flush()
                buffer.write(chunk)
                buffer.flush()
            else:
                target.write(chunk.decode("utf-8", errors="replace"))
                target.flush()
        except (OSError, ValueError):
            self._echo_to = None  # our own stdout went away; keep capturing

    def text(self) -> str:
        return b"".join(self._chunks).decode("utf-8", errors="replace")


def _read_jsonl(path: Path) -> Iterator[dict[str, Any]]:
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        return
    for number, line in enumerate(lines, 1):
        try:
            entry = json.loads(line)
        except json.JSONDecodeError:
            _log.warning("%s:%d: skipping an unreadable line", path, number)
            continue
        if isinstance(entry, dict):
            yield entry


def _read_json(path: Path) -> Any:
    """A JSON file a run left in its directory (``exit.json``, ``doctor.json``...) without its
    header; ``None`` when it is missing, or unreadable, foreign or newer (with a warning).
    """
    kind, current, unkinded = RUN_FILE_HEADERS[path.name]
    try:
        data = persist.read_json(path, what="run file")
        if isinstance(data, list) or isinstance(data, dict) and not {"kind", "format"} & set(data):
            return data  # written before run files had a header
        persist.check_header(
            data, kind=kind, current=current, what=f"run file {str(path)!r}", unkinded=unkinded
        )
    except FileNotFoundError:
        return None
    except StateError as exc:
        _log.warning("%s Ignoring it.", exc)
        return None
    if kind == "seedlock-doctor":
        return data.get("findings")
    if kind == "seedlock-exit":
        return {key: value for key, value in data.items() if key not in ("kind", "format")}
    return data


def _hash_outputs(
    paths: Sequence[str], cwd: str, skip: frozenset[Path] = frozenset()
) -> tuple[dict[str, str], list[str]]:
    """SHA-256 of every output file (directories: every file under them) and the missing ones.

    Files in ``skip`` (the run store's database files) are never opened: closing a descriptor
    of the database drops the locks of every connection this process holds on it.
    """
    hashes: dict[str, str] = {}
    missing: list[str] = []
    for given in paths:
        path = Path(cwd, given)
        if path.is_file():
            if path.resolve() not in skip:
                hashes[given] = file_sha256(path)
        elif path.is_dir():
            for file in sorted(p for p in path.rglob("*") if p.is_file()):
                if file.resolve() not in skip:
                    hashes[str(Path(given, file.relative_to(path)))] = file_sha256(file)
        else:
            missing.append(given)
    return hashes, missing


@dataclass(frozen=True)
class _Collected:
    metrics: dict[str, float | int | str]
    history: list[dict[str, Any]]
    outputs: dict[str, str]
    missing: list[str]
    fingerprint: dict[str, Any] | None
    doctor: list[dict[str, Any]]


def _store_files(store: Store) -> frozenset[Path]:
    base = store.path.resolve()
    return frozenset([base, *(base.with_name(base.name + end) for end in _SQLITE_SIDE_FILES)])


def _collect(
    run_dir: Path, outputs: Sequence[str], workdir: str, skip: frozenset[Path] = frozenset()
) -> _Collected:
    """What the run left behind (metrics, outputs, reports) and the outputs that are missing."""
    history = [e for e in _read_jsonl(run_dir / METRICS_FILE) if isinstance(e.get("metrics"), dict)]
    metrics: dict[str, float | int | str] = {}
    for entry in history:
        metrics.update(entry["metrics"])
    hashes, missing = _hash_outputs(outputs, workdir, skip)
    for entry in _read_jsonl(run_dir / ARTIFACTS_FILE):
        path = str(entry.get("path", ""))
        if path and path not in hashes:
            hashes[path] = file_sha256(path) if os.path.isfile(path) else str(entry.get("sha256"))
    fingerprint = _read_json(run_dir / FINGERPRINT_FILE)
    if not isinstance(fingerprint, dict):
        fingerprint = _parent_fingerprint()
    doctor = _read_json(run_dir / DOCTOR_FILE)
    return _Collected(
        metrics=metrics,
        history=history,
        outputs=hashes,
        missing=missing,
        fingerprint=fingerprint,
        doctor=[d for d in doctor if isinstance(d, dict)] if isinstance(doctor, list) else [],
    )


def _parent_fingerprint() -> dict[str, Any] | None:
    """The launcher's own fingerprint, for children that wrote none (non-Python commands)."""
    try:
        from seedlock.env import fingerprint

        return dict(fingerprint().to_dict())
    except Exception as exc:  # noqa: BLE001  (a missing fingerprint must not fail the run)
        _log.warning("could not take the environment fingerprint: %s", exc)
        return None


def _reserve_exit(run_dir: Path) -> None:
    """Allocate the exit file now, so that its blocks exist when the disk is full at the end."""
    try:
        (run_dir / EXIT_FILE).write_bytes(b"{}".ljust(_EXIT_RESERVE))
    except OSError as exc:
        _log.warning("could not reserve the run's exit file in %s: %s", run_dir, exc)


def _save_exit(run_dir: Path, ending: Mapping[str, Any]) -> None:
    """How the run ended, for ``seedlock runs repair``, written over the reserved blocks."""
    kind, current, _ = RUN_FILE_HEADERS[EXIT_FILE]
    saved = {k: ending[k] for k in ("exit_code", "status", "ended")}
    data = json.dumps({**persist.header(kind, current), **saved}).encode()
    try:
        # Rewriting allocated blocks in place needs no free space, unlike a new file.
        with open(run_dir / EXIT_FILE, "r+b") as fh:
            fh.write(data.ljust(_EXIT_RESERVE))
    except OSError as exc:
        _log.warning("could not save the run's exit code in %s: %s", run_dir, exc)


def _status(returncode: int) -> str:
    if returncode == 0:
        return "finished"
    return "killed" if returncode < 0 else "failed"


def run_command(
    command: Sequence[str],
    *,
    seed: int,
    deterministic: bool = False,
    threads: int | None = None,
    name: str | None = None,
    outputs: Sequence[str] = (),
    store: Store | None = None,
    sweep: str | None = None,
    tags: Mapping[str, str] | None = None,
    extra_env: Mapping[str, str] | None = None,
    echo: bool = True,
    cwd: str | None = None,
    streams: Mapping[str, int | str] | None = None,
) -> RunResult:
    """Run ``command`` with its randomness pinned to ``seed`` and record it in the store.

    Args:
        command: the program and its arguments, e.g. ``["python", "train.py"]``.
        seed: the root seed (an int in ``[0, 2**128)``).
        deterministic: also set deterministic-mode variables and flags.
        threads: pin thread pools to this many threads.
        name: a name for the run (``--seed last`` and ``seedlock runs --name`` use it).
        outputs: files or directories (relative to ``cwd``) whose SHA-256 to record.
        store: where to record; ``None`` means :class:`~seedlock.store.Store` ``()``.
        sweep: the sweep this run belongs to.
        tags: free-form key/value labels.
        extra_env: more variables for the child.
        echo: stream the child's output through to ours while capturing it.
        cwd: the child's working directory (default: ours).
        streams: streams given their own root (``{"data": 3}``), exported as
            ``$SEEDLOCK_STREAMS`` and recorded as the tag ``streams``.

    Returns:
        The finished record and the child's full stdout and stderr.

    Raises:
        SeedlockError: the command cannot start (a ``failed`` record is kept), or an output is
            missing after the run (the record keeps the outputs that exist).

    Example:
        >>> import sys, tempfile, os
        >>> store = Store(os.path.join(tempfile.mkdtemp(), "runs.db"))
        >>> code = "import os; print(os.environ['SEEDLOCK_SEED'])"
        >>> result = run_command([sys.executable, "-c", code], seed=7, store=store, echo=False)
        >>> result.stdout, result.record.status
        ('7\\n', 'finished')
    """
    command = [os.fspath(part) for part in command]
    if not command:
        raise SeedlockError(
            "no command to run. Put it after '--', e.g. seedlock run --seed 1 -- python train.py"
        )
    seed = normalize_seed(seed)
    validate.check_threads(threads, func="run_command")
    validate.check_label(name, func="run_command", param="name")
    stopped = stop_requested()
    if stopped is not None:
        raise SeedlockError(
            f"not started: seedlock is stopping after {signal.Signals(stopped).name}."
        )
    own = normalize_streams(streams or {}, name="run_command(streams=...)")
    if own:
        tags = {**(tags or {}), "streams": format_streams(own)}
    unseeded = unseeded_reason(command)
    if unseeded is not None:
        tags = {**(tags or {}), UNSEEDED_TAG: unseeded}
        _log.warning("seedlock: %s (drop the flag to seed it)", unseeded)
    store = store if store is not None else Store()
    workdir = os.path.abspath(cwd if cwd is not None else os.getcwd())
    record = store.start_run(
        name=name,
        command=command,
        cwd=workdir,
        seed=seed,
        deterministic=deterministic,
        threads=threads,
        sweep=sweep,
        tags=tags,
    )
    run_dir = store.run_dir(record.id)
    try:
        run_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        message = f"cannot create the run directory {str(run_dir)!r}: {exc.strerror or exc}"
        with contextlib.suppress(SeedlockError):
            store.finish_run(record.id, exit_code=None, status="failed", stderr_tail=message)
        raise StoreError(
            f"{message}. The command did not start. Free space or fix permissions there, or pass "
            "another store with --store / $SEEDLOCK_STORE.",
            path=str(store.path),
            disk_full=exc.errno == errno.ENOSPC,
        ) from exc
    _reserve_exit(run_dir)
    env = child_env(
        seed=seed,
        deterministic=deterministic,
        threads=threads,
        run_id=record.id,
        run_dir=str(run_dir),
        extra_env=extra_env,
        streams=own,
    )
    try:
        proc = subprocess.Popen(
            command,
            cwd=workdir,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            **popen_options(),
        )
    except OSError as exc:
        message = f"cannot start {command[0]!r}: {exc.strerror or exc}"
        store.finish_run(record.id, exit_code=None, status="failed", stderr_tail=message)
        raise SeedlockError(
            f"{message} (command {command!r}). Check that the program exists and is executable, "
            f"or give its full path. The failed run is recorded as {record.id}."
        ) from exc
    assert proc.stdout is not None and proc.stderr is not None
    pumps = (
        _Pump(proc.stdout, sys.stdout if echo else None),
        _Pump(proc.stderr, sys.stderr if echo else None),
    )
    for pump in pumps:
        pump.start()
    with forward_signals(), track_child(proc):
        returncode = proc.wait()
        for pump in pumps:
            # A background process the command started (`cmd &`, a daemon) may hold the pipes
            # open long after the command exited; the run ends with the command, not with it.
            pump.join(timeout=_PIPE_GRACE_S)
    stdout, stderr = (pump.text() for pump in pumps)

    stopped = stop_requested()
    if stopped is not None and returncode != 0:
        # Ended by a signal passed on from seedlock (Ctrl-C, SIGTERM): recorded as killed by
        # it, whatever the command made of it (Python exits 1 on KeyboardInterrupt).
        returncode = -stopped
    status = _status(returncode)
    out_tail, err_tail = stdout[-_TAIL_CHARS:], stderr[-_TAIL_CHARS:]
    try:
        found = _collect(run_dir, outputs, workdir, _store_files(store))
    except BaseException:
        # Whatever went wrong reading the results, the run itself is over: record how it ended.
        store.finish_run(
            record.id,
            exit_code=returncode,
            status=status,
            stdout_tail=out_tail,
            stderr_tail=err_tail,
        )
        raise
    ending: dict[str, Any] = {
        "exit_code": returncode,
        "status": status,
        "metrics": found.metrics,
        "metric_history": found.history,
        "outputs": found.outputs,
        "stdout_tail": out_tail,
        "stderr_tail": err_tail,
        "fingerprint": found.fingerprint,
        "doctor": found.doctor,
        "ended": time.time(),
    }
    try:
        final = store.finish_run(record.id, **ending)
    except StoreError as exc:
        # The run itself is over: keep its outcome for the caller and on disk for a later
        # `seedlock runs repair`, instead of losing the child's exit code to a traceback.
        _save_exit(run_dir, ending)
        unrecorded = dataclasses.replace(record, **ending)
        return RunResult(record=unrecorded, stdout=stdout, stderr=stderr, store_error=str(exc))
    missing = found.missing
    if missing:
        raise SeedlockError(
            f"output {'path' if len(missing) == 1 else 'paths'} {', '.join(map(repr, missing))} "
            f"did not exist after the run (in {workdir!r}). Check --outputs against what the "
            f"command writes. The run is recorded as {final.id} with the outputs that exist."
        )
    return RunResult(record=final, stdout=stdout, stderr=stderr)
