"""Writers exclude each other: crawls hold their store together, a purge holds it alone.

A crawl (and an audit, a demo, an evaluation) holds its store *shared*: several crawler
processes may write one store at once (each write takes the chain head in its own
transaction). An opt-out, a purge and a resume need the store *alone*: a purge rewrites and
deletes WARC files a live crawl may be writing, and a resume repairs the tails of the run's
WARC files, which a live process of that run is still appending to. They refuse with a
one-line reason (:class:`~provenance.errors.BusyError`, exit 7) instead of waiting.

- **SQLite**: ``flock`` on ``<store>.lock`` beside the store file. The kernel drops the lock of
  a process that dies (``kill -9`` included), so a lock is live exactly while its holder runs;
  the file keeps one JSON line per holder (pid, host, command, run, since) to name it in the
  refusal. Lines left by dead holders are stale: the next process that gets the store alone
  reports them as broken and clears them.
- **PostgreSQL**: a session-level advisory lock (shared or exclusive) keyed by the store's
  schema, on a connection of its own held for the lock's life; the server drops it when that
  connection ends (the holder exited or died). The holder is named by the connection's
  ``application_name``.

Readers (verify, report, export, ...) take no lock: they open the store read-only
(:mod:`provenance.store.readonly`) and never change a file.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import json
import os
import socket
import zlib
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType

from sqlalchemy import create_engine, text
from sqlalchemy.engine import Connection
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.pool import NullPool

from provenance.errors import BusyError, StoreError
from provenance.store.db import normalise_url

_PG_LOCK_CLASS = 0x70726F6C  # "prol": the first key of provtrack's store advisory locks


@dataclass(frozen=True, slots=True)
class Holder:
    """A process holding a store: who, where, doing what, since when."""

    pid: int
    host: str
    command: str
    run_id: str = ""
    since: str = ""

    def describe(self) -> str:
        run = f", run {self.run_id}" if self.run_id else ""
        since = f", since {self.since}" if self.since else ""
        return f"{self.command} (pid {self.pid} on {self.host}{run}{since})"


def _me(command: str, run_id: str) -> Holder:
    return Holder(
        pid=os.getpid(),
        host=socket.gethostname(),
        command=command,
        run_id=run_id,
        since=datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
    )


def _alive(holder: Holder) -> bool:
    """Whether a holder's process still runs (on another host: assumed, it cannot be seen)."""
    if holder.host != socket.gethostname():
        return True
    try:
        os.kill(holder.pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _refusal(command: str, location: str, holders: list[Holder], exclusive: bool) -> BusyError:
    named = "; ".join(h.describe() for h in holders)
    if not named:
        named = "another provtrack process" + (" (a crawl)" if exclusive else " (a purge)")
    if exclusive:
        why = "it would rewrite WARC files and records a live crawl is writing"
    else:
        why = "a purge is rewriting its WARC files and records"
    return BusyError(
        f"{command} refused: {named} holds the store {location} ({why}); "
        "run it again when that process has ended"
    )


@dataclass(slots=True)
class StoreLock:
    """A held lock on one store; release it (or leave the ``with`` block) when done."""

    location: str
    exclusive: bool
    broken: list[Holder] = field(default_factory=list)
    _fd: int | None = None
    _path: Path | None = None
    _me: Holder | None = None
    _conn: Connection | None = None
    _key: tuple[int, int] = (0, 0)

    def downgrade(self, command: str) -> None:
        """Turn an exclusive hold into a shared one (a resume checked that it is alone)."""
        if not self.exclusive:
            return
        if self._fd is not None:
            try:
                fcntl.flock(self._fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
            except BlockingIOError as err:  # another process got in while converting
                raise _refusal(command, self.location, [], False) from err
        elif self._conn is not None:
            a, b = self._key
            self._conn.execute(text("SELECT pg_advisory_lock_shared(:a, :b)"), {"a": a, "b": b})
            self._conn.execute(text("SELECT pg_advisory_unlock(:a, :b)"), {"a": a, "b": b})
        self.exclusive = False

    def release(self) -> None:
        """Let go of the store (idempotent)."""
        if self._fd is not None:
            if not self.exclusive:
                # the last holder out clears the lines (a failed conversion drops the shared
                # lock, which is being released anyway)
                try:
                    fcntl.flock(self._fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    self.exclusive = True
                except BlockingIOError:
                    pass
            if self.exclusive:
                os.ftruncate(self._fd, 0)  # nobody else holds the store: no holder line
            os.close(self._fd)  # closing the descriptor drops the flock
            self._fd = None
        if self._conn is not None:
            with contextlib.suppress(SQLAlchemyError):
                self._conn.close()  # the server drops the session's advisory locks
            self._conn = None

    def __enter__(self) -> StoreLock:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.release()


def lock_path(db_file: Path) -> Path:
    """The lock file beside an SQLite store."""
    return db_file.with_name(db_file.name + ".lock")


def _read_holders(fd: int) -> list[Holder]:
    os.lseek(fd, 0, os.SEEK_SET)
    chunks = []
    while chunk := os.read(fd, 65536):
        chunks.append(chunk)
    holders = []
    for line in b"".join(chunks).decode("utf-8", "replace").splitlines():
        try:
            data = json.loads(line)
            holders.append(
                Holder(
                    int(data["pid"]),
                    str(data["host"]),
                    str(data.get("command", "")),
                    str(data.get("run_id", "")),
                    str(data.get("since", "")),
                )
            )
        except (ValueError, KeyError, TypeError):
            continue  # a half-written line of a holder killed mid-write
    return holders


def _line(holder: Holder) -> bytes:
    return (
        json.dumps(
            {
                "pid": holder.pid,
                "host": holder.host,
                "command": holder.command,
                "run_id": holder.run_id,
                "since": holder.since,
            }
        )
        + "\n"
    ).encode()


def _lock_sqlite(path: Path, location: str, exclusive: bool, me: Holder) -> StoreLock:
    lock_file = lock_path(path)
    try:
        fd = os.open(lock_file, os.O_RDWR | os.O_CREAT | os.O_APPEND, 0o644)
    except OSError as err:
        raise StoreError(f"cannot open the lock file {lock_file}: {err.strerror}") from err
    lock = StoreLock(location, exclusive, _fd=fd, _path=lock_file, _me=me)
    try:
        # alone first: then the holder lines can be rewritten (a crawl that finds itself
        # alone clears the lines of dead holders and keeps the store shared)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            if exclusive:
                live = [h for h in _read_holders(fd) if _alive(h)]
                raise _refusal(me.command, location, live, True) from None
            try:
                fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
            except BlockingIOError:
                live = [h for h in _read_holders(fd) if _alive(h)]
                raise _refusal(me.command, location, live, False) from None
            os.write(fd, _line(me))  # O_APPEND: one small write lands whole
            lock.exclusive = False
            return lock
        lock.broken = [h for h in _read_holders(fd) if h.pid != me.pid or h.host != me.host]
        os.ftruncate(fd, 0)
        os.write(fd, _line(me))
        if not exclusive:
            lock.exclusive = True
            lock.downgrade(me.command)
        return lock
    except OSError as err:  # flock on a filesystem without locks (some network mounts)
        os.close(fd)
        if err.errno in (errno.ENOLCK, errno.EOPNOTSUPP):
            raise StoreError(f"cannot lock {lock_file}: {err.strerror}") from err
        raise
    except BaseException:
        os.close(fd)
        raise


def _pg_holders(conn: Connection, key: tuple[int, int]) -> list[Holder]:
    rows = conn.execute(
        text(
            "SELECT a.application_name, a.pid, coalesce(host(a.client_addr), 'local'), "
            "a.backend_start FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid "
            "WHERE l.locktype = 'advisory' AND l.classid = :a AND l.objid = :b "
            "AND l.objsubid = 2 AND l.granted AND l.pid <> pg_backend_pid() "
            "AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())"
        ),
        {"a": key[0], "b": key[1]},
    ).all()
    holders = []
    for name, backend, client, started in rows:
        command = str(name or "a PostgreSQL session")
        holders.append(
            Holder(
                int(backend),
                f"{client} (backend pid)",
                command,
                since=started.strftime("%Y-%m-%dT%H:%M:%SZ") if started else "",
            )
        )
    return holders


def _lock_postgres(sa_url: str, location: str, exclusive: bool, me: Holder) -> StoreLock:
    name = f"provtrack {me.command} pid {me.pid}@{me.host} {me.run_id}".strip()[:63]
    try:
        engine = create_engine(sa_url, poolclass=NullPool, connect_args={"application_name": name})
        conn = engine.connect().execution_options(isolation_level="AUTOCOMMIT")
    except SQLAlchemyError as err:
        raise StoreError(f"cannot open the store at {location!r} to lock it: {err}") from err
    try:
        schema = str(conn.execute(text("SELECT current_schema()")).scalar() or "public")
        key = (_PG_LOCK_CLASS, zlib.crc32(schema.encode()) & 0x7FFFFFFF)
        fn = "pg_try_advisory_lock" if exclusive else "pg_try_advisory_lock_shared"
        got = conn.execute(text(f"SELECT {fn}(:a, :b)"), {"a": key[0], "b": key[1]}).scalar()
        if not got:
            raise _refusal(me.command, location, _pg_holders(conn, key), exclusive)
    except BaseException:
        conn.close()
        raise
    return StoreLock(location, exclusive, _conn=conn, _key=key, _me=me)


def lock_store(url: str, *, exclusive: bool, command: str, run_id: str = "") -> StoreLock:
    """Hold the store at a ``--db`` URL or SQLite path, shared (a crawl) or alone (a purge).

    Raises :class:`BusyError` naming the holder when the store is held in a conflicting way.
    ``command`` and ``run_id`` name this holder in the refusals others get.
    """
    sa_url = normalise_url(url)
    me = _me(command, run_id)
    if sa_url.startswith("sqlite:///"):
        path = Path(sa_url.removeprefix("sqlite:///"))
        path.parent.mkdir(parents=True, exist_ok=True)
        return _lock_sqlite(path, url, exclusive, me)
    if sa_url.startswith("sqlite:"):
        return StoreLock(url, exclusive)  # an in-memory store: no other process can see it
    return _lock_postgres(sa_url, url, exclusive, me)


def holders_of(*paths: Path) -> list[int]:
    """Pids of the other processes (of this user) that have one of ``paths`` open (Linux
    /proc; one scan for all the paths).

    A purge rewrites and deletes WARC files only when no process has them open, whatever
    store that process writes to; elsewhere than Linux the answer is empty.
    """
    wanted: set[tuple[int, int]] = set()
    for path in paths:
        try:
            stat = path.resolve().stat()
        except OSError:
            continue
        wanted.add((stat.st_dev, stat.st_ino))
    proc = Path("/proc")
    if not wanted or not proc.is_dir():
        return []
    me = os.getpid()
    pids: list[int] = []
    for entry in proc.iterdir():
        if not entry.name.isdigit() or int(entry.name) == me:
            continue
        try:
            for fd in (entry / "fd").iterdir():
                try:
                    st = fd.stat()
                except OSError:
                    continue
                if (st.st_dev, st.st_ino) in wanted:
                    pids.append(int(entry.name))
                    break
        except OSError:
            continue  # another user's process, or one that ended
    return pids


def describe_lock(lock: StoreLock) -> list[str]:
    """One line per stale lock this hold broke (for the command's output)."""
    where = lock.location
    return [f"note: broke a stale lock on {where}: {h.describe()} has ended" for h in lock.broken]
