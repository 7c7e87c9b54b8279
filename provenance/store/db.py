"""Opening a store by URL and writing records together with their evidence-chain entries.

Every write goes through :meth:`Store.write`, which inserts rows idempotently (a row that
already exists under its natural key is left alone, so a resumed or distributed crawl never
duplicates a record) and appends one evidence entry per new row in the same transaction.
The chain head is taken under a write lock (SQLite ``BEGIN IMMEDIATE``, PostgreSQL advisory
transaction lock) so several crawler processes can share one PostgreSQL store.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from alembic import command
from alembic.config import Config
from sqlalchemy import event, func, insert, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import DBAPIError, OperationalError, SQLAlchemyError
from sqlmodel import Session, SQLModel, col, create_engine, select

from provenance.errors import ConfigError, StoreError
from provenance.store.canonical import canonical_json, record_digest
from provenance.store.models import (
    CrawlRun,
    DatasetEntry,
    Evaluation,
    EvidenceEntry,
    HostSnapshot,
    Image,
    ImageOccurrence,
    ImageVerdict,
    OptOutRequest,
    Page,
    SignalRecord,
    SigningKey,
    Tombstone,
    VerdictOutcome,
    utcnow,
)
from provenance.vocab import RunStatus

GENESIS = "0" * 64
MIGRATIONS = Path(__file__).with_name("migrations")
_MIGRATE_LOCK_KEY = 0x70726F77
_CHAIN_LOCK_KEY = 0x70726F76  # "prov": PostgreSQL advisory lock id for the chain head

T = TypeVar("T", bound=SQLModel)

# Natural keys: a row with the same values is the same record (idempotent insert).
_NATURAL_KEYS: dict[type[SQLModel], tuple[str, ...]] = {
    CrawlRun: ("id",),
    HostSnapshot: ("run_id", "host", "kind"),
    Page: ("run_id", "url"),
    Image: ("run_id", "url"),
    ImageOccurrence: ("run_id", "image_url", "page_url"),
    DatasetEntry: ("run_id", "source", "row"),
    Evaluation: ("id",),
    VerdictOutcome: ("digest",),
}

_KIND: dict[type[SQLModel], str] = {
    CrawlRun: "run",
    HostSnapshot: "snapshot",
    Page: "page",
    Image: "image",
    ImageOccurrence: "occurrence",
    DatasetEntry: "dataset-entry",
    SignalRecord: "signal",
    Evaluation: "evaluation",
    VerdictOutcome: "verdict-outcome",
    ImageVerdict: "verdict-batch",
    OptOutRequest: "optout",
    Tombstone: "tombstone",
    SigningKey: "key",
}


def entry_hash(prev_hash: str, seq: int, kind: str, subject: str, digest: str, note: str) -> str:
    """The hash that links one evidence entry to the one before it."""
    payload = canonical_json(
        {
            "prev": prev_hash,
            "seq": seq,
            "kind": kind,
            "subject": subject,
            "digest": digest,
            "note": note,
        }
    )
    return hashlib.sha256(payload).hexdigest()


def subject_of(record: SQLModel) -> str:
    """``table:primary-key`` naming a row in evidence entries."""
    table = record.__table__  # type: ignore[attr-defined]
    key = ",".join(str(getattr(record, c.name)) for c in table.primary_key.columns)
    return f"{table.name}:{key}"


@dataclass(frozen=True, slots=True)
class _Prepared:
    """A compiled one-row insert: SQL text, bind names in order, and (position, processor)
    for each value a bind processor converts (JSON, datetimes)."""

    sql: str
    order: tuple[str, ...]
    processors: tuple[tuple[int, Callable[[Any], Any]], ...]

    def bind(self, values: dict[str, Any]) -> list[Any]:
        """One row's parameters in the statement's order, each converted as SQLAlchemy would."""
        row = [values[n] for n in self.order]
        for i, process in self.processors:
            row[i] = process(row[i])
        return row


_COLUMNS: dict[Any, tuple[tuple[str, bool], ...]] = {}


def _column_values(record: SQLModel, table: Any) -> dict[str, Any]:
    """The row's column values by name, an unset autoincrement key left out.

    Read from the instance dict (where :func:`~provenance.store.mapping.new_row` and the
    constructor put them) rather than through the ORM's attribute instrumentation; a column
    missing there (expired) is read through it."""
    columns = _COLUMNS.get(table)
    if columns is None:
        columns = _COLUMNS[table] = tuple((c.name, c.primary_key) for c in table.columns)
    data = record.__dict__
    out: dict[str, Any] = {}
    for name, primary in columns:
        value = data[name] if name in data else getattr(record, name)
        if primary and value is None:
            continue
        out[name] = value
    return out


@dataclass(frozen=True, slots=True)
class WriteResult:
    """How many rows a write inserted and how many already existed."""

    inserted: int
    existing: int


def alembic_config(connection: Any) -> Config:
    """Alembic configuration running provtrack's migrations on ``connection``."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    return config


