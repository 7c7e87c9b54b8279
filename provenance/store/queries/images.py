"""Queries over image records by their hashes and bytes: lookups, reposts, subjects' copies."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from sqlalchemy import Row, func, or_, select
from sqlmodel import col

from provenance.store.db import Store
from provenance.store.models import EvidenceEntry, Image, ImageOccurrence
from provenance.vocab import Decision


def ids_with_sha256(store: Store, sha256: str) -> list[int]:
    """The unpurged images whose bytes had this sha256 (every run)."""
    with store.session() as session:
        return [
            int(i)
            for i in session.execute(
                select(col(Image.id))
                .where(col(Image.sha256) == sha256)
                .where(col(Image.purged_at).is_(None))
            ).scalars()
        ]


def collected_with_bytes(store: Store) -> list[int]:
    """Ids of collected, unpurged images whose bytes a WARC record keeps."""
    with store.session() as session:
        rows = session.execute(
            select(col(Image.id))
            .where(col(Image.decision) == Decision.COLLECTED)
            .where(col(Image.purged_at).is_(None))
            .where(col(Image.warc_file).is_not(None))
            .order_by(col(Image.id))
        ).scalars()
        return [int(i) for i in rows]


def hash_rows(
    store: Store, *, collected_only: bool = True, ids: Iterable[int] | None = None
) -> list[tuple[Any, ...]]:
    """``(id, sha256, pdq, pdq_quality, phash, phash_crops)`` of the unpurged images, in id
    order: collected ones (``collected_only``), else every one that kept a hash."""
    crops = col(Image.media)["phash_crops"]
    stmt = select(
        col(Image.id),
        col(Image.sha256),
        col(Image.pdq),
        col(Image.pdq_quality),
        col(Image.phash),
        crops,
    ).where(col(Image.purged_at).is_(None))
    if collected_only:
        stmt = stmt.where(col(Image.decision) == Decision.COLLECTED)
    else:
        stmt = stmt.where(or_(col(Image.sha256).is_not(None), col(Image.phash).is_not(None)))
    if ids is not None:
        stmt = stmt.where(col(Image.id).in_(list(ids)))
    with store.session() as session:
        return [tuple(row) for row in session.execute(stmt.order_by(col(Image.id))).all()]


def chain_seq(store: Store) -> int:
    """The evidence chain's last sequence number: it grows with every write to the store."""
    with store.session() as session:
        value = session.execute(select(func.max(col(EvidenceEntry.seq)))).scalar()
    return int(value or 0)


def shown_several_times(store: Store, run_id: str) -> list[str]:
    """The run's image URLs that more than one occurrence shows (``HAVING count(*) > 1``)."""
    with store.session() as session:
        stmt = (
            select(col(ImageOccurrence.image_url))
            .where(col(ImageOccurrence.run_id) == run_id)
            .group_by(col(ImageOccurrence.image_url))
            .having(func.count() > 1)
        )
        return [str(u) for u in session.execute(stmt).scalars()]


def occurrences_of(store: Store, run_id: str, urls: Sequence[str]) -> list[ImageOccurrence]:
    """The run's occurrences of these image URLs."""
    with store.session() as session:
        stmt = select(ImageOccurrence).where(
            col(ImageOccurrence.run_id) == run_id, col(ImageOccurrence.image_url).in_(urls)
        )
        return list(session.execute(stmt).scalars())


def images_at(store: Store, run_id: str, urls: Sequence[str]) -> list[Image]:
    """The run's image records of these URLs."""
    with store.session() as session:
        stmt = select(Image).where(col(Image.run_id) == run_id, col(Image.url).in_(urls))
        return list(session.execute(stmt).scalars())


def hashed_image_facts(store: Store, run_id: str, *, chunk: int = 250) -> Iterator[Row[Any]]:
    """The copy-matching facts of the run's unpurged images that kept a sha256 or a pHash.

    Columns, not records, streamed ``chunk`` rows at a time: the end-of-run copy pass reads
    every image of the run, and whole records (their media facts, evidence, entries) of a
    50,000-row audit held at once were the run's peak memory (bench/README.md, audit).
    Rows: ``id, url, host, sha256, phash, pdq, pdq_quality, media, subject,
    subject_jurisdiction, reasons``, by host, then in id order (the pass groups one host at a
    time; the ``host`` index holds that order).
    """
    stmt = (
        select(
            col(Image.id),
            col(Image.url),
            col(Image.host),
            col(Image.sha256),
            col(Image.phash),
            col(Image.pdq),
            col(Image.pdq_quality),
            col(Image.media),
            col(Image.subject),
            col(Image.subject_jurisdiction),
            col(Image.reasons),
        )
        .where(
            col(Image.run_id) == run_id,
            col(Image.purged_at).is_(None),
            or_(col(Image.sha256).is_not(None), col(Image.phash).is_not(None)),
        )
        .order_by(col(Image.host), col(Image.id))
        .execution_options(yield_per=chunk)
    )
    with store.session() as session:
        yield from session.execute(stmt)


def images_by_id(store: Store, ids: Sequence[int]) -> list[Image]:
    """The image records of these ids (any order)."""
    if not ids:
        return []
    with store.session() as session:
        stmt = select(Image).where(col(Image.id).in_(list(ids)))
        return list(session.execute(stmt).scalars())
