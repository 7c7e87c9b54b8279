"""Read-only queries behind the investigator's desk: ``show``, ``serve`` and Datasette.

Every query here only reads; the web explorer opens the store read-only as well. Queries
take plain values and return plain rows or ids, so the views stay free of SQL.
"""

from __future__ import annotations

from sqlalchemy import or_
from sqlmodel import col, select

from provenance.store import Store
from provenance.store.models import Image


def image_ids_for(store: Store, url_or_sha256: str) -> list[int]:
    """Ids of every image record (any run) of an image URL or of bytes with that sha256,
    oldest run first."""
    value = url_or_sha256.strip()
    with store.session() as s:
        rows = s.exec(
            select(col(Image.id))
            .where(or_(col(Image.url) == value, col(Image.sha256) == value.lower()))
            .order_by(col(Image.fetched_at), col(Image.id))
        ).all()
    return [int(i) for i in rows if i is not None]
