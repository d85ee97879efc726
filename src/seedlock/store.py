"""The embedded run store: one SQLite file (default ``.seedlock/runs.db``) holding every run.

Determinism contract: the store only records; it never draws randomness (run ids come from OS
entropy and carry no meaning). Records are plain JSON-able values in a versioned schema read by a
validating loader, so a record written by one seedlock version is read identically by later ones,
and a file that is not a seedlock store is refused without being modified.
"""

from __future__ import annotations

import builtins
import dataclasses
import json
import os
import secrets
import shutil
import socket
import sqlite3
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from seedlock._base import envvars
from seedlock._errors import SeedlockError, StateError

__all__ = ["STATUSES", "RunRecord", "Store", "default_store_path"]

#: Value of the ``format`` key in the ``meta`` table of every seedlock store.
STORE_FORMAT = "seedlock-runs"
#: The schema version this code writes; older stores are migrated on open.
SCHEMA_VERSION = 1
#: Every status a record can have. ``unfinished`` is never stored: it is how a ``running`` record
#: reads once the process that launched it is gone.
STATUSES = ("running", "finished", "failed", "killed", "unfinished")
STORE_ENV = envvars.STORE

_SQLITE_MAGIC = b"SQLite format 3\x00"
_BUSY_TIMEOUT_MS = 30_000
_HOST = socket.gethostname()


def default_store_path() -> Path:
    """``$SEEDLOCK_STORE`` if set, else ``./.seedlock/runs.db`` in the working directory."""
    env = os.environ.get(STORE_ENV)
    return Path(env) if env else Path.cwd() / ".seedlock" / "runs.db"


@dataclass(frozen=True)
class RunRecord:
    """One launched command: what ran, with which seed, and what came out.

    Example:
        >>> rec = RunRecord(id="0123456789ab", name=None, command=["python", "t.py"], cwd="/tmp",
        ...                 seed=42, status="finished", exit_code=0, started=0.0, ended=1.0)
        >>> rec.to_dict()["seed"]
        42
    """

    id: str
    name: str | None
    command: list[str]
    cwd: str
    seed: int
    status: str
    exit_code: int | None
    started: float
    ended: float | None
    deterministic: bool = False
    threads: int | None = None
    sweep: str | None = None
    tags: dict[str, str] = field(default_factory=dict)
    fingerprint: dict[str, Any] | None = None
    doctor: list[dict[str, Any]] = field(default_factory=list)
    metrics: dict[str, float | int | str] = field(default_factory=dict)
    metric_history: list[dict[str, Any]] = field(default_factory=list)
    outputs: dict[str, str] = field(default_factory=dict)
    stdout_tail: str = ""
    stderr_tail: str = ""
    host: str = ""
    pid: int | None = None

    @property
    def duration(self) -> float | None:
        """Seconds between start and end, ``None`` while running."""
        return None if self.ended is None else self.ended - self.started

    def to_dict(self) -> dict[str, object]:
        """A JSON-able dict of every field (the seed stays an exact int)."""
        return dataclasses.asdict(self)


_COLUMNS = (
    "id",
    "name",
    "command",
    "cwd",
    "seed",
    "status",
    "exit_code",
    "started",
    "ended",
    "deterministic",
    "threads",
    "sweep",
    "tags",
    "fingerprint",
    "doctor",
    "metrics",
    "metric_history",
    "outputs",
    "stdout_tail",
    "stderr_tail",
    "host",
    "pid",
)
_PLACEHOLDERS = ", ".join("?" * len(_COLUMNS))


def _create_v1(conn: sqlite3.Connection) -> None:
    conn.execute(
        """CREATE TABLE runs (
            id TEXT PRIMARY KEY,
            name TEXT,
            command TEXT NOT NULL,
            cwd TEXT NOT NULL,
            seed TEXT NOT NULL,
            status TEXT NOT NULL,
            exit_code INTEGER,
            started REAL NOT NULL,
            ended REAL,
            deterministic INTEGER NOT NULL,
            threads INTEGER,
            sweep TEXT,
            tags TEXT NOT NULL,
            fingerprint TEXT,
            doctor TEXT NOT NULL,
            metrics TEXT NOT NULL,
            metric_history TEXT NOT NULL,
            outputs TEXT NOT NULL,
            stdout_tail TEXT NOT NULL,
            stderr_tail TEXT NOT NULL,
            host TEXT NOT NULL,
            pid INTEGER
        )"""
    )
    conn.execute("CREATE INDEX runs_name ON runs (name, started)")
    conn.execute("CREATE INDEX runs_sweep ON runs (sweep, started)")
    conn.execute("CREATE INDEX runs_started ON runs (started)")


