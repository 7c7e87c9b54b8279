"""Queries behind opt-out requests: the image records a request names, and its receipts."""

from __future__ import annotations

from collections.abc import Iterable

from sqlmodel import col, select

from provenance.store.db import Store
from provenance.store.models import EvidenceEntry, Image


def images_by_id(store: Store, ids: Iterable[int]) -> dict[int, Image]:
    """The image records of these ids."""
    id_list = list(ids)
    if not id_list:
        return {}
    with store.session() as s:
        rows = s.exec(select(Image).where(col(Image.id).in_(id_list))).all()
    return {r.id: r for r in rows if r.id is not None}


def unpurged_at_urls(store: Store, urls: Iterable[str]) -> list[Image]:
    """The unpurged image records of these URLs (every run), in id order."""
    url_list = sorted(set(urls))
    if not url_list:
        return []
    with store.session() as s:
        return list(
            s.exec(
                select(Image)
                .where(col(Image.url).in_(url_list))
                .where(col(Image.purged_at).is_(None))
                .order_by(col(Image.id))
            ).all()
        )


def unpurged_on_host(store: Store, host: str) -> list[Image]:
    """The unpurged image records of a host (every run), in id order."""
    with store.session() as s:
        return list(
            s.exec(
                select(Image)
                .where(Image.host == host)
                .where(col(Image.purged_at).is_(None))
                .order_by(col(Image.id))
            ).all()
        )


def unpurged_images(store: Store) -> list[Image]:
    """Every unpurged image record, in id order."""
    with store.session() as s:
        return list(
            s.exec(
                select(Image).where(col(Image.purged_at).is_(None)).order_by(col(Image.id))
            ).all()
        )


def request_receipts(store: Store) -> list[EvidenceEntry]:
    """The evidence entries that chain opt-out requests (``optout_request:<id>``), in order."""
    with store.session() as s:
        return list(
            s.exec(
                select(EvidenceEntry)
                .where(col(EvidenceEntry.subject).like("optout_request:%"))
                .order_by(col(EvidenceEntry.seq))
            ).all()
        )
