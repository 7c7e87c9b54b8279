"""Opening a crawl's store the way ``provtrack crawl`` names it (``--out DIR`` or ``--db URL``)."""

from __future__ import annotations

from pathlib import Path

from provenance.errors import NotFoundError
from provenance.store import Store, open_store


def open_crawl_store(out: Path, db: str | None) -> Store:
    """The store of a crawl: ``--db`` if given, else ``OUT/provtrack.db`` (which must exist)."""
    if db:
        return open_store(db)
    path = out / "provtrack.db"
    if not path.exists():
        raise NotFoundError(
            f"no store at {path} (run `provtrack crawl --out {out}` first, or pass --db)"
        )
    return open_store(str(path))
