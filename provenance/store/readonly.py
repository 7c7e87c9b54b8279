"""Opening a store for reading only: verify, report, export, show, lookup and the explorer.

A reader changes nothing and creates nothing: no migration runs, no store file or folder is
made for a path that does not exist, and a store that is not at this code's schema revision is
refused with a one-line reason (``provtrack migrate`` brings an older one up to date).

- **SQLite**: a writable file is opened ``mode=rw`` with ``PRAGMA query_only``: a write through
  it fails in SQLite, and the WAL side files SQLite needs while reading are removed again when
  the connection closes (a ``mode=ro`` connection would leave them behind). A file this user
  cannot write is opened ``mode=ro`` (``immutable`` when its folder is not writable either and
  no write-ahead log exists, the only way SQLite reads a WAL store there).
- **PostgreSQL**: sessions start with ``default_transaction_read_only``.
"""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path
from urllib.parse import quote

from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import SQLAlchemyError

from provenance.errors import NotFoundError, StoreError
from provenance.store.db import Store, alembic_config, normalise_url

_RO = "-c default_transaction_read_only=on"


def head_revision() -> str:
    """The schema revision this code reads and writes (the newest migration)."""
    head = ScriptDirectory.from_config(alembic_config(None)).get_current_head()
    assert head is not None
    return head


def _sqlite_engine(path: Path) -> Engine:
    if not path.exists():
        raise NotFoundError(f"no store at {path} (nothing was created)")
    if not path.is_file():
        raise NotFoundError(f"{path} is not a store file")
    writable = os.access(path, os.W_OK)
    folder_writable = os.access(path.parent, os.W_OK)
    if writable and folder_writable:
        uri = f"file:{quote(str(path))}?mode=rw"
    elif folder_writable or Path(f"{path}-wal").exists():
        uri = f"file:{quote(str(path))}?mode=ro"
    else:
        uri = f"file:{quote(str(path))}?mode=ro&immutable=1"

    def connect() -> sqlite3.Connection:
        conn = sqlite3.connect(uri, uri=True, check_same_thread=False)
        conn.execute("PRAGMA query_only=ON")
        return conn

    return create_engine("sqlite://", creator=connect)


def _check_schema(engine: Engine, where: str, older: frozenset[str] = frozenset()) -> None:
    """Refuse a store that is not one, or not at this code's revision (nor one of ``older``)."""
    try:
        with engine.connect() as conn:
            names = set(inspect(conn).get_table_names())
            if "alembic_version" not in names:
                what = "an empty store" if not names else "another program's database"
                raise StoreError(
                    f"{where} is not a provtrack store ({what}: no provtrack schema); "
                    "a crawl or an audit creates one"
                )
            found = conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
    except sqlite3.DatabaseError as err:
        raise StoreError(f"{where} is not a provtrack store: {err}") from err
    except SQLAlchemyError as err:
        raise StoreError(
            f"{where} is not a provtrack store: {getattr(err, 'orig', None) or err}"
        ) from err
    head = head_revision()
    if found == head or found in older:
        return
    script = ScriptDirectory.from_config(alembic_config(None))
    known = {rev.revision for rev in script.walk_revisions()}
    if found in known:
        raise StoreError(
            f"the store {where} is at schema {found}, older than this provtrack's {head}: "
            f"run `provtrack migrate` on it first (readers never change a store)"
        )
    raise StoreError(
        f"the store {where} is at schema {found!r}, which this provtrack (schema {head}) does "
        "not know: it was written by a newer provtrack"
    )


def open_reader(url: str, *, older: frozenset[str] = frozenset()) -> Store:
    """The store at a ``--db`` URL or SQLite path, opened so that nothing can be written.

    ``older``: earlier schema revisions the caller can read as they are (``verify`` reads a
    store from before signed checkpoints: the revisions after it only added tables).

    Raises :class:`NotFoundError` for a path with no store, :class:`StoreError` for a file
    that is not a provtrack store or not at this code's schema revision.
    """
    sa_url = normalise_url(url)
    try:
        if sa_url.startswith("sqlite:///"):
            path = Path(sa_url.removeprefix("sqlite:///")).resolve()
            engine = _sqlite_engine(path)
            where = str(path)
        elif sa_url.startswith("sqlite:"):
            raise NotFoundError(f"{url!r} names no store file")
        else:
            # the URL's own options (a search_path) are kept: connect_args replace them
            given = make_url(sa_url).query.get("options", "")
            options = " ".join([*([given] if isinstance(given, str) else given), _RO]).strip()
            engine = create_engine(sa_url, pool_pre_ping=True, connect_args={"options": options})
            where = engine.url.render_as_string(hide_password=True)
        _check_schema(engine, where, older)
        # every transaction begins as a reader (no BEGIN IMMEDIATE write lock on SQLite)
        return Store(engine.execution_options(provtrack_read_only=True), read_only=True)
    except SQLAlchemyError as err:
        raise StoreError(f"cannot open the store at {url!r} read-only: {err}") from err


open_store_readonly = open_reader
"""The explorer's name for :func:`open_reader`."""
