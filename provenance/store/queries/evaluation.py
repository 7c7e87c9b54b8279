"""Queries the evaluation streams its facts from: runs, host snapshots, signals, occurrences
and the image rows themselves, each table read once.

``run_ids`` None means every run: no filter at all, so that SQLite walks a table in id order
instead of sorting the rows an ``IN (...)`` over the run_id index would give run by run.
Large tables are streamed (``yield_per``) with only the columns the facts need, JSON read as
text for the caller to parse once per distinct text.
"""

from __future__ import annotations

from collections.abc import Generator, Sequence
from typing import Any

from sqlalchemy import Text, cast, func, true
from sqlalchemy import select as sa_select
from sqlmodel import col, select

from provenance.store.db import Store
from provenance.store.models import CrawlRun, HostSnapshot, Image, ImageOccurrence, SignalRecord


def _where_runs(column: Any, run_ids: Sequence[str] | None) -> Any:
    return true() if run_ids is None else column.in_(list(run_ids))


def runs_named(store: Store, run_ids: Sequence[str] | None) -> dict[str, CrawlRun]:
    """The runs by id (every run when ``run_ids`` is None)."""
    with store.session() as session:
        stmt = select(CrawlRun)
        if run_ids is not None:
            stmt = stmt.where(col(CrawlRun.id).in_(list(run_ids)))
        return {r.id: r for r in session.exec(stmt).all()}


def snapshots_of(store: Store, run_ids: Sequence[str]) -> list[HostSnapshot]:
    """The runs' host snapshots."""
    with store.session() as session:
        stmt = select(HostSnapshot).where(col(HostSnapshot.run_id).in_(list(run_ids)))
        return list(session.exec(stmt).all())


def signal_rows(
    store: Store, run_ids: Sequence[str] | None
) -> Generator[tuple[Any, ...], None, None]:
    """``(run_id, subject, kind, value, agent, restricts)`` of every signal, in id order."""
    stmt = (
        sa_select(
            col(SignalRecord.run_id),
            col(SignalRecord.subject),
            col(SignalRecord.kind),
            col(SignalRecord.value),
            col(SignalRecord.agent),
            col(SignalRecord.restricts),
        )
        .where(_where_runs(col(SignalRecord.run_id), run_ids))
        .order_by(col(SignalRecord.id))
    )
    with store.reading() as conn:
        for row in conn.execute(stmt):
            yield tuple(row)


def occurrence_rows(
    store: Store, run_ids: Sequence[str] | None, *, with_chains: bool = False
) -> Generator[Any, None, None]:
    """``(run_id, image_url, page_url[, referrer_chain as JSON text])`` of every occurrence,
    in id order, streamed."""
    columns: list[Any] = [
        col(ImageOccurrence.run_id),
        col(ImageOccurrence.image_url),
        col(ImageOccurrence.page_url),
    ]
    if with_chains:
        columns.append(cast(col(ImageOccurrence.referrer_chain), Text))
    stmt = (
        sa_select(*columns)
        .where(_where_runs(col(ImageOccurrence.run_id), run_ids))
        .order_by(col(ImageOccurrence.id))
    )
    with store.reading() as conn:
        yield from conn.execution_options(yield_per=20_000).execute(stmt)


def count_images(store: Store, run_ids: Sequence[str] | None) -> int:
    """How many image records the runs hold."""
    stmt = sa_select(func.count()).select_from(Image).where(_where_runs(col(Image.run_id), run_ids))
    with store.reading() as conn:
        return int(conn.execute(stmt).scalar_one())


def image_fact_rows(
    store: Store, run_ids: Sequence[str] | None, *, details: bool = False
) -> Generator[Any, None, None]:
    """Every image record's ``(id, run_id, url, host, mode, decision, fetched_at, face_count,
    subject, site_jurisdiction, subject_jurisdiction)`` (JSON as text), with ``details`` also
    ``(stage, reasons, overridden)``; in id order, streamed."""
    columns: list[Any] = [
        col(Image.id),
        col(Image.run_id),
        col(Image.url),
        col(Image.host),
        col(Image.mode),
        col(Image.decision),
        col(Image.fetched_at),
        col(Image.face_count),
        cast(col(Image.subject), Text),
        cast(col(Image.site_jurisdiction), Text),
        cast(col(Image.subject_jurisdiction), Text),
    ]
    if details:
        columns += [
            col(Image.stage),
            cast(col(Image.reasons), Text),
            cast(col(Image.overridden), Text),
        ]
    stmt = (
        sa_select(*columns).where(_where_runs(col(Image.run_id), run_ids)).order_by(col(Image.id))
    )
    with store.reading() as conn:
        yield from conn.execution_options(yield_per=5_000).execute(stmt)
