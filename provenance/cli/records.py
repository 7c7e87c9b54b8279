"""Commands over a crawl's records: export and show."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from provenance.cli._console import console, err_console
from provenance.cli._store import open_crawl_store
from provenance.errors import ConfigError


def register(app: typer.Typer) -> None:
    """Add export and show to the app."""

    @app.command()
    def export(
        out: Annotated[
            Path, typer.Option(help="The crawl's output folder (its store and WARC files).")
        ] = Path("provtrack-out"),
        db: Annotated[str | None, typer.Option(help="Store URL, if not OUT/provtrack.db.")] = None,
        format: Annotated[str, typer.Option("--format", help="jsonl")] = "jsonl",
        run_id: Annotated[
            str | None, typer.Option(help="Only this run (default: all runs).")
        ] = None,
        dest: Annotated[
            Path | None, typer.Option(help="Output file (default: OUT/export/records.<format>).")
        ] = None,
    ) -> None:
        """Export image records with their provenance (one JSON object per image)."""
        store = open_crawl_store(out, db)
        if format == "jsonl":
            from provenance.export.jsonl import write_jsonl

            path = dest or out / "export" / "records.jsonl"
            count = write_jsonl(store, path, run_id)
        else:
            raise ConfigError(f"unknown export format {format!r} (jsonl)")
        err_console.print(f"wrote {count} image records to {path}")

    @app.command()
    def show(
        image: Annotated[str, typer.Argument(help="An image URL or its sha256.")],
        out: Annotated[Path, typer.Option(help="The crawl's output folder.")] = Path(
            "provtrack-out"
        ),
        db: Annotated[str | None, typer.Option(help="Store URL, if not OUT/provtrack.db.")] = None,
    ) -> None:
        """Show everything recorded about one image: source pages, signals, evidence."""
        from provenance.errors import NotFoundError
        from provenance.export.records import ExportView

        view = ExportView(open_crawl_store(out, db))
        found = [r for r in view if image in (r["image_url"], r["sha256"])]
        if not found:
            raise NotFoundError(f"no image record with URL or sha256 {image!r}")
        for record in found:
            console.print_json(json.dumps(record, ensure_ascii=False, default=str))
