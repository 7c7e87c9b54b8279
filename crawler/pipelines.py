"""Item pipelines, each with one job, in a fixed order: media facts → jurisdiction → store.

The media pipeline is also where the gate's last check happens: signals inside the file
(IPTC ``plus:DataMining``, C2PA training-mining) and on the image response (X-Robots-Tag,
``tdm-reservation``) can only be read after the download (:mod:`crawler.afterdownload`
decides). In compliant mode a forbidden image's bytes are dropped there and only what the skip
record needs is kept.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import os
from concurrent.futures import Executor, ProcessPoolExecutor
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from crawler.afterdownload import Outcome, after_download_check
from crawler.context import Component
from crawler.gate import host_policy_for
from crawler.mediawork import analyze_to_dict, embedded_signals, worker_init
from crawler.optouts import registry_of
from provenance.matching import HashSet, QueryImage, mirror_hashes
from provenance.records import (
    DatasetEntryRecord,
    ImageRecord,
    OccurrenceRecord,
    PageRecord,
    WarcRef,
    failure,
)
from provenance.signals.model import Signal
from provenance.signals.scope import own_signals
from provenance.vocab import CrawlMode, Decision, FailureReason, SignalKind, SkipStage

if TYPE_CHECKING:
    from scrapy import Spider
    from scrapy.crawler import Crawler

# What a skip record keeps of an image whose bytes compliant mode discards.
SKIP_KEEPS = ("status", "reason", "sha256", "byte_size", "format", "width", "height", "xmp", "c2pa")
# An audit reports what a dataset holds that a compliant collection would have left: whether
# those images show faces (the count and boxes, never anything about who) is the point.
AUDIT_SKIP_KEEPS = (*SKIP_KEEPS, "faces")
# What a skip for an opted-out photograph keeps: nothing embedded (creator names, places).
# what a copy of an opted-out photograph keeps: not its sha256, which only its tombstone holds
OPTOUT_KEEPS = ("status", "byte_size", "format", "width", "height")


_MEDIA_EXECUTOR = "_provtrack_media_executor"


def media_executor(crawler: Crawler) -> Executor | None:
    """The media workers' pool (None: analyse in this process)."""
    executor: Executor | None = getattr(crawler, _MEDIA_EXECUTOR, None)
    return executor


def _make_executor(workers: int | None) -> Executor | None:
    count = os.cpu_count() or 1 if workers is None else workers
    if count <= 0:
        return None
    # spawn, not fork: the crawler process runs threads (reactor, playwright) by now.
    return ProcessPoolExecutor(
        max_workers=count,
        mp_context=multiprocessing.get_context("spawn"),
        initializer=worker_init,
        # each worker ends when this process ends, a kill -9 included (crawler/mediawork.py)
        initargs=(os.getpid(),),
    )


_DETECTOR_KEYS = (
    "name",
    "model",
    "quantization",
    "model_fallback_reason",
    "runtime",
    "runtime_version",
    "fallback_reason",
    "opencv",
    "cascade",
    "fallback_cascade",
    "verify_cascade",
)


def compact_media(media: dict[str, Any]) -> dict[str, Any]:
    """The media facts as stored: sections that found nothing keep only their status."""
    out: dict[str, Any] = {}
    for key, value in media.items():
        if isinstance(value, dict) and value.get("status") in ("absent",):
            out[key] = {"status": value["status"], "reason": value.get("reason")}
        elif key == "face_detector" and isinstance(value, dict):
            out[key] = {k: value[k] for k in _DETECTOR_KEYS if k in value}
        else:
            out[key] = value
    return out


