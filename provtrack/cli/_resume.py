"""Finding the run a ``--resume`` continues."""

from __future__ import annotations

from pathlib import Path

from provenance.errors import NotFoundError
from provenance.store import open_store
from provenance.store.models import CrawlRun


def resolve_resume_run(db: str, out: Path, run_id: str | None, *, command: str) -> CrawlRun:
    """The named run, or the most recent unfinished one in the store; refused (exit 7) while a
    crawl of the store is alive, before any run is chosen (the resumed run holds the store
    again from its start, crawler.runner)."""
    from provenance.store.lock import lock_store

    lock_store(db, exclusive=True, command=command).release()
    store = open_store(db)
    if run_id:
        named = store.get_run(run_id)
        if named is None:
            raise NotFoundError(f"no run {run_id!r} to resume in {db}")
        return named
    run = store.last_unfinished_run()
    if run is None:
        raise NotFoundError(f"no unfinished run to resume in {db}")
    return run
