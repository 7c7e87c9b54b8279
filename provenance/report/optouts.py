"""The report's "Opt-out requests and purges" section: each request and its receipt.

A regulator reading the report asks what was deleted, when, and whether later crawls kept
away; this is :func:`provenance.optout.optout_report` (the compliance proof) in the shape
the report renders, one :class:`OptOutSummary` per request.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from provenance.optout import optout_report
from provenance.store import Store
from provenance.store.models import OptOutRequest


@dataclass(slots=True)
class LaterCrawl:
    """A crawl started after the request was processed, and how it honoured it."""

    run_id: str
    mode: str
    images_skipped: int
    pages_skipped: int
    pages_not_archived: int
    collected_again: list[str]


@dataclass(slots=True)
class EvidenceLink:
    """An evidence-log entry that chains the request or its receipt."""

    seq: int
    kind: str
    note: str
    entry_hash: str


@dataclass(slots=True)
class OptOutSummary:
    """One opt-out request or jurisdiction purge with its receipt (``pages``: ``removed``,
    ``kept`` with ``--keep-pages``, or ``not recorded`` for a receipt from before pages
    were purged too)."""

    request_id: int
    kind: str
    value: str
    note: str
    received_at: str | None
    processed_at: str | None
    matched: int
    images_scrubbed: int
    occurrences: int
    warc_payloads_removed: int
    metadata_records_removed: int
    pages: str
    page_records_removed: int
    pages_removed: list[str]
    snapshots_scrubbed: int
    rows_redacted: int
    warc_files: dict[str, str]
    tombstones: int
    evidence: list[EvidenceLink] = field(default_factory=list)
    later_crawls: list[LaterCrawl] = field(default_factory=list)


def _summary(entry: dict[str, Any]) -> OptOutSummary:
    receipt: dict[str, Any] = entry.get("deleted") or {}
    return OptOutSummary(
        request_id=int(entry["request_id"]),
        kind=str(entry["kind"]),
        value=str(entry["value"]),
        note=str(entry.get("note") or ""),
        received_at=entry.get("received_at"),
        processed_at=entry.get("processed_at"),
        matched=len(entry.get("matched") or []),
        images_scrubbed=len(receipt.get("images") or []),
        occurrences=int(receipt.get("occurrences") or 0),
        warc_payloads_removed=int(receipt.get("warc_records_removed") or 0),
        metadata_records_removed=int(receipt.get("metadata_records_removed") or 0),
        pages=str(receipt.get("pages") or "not recorded"),
        page_records_removed=int(receipt.get("page_records_removed") or 0),
        pages_removed=[str(u) for u in receipt.get("pages_removed") or []],
        snapshots_scrubbed=int(receipt.get("snapshots_scrubbed") or 0),
        rows_redacted=int(receipt.get("rows_redacted") or 0),
        warc_files={str(k): str(v) for k, v in (receipt.get("warc_files") or {}).items()},
        tombstones=int(entry.get("tombstones") or 0),
        evidence=[
            EvidenceLink(int(e["seq"]), str(e["kind"]), str(e["note"]), str(e["entry_hash"]))
            for e in entry.get("evidence") or []
        ],
        later_crawls=[
            LaterCrawl(
                run_id=str(c["run_id"]),
                mode=str(c["mode"]),
                images_skipped=len(c.get("skipped") or []),
                pages_skipped=len(c.get("pages_skipped") or []),
                pages_not_archived=len(c.get("pages_not_archived") or []),
                collected_again=[str(a["url"]) for a in c.get("collected_again") or []],
            )
            for c in entry.get("later_crawls") or []
        ],
    )


def optout_summaries(store: Store) -> list[OptOutSummary]:
    """Every opt-out request of the store with its receipt (empty when there is none)."""
    if not store.count(OptOutRequest):
        return []
    return [_summary(entry) for entry in optout_report(store)]
