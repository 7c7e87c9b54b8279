"""``provtrack audit``: check a dataset someone else collected as a compliant collection would.

A thin layer: the arguments become an :class:`~provenance.dataset.plan.AuditPlan` and a run of
mode ``audit`` on the same engine as a crawl; the progress line counts dataset rows, the closing
table what a compliant collection would have left.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from provenance.errors import CrawlError, InputError
from provtrack.cli._console import console, err_console, run_progress
from provtrack.cli._key import KeyOption, use_key
from provtrack.cli._options import (
    DEFAULT_OUT,
    DEFAULT_PURPOSE,
    CaCertOption,
    ConcurrencyOption,
    DbOption,
    DemoCaOption,
    FrontierOption,
    MediaWorkersOption,
    OutOption,
    PolicyTimeoutOption,
    PurposeOption,
    RunIdOption,
)

if TYPE_CHECKING:
    from crawler.config import CrawlConfig
    from crawler.runner import CrawlSummary
    from provenance.dataset.plan import AuditPlan


def _describe(counts: dict[str, int]) -> str:
    return (
        f"rows {counts.get('rows', 0)} · images {counts.get('images_collected', 0)} collected / "
        f"{counts.get('images_skipped', 0)} skipped / {counts.get('images_failed', 0)} failed"
    )


def _run(config: CrawlConfig) -> CrawlSummary:
    from crawler.runner import run_crawls

    with run_progress("audit") as progress:
        task = progress.add_task(_describe({}), total=None)

        started: set[str] = set()

        def update(run_id: str, counts: dict[str, int]) -> None:
            started.add(run_id)
            progress.update(task, description=_describe(counts))

        try:
            (summary,) = run_crawls([config], progress=update)
        except BaseException:
            if not started:  # refused before auditing (a lock, a key): the error line alone
                progress.remove_task(task)
            raise
        progress.update(task, description=_describe(summary.counts))
    for note in summary.notes:
        err_console.print(note, highlight=False, soft_wrap=True)
    return summary


def _table(summary: CrawlSummary, presence: dict[str, int]) -> Table:
    counts = summary.counts
    table = Table(title=f"audit {summary.run_id}")
    table.add_column("")
    table.add_column("count", justify="right")
    table.add_row("dataset rows read", str(counts.get("rows", 0)))
    table.add_row("  rows that are not auditable URLs", str(counts.get("rows_refused", 0)))
    table.add_row("images a compliant collection takes", str(counts.get("images_collected", 0)))
    table.add_row("images it leaves (an opt-out applies)", str(counts.get("images_skipped", 0)))
    table.add_row("images that failed", str(counts.get("images_failed", 0)))
    table.add_row("images showing faces", str(counts.get("images_with_faces", 0)))
    for kind in sorted(summary.skipped_by):
        table.add_row(f"  left for / failed: {kind}", str(summary.skipped_by[kind]))
    for state in ("same", "changed", "gone", "unknown"):
        if presence.get(state):
            table.add_row(f"  dataset copy vs the URL now: {state}", str(presence[state]))
    table.add_row("finished", summary.finish_reason)
    return table


def audit(
    manifests: Annotated[
        list[Path] | None,
        typer.Argument(
            help="Dataset manifests (txt, csv, tsv, json, jsonl, parquet; a folder of parts) "
            "or img2dataset output folders."
        ),
    ] = None,
    out: OutOption = DEFAULT_OUT,
    db: DbOption = None,
    url_col: Annotated[str, typer.Option(help="Column holding the image URL.")] = "url",
    caption_col: Annotated[str | None, typer.Option(help="Column holding the caption.")] = None,
    key_col: Annotated[
        str | None, typer.Option(help="Column holding the row's key (joins results back).")
    ] = None,
    page_col: Annotated[
        str | None, typer.Option(help="Column holding the page the image was found on.")
    ] = None,
    input_format: Annotated[
        str | None,
        typer.Option(help="txt, csv, tsv, json, jsonl or parquet (default: by extension)."),
    ] = None,
    archive: Annotated[
        list[Path] | None,
        typer.Option(help="A WARC or WACZ file, or a folder of them (repeatable)."),
    ] = None,
    fetch_missing: Annotated[
        bool,
        typer.Option(help="Archive audits: read what the archive lacks from today's web (marked)."),
    ] = False,
    keep_bytes: Annotated[
        bool, typer.Option(help="Keep image payloads in the WARC (default: headers only).")
    ] = False,
    proxy: Annotated[str | None, typer.Option(help="HTTP proxy for every request.")] = None,
    purpose: PurposeOption = DEFAULT_PURPOSE,
    resume: Annotated[
        bool, typer.Option(help="Continue the audit named by --run-id (or the last one).")
    ] = False,
    run_id: RunIdOption = None,
    frontier: FrontierOption = None,
    media_workers: MediaWorkersOption = None,
    concurrency: ConcurrencyOption = 32,
    chunk_rows: Annotated[
        int, typer.Option(help="Rows read (and, with --frontier, claimed) at a time.")
    ] = 1000,
    policy_timeout: PolicyTimeoutOption = 5.0,
    ca_cert: CaCertOption = None,
    demo_ca: DemoCaOption = None,
    key: KeyOption = None,
) -> None:
    """Audit the image URLs of a dataset (or a web archive) as a compliant collection."""
    use_key(key)
    columns = (url_col, caption_col, key_col, page_col)
    plan = _plan(manifests, columns, input_format, archive, fetch_missing, keep_bytes)
    if chunk_rows < 1:
        raise InputError("--chunk-rows must be at least 1")
    plan.chunk_rows = chunk_rows
    config = _config(
        plan,
        out=out,
        db=db,
        proxy=proxy,
        purpose=purpose,
        resume=resume,
        run_id=run_id,
        frontier=frontier,
        media_workers=media_workers,
        concurrency=concurrency,
        policy_timeout=policy_timeout,
        ca_certs=list(ca_cert or []),
        demo_ca=demo_ca,
    )
    summary = _run(config)
    _finish(config, summary, out)


def _plan(
    manifests: list[Path] | None,
    columns: tuple[str, str | None, str | None, str | None],
    input_format: str | None,
    archive: list[Path] | None,
    fetch_missing: bool,
    keep_bytes: bool,
) -> AuditPlan:
    """What to read: the manifests or output folders with their columns (url, caption, key,
    page), or the archives."""
    from provenance.dataset.manifest import Columns
    from provenance.dataset.plan import AuditPlan

    url, caption, key, page = columns
    return AuditPlan.from_paths(
        list(manifests or []),
        columns=Columns(url=url, caption=caption, key=key, page=page),
        input_format=input_format,
        archives=list(archive or []),
        fetch_missing=fetch_missing,
        keep_bytes=keep_bytes,
    )


def _config(
    plan: AuditPlan,
    *,
    out: Path,
    db: str | None,
    proxy: str | None,
    purpose: str,
    resume: bool,
    run_id: str | None,
    frontier: str | None,
    media_workers: int | None,
    concurrency: int,
    policy_timeout: float,
    ca_certs: list[Path],
    demo_ca: Path | None,
) -> CrawlConfig:
    """The audit as a run of mode ``audit`` on the crawl's engine (a resumed one's id)."""
    from crawler.config import CrawlConfig
    from demoweb.names import HOST_PATTERNS
    from provenance.vocab import CrawlMode

    config = CrawlConfig(
        seeds=[],
        out_dir=out,
        mode=CrawlMode.AUDIT,
        db_url=db,
        proxy=proxy,
        purpose=purpose,
        render="never",
        resume=resume,
        run_id=run_id or "",
        frontier=frontier,
        media_workers=media_workers,
        concurrency=concurrency,
        policy_timeout=policy_timeout,
        audit=plan,
        ca_certs=ca_certs,
        demo_ca=demo_ca,
        # the demo web's names, so that its CA (and only for them) can be trusted
        demo_hosts=HOST_PATTERNS if demo_ca else (),
    )
    if resume:
        from provtrack.cli._resume import resolve_resume_run

        config.run_id = resolve_resume_run(config.db, out, run_id, command="audit --resume").id
    config.validate()
    return config


def _finish(config: CrawlConfig, summary: CrawlSummary, out: Path) -> None:
    """The closing table and where things are; a one-line reason when the audit stopped."""
    from provenance.store import open_store
    from provenance.store.datasets import presence_counts
    from provtrack.cli.crawl import refuse_a_failed_store

    refuse_a_failed_store(summary)  # before the counts: they are read from that store
    presence = presence_counts(open_store(config.db), config.run_id)
    console.print(_table(summary, presence))
    console.print(f"store: {config.db}   WARC: {out / 'warc'}   log: {out / 'crawl.log'}")
    if error := summary.stats.get("provtrack/audit/input_error"):
        raise InputError(f"audit {summary.run_id} stopped reading: {error}")
    if damaged := summary.stats.get("provtrack/archive/damaged"):
        more = f" (and {len(damaged) - 1} more, in the run's summary)" if len(damaged) > 1 else ""
        raise InputError(
            f"audit {summary.run_id}: archive damaged, the records around the damage were "
            f"audited: {damaged[0]}{more}"
        )
    if summary.finish_reason != "finished":
        raise CrawlError(
            f"audit {summary.run_id} ended early: {summary.finish_reason or 'unknown'}"
        )


def register(app: typer.Typer) -> None:
    """Add the audit command to the app."""
    app.command()(audit)
