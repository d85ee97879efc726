"""The embedded run store: one SQLite file (default ``.seedlock/runs.db``) holding every run.

Determinism contract: the store only records; it never draws randomness (run ids come from OS
entropy and carry no meaning). Records are plain JSON-able values in a versioned schema read by a
validating loader, so a record written by one seedlock version is read identically by later ones,
and a file that is not a seedlock store is refused without being modified.
"""

from __future__ import annotations

import builtins
import contextlib
import dataclasses
import errno
import json
import os
import shutil
import socket
import sqlite3
import stat
import time
import urllib.parse
from collections.abc import Callable, Generator, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

from seedlock._base import envvars, validate
from seedlock._errors import SeedlockError, StateError, StoreError

__all__ = ["STATUSES", "RunRecord", "Store", "StoreError", "SweepRow", "default_store_path"]

#: Value of the ``format`` key in the ``meta`` table of every seedlock store.
STORE_FORMAT = "seedlock-runs"
#: The schema version this code writes; older stores are migrated on open.
SCHEMA_VERSION = 1
#: Every status a record can have. ``unfinished`` and ``corrupt`` are never stored: they are how
#: a ``running`` record reads once the process that launched it is gone, and how a row with a
#: damaged field reads (its :attr:`RunRecord.problem` says which).
STATUSES = ("running", "finished", "failed", "killed", "unfinished", "corrupt")
STORE_ENV = envvars.STORE

_BUSY_TIMEOUT_MS = 30_000
# SQLite's primary result codes (the low byte of an extended code).
_SQLITE_BUSY, _SQLITE_LOCKED, _SQLITE_IOERR, _SQLITE_CORRUPT = 5, 6, 10, 11
_SQLITE_FULL, _SQLITE_CANTOPEN, _SQLITE_NOTADB = 13, 14, 26
# Below this much free space an I/O error while opening is taken for a full disk.
_LOW_SPACE = 1 << 20
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
    problem: str | None = None

    @property
    def duration(self) -> float | None:
        """Seconds between start and end, ``None`` while running."""
        return None if self.ended is None else self.ended - self.started

    def to_dict(self) -> dict[str, object]:
        """A JSON-able dict of every field (the seed stays an exact int).

        Nested values (metrics, fingerprint, ...) are the record's own, not copies: copying a
        large fingerprint for every record made listing a big store slow.
        """
        return {f.name: getattr(self, f.name) for f in _FIELDS}


_FIELDS = dataclasses.fields(RunRecord)
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
_SELECT = f"SELECT {', '.join(_COLUMNS)} FROM runs"
# Columns stored as JSON, with the type each must decode to (None: JSON or NULL).
_JSON_FIELDS: dict[str, Callable[[Any], Any] | None] = {
    "command": list,
    "tags": dict,
    "fingerprint": None,
    "doctor": list,
    "metrics": dict,
    "metric_history": list,
    "outputs": dict,
}


class SweepRow(NamedTuple):
    """What statistics need of one run of a sweep (see :meth:`Store.sweep_rows`)."""

    seed: int
    status: str
    metrics: dict[str, Any]


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


def _rollback(conn: sqlite3.Connection) -> None:
    # SQLite rolls some failed transactions back itself; a second ROLLBACK then fails harmlessly.
    if conn.in_transaction:
        with contextlib.suppress(sqlite3.Error):
            conn.execute("ROLLBACK")


def _existing_parent(path: Path) -> Path:
    for candidate in (path, *path.parents):
        if candidate.exists():
            return candidate
    return Path("/")


def _free_bytes(path: Path) -> int:
    """Bytes free to unprivileged users on the file system holding ``path``."""
    try:
        info = os.statvfs(_existing_parent(path))
    except OSError:
        return _LOW_SPACE
    return info.f_bavail * info.f_frsize


