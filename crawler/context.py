"""Per-crawl shared state: config, store, WARC writer, record sink and host policies.

Scrapy components are built separately by ``from_crawler``; they meet here, on one object
attached to the crawler, instead of passing each other around. The configuration is read from
the crawler's plain ``PROVTRACK_*`` settings (:meth:`CrawlConfig.from_settings`), the same
for ``provtrack crawl`` and for a project's ``settings.py``.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from crawler.config import CrawlConfig
from crawler.distributed import Coordinator
from crawler.sink import RecordSink
from provenance.records import DatasetEntryRecord, ImageRecord, PageRecord
from provenance.store import Store, open_store
from provenance.warc import WarcWriter, repair_tail

if TYPE_CHECKING:
    from scrapy.crawler import Crawler

    from provenance.hostpolicy import HostPolicy

_ATTR = "_provtrack_context"


class HostPolicies(Protocol):
    """What the gate's host registry (:class:`crawler.gate.HostRegistry`) answers the others:
    the policy of a host whose documents were read (this module does not import the gate)."""

    def ready(self, host: str) -> HostPolicy | None:
        """The host's policy, or None before its documents were read."""


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


def get_context(crawler: Crawler) -> CrawlContext:
    """The crawl's context, created on first use from the ``PROVTRACK_*`` settings."""
    ctx: CrawlContext | None = getattr(crawler, _ATTR, None)
    if ctx is not None:
        return ctx
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
    )
    ctx = CrawlContext(config=config, store=store, warc=warc, sink=sink, warc_dir=warc_dir)
    if config.frontier:
        ctx.coordinator = Coordinator(config.frontier, config.run_id)
    setattr(crawler, _ATTR, ctx)
    return ctx
