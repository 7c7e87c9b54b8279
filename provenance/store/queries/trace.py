"""Queries behind a provenance chain: exactly the rows the chains of some images need."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from sqlmodel import col, select

from provenance.store.db import Store
from provenance.store.models import (
    CrawlRun,
    HostSnapshot,
    Image,
    ImageOccurrence,
    Page,
    SignalRecord,
)


@dataclass(slots=True)
class ChainRows:
    """The rows of the images' chains: their runs, occurrences, pages, host snapshots, signals."""

    images: list[Image]
    runs: dict[str, CrawlRun]
    occurrences: list[ImageOccurrence]
    pages: dict[tuple[str, str], Page]
    snapshots: list[HostSnapshot]
    signals: list[SignalRecord]


def chain_rows(store: Store, ids: Sequence[int], host_of: Callable[[str], str]) -> ChainRows:
    """A handful of ``IN`` queries: the cost follows the number of images, not the store's size.
    ``host_of`` names a page URL's host (its pages' hosts' documents belong to the chain)."""
    with store.session() as s:
        images = list(s.exec(select(Image).where(col(Image.id).in_(ids))).all())
        runs_ids = {i.run_id for i in images}
        urls = {i.url for i in images}
        image_hosts = {i.host for i in images}
        runs = {
            r.id: r for r in s.exec(select(CrawlRun).where(col(CrawlRun.id).in_(runs_ids))).all()
        }
        occurrences = list(
            s.exec(
                select(ImageOccurrence)
                .where(col(ImageOccurrence.image_url).in_(urls))
                .where(col(ImageOccurrence.run_id).in_(runs_ids))
                .order_by(col(ImageOccurrence.id))
            ).all()
        )
        page_urls = {o.page_url for o in occurrences}
        hosts = image_hosts | {host_of(u) for u in page_urls}
        pages = {
            (p.run_id, p.url): p
            for p in s.exec(
                select(Page)
                .where(col(Page.url).in_(page_urls))
                .where(col(Page.run_id).in_(runs_ids))
            ).all()
        }
        snapshots = list(
            s.exec(
                select(HostSnapshot)
                .where(col(HostSnapshot.host).in_(hosts))
                .where(col(HostSnapshot.run_id).in_(runs_ids))
            ).all()
        )
        signals = list(
            s.exec(
                select(SignalRecord)
                .where(col(SignalRecord.subject).in_(urls | page_urls | hosts))
                .where(col(SignalRecord.run_id).in_(runs_ids))
                .order_by(col(SignalRecord.id))
            ).all()
        )
    return ChainRows(images, runs, occurrences, pages, snapshots, signals)


def image_row(store: Store, image_id: int) -> Image | None:
    """One image's row by id."""
    with store.session() as s:
        return s.get(Image, image_id)
