"""Running one or more crawls in this process, with a progress callback and a closing summary.

Scrapy is embedded (no ``startproject`` app): each crawl is a :class:`Crawler` built from
:func:`crawler.settings.build_settings`, the same plain settings a project would write, so the
add-on runs the crawl exactly as under ``scrapy crawl`` (its :class:`RunLifecycle` writes the
run and its summary); several crawls run one after another on one reactor (the demo crawls the
demo web in both modes).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from scrapy import signals
from scrapy.crawler import Crawler, CrawlerProcess
from scrapy.utils.log import configure_logging

from crawler.config import CrawlConfig
from crawler.context import context_of
from crawler.lifecycle import CrawlSummary, RunLifecycle
from crawler.safety import RESOLVER
from crawler.settings import build_settings
from crawler.spider import ProvenanceSpider
from provenance.errors import CrawlError
from provenance.store import open_store
from provenance.store.checkpoints import signer_for
from provenance.store.lock import StoreLock, describe_lock, lock_store
from provenance.vocab import CrawlMode

log = logging.getLogger(__name__)

ProgressCallback = Callable[[str, dict[str, int]], None]
PROGRESS_SECONDS = 0.25

__all__ = ["CrawlSummary", "ProgressCallback", "run_crawls"]


def _make_crawler(
    config: CrawlConfig, progress: ProgressCallback | None, *, first: bool
) -> Crawler:
    """A crawler of provtrack's spider (or the audit's) with the add-on: the add-on owns the
    run; this only shows its counts while it runs."""
    spider: type[ProvenanceSpider] = ProvenanceSpider
    if config.mode == CrawlMode.AUDIT:
        from crawler.audit import AuditSpider

        spider = AuditSpider
    # The first crawl of the process installs the (asyncio) reactor; later ones reuse it.
    crawler = Crawler(spider, build_settings(config), init_reactor=first)
    if progress is None:
        return crawler
    loop: list[Any] = []

    def opened(**_: Any) -> None:
        from twisted.internet import task

        counters = context_of(crawler).counters
        call = task.LoopingCall(lambda: progress(config.run_id, counters))
        call.start(PROGRESS_SECONDS, now=True)
        loop.append(call)

    def closed(**_: Any) -> None:
        for call in loop:
            if call.running:
                call.stop()

    # The receivers are closures: pydispatcher holds receivers weakly unless told otherwise.
    crawler.signals.connect(opened, signal=signals.spider_opened, weak=False)
    crawler.signals.connect(closed, signal=signals.spider_closed, weak=False)
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
    # held before the first request and until every crawl has recorded its end (refused, exit
    # 7, while a purge holds the store; a resume first checks no crawl of the store is alive)
    notes: list[str] = []
    locks = _hold_stores(configs, notes)
    try:
        summaries = _run(configs, progress)
    finally:
        for lock in locks:
            lock.release()
    for summary in summaries:
        summary.notes.extend(notes)
    return summaries


def _hold_stores(configs: list[CrawlConfig], notes: list[str]) -> list[StoreLock]:
    """Each crawl's store held shared (a resume: checked alone first), and its signing key
    found or made before anything is crawled: a store whose key is not at hand is refused
    here rather than left unsigned at the end (provenance/store/checkpoints.py)."""
    locks: list[StoreLock] = []
    try:
        for config in configs:
            command = ("crawl --resume" if config.resume else "crawl") + f" ({config.mode})"
            lock = lock_store(
                config.db, exclusive=config.resume, command=command, run_id=config.run_id
            )
            locks.append(lock)
            lock.downgrade(command)
            for line in describe_lock(lock):
                log.warning("%s", line)
                notes.append(line)
            signer_for(open_store(config.db))
    except BaseException:
        for lock in locks:
            lock.release()
        raise
    return locks


def _run(configs: list[CrawlConfig], progress: ProgressCallback | None) -> list[CrawlSummary]:
    # the reactor's name resolver is the process's: the guard's, so connections go to the
    # addresses it checked (crawler/resolver.py)
    process = CrawlerProcess({"TWISTED_DNS_RESOLVER": RESOLVER}, install_root_handler=False)
    # Scrapy's logging config (applied by CrawlerProcess) sets its logger to DEBUG, so every
    # response ("Crawled") and item ("Scraped from") built a log record that the INFO handlers
    # then dropped: ~2 % of the crawler's CPU. At INFO the records are not built.
    logging.getLogger("scrapy").setLevel(logging.INFO)
    summaries: list[CrawlSummary] = []
    errors: list[str] = []

    def chain(index: int) -> Any:
        if index >= len(configs):
            return None
        crawler = _make_crawler(configs[index], progress, first=index == 0)

        def done(_: Any) -> Any:
            lifecycle = crawler.get_extension(RunLifecycle)
            if lifecycle is not None:
                summaries.append(lifecycle.summary)
            return chain(index + 1)

        def failed(failure: Any) -> None:
            errors.append(str(failure.value) or failure.type.__name__)

        deferred = process.crawl(crawler)
        deferred.addCallbacks(done, failed)
        return deferred

    chain(0)
    process.start()
    if len(summaries) != len(configs):
        raise CrawlError(errors[0] if errors else "a crawl did not finish (see its log)")
    return summaries
