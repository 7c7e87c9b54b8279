"""``provtrack crawl``: run a provenance crawl from seeds, with a progress bar and a summary."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.table import Table

from provenance.errors import ConfigError, CrawlError
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


def _describe(counts: dict[str, int]) -> str:
    return (
        f"pages {counts.get('pages_fetched', 0)} fetched / {counts.get('pages_skipped', 0)} skipped"
        f" · images {counts.get('images_collected', 0)} collected / "
        f"{counts.get('images_skipped', 0)} skipped / {counts.get('images_failed', 0)} failed"
    )


def run_with_progress(configs: list[CrawlConfig]) -> list[CrawlSummary]:
    """Run crawls with a live rich progress line per crawl; return their summaries."""
    from crawler.runner import run_crawls

    with run_progress("{task.fields[label]}") as progress:
        tasks = {
            c.run_id: progress.add_task(_describe({}), label=f"{c.mode:>10}", total=None)
            for c in configs
        }

        started: set[str] = set()

        def update(run_id: str, counts: dict[str, int]) -> None:
            started.add(run_id)
            progress.update(tasks[run_id], description=_describe(counts))

        try:
            summaries = run_crawls(configs, progress=update)
        except BaseException:
            if not started:  # refused before crawling (a lock, a key): the error line alone
                for task in tasks.values():
                    progress.remove_task(task)
            raise
        for summary in summaries:
            progress.update(tasks[summary.run_id], description=_describe(summary.counts))
    for note in {n: None for s in summaries for n in s.notes}:
        err_console.print(note, highlight=False, soft_wrap=True)
    return summaries


def summary_table(summaries: list[CrawlSummary], title: str = "crawl summary") -> Table:
    """Side-by-side table of crawls: reachable, collected, skipped by each signal, faces."""
    table = Table(title=title)
    table.add_column("")
    for s in summaries:
        table.add_column(f"{s.mode}\n{s.run_id}", justify="right")
    rows: list[tuple[str, Any]] = [
        ("pages fetched", lambda s: s.counts.get("pages_fetched", 0)),
        ("pages skipped", lambda s: s.counts.get("pages_skipped", 0)),
        ("pages failed", lambda s: s.counts.get("pages_failed", 0)),
        (
            "images reached",
            lambda s: sum(
                s.counts.get(k, 0) for k in ("images_collected", "images_skipped", "images_failed")
            ),
        ),
        ("images collected", lambda s: s.counts.get("images_collected", 0)),
        ("images skipped", lambda s: s.counts.get("images_skipped", 0)),
        ("images failed", lambda s: s.counts.get("images_failed", 0)),
        ("images showing faces", lambda s: s.counts.get("images_with_faces", 0)),
    ]
    kinds = sorted({k for s in summaries for k in s.skipped_by})
    for label, get in rows:
        table.add_row(label, *(str(get(s)) for s in summaries))
    if kinds:
        table.add_row(
            "[i]images by signal (skipped | overridden) or failure[/i]", *("" for _ in summaries)
        )
    for kind in kinds:
        table.add_row(f"  {kind}", *(str(s.skipped_by.get(kind, 0)) for s in summaries))
    table.add_row("finished", *(s.finish_reason for s in summaries))
    return table


def crawl(
    seeds: Annotated[
        list[str] | None,
        typer.Argument(help="Start URLs; the crawl stays on their hosts (a resume reuses them)."),
    ] = None,
    mode: Annotated[
        str, typer.Option(help="compliant (honours opt-outs) or reproduce (demo web only).")
    ] = "compliant",
    out: OutOption = DEFAULT_OUT,
    db: DbOption = None,
    proxy: Annotated[
        str | None, typer.Option(help="HTTP proxy for every request, the browser's included.")
    ] = None,
    demoweb_key: Annotated[
        Path | None,
        typer.Option(
            envvar="PROVTRACK_DEMOWEB_KEY",
            help="Key file of the demo web behind --proxy (demoweb serve --key-file).",
        ),
    ] = None,
    dns_server: Annotated[
        str | None,
        typer.Option(help="Resolve names with this DNS server (IP[:PORT]), not the system's."),
    ] = None,
    allow_host: Annotated[
        list[str] | None, typer.Option(help="Extra host the crawl may visit (repeatable).")
    ] = None,
    max_pages: Annotated[int, typer.Option(help="Stop scheduling pages after this many.")] = 500,
    max_images: Annotated[int, typer.Option(help="Stop scheduling images after this many.")] = 5000,
    max_depth: Annotated[int, typer.Option(help="Link depth from the seeds.")] = 3,
    purpose: PurposeOption = DEFAULT_PURPOSE,
    render: Annotated[
        str, typer.Option(help="auto (detect JS-built pages), always or never.")
    ] = "auto",
    render_host: Annotated[
        list[str] | None, typer.Option(help="Always render this host in chromium.")
    ] = None,
    resume: Annotated[
        bool,
        typer.Option(help="Continue the run named by --run-id (or the last unfinished one)."),
    ] = False,
    run_id: RunIdOption = None,
    frontier: FrontierOption = None,
    media_workers: MediaWorkersOption = None,
    concurrency: ConcurrencyOption = 16,
    policy_timeout: PolicyTimeoutOption = 5.0,
    ca_cert: CaCertOption = None,
    demo_ca: DemoCaOption = None,
    user_agent: Annotated[
        str | None,
        typer.Option(
            help="User-Agent header: keep the 'provtrack' token and give a contact URL or "
            "e-mail (default: provtrack/VERSION and provtrack's URL)."
        ),
    ] = None,
    key: KeyOption = None,
) -> None:
    """Crawl from SEED URLs and record every image with its provenance and signals."""
    from crawler.config import CrawlConfig
    from demoweb.names import HOST_PATTERNS

    _check_keys(key, demoweb_key)
    config = CrawlConfig(
        seeds=list(seeds or []),
        out_dir=out,
        mode=mode,
        db_url=db,
        proxy=proxy,
        dns_server=dns_server,
        allow_hosts=allow_host or [],
        max_pages=max_pages,
        max_images=max_images,
        max_depth=max_depth,
        purpose=purpose,
        render=render,
        render_hosts=render_host or [],
        resume=resume,
        run_id=run_id or "",
        frontier=frontier,
        media_workers=media_workers,
        concurrency=concurrency,
        policy_timeout=policy_timeout,
        demo_hosts=HOST_PATTERNS,
        demo_key_file=demoweb_key.absolute() if demoweb_key else None,
        ca_certs=list(ca_cert or []),
        demo_ca=demo_ca,
        user_agent=user_agent,
    )
    if resume:
        _resume_into(config, run_id)
    config.validate()
    summaries = run_with_progress([config])
    console.print(summary_table(summaries))
    console.print(f"store: {config.db}   WARC: {out / 'warc'}   log: {out / 'crawl.log'}")
    _refuse_a_crawl_that_did_not_crawl(config, summaries[0])


def register(app: typer.Typer) -> None:
    """Add the crawl command to the app."""
    app.command()(crawl)


def _check_keys(key: Path | None, demoweb_key: Path | None) -> None:
    """Both keys read before anything is written: a key that cannot be used is one line here,
    not a traceback after the store was made."""
    from crawler.demoproof import read_key

    use_key(key)
    if demoweb_key is not None:
        try:
            read_key(demoweb_key)
        except ValueError as err:
            raise ConfigError(str(err)) from err


def _resume_into(config: CrawlConfig, run_id: str | None) -> None:
    """Point ``config`` at the run it resumes (its id, seeds and mode)."""
    from provtrack.cli._resume import resolve_resume_run

    run = resolve_resume_run(config.db, config.out_dir, run_id, command="crawl --resume")
    config.run_id = run.id
    config.seeds = config.seeds or list(run.seeds)
    config.mode = run.mode


def refuse_a_failed_store(summary: CrawlSummary) -> None:
    """The store stopped taking rows: the run is incomplete whatever the counters say."""
    from crawler.context import STORE_ERROR_STAT, STORE_FAILED

    if summary.finish_reason == STORE_FAILED:
        raise CrawlError(
            f"run {summary.run_id} stopped: the store failed "
            f"({summary.stats.get(STORE_ERROR_STAT, 'unknown error')}); "
            "what it did not write is redone by --resume"
        )


def _refuse_a_crawl_that_did_not_crawl(config: CrawlConfig, summary: CrawlSummary) -> None:
    """A non-zero exit for a crawl that reached nothing or ended early, so that a script (or
    a tired investigator) never reads it as a finished run of complete disallows."""
    from crawler.reachability import unreachable_cause

    refuse_a_failed_store(summary)
    # by name: without a proxy no demo web can prove itself, and demo names are then exactly
    # the forgotten --proxy the line is there to name
    cause = unreachable_cause(
        summary.stats,
        config.seeds,
        proxy=config.proxy,
        is_demo_host=config.matches_demo_pattern,
    )
    if cause is not None:
        raise CrawlError(f"crawl {summary.run_id} reached nothing: {cause}")
    if summary.finish_reason not in ("finished", "closespider_pagecount", "closespider_itemcount"):
        raise CrawlError(
            f"crawl {summary.run_id} ended early: {summary.finish_reason or 'unknown'}"
        )
    if not any(summary.counts.get(k) for k in ("pages_fetched", "pages_skipped", "pages_failed")):
        raise CrawlError(f"crawl {summary.run_id} reached no page (is the proxy up?)")