class MediaPipeline(Component):
    """Analyse downloaded images (off the reactor) and apply the after-download gate."""

    def __init__(self, crawler: Crawler) -> None:
        super().__init__(crawler)
        self.executor = _make_executor(self.ctx.config.media_workers)
        # the audit pipeline analyses a dataset's local copies in the same worker processes
        setattr(crawler, _MEDIA_EXECUTOR, self.executor)

    def close_spider(self, spider: Spider | None = None) -> None:
        if self.executor is not None:
            self.executor.shutdown(wait=True, cancel_futures=False)

    async def _analyze(
        self, body: bytes, content_type: str | None, url: str, faces: bool = True
    ) -> dict[str, Any]:
        if self.executor is None:
            return analyze_to_dict(body, content_type, url, faces)
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(
            self.executor, analyze_to_dict, body, content_type, url, faces
        )

    def _faces_kept(self, item: ImageRecord) -> bool:
        """Whether the image's record can keep what the face detector finds.

        In compliant mode an image its own response headers refuse is skipped after download
        whatever its bytes hold (:meth:`AfterDownloadCheck.headers_refuse`). A skip keeps no
        faces (``SKIP_KEEPS``), so detecting them (about two thirds of the media workers' time
        per image) would be thrown away. Every other mode and image is analysed in full:
        reproduce keeps what it overrode, an audit keeps the faces of what it would leave.
        """
        return not after_download_check(self.crawler).headers_refuse(item)

    async def _registry_hit(self, url: str, body: bytes, media: dict[str, Any]) -> Signal | None:
        """The opt-out registry's signal when the image is a tombstoned photograph."""
        registry = registry_of(self.crawler).tombstones
        if not registry.photos:
            return None
        original = HashSet.from_dict(media)
        hit = registry.check_image(url, QueryImage(original))
        if hit is not None:
            return hit
        if self.executor is None:
            mirror = mirror_hashes(body)
        else:
            loop = asyncio.get_running_loop()
            mirror = await loop.run_in_executor(self.executor, mirror_hashes, body)
        if mirror is None:
            return None
        return registry.check_image(url, QueryImage(original, mirror))

    async def process_item(self, item: Any, spider: Spider | None = None) -> Any:
        if not isinstance(item, ImageRecord) or item.body is None:
            return item
        stats = self.crawler.stats
        faces = self._faces_kept(item)
        if not faces:
            stats.inc_value("provtrack/media/faces_not_needed")
        media = await self._analyze(item.body, item.content_type, item.url, faces=faces)
        embedded = embedded_signals(media)
        item.media = compact_media(media)
        if media.get("status") != "ok":
            item.decision = Decision.FAILED
            item.reasons = [failure(str(media.get("status")), str(media.get("reason", "")))]
            item.error = str(media.get("reason", ""))
            stats.inc_value(f"provtrack/images/failed/{media.get('status')}")
            return item
        if (optout := await self._registry_hit(item.url, item.body, media)) is not None:
            # the opt-out registry is never overridden, reproduce mode included
            item.decision = Decision.SKIPPED
            item.stage = SkipStage.AFTER_DOWNLOAD
            item.reasons = [optout.to_dict()]
            item.signals = own_signals(item.url, [*item.signals, optout])
            item.body = None
            item.media = {k: media[k] for k in OPTOUT_KEEPS if k in media}
            item.alt, item.caption, item.snippets = None, None, []
            registry_of(self.crawler).tombstones.remember(item.url, optout)
            stats.inc_value(f"provtrack/skipped/image/{optout.kind.value}")
            return item
        check = after_download_check(self.crawler)
        decision = check.decide(item, embedded)
        if decision is None:  # the gate loads every host before its images; defensive only
            item.decision = Decision.FAILED
            item.reasons = [
                failure(FailureReason.NO_HOST_POLICY, "the host's policy documents were not read")
            ]
            return item
        if check.apply(item, decision) is Outcome.SKIPPED:
            item.body = None
            keeps = AUDIT_SKIP_KEEPS if self.ctx.config.mode == CrawlMode.AUDIT else SKIP_KEEPS
            item.media = {k: media[k] for k in keeps if k in media}
        else:
            stats.inc_value("provtrack/images/collected")
        return item


class JurisdictionPipeline(Component):
    """Attach site and subject jurisdiction candidates, each with its evidence."""

    def process_item(self, item: Any, spider: Spider | None = None) -> Any:
        from crawler.policyread import attach_jurisdiction

        page = getattr(item, "page_url", None)
        if isinstance(item, ImageRecord) and page and registry_of(self.crawler).removed_page(page):
            # found on a page a purge removed: nothing that page says about anyone is read
            item.alt, item.caption, item.snippets = None, None, []
        attach_jurisdiction(item, host_policy_for(self.crawler, getattr(item, "url", "")))
        return item


