"""Queries over dataset entries: the rows of audited datasets and the image records they join.

Exports and the report read entries in id order, one batch at a time (a dataset has millions
of rows), and look up the image record of each entry's URL in the same run.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from sqlalchemy import tuple_
from sqlmodel import col, func, select

from provenance.store.db import Store
from provenance.store.models import DatasetEntry, Image


def entry_runs(store: Store, run_id: str | None = None) -> list[str]:
    """The runs that have dataset entries (only ``run_id`` when given), oldest first."""
    with store.session() as session:
        stmt = select(DatasetEntry.run_id).distinct()
        if run_id:
            stmt = stmt.where(DatasetEntry.run_id == run_id)
        return sorted(session.exec(stmt).all())


def count_entries(store: Store, run_id: str) -> int:
    """How many dataset rows an audit run read."""
    with store.session() as session:
        stmt = select(func.count()).select_from(DatasetEntry).where(DatasetEntry.run_id == run_id)
        return int(session.exec(stmt).one())


def iter_entry_batches(
    store: Store, run_id: str, *, batch: int = 2000
) -> Iterator[list[DatasetEntry]]:
    """A run's dataset entries in dataset order (file, then row), ``batch`` at a time.

    Keyset pagination on the (run, source, row) unique index: each batch is one indexed range
    read, however far into a dataset of millions of rows.
    """
    last: tuple[str, int] | None = None
    while True:
        with store.session() as session:
            stmt = select(DatasetEntry).where(DatasetEntry.run_id == run_id)
            if last is not None:
                stmt = stmt.where(
                    tuple_(col(DatasetEntry.source), col(DatasetEntry.row)) > tuple_(*last)
                )
            stmt = stmt.order_by(col(DatasetEntry.source), col(DatasetEntry.row)).limit(batch)
            rows = list(session.exec(stmt).all())
        if not rows:
            return
        last = (rows[-1].source, rows[-1].row)
        yield rows


def image_ids_by_url(store: Store, run_id: str, urls: Sequence[str]) -> dict[str, int]:
    """The image record id of each URL in the run (URLs without a record are left out)."""
    found: dict[str, int] = {}
    unique = sorted(set(urls))
    with store.session() as session:
        for start in range(0, len(unique), 500):
            chunk = unique[start : start + 500]
            stmt = select(Image.url, Image.id).where(
                Image.run_id == run_id, col(Image.url).in_(chunk)
            )
            for url, image_id in session.exec(stmt).all():
                if image_id is not None:
                    found[url] = image_id
    return found


def audited_rows(store: Store, run_id: str) -> set[tuple[str, int]]:
    """``(source, row)`` of every entry already recorded (a resumed audit skips them)."""
    with store.session() as session:
        stmt = select(DatasetEntry.source, DatasetEntry.row).where(DatasetEntry.run_id == run_id)
        return {(source, row) for source, row in session.exec(stmt).all()}


def presence_counts(store: Store, run_id: str) -> dict[str, int]:
    """How many of a run's entries are the same, changed, gone or unknown at their URL."""
    with store.session() as session:
        stmt = (
            select(DatasetEntry.presence, func.count())
            .where(DatasetEntry.run_id == run_id, col(DatasetEntry.presence).is_not(None))
            .group_by(DatasetEntry.presence)
        )
        return {str(state): int(n) for state, n in session.exec(stmt).all()}


def iter_entries_with_images(
    store: Store, run_id: str, *, batch: int = 5000
) -> Iterator[list[tuple[DatasetEntry, Image | None]]]:
    """A run's entries in dataset order, each with the image record of its URL (None for a
    row that was never fetched), ``batch`` at a time."""
    last: tuple[str, int] | None = None
    while True:
        with store.session() as session:
            stmt = (
                select(DatasetEntry, Image)
                .join(
                    Image,
                    (col(Image.run_id) == col(DatasetEntry.run_id))
                    & (col(Image.url) == col(DatasetEntry.url)),
                    isouter=True,
                )
                .where(DatasetEntry.run_id == run_id)
            )
            if last is not None:
                stmt = stmt.where(
                    tuple_(col(DatasetEntry.source), col(DatasetEntry.row)) > tuple_(*last)
                )
            stmt = stmt.order_by(col(DatasetEntry.source), col(DatasetEntry.row)).limit(batch)
            rows: list[tuple[DatasetEntry, Image | None]] = [
                (entry, image) for entry, image in session.exec(stmt).all()
            ]
        if not rows:
            return
        last = (rows[-1][0].source, rows[-1][0].row)
        yield rows
