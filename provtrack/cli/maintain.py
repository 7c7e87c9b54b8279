"""``provtrack migrate``: bring a store written by an older provtrack to this code's schema.

Readers (verify, report, export, ...) never migrate: a store older than the code is refused by
them with a pointer here, so that checking a store never changes it. Writers (crawl, audit,
evaluate, optout, purge) migrate as they open it, as before.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from provtrack.cli._console import console


def register(app: typer.Typer) -> None:
    """Add migrate to the app."""

    @app.command()
    def migrate(
        out: Annotated[Path, typer.Option(help="The crawl's output folder.")] = Path(
            "provtrack-out"
        ),
        db: Annotated[str | None, typer.Option(help="Store URL, if not OUT/provtrack.db.")] = None,
    ) -> None:
        """Upgrade the store's schema to this provtrack's (Alembic migrations; holds it alone)."""
        from provenance.store.readonly import head_revision
        from provtrack.cli._store import hold_alone, open_crawl_store

        with hold_alone(out, db, "migrate"):
            open_crawl_store(out, db)
        console.print(f"store at schema {head_revision()}", highlight=False)