class StorePipeline(Component):
    """Write image WARC records (after the gate) and hand every record to the store."""

    def _keeps_bytes(self) -> bool:
        config = self.ctx.config
        return config.mode != CrawlMode.AUDIT or (
            config.audit is not None and config.audit.keep_bytes
        )

    def _warc_image(self, item: ImageRecord) -> None:
        ctx = self.ctx
        fetched_at = item.fetched_at or datetime.now(UTC)
        keep = self._keeps_bytes()

        def exchange(body: bytes | None) -> WarcRef:
            assert item.http_status is not None
            pointer = ctx.warc.write_exchange(
                url=item.url,
                method="GET",
                request_headers=item.request_headers,
                status=item.http_status,
                reason=item.reason_phrase,
                response_headers=[(k, v) for k, vs in item.response_headers.items() for v in vs],
                body=body or b"",
                ip=item.server_ip,
                fetched_at=fetched_at,
                # an audit hashes the bytes and keeps them only when asked; a skip never
                # keeps them; the headers are kept either way
                truncated=None if body is not None else "length",
            )
            return WarcRef(pointer.file, pointer.offset)

        if item.body is not None and item.http_status is not None:
            item.warc = exchange(item.body if keep else None)
        elif item.decision == Decision.SKIPPED and item.stage == SkipStage.AFTER_DOWNLOAD:
            # the response headers a skip rests on (X-Robots-Tag, tdm-reservation), not for an
            # opted-out photograph, whose URL the purge already removed from the archive
            optout = any(r.get("kind") == SignalKind.OPTOUT_REGISTRY for r in item.reasons)
            if item.http_status is not None and not optout:
                exchange(None)
            pointer = ctx.warc.write_metadata(
                item.url,
                {
                    "provtrack-decision": "skipped after download; payload discarded",
                    "provtrack-reasons": ", ".join(
                        f"{r['kind']}:{r['value']}" for r in item.reasons
                    ),
                    "http-status": str(item.http_status),
                    # an opted-out photograph's digest stays in its tombstone only
                    **(
                        {"payload-sha256": str(item.media["sha256"])}
                        if item.media.get("sha256")
                        else {}
                    ),
                },
                fetched_at,
            )
            item.warc = WarcRef(pointer.file, pointer.offset)

    def _opted_out(self, image_url: str) -> bool:
        registry = registry_of(self.crawler).tombstones
        return bool(registry) and registry.check_url(image_url) is not None

    def _removed(self, page_url: str | None) -> bool:
        return page_url is not None and registry_of(self.crawler).removed_page(page_url) is not None

    def process_item(self, item: Any, spider: Spider | None = None) -> Any:
        if isinstance(item, ImageRecord):
            self._warc_image(item)
            item.body = None
            self.ctx.sink.add(item)
            for entry in item.entries:
                self.ctx.sink.add(entry)
        elif isinstance(item, DatasetEntryRecord):
            # an audited row that could not be fetched (its problem), or one whose URL an
            # earlier row already had audited (joined to that record by URL)
            self.ctx.sink.add(item)
        elif isinstance(item, PageRecord | OccurrenceRecord):
            if isinstance(item, OccurrenceRecord) and (
                self._opted_out(item.image_url) or self._removed(item.page_url)
            ):
                # a purge removed these once; the page still records that it shows the URL
                item.alt = item.title = item.context = None
                item.snippets = []
            if isinstance(item, PageRecord) and self._removed(item.url):
                item.title = None  # a purge removed this page: what it says is not kept
            self.ctx.sink.add(item)
        self.ctx.tally(item)  # the run's summary and progress (crawler/lifecycle.py)
        return item

    def close_spider(self, spider: Spider | None = None) -> None:
        self.ctx.sink.flush()
        self.ctx.warc.close()