# _MIGRATIONS[v] turns a schema of version v - 1 (0: empty file) into version v.
_MIGRATIONS: dict[int, Callable[[sqlite3.Connection], None]] = {1: _create_v1}


def migrate(conn: sqlite3.Connection, from_version: int) -> int:
    """Apply every migration after ``from_version``, inside the caller's transaction.

    Returns:
        The schema version reached (:data:`SCHEMA_VERSION`).
    """
    for version in range(from_version + 1, SCHEMA_VERSION + 1):
        _MIGRATIONS[version](conn)
    return SCHEMA_VERSION


def _json_or_none(text: str | None) -> Any:
    return None if text is None else json.loads(text)


def _proc_state(pid: int) -> tuple[str, float] | None:
    """State letter and start time (epoch seconds) of a process, from Linux's /proc."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as fh:
            fields = fh.read().rsplit(")", 1)[1].split()
        with open("/proc/stat", encoding="ascii") as fh:
            boot = next(float(line.split()[1]) for line in fh if line.startswith("btime "))
        return fields[0], boot + int(fields[19]) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError, StopIteration):
        return None


def _process_gone(pid: int, since: float) -> bool:
    """Whether the process that started a run at ``since`` ended (gone, zombie, pid reused)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        pass
    state = _proc_state(pid)
    if state is None:
        return False
    letter, start = state
    # A process that started after the run did is another one that got the same pid.
    return letter in ("Z", "X") or start > since + 1.0


