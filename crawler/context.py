"""Per-crawl shared state: config, store, WARC writer, record sink and host policies.

Scrapy components are built separately by ``from_crawler``; they meet here, on one object
attached to the crawler, instead of passing each other around.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from crawler.config import CrawlConfig
from crawler.distributed import Coordinator
from crawler.sink import RecordSink
from provenance.store import Store, open_store
from provenance.warc import WarcWriter, repair_tail

if TYPE_CHECKING:
    from scrapy.crawler import Crawler

    from crawler.gate import HostRegistry

_ATTR = "_provtrack_context"


@dataclass(slots=True)
class CrawlContext:
    """Everything the add-on's components share during one crawl."""

    config: CrawlConfig
    store: Store
    warc: WarcWriter
    sink: RecordSink
    warc_dir: Path
    hosts: HostRegistry | None = None
    coordinator: Coordinator | None = None
    counters: dict[str, int] = field(default_factory=dict)

    def count(self, key: str, n: int = 1) -> None:
        """Bump a progress counter (mirrored into Scrapy stats by the caller)."""
        self.counters[key] = self.counters.get(key, 0) + n


def get_context(crawler: Crawler) -> CrawlContext:
    """The crawl's context, created on first use from the ``PROVTRACK_CONFIG`` setting."""
    ctx: CrawlContext | None = getattr(crawler, _ATTR, None)
    if ctx is not None:
        return ctx
    config: Any = crawler.settings.get("PROVTRACK_CONFIG")
    if not isinstance(config, CrawlConfig):
        raise RuntimeError("PROVTRACK_CONFIG must hold a crawler.config.CrawlConfig")
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
    )
    ctx = CrawlContext(config=config, store=store, warc=warc, sink=sink, warc_dir=warc_dir)
    if config.frontier:
        ctx.coordinator = Coordinator(config.frontier, config.run_id)
    setattr(crawler, _ATTR, ctx)
    return ctx
