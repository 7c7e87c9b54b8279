"""``provtrack report``: the "publicly available is not consent" report from an evaluated store."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

from provtrack.cli._console import console, err_console
from provtrack.cli._store import open_crawl_reader

if TYPE_CHECKING:
    from provenance.report import ReportData
    from provenance.store import Store


def _store_label(out: Path, db: str | None) -> str:
    """Where the records were read, with any password in a --db URL hidden."""
    if not db:
        return str(out / "provtrack.db")
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        return make_url(db).render_as_string(hide_password=True)
    except ArgumentError:
        return db


def report(
    out: Annotated[
        Path, typer.Option(help="The crawl's output folder (its store and WARC files).")
    ] = Path("provtrack-out"),
    db: Annotated[str | None, typer.Option(help="Store URL, if not OUT/provtrack.db.")] = None,
    format: Annotated[
        list[str] | None,
        typer.Option("--format", help="html, md, json or all (repeatable; default html)."),
    ] = None,
    run_id: Annotated[
        list[str] | None,
        typer.Option(help="Only these runs (repeatable; default: every run in the store)."),
    ] = None,
    dest: Annotated[
        Path | None,
        typer.Option(help="Output file, or folder (default: OUT/report/report.<format>)."),
    ] = None,
    thumbnails: Annotated[
        bool, typer.Option(help="Embed thumbnails of collected images (read from the WARC).")
    ] = True,
    max_trails: Annotated[
        int,
        typer.Option(
            min=0,
            help="Show at most this many image evidence trails (0: every one); figures "
            "always cover every record.",
        ),
    ] = 1000,
) -> None:
    """Write the report: headline figures, verdicts with citations, compliant vs reproduce,
    sites, and the images' evidence trails (needs `provtrack evaluate` first)."""
    from provenance.report import default_paths, parse_formats, write_reports

    formats = parse_formats(format or ["html"])
    store = open_crawl_reader(out, db)
    with _progress() as progress:
        data = _build(progress, store, out, db, run_id, thumbnails, max_trails or None)
        task = progress.task_ids[0]
        progress.update(task, description="rendering", completed=0, total=len(formats))
        written = write_reports(data, default_paths(out, formats, dest))
    verdicts = sum(r.verdicts for r in data.runs)
    trails = "" if len(data.images) == data.images_total else f" ({len(data.images)} trails)"
    console.print(
        f"report: {data.images_total} images{trails}, {len(data.runs)} runs, {verdicts} "
        f"verdicts from {len(data.packs)} packs → "
        f"{', '.join(str(p) for p in written.values())}",
        soft_wrap=True,
        highlight=False,
    )


def _progress() -> Progress:
    """The progress bar on stderr (gone when done: the summary line stays)."""
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn("{task.completed}/{task.total}"),
        TimeElapsedColumn(),
        console=err_console,
        transient=True,
    )


def _build(
    progress: Progress,
    store: Store,
    out: Path,
    db: str | None,
    run_ids: list[str] | None,
    thumbnails: bool,
    max_trails: int | None,
) -> ReportData:
    """The report's data, its stages shown on ``progress``."""
    from provenance.report import build_report

    task = progress.add_task("reading records", total=None)

    def update(stage: str, done: int, total: int) -> None:
        progress.update(task, description=stage, completed=done, total=total)

    return build_report(
        store,
        warc_dir=out / "warc",
        run_ids=run_ids,
        store_label=_store_label(out, db),
        thumbnails=thumbnails,
        progress=update,
        max_trails=max_trails,
    )


def register(app: typer.Typer) -> None:
    """Add report to the app."""
    app.command()(report)