def normalise_url(url: str, out_dir: Path | None = None) -> str:
    """Turn a ``--db`` value or an output folder into an SQLAlchemy URL."""
    if "://" in url:
        if url.startswith(("postgres://", "postgresql://")):
            return "postgresql+psycopg://" + url.split("://", 1)[1]
        if url.startswith(("sqlite://", "postgresql+psycopg://")):
            return url
        raise ConfigError(f"unsupported database URL {url!r} (use sqlite:/// or postgresql://)")
    path = Path(url)
    if out_dir is not None and not path.is_absolute():
        path = out_dir / path
    return f"sqlite:///{path}"


class Store:
    """A record store on one database; cheap to open, shareable by the threads of one process."""

    def __init__(self, engine: Engine, *, read_only: bool = False) -> None:
        self.engine = engine
        self.dialect = engine.dialect.name
        self.read_only = read_only
        # SQLite: rows and evidence entries go to the driver through cached one-row
        # statements (``_insert_rows_driver``); PostgreSQL keeps SQLAlchemy's multi-row
        # inserts (one round trip per batch, not per row)
        self.driver_inserts = self.dialect == "sqlite"
        self._prepared_inserts: dict[tuple[Any, ...], _Prepared] = {}
        if self.dialect == "sqlite":
            self._configure_sqlite(engine, read_only)

    @staticmethod
    def _configure_sqlite(engine: Engine, read_only: bool) -> None:
        # pysqlite's own transaction handling defers BEGIN; take the write lock at BEGIN so
        # that reading the chain head and appending to it cannot interleave between writers.
        @event.listens_for(engine, "connect")
        def _on_connect(dbapi_conn: Any, _record: Any) -> None:
            dbapi_conn.isolation_level = None
            cur = dbapi_conn.cursor()
            if not read_only:  # a reader sets nothing that is kept in the file
                cur.execute("PRAGMA journal_mode=WAL")
                cur.execute("PRAGMA synchronous=NORMAL")
                cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA busy_timeout=30000")
            cur.close()

        @event.listens_for(engine, "begin")
        def _on_begin(conn: Any) -> None:
            # a reading connection (Store.reading) takes no write lock: in WAL mode it reads
            # a snapshot while writers go on, so a long read never stalls a crawl's writes
            if conn.get_execution_options().get("provtrack_read_only"):
                conn.exec_driver_sql("BEGIN")
            else:
                conn.exec_driver_sql("BEGIN IMMEDIATE")

    def create_schema(self) -> None:
        """Bring the schema to the latest Alembic revision (provenance/store/migrations)."""
        if self.read_only:
            raise StoreError("a store opened read-only is never migrated")
        try:
            with self.engine.begin() as connection:
                if self.dialect == "postgresql":
                    # several crawler processes may open a fresh store at the same moment
                    connection.exec_driver_sql(f"SELECT pg_advisory_xact_lock({_MIGRATE_LOCK_KEY})")
                command.upgrade(alembic_config(connection), "head")
        except SQLAlchemyError as err:
            raise StoreError(f"cannot migrate the schema on {self.engine.url!r}: {err}") from err

    @contextmanager
    def reading(self) -> Iterator[Connection]:
        """A connection for reads only: one consistent snapshot, no write lock held.

        For long streaming reads (an evaluation reads its images while it writes verdicts);
        nothing may be written through it.
        """
        with self.engine.connect() as connection:
            connection.execution_options(provtrack_read_only=True)
            try:
                yield connection
            except OperationalError as err:
                raise StoreError(f"database error: {err.orig}") from err

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A session whose transaction commits on success and rolls back on error."""
        with Session(self.engine, expire_on_commit=False) as session:
            try:
                yield session
                session.commit()
            except OperationalError as err:
                session.rollback()
                raise StoreError(f"database error: {err.orig}") from err
            except BaseException:
                session.rollback()
                raise

    def _lock_chain(self, session: Session) -> None:
        if self.dialect == "postgresql":
            session.exec(text(f"SELECT pg_advisory_xact_lock({_CHAIN_LOCK_KEY})"))  # type: ignore[call-overload]

    def _chain_head(self, session: Session) -> tuple[int, str]:
        stmt = select(EvidenceEntry).order_by(col(EvidenceEntry.seq).desc()).limit(1)
        last = session.exec(stmt).first()
        if last is None:
            return 0, GENESIS
        return last.seq, last.entry_hash

    def _prepared(
        self,
        table: Any,
        names: tuple[str, ...],
        keys: tuple[str, ...] | None,
        *,
        returning: bool = True,
    ) -> _Prepared:
        """The one-row insert of ``names`` into ``table`` as SQLAlchemy compiles it for this
        dialect (``RETURNING`` the primary key, then the natural ``keys``, which a clash leaves
        alone), kept per store: its SQL text and bind processors."""
        cache_key = (table.name, names, keys, returning)
        prepared = self._prepared_inserts.get(cache_key)
        if prepared is None:
            pk = list(table.primary_key.columns)
            if not returning:
                stmt: Any = insert(table)
            elif keys is None:
                stmt = insert(table).returning(*pk)
            else:
                stmt = (
                    sqlite.insert(table)
                    .on_conflict_do_nothing(index_elements=list(keys))
                    .returning(*pk, *(table.c[k] for k in keys))
                )
            compiled = stmt.compile(dialect=self.engine.dialect, column_keys=list(names))
            order = tuple(compiled.positiontup or ())
            if set(order) != set(names) or len(order) != len(names):
                raise StoreError(f"unexpected compiled insert for {table.name}: {order}")
            processors = compiled._bind_processors
            prepared = _Prepared(
                str(compiled),
                order,
                tuple((i, processors[n]) for i, n in enumerate(order) if n in processors),
            )
            self._prepared_inserts[cache_key] = prepared
        return prepared

    @staticmethod
    def _driver_cursor(session: Session) -> Any:
        """A DBAPI cursor on the session's connection, inside its transaction."""
        return session.connection().connection.cursor()

    def _driver_error(self, err: Exception, sql: str) -> Exception:
        """A driver error as SQLAlchemy would have raised it (OperationalError, IntegrityError)."""
        return DBAPIError.instance(sql, None, err, self.engine.dialect.loaded_dbapi.Error)

    def _insert_rows_driver(
        self,
        session: Session,
        table: Any,
        names: tuple[str, ...],
        params: list[dict[str, Any]],
        keys: tuple[str, ...] | None,
    ) -> list[tuple[Any, ...] | None]:
        """Insert each row with one cached statement through the driver; what each returned
        (its primary key, then its natural key), ``None`` where the row already existed.

        The same statement SQLAlchemy runs for one row, with the same bind processors (JSON
        serialised by the engine's serialiser, datetimes checked and formatted by their
        types), prepared once by SQLite instead of one multi-row statement per batch size,
        without SQLAlchemy's per-row parameter compilation (bench/README.md, crawl).
        """
        prepared = self._prepared(table, names, keys)
        cursor = self._driver_cursor(session)
        out: list[tuple[Any, ...] | None] = []
        try:
            for values in params:
                cursor.execute(prepared.sql, prepared.bind(values))
                out.append(cursor.fetchone())
        except self.engine.dialect.loaded_dbapi.Error as err:
            raise self._driver_error(err, prepared.sql) from err
        finally:
            cursor.close()
        return out

    def _bulk_insert(
        self, session: Session, model: type[SQLModel], rows: list[SQLModel]
    ) -> list[bool]:
        """Insert rows of one table in one statement; set their primary keys.

        Rows whose natural key already exists (in the table, or earlier in ``rows``) are not
        inserted; the returned flags say which rows were.
        """
        table = model.__table__  # type: ignore[attr-defined]
        pk = list(table.primary_key.columns)
        keys = _NATURAL_KEYS.get(model)
        params = [_column_values(r, table) for r in rows]
        names = tuple(params[0]) if params else ()
        # SQLite: one cached one-row statement per table through the driver, when every row
        # has the same columns (an autoincrement key left out of all of them)
        fast = self.driver_inserts and all(tuple(p) == names for p in params)
        if keys is None:
            if fast:
                returned_rows: list[Any] = self._insert_rows_driver(
                    session, table, names, params, None
                )
            else:
                stmt = insert(table).returning(*pk, sort_by_parameter_order=True)
                returned_rows = list(session.execute(stmt, params).all())
            for record, returned in zip(rows, returned_rows, strict=True):
                for column, value in zip(pk, returned, strict=True):
                    setattr(record, column.name, value)
            return [True] * len(rows)
        # one row per natural key in this batch; a repeat is "already there"
        first: dict[tuple[Any, ...], int] = {}
        for position, values in enumerate(params):
            first.setdefault(tuple(values[k] for k in keys), position)
        unique = [params[i] for i in sorted(first.values())]
        inserted: dict[tuple[Any, ...], tuple[Any, ...]] = {}
        if fast:
            for values, one in zip(
                unique, self._insert_rows_driver(session, table, names, unique, keys), strict=True
            ):
                if one is not None:
                    inserted[tuple(values[k] for k in keys)] = tuple(one[: len(pk)])
        else:
            dialect_insert = postgresql.insert if self.dialect == "postgresql" else sqlite.insert
            key_columns = [table.c[k] for k in keys]
            stmt = (
                dialect_insert(table)
                .on_conflict_do_nothing(index_elements=list(keys))
                .returning(*pk, *key_columns)
            )
            if len(unique) == 1:
                one = session.execute(stmt.values(**unique[0])).first()
                if one is not None:
                    inserted[tuple(one[len(pk) :])] = tuple(one[: len(pk)])
            elif unique:
                for returned in session.execute(stmt, unique).all():
                    inserted[tuple(returned[len(pk) :])] = tuple(returned[: len(pk)])
        flags: list[bool] = []
        for position, (record, values) in enumerate(zip(rows, params, strict=True)):
            key = tuple(values[k] for k in keys)
            ok = first[key] == position and key in inserted
            if ok:
                for column, value in zip(pk, inserted[key], strict=True):
                    setattr(record, column.name, value)
            flags.append(ok)
        return flags

    def _insert_entries(self, session: Session, entries: list[dict[str, Any]]) -> None:
        """The batch's evidence entries: one ``executemany`` through the driver on SQLite."""
        table = EvidenceEntry.__table__  # type: ignore[attr-defined]
        if not self.driver_inserts:
            session.execute(insert(table), entries)
            return
        prepared = self._prepared(table, tuple(entries[0]), None, returning=False)
        rows = [prepared.bind(values) for values in entries]
        cursor = self._driver_cursor(session)
        try:
            cursor.executemany(prepared.sql, rows)
        except self.engine.dialect.loaded_dbapi.Error as err:
            raise self._driver_error(err, prepared.sql) from err
        finally:
            cursor.close()

    def write(
        self, records: Iterable[SQLModel | Sequence[SQLModel]], note: str = ""
    ) -> WriteResult:
        """Insert records idempotently and chain one evidence entry per inserted row.

        An item may be a group ``[parent, *children]``: when the parent already exists (a
        resumed crawl re-observing a stored image) its children are skipped too, so signal
        rows are never duplicated. Rows are inserted table by table in bulk; evidence entries
        follow the order of ``records``.
        """
        groups = [[item] if isinstance(item, SQLModel) else list(item) for item in records]
        groups = [g for g in groups if g]
        if not groups:
            return WriteResult(0, 0)
        with self.session() as session:
            self._lock_chain(session)
            seq, prev = self._chain_head(session)
            kept = [True] * len(groups)
            by_model: dict[type[SQLModel], list[int]] = {}
            for index, group in enumerate(groups):
                by_model.setdefault(type(group[0]), []).append(index)
            for model, indexes in by_model.items():
                flags = self._bulk_insert(session, model, [groups[i][0] for i in indexes])
                for i, ok in zip(indexes, flags, strict=True):
                    kept[i] = ok
            children: dict[type[SQLModel], list[SQLModel]] = {}
            for index, group in enumerate(groups):
                if kept[index]:
                    for child in group[1:]:
                        children.setdefault(type(child), []).append(child)
            for model, rows in children.items():
                self._bulk_insert(session, model, rows)
            entries: list[dict[str, Any]] = []
            inserted = existing = 0
            for index, group in enumerate(groups):
                if not kept[index]:
                    existing += 1
                    continue
                for record in group:
                    seq += 1
                    kind = _KIND.get(type(record), "record")
                    entry = self._entry(seq, prev, record, kind, note)
                    prev = entry["entry_hash"]
                    entries.append(entry)
                    inserted += 1
            if entries:
                self._insert_entries(session, entries)
        return WriteResult(inserted, existing)

    def append_bulk(
        self,
        model: type[SQLModel],
        columns: Sequence[str],
        rows: Sequence[Sequence[Any]],
        *,
        subject: str,
        digest: str,
        note: str = "",
    ) -> None:
        """Insert many rows of one table and chain one evidence entry that covers them all.

        For tables too large to chain row by row (an evaluation's verdicts): the caller
        computes ``digest`` over the rows the way ``verify`` recomputes it, and ``subject``
        names the batch. Rows go to the driver's ``executemany`` as tuples, in the same
        transaction as the entry: both land, or neither.
        """
        if not rows:
            return
        table = model.__table__  # type: ignore[attr-defined]
        quote = self.engine.dialect.identifier_preparer.quote
        marker = "?" if self.engine.dialect.paramstyle == "qmark" else "%s"
        # names come from the model's own table and are quoted; values are bound parameters
        names = ", ".join(quote(table.c[c].name) for c in columns)
        values = ", ".join([marker] * len(columns))
        sql = f"INSERT INTO {quote(table.name)} ({names}) VALUES ({values})"  # noqa: S608
        kind = _KIND.get(model, "batch")
        with self.session() as session:
            self._lock_chain(session)
            seq, prev = self._chain_head(session)
            session.connection().exec_driver_sql(sql, list(rows))
            entry = {
                "seq": seq + 1,
                "kind": kind,
                "subject": subject,
                "digest": digest,
                "prev_hash": prev,
                "entry_hash": entry_hash(prev, seq + 1, kind, subject, digest, note),
                "created_at": utcnow(),
                "note": note,
            }
            session.execute(insert(EvidenceEntry.__table__), [entry])  # type: ignore[attr-defined]

    @staticmethod
    def _entry(seq: int, prev: str, record: SQLModel, kind: str, note: str) -> dict[str, Any]:
        subject = subject_of(record)
        digest = record_digest(record)
        return {
            "seq": seq,
            "kind": kind,
            "subject": subject,
            "digest": digest,
            "prev_hash": prev,
            "entry_hash": entry_hash(prev, seq, kind, subject, digest, note),
            "created_at": utcnow(),
            "note": note,
        }

    def _append(
        self, session: Session, seq: int, prev: str, record: SQLModel, kind: str, note: str
    ) -> tuple[int, str]:
        seq += 1
        subject = subject_of(record)
        digest = record_digest(record)
        h = entry_hash(prev, seq, kind, subject, digest, note)
        session.add(
            EvidenceEntry(
                seq=seq,
                kind=kind,
                subject=subject,
                digest=digest,
                prev_hash=prev,
                entry_hash=h,
                note=note,
            )
        )
        return seq, h

    def record_changes(self, records: Sequence[SQLModel], kind: str, note: str) -> None:
        """Persist updates to existing rows (a purge, a finished run); chain their new digests."""
        with self.session() as session:
            self._lock_chain(session)
            seq, prev = self._chain_head(session)
            for record in records:
                merged = session.merge(record)
                session.flush()
                seq, prev = self._append(session, seq, prev, merged, kind, note)

    @contextmanager
    def chained(self) -> Iterator[ChainWriter]:
        """One transaction holding the chain head: inserts and changes made through the yielded
        writer are chained in order and commit together, or not at all (a purge uses it so
        that scrubbed rows, moved WARC pointers, tombstones and the receipt land at once)."""
        with self.session() as session:
            self._lock_chain(session)
            seq, prev = self._chain_head(session)
            yield ChainWriter(self, session, seq, prev)

    def count(self, model: type[SQLModel], **where: Any) -> int:
        """Row count of a table, optionally filtered by equality on columns."""
        with self.session() as session:
            stmt = select(func.count()).select_from(model)
            for name, value in where.items():
                stmt = stmt.where(getattr(model, name) == value)
            return int(session.exec(stmt).one())

    def all(self, model: type[T], **where: Any) -> list[T]:
        """Every row of a table, optionally filtered by equality on columns."""
        with self.session() as session:
            stmt = select(model)
            for name, value in where.items():
                stmt = stmt.where(getattr(model, name) == value)
            return list(session.exec(stmt).all())

    def get_run(self, run_id: str) -> CrawlRun | None:
        """One crawl run by id."""
        with self.session() as session:
            return session.get(CrawlRun, run_id)

    def last_unfinished_run(self) -> CrawlRun | None:
        """The most recently started run that did not finish (what a resume continues)."""
        stmt = (
            select(CrawlRun)
            .where(CrawlRun.status != RunStatus.FINISHED)
            .order_by(col(CrawlRun.started_at).desc())
        )
        with self.session() as session:
            return session.exec(stmt).first()

    def host_snapshots(self, run_id: str, host: str) -> list[HostSnapshot]:
        """The snapshots stored for one host of a run."""
        with self.session() as session:
            stmt = select(HostSnapshot).where(
                HostSnapshot.run_id == run_id, HostSnapshot.host == host
            )
            return list(session.exec(stmt).all())

    def known_image_urls(self, run_id: str) -> set[str]:
        """Image URLs already recorded for a run (a resumed crawl does not fetch them again)."""
        with self.session() as session:
            return set(session.exec(select(Image.url).where(Image.run_id == run_id)).all())