def _disk_text(path: Path) -> str:
    """``"disk mounted at /data, 0 bytes free"`` for the file system holding ``path``."""
    mount = _existing_parent(path).resolve()
    try:
        device = os.stat(mount).st_dev
        while mount.parent != mount and os.stat(mount.parent).st_dev == device:
            mount = mount.parent
    except OSError:
        pass
    return f"disk mounted at {str(mount)}, {_free_bytes(path):,} bytes free"


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
    # The file itself is never opened here, only stat()ed: closing any descriptor of a database
    # file drops every POSIX lock this process holds on it, including the locks of another
    # thread's open connection, and lets other processes write under it (SQLite's "How To
    # Corrupt An SQLite Database File", section 2.2). Its header is checked through SQLite.
    def _check_file(self) -> bool:
        """Whether the file exists with content; raises if the path cannot be a store."""
        try:
            info = os.stat(self.path)
        except FileNotFoundError:
            return False
        except OSError as exc:
            raise StoreError(
                f"cannot read the run store {str(self.path)!r}: {exc.strerror or exc}. Check the "
                "directory's permissions or pass another store file (or $SEEDLOCK_STORE).",
                path=str(self.path),
            ) from exc
        if stat.S_ISDIR(info.st_mode):
            raise SeedlockError(
                f"run store path {str(self.path)!r} is a directory. Pass a file path such as "
                f"{str(self.path / 'runs.db')!r} as the store path (or $SEEDLOCK_STORE)."
            )
        if not stat.S_ISREG(info.st_mode):
            raise SeedlockError(
                f"run store path {str(self.path)!r} is not a regular file (a device, FIFO or "
                "socket); it was left unchanged. Pass a file path such as "
                "'.seedlock/runs.db' as the store path (or $SEEDLOCK_STORE)."
            )
        return info.st_size > 0

    def _error(self, exc: sqlite3.Error, doing: str) -> StoreError:
        """A clear :class:`StoreError` for an SQLite failure while ``doing`` something."""
        code = (getattr(exc, "sqlite_errorcode", None) or 0) & 0xFF
        where = str(self.path)
        if code == _SQLITE_FULL or (
            code in (_SQLITE_IOERR, _SQLITE_CANTOPEN) and _free_bytes(self.path) < _LOW_SPACE
        ):
            return StoreError(
                f"cannot {doing}: no space left on the disk holding the run store {where!r} "
                f"({_disk_text(self.path)}). Free some space there (or use another store file or "
                "$SEEDLOCK_STORE), then run `seedlock runs repair` to record what "
                "interrupted runs left on disk.",
                path=where,
                disk_full=True,
            )
        if code == _SQLITE_NOTADB:
            return StoreError(
                f"{where!r} is not a seedlock run store (not an SQLite database); it was left "
                "unchanged. Pass another file as the store path (or $SEEDLOCK_STORE).",
                path=where,
            )
        if code == _SQLITE_CORRUPT:
            return StoreError(
                f"the run store {where!r} is damaged ({exc}); it was left unchanged. Restore it "
                "from a backup, or recover what is readable with `sqlite3 runs.db .recover`.",
                path=where,
            )
        if code in (_SQLITE_BUSY, _SQLITE_LOCKED):
            return StoreError(
                f"cannot {doing}: the run store {where!r} stayed locked by another process for "
                f"{_BUSY_TIMEOUT_MS // 1000} s ({exc}). Retry when the other seedlock commands "
                "have ended.",
                path=where,
            )
        return StoreError(
            f"cannot {doing} in the run store {where!r} ({exc}). Check the file and its "
            "directory are writable, or pass another file as the store path (or $SEEDLOCK_STORE).",
            path=where,
        )

    def _connect(self) -> sqlite3.Connection:
        try:
            conn = sqlite3.connect(self.path, timeout=_BUSY_TIMEOUT_MS / 1000, isolation_level=None)
            conn.execute(f"PRAGMA busy_timeout = {_BUSY_TIMEOUT_MS}")
        except sqlite3.Error as exc:
            raise self._error(exc, "open the run store") from exc
        return conn

    def _read_version(self, conn: sqlite3.Connection) -> int | None:
        """Schema version of a seedlock store, ``None`` for an empty database; raises otherwise."""
        try:
            tables = {
                row[0]
                for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
            }
            meta = (
                dict(conn.execute("SELECT key, value FROM meta").fetchall())
                if "meta" in tables
                else {}
            )
        except sqlite3.Error as exc:
            raise self._error(exc, "read the run store") from exc
        if not tables:
            return None
        if "meta" not in tables:
            raise SeedlockError(
                f"{str(self.path)!r} is an SQLite database but not a seedlock run store (tables "
                f"{sorted(tables)}, no 'meta' table); it was left unchanged. Pass another "
                "store path (or $SEEDLOCK_STORE)."
            )
        if meta.get("format") != STORE_FORMAT:
            raise SeedlockError(
                f"{str(self.path)!r} has format {meta.get('format')!r}, expected "
                f"{STORE_FORMAT!r}; it was left unchanged. Pass another store path."
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
            try:
                self.path.parent.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise StoreError(
                    f"cannot create the run store's directory {str(self.path.parent)!r}: "
                    f"{exc.strerror or exc}"
                    + (f" ({_disk_text(self.path.parent)})" if exc.errno == errno.ENOSPC else "")
                    + ". Pass another file as the store path (or $SEEDLOCK_STORE).",
                    path=str(self.path),
                    disk_full=exc.errno == errno.ENOSPC,
                ) from exc
        try:
            conn = self._connect()
        except StoreError as exc:
            if create or not self._cannot_write(exc):
                raise
            return self._open_frozen()
        try:
            # A store deleted since we prepared it is created afresh.
            if not self._ready or not exists:
                self._prepare(conn)
            return conn
        except StoreError as exc:
            conn.close()
            if create or not self._cannot_write(exc):
                raise
            return self._open_frozen()
        except BaseException:
            conn.close()
            raise

    def _cannot_write(self, exc: StoreError) -> bool:
        """Whether opening failed for want of space or write permission (reads still can)."""
        return exc.disk_full or not (
            os.access(self.path, os.W_OK) and os.access(self.path.parent, os.W_OK)
        )

    def _open_frozen(self) -> sqlite3.Connection | None:
        """A read-only view for a full disk or a read-only directory.

        A WAL-mode database normally needs its ``-shm`` file created even to read; ``immutable``
        reads the main file alone. Everything a closed store holds is there (the last connection
        checkpoints the WAL into it); a log left by a crashed writer is not read until then.
        """
        uri = "file:" + urllib.parse.quote(str(self.path.resolve())) + "?immutable=1"
        try:
            conn = sqlite3.connect(uri, uri=True, isolation_level=None)
        except sqlite3.Error as exc:
            raise self._error(exc, "read the run store") from exc
        try:
            version = self._read_version(conn)
            if version is None:
                conn.close()
                return None
            if version < SCHEMA_VERSION:
                raise StoreError(
                    f"the run store {str(self.path)!r} has schema version {version} and must be "
                    "upgraded, which needs free space and write access there.",
                    path=str(self.path),
                )
            return conn
        except BaseException:
            conn.close()
            raise

    def _prepare(self, conn: sqlite3.Connection) -> None:
        version = self._read_version(conn)
        if version is None or version < SCHEMA_VERSION:
            try:
                conn.execute("BEGIN IMMEDIATE")
            except sqlite3.Error as exc:
                raise self._error(exc, "create the run store") from exc
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
            except sqlite3.Error as exc:
                _rollback(conn)
                raise self._error(exc, "create the run store") from exc
            except BaseException:
                _rollback(conn)
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
                    raise self._error(exc, "open the run store") from exc
                time.sleep(0.01)

    @contextmanager
    def _conn(self, *, create: bool = False) -> Iterator[sqlite3.Connection | None]:
        """A fresh connection for this thread, closed on exit (connections are never shared)."""
        conn = self._open(create=create)
        try:
            yield conn
        finally:
            if conn is not None:
                conn.close()

    def _write(self, doing: str, sql: str, params: Sequence[Any]) -> int:
        """Run one write statement in its own ``BEGIN IMMEDIATE`` transaction; its row count.

        The write lock is taken up front, so the busy timeout covers the whole wait and no
        transaction ever has to upgrade a read lock (which fails at once under contention).
        """
        deadline = time.monotonic() + _BUSY_TIMEOUT_MS / 1000
        delay = 0.005
        while True:
            with self._conn(create=True) as conn:
                assert conn is not None
                try:
                    conn.execute("BEGIN IMMEDIATE")
                    count = conn.execute(sql, params).rowcount
                    conn.execute("COMMIT")
                    return count
                except sqlite3.Error as exc:
                    _rollback(conn)
                    code = (getattr(exc, "sqlite_errorcode", None) or 0) & 0xFF
                    if code not in (_SQLITE_BUSY, _SQLITE_LOCKED) or time.monotonic() > deadline:
                        raise self._error(exc, doing) from exc
            time.sleep(delay)
            delay = min(delay * 2, 0.2)

    def _read(
        self, doing: str, sql: str, params: Sequence[Any] = ()
    ) -> Generator[Sequence[Any], None, None]:
        """Rows of a query, streamed (the connection stays open until the iterator is done)."""
        conn = self._open(create=False)
        if conn is None:
            return
        try:
            try:
                cursor = conn.execute(sql, params)
            except sqlite3.Error as exc:
                # Reading a WAL store creates its -shm file first: on a full disk or in a
                # read-only directory that fails, and the read-only view still answers.
                error = self._error(exc, doing)
                if not self._cannot_write(error):
                    raise error from exc
                conn.close()
                conn = self._open_frozen()
                if conn is None:
                    return
                cursor = conn.execute(sql, params)
            while True:
                rows = cursor.fetchmany(256)
                if not rows:
                    return
                yield from rows
        except sqlite3.Error as exc:
            raise self._error(exc, doing) from exc
        finally:
            if conn is not None:
                conn.close()

    # -- records ---------------------------------------------------------------------------
    def _row_to_record(self, row: Sequence[Any]) -> RunRecord:
        """The record of one row; a row with a damaged field reads as status ``corrupt``."""
        values = dict(zip(_COLUMNS, row, strict=True))
        try:
            return self._parse_row(values)
        except (ValueError, TypeError) as exc:
            return self._corrupt_record(values, exc)

    def _parse_row(self, values: dict[str, Any]) -> RunRecord:
        status = values["status"]
        if status not in STATUSES:
            raise ValueError(f"status: unknown status {status!r}")
        pid = values["pid"]
        started = float(values["started"])
        if status == "running" and values["host"] == _HOST and pid and _process_gone(pid, started):
            status = "unfinished"
        fields: dict[str, Any] = {}
        for name, kind in _JSON_FIELDS.items():
            try:
                fields[name] = (
                    _json_or_none(values[name]) if kind is None else kind(json.loads(values[name]))
                )
            except (ValueError, TypeError) as exc:
                raise ValueError(f"{name}: {exc}") from exc
        return RunRecord(
            id=values["id"],
            name=values["name"],
            cwd=values["cwd"],
            seed=int(values["seed"]),
            status=status,
            exit_code=values["exit_code"],
            started=started,
            ended=None if values["ended"] is None else float(values["ended"]),
            deterministic=bool(values["deterministic"]),
            threads=values["threads"],
            sweep=values["sweep"],
            stdout_tail=values["stdout_tail"],
            stderr_tail=values["stderr_tail"],
            host=values["host"],
            pid=pid,
            **fields,
        )

    def _corrupt_record(self, values: dict[str, Any], exc: Exception) -> RunRecord:
        """What can be read of a damaged row, flagged ``corrupt`` with the reason."""

        def safe(convert: Callable[[Any], Any], value: Any, default: Any) -> Any:
            try:
                return convert(value)
            except (ValueError, TypeError):
                return default

        run_id = str(values.get("id"))
        return RunRecord(
            id=run_id,
            name=values["name"] if isinstance(values["name"], str) else None,
            command=safe(lambda v: [str(p) for p in json.loads(v)], values["command"], []),
            cwd=str(values["cwd"]),
            seed=safe(int, values["seed"], 0),
            status="corrupt",
            exit_code=values["exit_code"] if isinstance(values["exit_code"], int) else None,
            started=safe(float, values["started"], 0.0),
            ended=safe(float, values["ended"], None),
            sweep=values["sweep"] if isinstance(values["sweep"], str) else None,
            host=str(values["host"]),
            pid=values["pid"] if isinstance(values["pid"], int) else None,
            problem=(
                f"run {run_id!r} in {str(self.path)!r} is corrupt ({exc}). "
                f"Remove it with `seedlock runs rm {run_id}`."
            ),
        )

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
        validate.check_int(seed, func="Store.start_run", param="seed", low=0)
        record = RunRecord(
            id=os.urandom(6).hex(),
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
        self._write(
            "record the start of a run",
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
        count = self._write(
            "record the end of a run",
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
        if count != 1:
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
        rows = list(self._read("read a run", f"{_SELECT} WHERE id LIKE ? LIMIT 2", (run_id + "%",)))
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

    def runs(
        self,
        *,
        name: str | None = None,
        sweep: str | None = None,
        status: str | None = None,
        limit: int | None = None,
    ) -> builtins.list[RunRecord]:
        """Runs, newest first, optionally filtered by name, sweep and (read) status.

        A row with a damaged field is listed with status ``corrupt`` (see
        :attr:`RunRecord.problem`) instead of hiding the others.
        """
        return builtins.list(self.iter_runs(name=name, sweep=sweep, status=status, limit=limit))

    def iter_runs(
        self,
        *,
        name: str | None = None,
        sweep: str | None = None,
        status: str | None = None,
        limit: int | None = None,
    ) -> Iterator[RunRecord]:
        """Like :meth:`list`, but streamed: rows are read as the iterator is consumed.

        Example:
            >>> import tempfile, os
            >>> store = Store(os.path.join(tempfile.mkdtemp(), "runs.db"))
            >>> [r.seed for r in store.iter_runs(limit=1)]
            []
        """
        if status is not None:
            validate.check_choice(status, STATUSES, func="Store.iter_runs", param="status")
        if limit is not None:
            validate.check_int(limit, func="Store.iter_runs", param="limit", low=0)
        if limit == 0:
            return
        where, params = [], []
        if name is not None:
            where.append("name = ?")
            params.append(name)
        if sweep is not None:
            where.append("sweep = ?")
            params.append(sweep)
        if status in ("running", "unfinished"):
            where.append("status = 'running'")
        elif status is not None and status != "corrupt":
            where.append("status = ?")
            params.append(status)
        sql = _SELECT
        if where:
            sql += " WHERE " + " AND ".join(where)
        sql += " ORDER BY started DESC, rowid DESC"
        count = 0
        rows = self._read("list runs", sql, params)
        try:
            for row in rows:
                record = self._row_to_record(row)
                if status is not None and record.status != status:
                    continue
                yield record
                count += 1
                if limit is not None and count >= limit:
                    return
        finally:
            rows.close()

    def sweep_rows(self, sweep: str) -> Iterator[SweepRow]:
        """Seed, (read) status and metrics of every run of a sweep, oldest first, streamed.

        Reads three columns of the sweep's rows only, so it stays fast and small on a store of
        any size. A row whose metrics are damaged comes back with status ``corrupt``.

        Example:
            >>> import tempfile, os
            >>> store = Store(os.path.join(tempfile.mkdtemp(), "runs.db"))
            >>> rec = store.start_run(name="s", command=["t"], cwd="/", seed=3, sweep="s")
            >>> _ = store.finish_run(rec.id, exit_code=0, status="finished", metrics={"acc": 1})
            >>> list(store.sweep_rows("s"))
            [SweepRow(seed=3, status='finished', metrics={'acc': 1})]
        """
        sql = (
            "SELECT seed, status, metrics, host, pid, started FROM runs WHERE sweep = ? "
            "ORDER BY started, rowid"
        )
        rows = self._read("read a sweep", sql, (sweep,))
        try:
            for seed_text, status, metrics_text, host, pid, started in rows:
                try:
                    seed = int(seed_text)
                    metrics = json.loads(metrics_text)
                    if not isinstance(metrics, dict):
                        raise TypeError("metrics is not a JSON object")
                    if (
                        status == "running"
                        and host == _HOST
                        and pid
                        and _process_gone(pid, float(started))
                    ):
                        status = "unfinished"
                except (ValueError, TypeError):
                    yield SweepRow(-1, "corrupt", {})
                    continue
                yield SweepRow(seed, status, metrics)
        finally:
            rows.close()

    def sweeps(self) -> builtins.list[str]:
        """Names of the sweeps in the store, sorted."""
        rows = self._read(
            "list sweeps", "SELECT DISTINCT sweep FROM runs WHERE sweep IS NOT NULL ORDER BY 1"
        )
        return [str(row[0]) for row in rows]

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
        sql = _SELECT
        if where:
            sql += " WHERE " + " AND ".join(where)
        sql += " ORDER BY started DESC, rowid DESC LIMIT 1"
        rows = builtins.list(self._read("read the latest run", sql, params))
        return self._row_to_record(rows[0]) if rows else None

    def delete(self, run_id: str) -> None:
        """Remove a run (id or unique prefix, a corrupt one too) and its run directory."""
        record = self.get(run_id)
        self._write("remove a run", "DELETE FROM runs WHERE id = ?", (record.id,))
        shutil.rmtree(self.run_dir(record.id), ignore_errors=True)

    def run_dir(self, run_id: str) -> Path:
        """The directory where a run's process writes metrics, artifacts and its fingerprint."""
        return self.path.parent / "runs" / run_id
