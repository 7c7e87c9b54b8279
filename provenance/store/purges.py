"""The queries a purge needs beyond the image rows: occurrences, pages, snapshots, signals.

A purge removes the person as well as the photograph (:mod:`provenance.redaction`), so it
reads every record of the hosts where the purged images appeared, inside its transaction.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

from sqlmodel import Session, col, select

from provenance.store.models import HostSnapshot, Image, ImageOccurrence, Page, SignalRecord

_CHUNK = 500  # bound on the values of one SQL ``IN`` list
T = TypeVar("T")


def _chunks(values: Iterable[T]) -> Iterator[list[T]]:
    items = sorted(set(values))  # type: ignore[type-var]
    for start in range(0, len(items), _CHUNK):
        yield items[start : start + _CHUNK]


def occurrences_of(session: Session, images: Sequence[Image]) -> list[ImageOccurrence]:
    """Every appearance of these image records on a page (same run, same URL)."""
    keys = {(i.run_id, i.url) for i in images}
    out: list[ImageOccurrence] = []
    for urls in _chunks(url for _, url in keys):
        stmt = select(ImageOccurrence).where(col(ImageOccurrence.image_url).in_(urls))
        out.extend(o for o in session.exec(stmt).all() if (o.run_id, o.image_url) in keys)
    return sorted(out, key=lambda o: o.id or 0)


@dataclass(slots=True)
class HostRecords:
    """Every page, occurrence, image, snapshot and signal recorded for a set of hosts."""

    pages: list[Page] = field(default_factory=list)
    occurrences: list[ImageOccurrence] = field(default_factory=list)
    images: list[Image] = field(default_factory=list)
    snapshots: list[HostSnapshot] = field(default_factory=list)
    signals: list[SignalRecord] = field(default_factory=list)


def records_of_hosts(session: Session, hosts: Iterable[str]) -> HostRecords:
    """The records of ``hosts``: their pages and snapshots, the occurrences on those pages,
    the (unpurged) images shown there wherever they are hosted, and the signals about any of
    them."""
    out = HostRecords()
    host_list = sorted(set(hosts))
    for part in _chunks(host_list):
        out.pages.extend(session.exec(select(Page).where(col(Page.host).in_(part))).all())
        out.snapshots.extend(
            session.exec(select(HostSnapshot).where(col(HostSnapshot.host).in_(part))).all()
        )
    page_keys = {(p.run_id, p.url) for p in out.pages}
    for urls in _chunks(url for _, url in page_keys):
        on_pages = select(ImageOccurrence).where(col(ImageOccurrence.page_url).in_(urls))
        out.occurrences.extend(
            o for o in session.exec(on_pages).all() if (o.run_id, o.page_url) in page_keys
        )
    image_keys = {(o.run_id, o.image_url) for o in out.occurrences}
    for urls in _chunks(url for _, url in image_keys):
        stmt = select(Image).where(col(Image.url).in_(urls)).where(col(Image.purged_at).is_(None))
        out.images.extend(i for i in session.exec(stmt).all() if (i.run_id, i.url) in image_keys)
    subjects: set[Any] = {*host_list, *(u for _, u in page_keys), *(u for _, u in image_keys)}
    for part in _chunks(subjects):
        about = select(SignalRecord).where(col(SignalRecord.subject).in_(part))
        out.signals.extend(session.exec(about).all())
    for rows in (out.pages, out.occurrences, out.images, out.snapshots, out.signals):
        rows.sort(key=lambda r: r.id or 0)
    return out


def referenced_files(session: Session) -> set[str]:
    """The WARC files any image, page or host snapshot points at."""
    names: set[str] = set()
    for column in (Image.warc_file, Page.warc_file, HostSnapshot.warc_file):
        stmt = select(column).where(col(column).is_not(None)).distinct()
        names.update(str(n) for n in session.exec(stmt).all())
    return names


def pointing_at(session: Session, name: str) -> list[Image | Page | HostSnapshot]:
    """The records whose WARC pointer is into the file ``name``."""
    rows: list[Image | Page | HostSnapshot] = []
    rows.extend(session.exec(select(Image).where(Image.warc_file == name)).all())
    rows.extend(session.exec(select(Page).where(Page.warc_file == name)).all())
    rows.extend(session.exec(select(HostSnapshot).where(HostSnapshot.warc_file == name)).all())
    return rows


def unpurged_by_id(session: Session, ids: Sequence[int]) -> list[Image]:
    """The image records of these ids that no purge has scrubbed yet."""
    stmt = select(Image).where(col(Image.id).in_(ids)).where(col(Image.purged_at).is_(None))
    return list(session.exec(stmt).all())
