"""Queries behind ``verify``: the evidence chain in batches, every row of a table, the rows
that point into the archive, verdict outcomes, and the schema's own facts (its revision,
a legacy table read by reflection, the signed checkpoints)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, TypeVar

from sqlalchemy import MetaData, Table, text
from sqlalchemy import inspect as sa_inspect
from sqlalchemy import select as sa_select
from sqlmodel import SQLModel, col, select

from provenance.store.db import Store
from provenance.store.models import (
    Checkpoint,
    EvidenceEntry,
    HostSnapshot,
    Image,
    ImageVerdict,
    Page,
    VerdictOutcome,
)

M = TypeVar("M", bound=SQLModel)


def iter_evidence(store: Store, batch: int = 5000) -> Iterator[EvidenceEntry]:
    """The evidence chain in sequence order, read ``batch`` entries at a time."""
    last = 0
    while True:
        with store.session() as s:
            rows = list(
                s.exec(
                    select(EvidenceEntry)
                    .where(col(EvidenceEntry.seq) > last)
                    .order_by(col(EvidenceEntry.seq))
                    .limit(batch)
                ).all()
            )
        if not rows:
            return
        yield from rows
        last = rows[-1].seq


def every_row(store: Store, model: type[M]) -> list[M]:
    """Every row of a table."""
    with store.session() as s:
        return list(s.exec(select(model)).all())


def reflected_rows(store: Store, table_name: str) -> list[dict[str, Any]]:
    """Every row of a table without a model (kept by an old migration), read by reflection;
    an empty list when the store has no such table."""
    if not sa_inspect(store.engine).has_table(table_name):
        return []
    table = Table(table_name, MetaData(), autoload_with=store.engine)
    with store.reading() as conn:
        return [dict(r._mapping) for r in conn.execute(sa_select(table))]


def has_table(store: Store, table_name: str) -> bool:
    """Whether the store's schema has this table."""
    return bool(sa_inspect(store.engine).has_table(table_name))


def verdict_outcomes(store: Store) -> dict[int, tuple[str, str]]:
    """Every verdict outcome's ``(pack, verdict)`` by id."""
    with store.reading() as conn:
        return {
            int(i or 0): (pack, verdict)
            for i, pack, verdict in conn.execute(
                sa_select(
                    col(VerdictOutcome.id), col(VerdictOutcome.pack), col(VerdictOutcome.verdict)
                )
            )
        }


def verdict_evaluations(store: Store) -> set[str]:
    """The evaluations that have verdict rows."""
    with store.reading() as conn:
        return {e for (e,) in conn.execute(sa_select(col(ImageVerdict.evaluation)).distinct())}


def warc_pointers(store: Store) -> list[Image | Page | HostSnapshot]:
    """Every image, page and host snapshot that points at a WARC record."""
    pointed: list[Image | Page | HostSnapshot] = []
    with store.session() as s:
        pointed.extend(s.exec(select(Image).where(col(Image.warc_file).is_not(None))).all())
        pointed.extend(s.exec(select(Page).where(col(Page.warc_file).is_not(None))).all())
        pointed.extend(
            s.exec(select(HostSnapshot).where(col(HostSnapshot.warc_file).is_not(None))).all()
        )
    return pointed


def points_at_warc(store: Store) -> bool:
    """Whether any image, page or host snapshot points at a WARC record."""
    with store.session() as s:
        return any(
            s.exec(select(model.id).where(col(model.warc_file).is_not(None)).limit(1)).first()
            is not None
            for model in (Image, Page, HostSnapshot)
        )


def schema_revision(store: Store) -> str | None:
    """The store's Alembic revision, or None when it has none."""
    with store.reading() as conn:
        if not sa_inspect(conn).has_table("alembic_version"):
            return None
        found = conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
    return str(found) if found is not None else None


def checkpointed(store: Store) -> set[int]:
    """The entry numbers checkpoints sign."""
    with store.session() as s:
        return {int(n) for n in s.exec(select(Checkpoint.seq)).all()}
