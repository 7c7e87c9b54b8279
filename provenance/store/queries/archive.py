"""Queries behind an archive package (WACZ): the WARC files a run's records point at, its
archived pages, the evidence chain and its signed checkpoints, in order."""

from __future__ import annotations

from sqlmodel import col, select

from provenance.store.db import Store
from provenance.store.models import Checkpoint, EvidenceEntry, HostSnapshot, Image, Page
from provenance.vocab import Decision


def warc_file_names(store: Store, run_id: str) -> set[str]:
    """The WARC files a run's images, pages and host snapshots point at."""
    names: set[str] = set()
    with store.session() as s:
        for column, run_col in (
            (Image.warc_file, Image.run_id),
            (Page.warc_file, Page.run_id),
            (HostSnapshot.warc_file, HostSnapshot.run_id),
        ):
            stmt = select(column).where(run_col == run_id).where(col(column).is_not(None))
            names.update(str(n) for n in s.exec(stmt.distinct()).all())
    return names


def archived_pages(store: Store, run_id: str | None) -> list[Page]:
    """The fetched pages with a WARC record, in recorded order (one run's with ``run_id``)."""
    with store.session() as s:
        stmt = (
            select(Page)
            .where(Page.decision == Decision.FETCHED)
            .where(col(Page.warc_file).is_not(None))
            .order_by(col(Page.id))
        )
        if run_id:
            stmt = stmt.where(Page.run_id == run_id)
        return list(s.exec(stmt).all())


def evidence_chain(store: Store) -> list[EvidenceEntry]:
    """The store's evidence chain in sequence order."""
    with store.session() as s:
        return list(s.exec(select(EvidenceEntry).order_by(col(EvidenceEntry.seq))).all())


def checkpoints(store: Store) -> list[Checkpoint]:
    """The chain's signed checkpoints in sequence order."""
    with store.session() as s:
        return list(
            s.exec(select(Checkpoint).order_by(col(Checkpoint.seq), col(Checkpoint.id))).all()
        )
