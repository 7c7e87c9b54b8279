"""Queries behind the export objects: a run's (or some images') rows of every table they join."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from sqlmodel import col, select

from provenance.store.db import Store
from provenance.store.models import HostSnapshot, Image, ImageOccurrence, Page, SignalRecord


@dataclass(slots=True)
class ExportRows:
    """The rows an export view assembles its objects from."""

    images: list[Image]
    occurrences: list[ImageOccurrence]
    signals: list[SignalRecord]
    snapshots: list[HostSnapshot]
    pages: list[Page]


def _chunks(items: Sequence[Any], size: int = 500) -> Iterator[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _host(url: str) -> str:
    return (urlsplit(url).hostname or "").lower()


def export_rows(
    store: Store, run_id: str | None = None, *, image_ids: Sequence[int] | None = None
) -> ExportRows:
    """One run's rows (every run's without ``run_id``), in recorded order; with ``image_ids``
    only those images, with just the occurrences, pages, signals and host snapshots they need
    (their pages' hosts too: an image on a CDN shows its pages' host documents)."""
    with store.session() as s:

        def where(model: Any) -> Any:
            stmt = select(model)
            return stmt.where(model.run_id == run_id) if run_id else stmt

        if image_ids is None:
            return ExportRows(
                images=list(s.exec(where(Image).order_by(Image.id)).all()),
                occurrences=list(s.exec(where(ImageOccurrence).order_by(ImageOccurrence.id)).all()),
                signals=list(s.exec(where(SignalRecord).order_by(SignalRecord.id)).all()),
                snapshots=list(s.exec(where(HostSnapshot)).all()),
                pages=list(s.exec(where(Page)).all()),
            )

        def rows_in(model: Any, column: Any, values: Sequence[Any]) -> list[Any]:
            """The rows whose ``column`` is one of ``values``, asked 500 values at a time."""
            return [
                row
                for chunk in _chunks(values)
                for row in s.exec(where(model).where(col(column).in_(chunk))).all()
            ]

        def by_id(rows: list[Any]) -> list[Any]:
            return sorted(rows, key=lambda r: r.id or 0)

        images = by_id(rows_in(Image, Image.id, sorted(set(image_ids))))
        urls = sorted({i.url for i in images})
        occurrences = by_id(rows_in(ImageOccurrence, ImageOccurrence.image_url, urls))
        page_urls = sorted({o.page_url for o in occurrences})
        hosts = sorted({i.host for i in images})
        subjects = sorted({*urls, *page_urls, *hosts})
        signals = by_id(rows_in(SignalRecord, SignalRecord.subject, subjects))
        snapshot_hosts = sorted({*hosts, *(_host(u) for u in page_urls)})
        snapshots = rows_in(HostSnapshot, HostSnapshot.host, snapshot_hosts)
        pages = rows_in(Page, Page.url, page_urls)
        return ExportRows(images, occurrences, signals, snapshots, pages)


def image_ids(store: Store, run_id: str | None = None) -> list[int]:
    """Every image's id in recorded order (one run's with ``run_id``)."""
    with store.session() as session:
        stmt = select(Image.id).order_by(col(Image.id))
        if run_id:
            stmt = stmt.where(Image.run_id == run_id)
        return [i for i in session.exec(stmt).all() if i is not None]


def image_ids_named(store: Store, url_or_sha256: str) -> list[int]:
    """The ids of the images with this URL or this sha256 (every run)."""
    with store.session() as session:
        stmt = select(Image.id).where(
            (Image.url == url_or_sha256) | (Image.sha256 == url_or_sha256)
        )
        return [i for i in session.exec(stmt).all() if i is not None]