class Store:
    """Run records in an SQLite file (WAL mode, safe for many processes at once).

    Args:
        path: the database file; ``None`` means ``$SEEDLOCK_STORE`` or ``./.seedlock/runs.db``.
            It is created on first write. A file that is not a seedlock store raises
            :class:`~seedlock.SeedlockError` and is left untouched.

    Example:
        >>> import tempfile, os
        >>> store = Store(os.path.join(tempfile.mkdtemp(), "runs.db"))
        >>> rec = store.start_run(name="demo", command=["true"], cwd="/", seed=1)
        >>> store.finish_run(rec.id, exit_code=0, status="finished").status
        'finished'
    """

    def __init__(self, path: str | os.PathLike[str] | None = None) -> None:
        self.path = Path(path) if path is not None else default_store_path()
        self._ready = False

    def __repr__(self) -> str:
        return f"Store({str(self.path)!r})"

    # -- opening ---------------------------------------------------------------------------
    def _check_file(self) -> bool:
        """Whether the file exists with content; raises if that content is not SQLite."""
        try:
            with open(self.path, "rb") as fh:
                head = fh.read(len(_SQLITE_MAGIC))
        except FileNotFoundError:
            return False
        except IsADirectoryError:
            raise SeedlockError(
                f"run store path {str(self.path)!r} is a directory. Pass a file path such as "
                f"{str(self.path / 'runs.db')!r} to --store / $SEEDLOCK_STORE."
            ) from None
        except OSError as exc:
            raise SeedlockError(
                f"cannot read the run store {str(self.path)!r}: {exc}. Check its permissions or "
                "pass another file with --store / $SEEDLOCK_STORE."
            ) from exc
        if not head:
            return False
        if head != _SQLITE_MAGIC:
            raise SeedlockError(
                f"{str(self.path)!r} is not a seedlock run store (not an SQLite database); it was "
                "left unchanged. Pass another file with --store / $SEEDLOCK_STORE."
            )
        return True

    def _connect(self) -> sqlite3.Connection:
        conn = sqlite3.connect(self.path, timeout=_BUSY_TIMEOUT_MS / 1000, isolation_level=None)
        conn.execute(f"PRAGMA busy_timeout = {_BUSY_TIMEOUT_MS}")
        return conn

    def _read_version(self, conn: sqlite3.Connection) -> int | None:
        """Schema version of a seedlock store, ``None`` for an empty database; raises otherwise."""
        try:
            tables = {
                row[0]
                for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
            }
        except sqlite3.DatabaseError as exc:
            raise SeedlockError(
                f"{str(self.path)!r} is not a readable seedlock run store ({exc}); it was left "
                "unchanged. Pass another file with --store / $SEEDLOCK_STORE."
            ) from exc
        if not tables:
            return None
        if "meta" not in tables:
            raise SeedlockError(
                f"{str(self.path)!r} is an SQLite database but not a seedlock run store (tables "
                f"{sorted(tables)}, no 'meta' table); it was left unchanged. Pass another file "
                "with --store / $SEEDLOCK_STORE."
            )
        meta = dict(conn.execute("SELECT key, value FROM meta").fetchall())
        if meta.get("format") != STORE_FORMAT:
            raise SeedlockError(
                f"{str(self.path)!r} has format {meta.get('format')!r}, expected "
                f"{STORE_FORMAT!r}; it was left unchanged. Pass another file with --store."
            )
        try:
            version = int(meta.get("schema_version", ""))
        except ValueError:
            raise StateError(
                f"{str(self.path)!r} has an unreadable schema version "
                f"{meta.get('schema_version')!r}; the file may be corrupt."
            ) from None
        if version > SCHEMA_VERSION:
            raise SeedlockError(
                f"{str(self.path)!r} has run-store schema version {version}, but this seedlock "
                f"reads versions up to {SCHEMA_VERSION}. Upgrade seedlock to read it."
            )
        return version

    def _open(self, *, create: bool) -> sqlite3.Connection | None:
        """A connection to a valid, current store; ``None`` if it does not exist and not create."""
        exists = self._check_file()
        if not exists and not create:
            return None
        if not exists:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        conn = self._connect()
        try:
            # A store deleted since we prepared it is created afresh.
            if not self._ready or not exists:
                self._prepare(conn)
            return conn
        except BaseException:
            conn.close()
            raise

    def _prepare(self, conn: sqlite3.Connection) -> None:
        version = self._read_version(conn)
        if version is None or version < SCHEMA_VERSION:
            conn.execute("BEGIN IMMEDIATE")
            try:
                # Another process may have created or migrated it while we waited for the lock.
                version = self._read_version(conn)
                if version is None:
                    conn.execute("CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
                    conn.execute("INSERT INTO meta VALUES ('format', ?)", (STORE_FORMAT,))
                    conn.execute("INSERT INTO meta VALUES ('schema_version', '0')")
                    version = 0
                if version < SCHEMA_VERSION:
                    migrate(conn, version)
                    conn.execute(
                        "UPDATE meta SET value = ? WHERE key = 'schema_version'",
                        (str(SCHEMA_VERSION),),
                    )
                conn.execute("COMMIT")
            except BaseException:
                conn.execute("ROLLBACK")
                raise
        self._set_wal(conn)
        self._ready = True

    def _set_wal(self, conn: sqlite3.Connection) -> None:
        # Switching to WAL needs a moment with no other connection inside a transaction; SQLite
        # reports SQLITE_BUSY here without calling the busy handler, so retry briefly ourselves.
        deadline = time.monotonic() + _BUSY_TIMEOUT_MS / 1000
        while True:
            try:
                conn.execute("PRAGMA journal_mode = WAL")
                return
            except sqlite3.OperationalError as exc:
                if "locked" not in str(exc) or time.monotonic() > deadline:
                    raise
                time.sleep(0.01)

    @contextmanager
    def _conn(self, *, create: bool = False) -> Iterator[sqlite3.Connection | None]:
        conn = self._open(create=create)
        try:
            yield conn
        finally:
            if conn is not None:
                conn.close()

    # -- records ---------------------------------------------------------------------------
    def _row_to_record(self, row: Sequence[Any]) -> RunRecord:
        values = dict(zip(_COLUMNS, row, strict=True))
        try:
            status = values["status"]
            if status not in STATUSES:
                raise ValueError(f"unknown status {status!r}")
            pid = values["pid"]
            started = float(values["started"])
            if (
                status == "running"
                and values["host"] == _HOST
                and pid
                and _process_gone(pid, started)
            ):
                status = "unfinished"
            return RunRecord(
                id=values["id"],
                name=values["name"],
                command=list(json.loads(values["command"])),
                cwd=values["cwd"],
                seed=int(values["seed"]),
                status=status,
                exit_code=values["exit_code"],
                started=started,
                ended=None if values["ended"] is None else float(values["ended"]),
                deterministic=bool(values["deterministic"]),
                threads=values["threads"],
                sweep=values["sweep"],
                tags=dict(json.loads(values["tags"])),
                fingerprint=_json_or_none(values["fingerprint"]),
                doctor=list(json.loads(values["doctor"])),
                metrics=dict(json.loads(values["metrics"])),
                metric_history=list(json.loads(values["metric_history"])),
                outputs=dict(json.loads(values["outputs"])),
                stdout_tail=values["stdout_tail"],
                stderr_tail=values["stderr_tail"],
                host=values["host"],
                pid=pid,
            )
        except (ValueError, TypeError) as exc:
            raise StateError(
                f"run {values.get('id')!r} in {str(self.path)!r} is corrupt ({exc}). "
                f"Remove it with `seedlock runs rm {values.get('id')}`."
            ) from exc

    def start_run(
        self,
        *,
        name: str | None,
        command: Sequence[str],
        cwd: str,
        seed: int,
        deterministic: bool = False,
        threads: int | None = None,
        sweep: str | None = None,
        tags: Mapping[str, str] | None = None,
        started: float | None = None,
    ) -> RunRecord:
        """Record a run as ``running`` (owned by this process) and return its record.

        ``started`` (a ``time.time()`` value) defaults to now; records made elsewhere, such as
        by a Ray worker, pass their own.

        Example:
            >>> import tempfile, os
            >>> store = Store(os.path.join(tempfile.mkdtemp(), "runs.db"))
            >>> store.start_run(name=None, command=["true"], cwd="/", seed=7).status
            'running'
        """
        if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
            raise SeedlockError(f"seed must be a non-negative int, got {seed!r}.")
        record = RunRecord(
            id=secrets.token_hex(6),
            name=name,
            command=[str(part) for part in command],
            cwd=str(cwd),
            seed=seed,
            status="running",
            exit_code=None,
            started=time.time() if started is None else float(started),
            ended=None,
            deterministic=bool(deterministic),
            threads=threads,
            sweep=sweep,
            tags={str(k): str(v) for k, v in (tags or {}).items()},
            host=_HOST,
            pid=os.getpid(),
        )
        with self._conn(create=True) as conn:
            assert conn is not None
            conn.execute(
                f"INSERT INTO runs ({', '.join(_COLUMNS)}) VALUES ({_PLACEHOLDERS})",
                (
                    record.id,
                    record.name,
                    json.dumps(record.command),
                    record.cwd,
                    str(record.seed),
                    record.status,
                    None,
                    record.started,
                    None,
                    int(record.deterministic),
                    record.threads,
                    record.sweep,
                    json.dumps(record.tags),
                    None,
                    "[]",
                    "{}",
                    "[]",
                    "{}",
                    "",
                    "",
                    record.host,
                    record.pid,
                ),
            )
        return record

    def finish_run(
        self,
        run_id: str,
        *,
        exit_code: int | None,
        status: str,
        metrics: Mapping[str, float | int | str] | None = None,
        metric_history: Sequence[Mapping[str, Any]] = (),
        outputs: Mapping[str, str] | None = None,
        stdout_tail: str = "",
        stderr_tail: str = "",
        fingerprint: Mapping[str, Any] | None = None,
        doctor: Sequence[Mapping[str, Any]] = (),
        ended: float | None = None,
    ) -> RunRecord:
        """Record the end of a run (at ``ended``, default now) and return the completed record."""
        if status not in ("finished", "failed", "killed"):
            raise SeedlockError(
                f"finish_run status must be 'finished', 'failed' or 'killed', got {status!r}."
            )
        with self._conn(create=True) as conn:
            assert conn is not None
            cursor = conn.execute(
                """UPDATE runs SET status = ?, exit_code = ?, ended = ?, metrics = ?,
                   metric_history = ?, outputs = ?, stdout_tail = ?, stderr_tail = ?,
                   fingerprint = ?, doctor = ? WHERE id = ?""",
                (
                    status,
                    exit_code,
                    time.time() if ended is None else float(ended),
                    json.dumps(dict(metrics or {})),
                    json.dumps([dict(m) for m in metric_history]),
                    json.dumps(dict(outputs or {})),
                    stdout_tail,
                    stderr_tail,
                    None if fingerprint is None else json.dumps(dict(fingerprint)),
                    json.dumps([dict(d) for d in doctor]),
                    run_id,
                ),
            )
            if cursor.rowcount != 1:
                raise SeedlockError(f"no run {run_id!r} in {str(self.path)!r} to finish.")
        return self.get(run_id)

    def get(self, run_id: str) -> RunRecord:
        """The run whose id is ``run_id`` or starts with it (a unique prefix).

        Raises:
            SeedlockError: no such run, or the prefix matches several runs.
        """
        if not run_id or not all(c in "0123456789abcdef" for c in run_id):
            raise SeedlockError(
                f"run id must be hex digits (a full id or a unique prefix), got {run_id!r}. "
                "List ids with `seedlock runs`."
            )
        with self._conn() as conn:
            rows = (
                []
                if conn is None
                else conn.execute(
                    f"SELECT {', '.join(_COLUMNS)} FROM runs WHERE id LIKE ? LIMIT 2",
                    (run_id + "%",),
                ).fetchall()
            )
        if not rows:
            raise SeedlockError(
                f"no run with id {run_id!r} in {str(self.path)!r}. List ids with `seedlock runs`."
            )
        if len(rows) > 1:
            raise SeedlockError(
                f"run id prefix {run_id!r} matches several runs in {str(self.path)!r}; give more "
                "characters of the id."
            )
        return self._row_to_record(rows[0])

    def list(
        self,
        *,
        name: str | None = None,
        sweep: str | None = None,
        status: str | None = None,
        limit: int | None = None,
    ) -> builtins.list[RunRecord]:
        """Runs, newest first, optionally filtered by name, sweep and (read) status."""
        if status is not None and status not in STATUSES:
            raise SeedlockError(f"status must be one of {', '.join(STATUSES)}, got {status!r}.")
        if limit is not None and limit < 0:
            raise SeedlockError(f"limit must be >= 0, got {limit}.")
        where, params = [], []
        if name is not None:
            where.append("name = ?")
            params.append(name)
        if sweep is not None:
            where.append("sweep = ?")
            params.append(sweep)
        if status in ("running", "unfinished"):
            where.append("status = 'running'")
        elif status is not None:
            where.append("status = ?")
            params.append(status)
        sql = f"SELECT {', '.join(_COLUMNS)} FROM runs"
        if where:
            sql += " WHERE " + " AND ".join(where)
        sql += " ORDER BY started DESC, rowid DESC"
        with self._conn() as conn:
            rows = [] if conn is None else conn.execute(sql, params).fetchall()
        records = [self._row_to_record(row) for row in rows]
        if status is not None:
            records = [r for r in records if r.status == status]
        return records if limit is None else records[:limit]

    def latest(
        self, *, name: str | None = None, command: Sequence[str] | None = None
    ) -> RunRecord | None:
        """The newest run with this name (and/or exactly this command), or ``None``."""
        where, params = [], []
        if name is not None:
            where.append("name = ?")
            params.append(name)
        if command is not None:
            where.append("command = ?")
            params.append(json.dumps([str(part) for part in command]))
        sql = f"SELECT {', '.join(_COLUMNS)} FROM runs"
        if where:
            sql += " WHERE " + " AND ".join(where)
        sql += " ORDER BY started DESC, rowid DESC LIMIT 1"
        with self._conn() as conn:
            row = None if conn is None else conn.execute(sql, params).fetchone()
        return None if row is None else self._row_to_record(row)

    def delete(self, run_id: str) -> None:
        """Remove a run (id or unique prefix) and its run directory."""
        record = self.get(run_id)
        with self._conn() as conn:
            assert conn is not None
            conn.execute("DELETE FROM runs WHERE id = ?", (record.id,))
        shutil.rmtree(self.run_dir(record.id), ignore_errors=True)

    def run_dir(self, run_id: str) -> Path:
        """The directory where a run's process writes metrics, artifacts and its fingerprint."""
        return self.path.parent / "runs" / run_id
