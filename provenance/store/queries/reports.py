"""Queries the report reads beside the evaluation's facts: host signals, site jurisdictions,
the pages where a compliant crawl stopped."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from sqlalchemy import Text, cast
from sqlalchemy import select as sa_select
from sqlmodel import col

from provenance.store.db import Store
from provenance.store.models import Page, SignalRecord
from provenance.vocab import Decision


def host_signal_rows(store: Store, run_ids: Sequence[str]) -> Iterator[tuple[Any, ...]]:
    """The runs' host-level signals in recorded order, as ``(run_id, host, kind, value,
    source, evidence, agent, url, restricts)`` rows (repeats included)."""
    stmt = (
        sa_select(
            col(SignalRecord.run_id),
            col(SignalRecord.subject),
            col(SignalRecord.kind),
            col(SignalRecord.value),
            col(SignalRecord.source),
            col(SignalRecord.evidence),
            col(SignalRecord.agent),
            col(SignalRecord.url),
            col(SignalRecord.restricts),
        )
        .where(col(SignalRecord.run_id).in_(list(run_ids)), col(SignalRecord.level) == "host")
        .order_by(col(SignalRecord.id))
    )
    with store.reading() as conn:
        for row in conn.execute(stmt):
            yield tuple(row)


def page_jurisdiction_texts(
    store: Store, run_ids: Sequence[str]
) -> Iterator[tuple[str, str, str | None]]:
    """Every page's ``(run_id, host, site_jurisdiction as JSON text)`` in recorded order."""
    stmt = (
        sa_select(col(Page.run_id), col(Page.host), cast(col(Page.site_jurisdiction), Text))
        .where(col(Page.run_id).in_(list(run_ids)))
        .order_by(col(Page.id))
    )
    with store.reading() as conn:
        for row in conn.execute(stmt):
            yield (row[0], row[1], row[2])


def unfetched_page_reasons(store: Store, run_id: str) -> list[tuple[str, str | None]]:
    """The run's pages recorded but not fetched: ``(url, reasons as JSON text)``, in order."""
    stmt = (
        sa_select(col(Page.url), cast(col(Page.reasons), Text))
        .where(col(Page.run_id) == run_id, col(Page.decision) != Decision.FETCHED)
        .order_by(col(Page.id))
    )
    with store.reading() as conn:
        return [(url, text) for url, text in conn.execute(stmt)]
