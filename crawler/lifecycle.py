"""The run's lifecycle, owned by the add-on whatever spider runs: ``provtrack crawl``'s, an
audit's, or a project's own under ``scrapy crawl``.

- on creation (the add-on's first extension): the crawl's context is opened and put on the
  crawler (:func:`crawler.context.open_context`), for every other component's ``from_crawler``;
- ``spider_opened``: the run row (mode, purpose, allowed hosts, user agent, caps) is written
  (a resumed run keeps its row and its start);
- every record handed to the store is counted (:meth:`CrawlContext.tally`; whoever shows
  progress reads those counts);
- ``spider_closed``: the last records are written, the subject pass runs over the run's images
  (:func:`provenance.subjects.refine_subjects`), and the run gets its status and summary.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from scrapy import signals

from crawler.context import (
    STORE_ERROR_STAT,
    STORE_FAILED,
    CrawlContext,
    open_context,
    store_error_line,
)
from provenance.store.checkpoints import sign_head
from provenance.store.models import CrawlRun
from provenance.store.tallies import run_tallies
from provenance.subjects import refine_subjects
from provenance.vocab import RunStatus

if TYPE_CHECKING:
    from typing import Self

    from scrapy.crawler import Crawler

logger = logging.getLogger(__name__)


@dataclass(slots=True)
class CrawlSummary:
    """What one crawl did, for the closing summary and the run record."""

    run_id: str
    mode: str
    started_at: datetime
    finished_at: datetime | None = None
    counts: dict[str, int] = field(default_factory=dict)
    skipped_by: dict[str, int] = field(default_factory=dict)
    finish_reason: str = ""
    stats: dict[str, Any] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)  # e.g. a stale store lock broken


class RunLifecycle:
    """Extension: the run row on open, its status and summary on close (module docstring)."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.ctx: CrawlContext = open_context(crawler)
        config = self.ctx.config
        self.summary = CrawlSummary(config.run_id, str(config.mode), datetime.now(UTC))
        crawler.signals.connect(self.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler)

    def _settings(self) -> dict[str, Any]:
        config = self.ctx.config
        described: dict[str, Any] = {
            "max_pages": config.max_pages,
            "max_images": config.max_images,
            "max_depth": config.max_depth,
            "max_bytes": config.max_image_bytes,
            "proxy": config.proxy,
            "render": config.render,
            "frontier": config.frontier,
            "spider": self.crawler.spidercls.name,
            # politeness as set (the Crawl-delays honoured per host are in each robots
            # snapshot's parsed.crawl_delay and the stats)
            "concurrent_per_host": self.crawler.settings.getint("CONCURRENT_REQUESTS_PER_DOMAIN"),
            "autothrottle": self.crawler.settings.getbool("AUTOTHROTTLE_ENABLED"),
        }
        if config.audit:
            described["audit"] = config.audit.describe()
            described["columns"] = described["audit"]["columns"]
        return described

    def spider_opened(self) -> None:
        config = self.ctx.config
        store = self.ctx.store
        known = store.get_run(config.run_id)
        if known is not None and config.resume:
            self.summary.started_at = known.started_at or self.summary.started_at
            logger.info("provtrack: resuming run %s", config.run_id)
            return
        store.write(
            [
                CrawlRun(
                    id=config.run_id,
                    mode=config.mode,
                    purpose=config.purpose,
                    seeds=config.seeds,
                    allowed_hosts=config.allow_hosts,
                    user_agent=str(self.crawler.settings.get("USER_AGENT")),
                    settings=self._settings(),
                    started_at=self.summary.started_at,
                )
            ]
        )
        logger.info("provtrack: run %s (%s) opened in %s", config.run_id, config.mode, config.db)

    def spider_closed(self, reason: str) -> None:
        summary = self.summary
        summary.finished_at = datetime.now(UTC)
        summary.finish_reason = reason
        summary.stats = dict(self.crawler.stats.get_stats()) if self.crawler.stats else {}
        ctx = self.ctx
        # the last records, then the background writer's thread ends: it holds the store, and
        # a store still referenced at exit keeps its last writes in SQLite's WAL file only
        ctx.sink.on_failure = None  # closing already: a failure now is reported, not a stop
        try:
            ctx.sink.close()
        except Exception as err:
            ctx.sink.record_failure(err)
        summary.counts = dict(ctx.counters)
        summary.skipped_by = dict(ctx.skipped_by)
        if ctx.sink.failure is not None:
            # the run row and its signature would go to the store that just failed: the
            # run stays open there (a resume redoes what was not written), the CLI says why
            summary.finish_reason = STORE_FAILED
            summary.stats[STORE_ERROR_STAT] = store_error_line(ctx.sink.failure)
            logger.error("provtrack: run %s stopped: the store failed", summary.run_id)
            return
        if ctx.config.resume:
            # this process saw only the rest of the run: the store holds all of it
            counts, summary.skipped_by = run_tallies(ctx.store, summary.run_id)
            summary.counts.update(counts)
        summary.counts["subjects_refined"] = refine_subjects(ctx.store, summary.run_id)
        run = ctx.store.get_run(summary.run_id)
        if run is not None:
            run.finished_at = summary.finished_at
            run.status = RunStatus.FINISHED if reason == "finished" else RunStatus.INTERRUPTED
            run.summary = {
                "counts": summary.counts,
                "skipped_by": summary.skipped_by,
                "reason": reason,
            }
            problems = [
                *summary.stats.get("provtrack/archive/damaged", []),
                *filter(None, [summary.stats.get("provtrack/audit/input_error")]),
            ]
            if problems:
                # an audit's input that could not be read whole: what was read is recorded
                run.summary["input_problems"] = problems
            ctx.store.record_changes([run], kind="run", note=f"crawl {reason}")
        # the run's end signs the chain's head (provenance/store/checkpoints.py; the runner
        # found or made the store's key before the crawl began)
        sign_head(ctx.store, f"run {summary.run_id} {reason}")
        logger.info("provtrack: run %s %s: %s", summary.run_id, reason, summary.counts)
