"""The audit's pipeline: what the dataset itself holds for each row, against what the URL serves.

An img2dataset output row comes with a local copy (the file img2dataset wrote). Its bytes are
analysed as they are, in the media workers, like a download (hashes, faces, embedded
signals), and compared with what the audit read at the URL: ``same``, ``changed``, ``gone`` or
``unknown`` (:mod:`provenance.dataset.compare`). It runs after the media pipeline, so the
record's own hashes are known, and before the store, which writes the entries with the record.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

from crawler.audit import HEADERS_MISSING, fail_not_captured
from crawler.context import Component
from crawler.mediawork import analyze_to_dict
from crawler.pipelines import compact_media, media_executor
from provenance.dataset.compare import Now, hashset, presence
from provenance.dataset.img2dataset import read_local_bytes
from provenance.records import DatasetEntryRecord, ImageRecord
from provenance.vocab import FAILURE, Decision

if TYPE_CHECKING:
    from scrapy import Spider

LOCAL_KEEPS = (
    "status",
    "reason",
    "sha256",
    "byte_size",
    "format",
    "width",
    "height",
    "phash",
    "dhash",
    "pdq",
    "pdq_quality",
    "phash_crops",
    "faces",
    "xmp",
    "c2pa",
)
"""What an entry keeps of its local copy's media facts (no EXIF text: it may name people)."""


def _failure_value(item: ImageRecord) -> str | None:
    for reason in item.reasons:
        if reason.get("kind") == FAILURE:
            return str(reason.get("value"))
    return None


class AuditPipeline(Component):
    """Analyse each entry's local copy and say how it compares with the URL now."""

    async def _analyze(self, path: str, url: str) -> dict[str, Any]:
        body, why = read_local_bytes(path, self.ctx.config.max_image_bytes)
        if body is None:
            return {"status": "unreadable", "reason": why}
        executor = media_executor(self.crawler)
        if executor is None:
            media = analyze_to_dict(body, None, url)
        else:
            loop = asyncio.get_running_loop()
            media = await loop.run_in_executor(executor, analyze_to_dict, body, None, url)
        signals = media.pop("_signals", [])
        kept = {k: v for k, v in compact_media(media).items() if k in LOCAL_KEEPS}
        kept["signals"] = signals
        return kept

    async def _entry(self, entry: DatasetEntryRecord, item: ImageRecord) -> None:
        path = entry.local.get("path")
        status = entry.local.get("img2dataset_status")
        if not path and status is None:
            return  # a plain manifest row: the dataset holds no copy
        local = None
        if path:
            facts = await self._analyze(str(path), entry.url)
            entry.local["media"] = facts
            local = hashset(facts) if facts.get("status") == "ok" else None
            self.crawler.stats.inc_value("provtrack/audit/local_copies")
        media = item.media or {}
        now = Now(
            decision=item.decision,
            failure=_failure_value(item),
            sha256=media.get("sha256"),
            hashes=hashset(media),
            fetched=item.http_status is not None and bool(media.get("sha256")),
        )
        if local is None and not entry.local.get("img2dataset_sha256"):
            entry.presence = "unknown"
            entry.presence_detail = {"why": "the dataset holds no copy of this row's image"}
            return
        found, detail = presence(entry.local.get("img2dataset_sha256"), local, now)
        entry.presence = found.value
        entry.presence_detail = detail
        self.crawler.stats.inc_value(f"provtrack/audit/presence/{found.value}")

    async def process_item(self, item: Any, spider: Spider | None = None) -> Any:
        if isinstance(item, ImageRecord) and item.entries:
            missing = [e.local.pop(HEADERS_MISSING, None) for e in item.entries]
            if (why := next((m for m in missing if m), None)) and item.decision == (
                Decision.COLLECTED
            ):
                # the bytes did not refuse it; the headers that might have are not archived
                item.body = None
                self.crawler.stats.inc_value("provtrack/images/collected", -1)
                fail_not_captured(self.crawler, item, why)
            for entry in item.entries:
                await self._entry(entry, item)
        return item
