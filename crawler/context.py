"""Per-crawl shared state: config, store, WARC writer, record sink and host policies.

Scrapy components are built separately by ``from_crawler``; what they share is one object the
add-on's run lifecycle opens (:func:`open_context`, from the crawler's plain ``PROVTRACK_*``
settings, the same for ``provtrack crawl`` and for a project's ``settings.py``) and puts on the
crawler as ``crawler.provtrack``. Each component takes it in its ``from_crawler``
(:class:`Component`); a crawler the add-on did not configure has none, and the component
raises ``NotConfigured`` (Scrapy then disables it), never builds a context of its own.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from scrapy.exceptions import NotConfigured

from crawler.config import CrawlConfig
from crawler.distributed import Coordinator
from crawler.sink import RecordSink
from provenance.records import DatasetEntryRecord, ImageRecord, PageRecord
from provenance.store import Store, open_store
from provenance.warc import WarcWriter, repair_tail

if TYPE_CHECKING:
    from collections.abc import Callable
    from datetime import datetime
    from typing import Self

    from scrapy.crawler import Crawler

    from provenance.hostpolicy import HostPolicy

logger = logging.getLogger(__name__)

ATTR = "provtrack"
"""The crawler attribute that holds the crawl's :class:`CrawlContext` (``crawler.provtrack``)."""


class HostPolicies(Protocol):
    """What the gate's host registry (:class:`crawler.gate.HostRegistry`) answers the others:
    the policy of a host whose documents were read (this module does not import the gate)."""

    epoch_of: Callable[[str], tuple[str, datetime] | None] | None
    """Set by an archive audit: which epoch of its host's policy documents judges a URL."""

    def ready(self, host: str) -> HostPolicy | None:
        """The host's policy, or None before its documents were read."""

    def ready_for(self, url: str) -> HostPolicy | None:
        """The policy that judges ``url`` (its epoch's in an archive audit), or None."""


@dataclass(slots=True)
class CrawlContext:
    """Everything the add-on's components share during one crawl."""

    config: CrawlConfig
    store: Store
    warc: WarcWriter
    sink: RecordSink
    warc_dir: Path
    hosts: HostPolicies | None = None
    coordinator: Coordinator | None = None
    counters: dict[str, int] = field(default_factory=dict)

    skipped_by: dict[str, int] = field(default_factory=dict)

    def count(self, key: str, n: int = 1) -> None:
        """Bump a progress counter (mirrored into Scrapy stats by the caller)."""
        self.counters[key] = self.counters.get(key, 0) + n

    def tally(self, item: object) -> None:
        """Count one record handed to the store (the run's summary and progress line)."""
        if isinstance(item, ImageRecord):
            self.count(f"images_{item.decision}")
            if item.entries:
                self.count("rows", len(item.entries))
            faces = item.media.get("faces") if isinstance(item.media, dict) else None
            if isinstance(faces, dict) and faces.get("count"):
                self.count("images_with_faces")
            # compliant: what each image was skipped for; reproduce: what it overrode
            for reason in {str(r.get("kind")) for r in (*item.reasons, *item.overridden)}:
                self.skipped_by[reason] = self.skipped_by.get(reason, 0) + 1
        elif isinstance(item, PageRecord):
            self.count(f"pages_{item.decision}")
        elif isinstance(item, DatasetEntryRecord):
            self.count("rows")
            self.count("rows_refused")


def open_context(crawler: Crawler) -> CrawlContext:
    """Open the crawl's context from the ``PROVTRACK_*`` settings and put it on the crawler.

    Called once, by the run lifecycle (the add-on's first extension, built after the add-on
    has settled the settings and before any middleware or pipeline)."""
    if isinstance(getattr(crawler, ATTR, None), CrawlContext):
        raise RuntimeError("the crawl's provtrack context is already open")
    config = CrawlConfig.from_settings(crawler.settings)
    config.out_dir.mkdir(parents=True, exist_ok=True)
    store = open_store(config.db)
    warc_dir = config.out_dir / "warc"
    if config.resume and warc_dir.is_dir():
        for path in sorted(warc_dir.glob(f"provtrack-{config.run_id}-*.warc.gz")):
            repair_tail(path)  # a killed crawl may have left half a record at the end
    warc = WarcWriter(warc_dir, run_id=config.run_id, writer_id=f"{os.getpid()}")
    sink = RecordSink(
        store,
        config.run_id,
        flush_every=crawler.settings.getint("PROVTRACK_FLUSH_EVERY", 200),
        before_flush=warc.flush,
        # batches are written off the reactor thread (provenance/store/writer.py)
        background=crawler.settings.getbool("PROVTRACK_BACKGROUND_WRITES", True),
        # or mapped and written by a process of its own (crawler/writer.py)
        process_db=config.db if crawler.settings.getbool("PROVTRACK_WRITER_PROCESS") else None,
        on_failure=lambda err: stop_for_store(crawler, err),
    )
    ctx = CrawlContext(config=config, store=store, warc=warc, sink=sink, warc_dir=warc_dir)
    if config.frontier:
        ctx.coordinator = Coordinator(config.frontier, config.run_id)
    setattr(crawler, ATTR, ctx)
    return ctx


STORE_FAILED = "store_failed"
"""The finish reason of a crawl whose store stopped taking rows."""
STORE_ERROR_STAT = "provtrack/store_error"


def store_error_line(err: BaseException) -> str:
    """The store's error as one line (a database's message runs to pages of SQL)."""
    first = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
    return first[:300]


def stop_for_store(crawler: Crawler, err: BaseException) -> None:
    """A write failed: stop the crawl (nothing after a failed batch is written, so fetching on
    would collect what can no longer be recorded) with a reason the command line names."""
    logger.error("provtrack: the store failed, stopping the crawl: %s", store_error_line(err))
    if crawler.stats is not None:
        crawler.stats.set_value(STORE_ERROR_STAT, store_error_line(err))
    if crawler.engine is not None and crawler.engine.spider is not None:
        from scrapy.utils.defer import deferred_from_coro

        closing = deferred_from_coro(crawler.engine.close_spider_async(reason=STORE_FAILED))
        closing.addErrback(lambda failure: logger.error("provtrack: %s", failure.value))


def context_of(crawler: Crawler) -> CrawlContext:
    """The crawl's context; ``NotConfigured`` when the provtrack add-on did not open one."""
    ctx = getattr(crawler, ATTR, None)
    if not isinstance(ctx, CrawlContext):
        raise NotConfigured(
            "provtrack is not configured: enable it with "
            'ADDONS = {"crawler.addon.ProvtrackAddon": 0}'
        )
    return ctx


class Component:
    """Base of provtrack's Scrapy components: built by ``from_crawler`` with the crawl's
    context (``NotConfigured`` without the add-on), so none repeats the boilerplate."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.ctx: CrawlContext = context_of(crawler)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler)
