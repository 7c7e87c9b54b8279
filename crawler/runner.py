"""Running one or more crawls in this process, with a progress callback and a closing summary.

Scrapy is embedded (no ``startproject`` app): each crawl is a :class:`Crawler` built from
:func:`crawler.settings.build_settings`; several crawls run one after another on one reactor
(the demo crawls the demo web in both modes).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from scrapy import signals
from scrapy.crawler import Crawler, CrawlerProcess
from scrapy.utils.log import configure_logging

from crawler.config import CrawlConfig
from crawler.context import get_context
from crawler.safety import RESOLVER
from crawler.settings import build_settings
from crawler.spider import ProvenanceSpider
from provenance.records import DatasetEntryRecord, ImageRecord, PageRecord
from provenance.store.models import CrawlRun
from provenance.store.tallies import run_tallies
from provenance.subjects import refine_subjects
from provenance.vocab import CrawlMode, RunStatus

ProgressCallback = Callable[[str, dict[str, int]], None]


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


def _make_crawler(
    config: CrawlConfig,
    summary: CrawlSummary,
    progress: ProgressCallback | None,
    *,
    first: bool,
) -> Crawler:
    # The first crawl of the process installs the (asyncio) reactor; later ones reuse it.
    spider: type[ProvenanceSpider] = ProvenanceSpider
    if config.mode == CrawlMode.AUDIT:
        from crawler.audit import AuditSpider

        spider = AuditSpider
    crawler = Crawler(spider, build_settings(config), init_reactor=first)

    def item_scraped(item: Any, **_: Any) -> None:
        counts = summary.counts
        if isinstance(item, ImageRecord):
            key = f"images_{item.decision}"
            counts[key] = counts.get(key, 0) + 1
            if item.entries:
                counts["rows"] = counts.get("rows", 0) + len(item.entries)
            faces = item.media.get("faces") if isinstance(item.media, dict) else None
            if isinstance(faces, dict) and faces.get("count"):
                counts["images_with_faces"] = counts.get("images_with_faces", 0) + 1
            # compliant: what each image was skipped for; reproduce: what it overrode
            for reason in {str(r.get("kind")) for r in (*item.reasons, *item.overridden)}:
                summary.skipped_by[reason] = summary.skipped_by.get(reason, 0) + 1
        elif isinstance(item, PageRecord):
            key = f"pages_{item.decision}"
            counts[key] = counts.get(key, 0) + 1
        elif isinstance(item, DatasetEntryRecord):
            counts["rows"] = counts.get("rows", 0) + 1
            counts["rows_refused"] = counts.get("rows_refused", 0) + 1
        if progress is not None:
            progress(config.run_id, counts)

    def spider_opened(**_: Any) -> None:
        ctx = get_context(crawler)
        ctx.store.write(
            [
                CrawlRun(
                    id=config.run_id,
                    mode=config.mode,
                    purpose=config.purpose,
                    seeds=config.seeds,
                    allowed_hosts=config.allow_hosts,
                    user_agent=str(crawler.settings.get("USER_AGENT")),
                    settings={
                        "max_pages": config.max_pages,
                        "max_images": config.max_images,
                        "max_depth": config.max_depth,
                        "proxy": config.proxy,
                        "render": config.render,
                        "frontier": config.frontier,
                        **(
                            {
                                "audit": config.audit.describe(),
                                "columns": config.audit.describe()["columns"],
                            }
                            if config.audit
                            else {}
                        ),
                    },
                    started_at=summary.started_at,
                )
            ]
        )

    def spider_closed(reason: str, **_: Any) -> None:
        summary.finished_at = datetime.now(UTC)
        summary.finish_reason = reason
        summary.stats = dict(crawler.stats.get_stats()) if crawler.stats else {}
        ctx = get_context(crawler)
        # the last records, then the background writer's thread ends: it holds the store, and
        # a store still referenced at exit keeps its last writes in SQLite's WAL file only
        ctx.sink.close()
        if config.resume:
            # this process saw only the rest of the run: the store holds all of it
            counts, summary.skipped_by = run_tallies(ctx.store, config.run_id)
            summary.counts.update(counts)
        summary.counts["subjects_refined"] = refine_subjects(ctx.store, config.run_id)
        run = ctx.store.get_run(config.run_id)
        if run is not None:
            run.finished_at = summary.finished_at
            run.status = RunStatus.FINISHED if reason == "finished" else RunStatus.INTERRUPTED
            run.summary = {
                "counts": summary.counts,
                "skipped_by": summary.skipped_by,
                "reason": reason,
            }
            ctx.store.record_changes([run], kind="run", note=f"crawl {reason}")

    # The receivers are closures: pydispatcher holds receivers weakly unless told otherwise.
    crawler.signals.connect(item_scraped, signal=signals.item_scraped, weak=False)
    crawler.signals.connect(spider_opened, signal=signals.spider_opened, weak=False)
    crawler.signals.connect(spider_closed, signal=signals.spider_closed, weak=False)
    return crawler


def run_crawls(
    configs: list[CrawlConfig], progress: ProgressCallback | None = None
) -> list[CrawlSummary]:
    """Run the crawls one after another in this process and return their summaries."""
    for config in configs:
        config.validate()
        config.out_dir.mkdir(parents=True, exist_ok=True)
        if config.log_file is None:
            config.log_file = config.out_dir / "crawl.log"
    configure_logging({"LOG_INSTALL_ROOT_HANDLER": False})
    logging.basicConfig(
        filename=str(configs[0].log_file),
        format="%(asctime)s [%(name)s] %(levelname)s: %(message)s",
        level=logging.INFO,
        force=True,
    )
    # Scraped items are logged at DEBUG with their whole repr: keep the log file to INFO.
    for handler in logging.getLogger().handlers:
        handler.setLevel(logging.INFO)
    # the reactor's name resolver is the process's: the guard's, so connections go to the
    # addresses it checked (crawler/resolver.py)
    process = CrawlerProcess({"TWISTED_DNS_RESOLVER": RESOLVER}, install_root_handler=False)
    summaries = [CrawlSummary(c.run_id, c.mode, datetime.now(UTC)) for c in configs]

    def chain(index: int) -> Any:
        if index >= len(configs):
            return None
        summaries[index].started_at = datetime.now(UTC)
        crawler = _make_crawler(configs[index], summaries[index], progress, first=index == 0)
        deferred = process.crawl(crawler)
        deferred.addCallback(lambda _: chain(index + 1))
        return deferred

    chain(0)
    process.start()
    return summaries