class ChainWriter:
    """Rows inserted or updated inside one :meth:`Store.chained` transaction, each chained."""

    def __init__(self, store: Store, session: Session, seq: int, prev: str) -> None:
        self.store = store
        self.session = session
        self._seq = seq
        self._prev = prev

    @property
    def seq(self) -> int:
        """The last entry number chained so far (0 for an empty chain)."""
        return self._seq

    def insert(self, record: T, note: str = "") -> T:
        """Insert a new row and chain its digest; return it with its key set."""
        self.session.add(record)
        self.session.flush()
        kind = _KIND.get(type(record), "record")
        self._seq, self._prev = self.store._append(
            self.session, self._seq, self._prev, record, kind, note
        )
        return record

    def change(self, record: T, kind: str, note: str) -> T:
        """Persist an update to an existing row and chain its new digest."""
        merged = self.session.merge(record)
        self.session.flush()
        self._seq, self._prev = self.store._append(
            self.session, self._seq, self._prev, merged, kind, note
        )
        return merged


# Prepared statements an SQLite connection keeps (Python's default: 128). A bulk insert of n
# rows is its own statement text (SQLAlchemy's multi-row VALUES for RETURNING), and a prepared
# n-row statement holds n times a row's program in SQLite's memory: with 128 of them a crawl's
# or audit's writer grew ~2.5 KB per record written until ~22,000 records (54 MB of SQLite
# memory, bench/README.md "audit"). 16 keeps every per-batch statement (BEGIN, the chain head,
# the evidence insert, each table's insert) cached and SQLite's memory flat at ~6-7 MB.
SQLITE_CACHED_STATEMENTS = 16


def open_store(url: str, *, out_dir: Path | None = None, create: bool = True) -> Store:
    """Open (and by default create) the store at a ``--db`` URL or an SQLite path."""
    sa_url = normalise_url(url, out_dir)
    connect_args: dict[str, Any] = {}
    if sa_url.startswith("sqlite:///"):
        Path(sa_url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
        connect_args["cached_statements"] = SQLITE_CACHED_STATEMENTS
    try:
        engine = create_engine(sa_url, pool_pre_ping=True, connect_args=connect_args)
        store = Store(engine)
        if create:
            store.create_schema()
    except SQLAlchemyError as err:
        raise StoreError(f"cannot open the store at {url!r}: {err}") from err
    return store
