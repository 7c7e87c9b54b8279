"""Alembic environment for provtrack's store (SQLite and PostgreSQL).

Run by :func:`provenance.store.db.migrate` with a live connection in ``config.attributes``;
SQLite uses batch mode so that later migrations can alter tables.
"""

from __future__ import annotations

from alembic import context
from sqlmodel import SQLModel

import provenance.store.models  # noqa: F401 - registers the tables on SQLModel.metadata

config = context.config
connection = config.attributes.get("connection")
if connection is None:  # pragma: no cover - provtrack always passes its connection
    raise RuntimeError("run migrations through provenance.store.db.migrate")

context.configure(
    connection=connection,
    target_metadata=SQLModel.metadata,
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
