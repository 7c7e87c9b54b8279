"""Finding the run a ``--resume`` continues."""

from __future__ import annotations

from pathlib import Path

from sqlmodel import col, select

from provenance.errors import NotFoundError
from provenance.store import open_store
from provenance.store.models import CrawlRun
from provenance.vocab import RunStatus


def resolve_resume_run(db: str, out: Path, run_id: str | None) -> CrawlRun:
    """The named run, or the most recent unfinished one in the store."""
    store = open_store(db)
    with store.session() as session:
        if run_id:
            named = session.get(CrawlRun, run_id)
            if named is None:
                raise NotFoundError(f"no run {run_id!r} to resume in {db}")
            return named
        stmt = (
            select(CrawlRun)
            .where(CrawlRun.status != RunStatus.FINISHED)
            .order_by(col(CrawlRun.started_at).desc())
        )
        run = session.exec(stmt).first()
    if run is None:
        raise NotFoundError(f"no unfinished run to resume in {db}")
    return run
