"""Opening a store for reading only: the web explorer and other readers never write.

SQLite is opened through a ``mode=ro`` URI (the file cannot be changed through it, and no
migration runs); PostgreSQL sessions start with ``default_transaction_read_only``. Either way a
write through this store fails in the database, not by convention.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from urllib.parse import quote

from sqlalchemy import create_engine
from sqlalchemy.exc import SQLAlchemyError

from provenance.errors import NotFoundError, StoreError
from provenance.store.db import Store, normalise_url


def open_store_readonly(url: str) -> Store:
    """The store at a ``--db`` URL or SQLite path, opened so that nothing can be written."""
    sa_url = normalise_url(url)
    try:
        if sa_url.startswith("sqlite:///"):
            path = Path(sa_url.removeprefix("sqlite:///")).resolve()
            if not path.is_file():
                raise NotFoundError(f"no store at {path}")
            uri = f"file:{quote(str(path))}?mode=ro"

            def connect() -> sqlite3.Connection:
                return sqlite3.connect(uri, uri=True, check_same_thread=False)

            engine = create_engine("sqlite://", creator=connect)
        else:
            engine = create_engine(
                sa_url,
                pool_pre_ping=True,
                connect_args={"options": "-c default_transaction_read_only=on"},
            )
        # every transaction begins as a reader (no BEGIN IMMEDIATE write lock on SQLite)
        return Store(engine.execution_options(provtrack_read_only=True))
    except SQLAlchemyError as err:
        raise StoreError(f"cannot open the store at {url!r} read-only: {err}") from err
