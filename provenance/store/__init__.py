"""Where records live: SQLModel tables on SQLite (default) or PostgreSQL, with an evidence chain."""

from provenance.store.db import Store, open_store

__all__ = ["Store", "open_store"]
