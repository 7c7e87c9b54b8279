"""Plain record types the crawler emits and the store maps to tables.

They are dataclasses (Scrapy accepts them as items through itemadapter) so that the crawler
can build them without knowing about tables, and the store can map them without knowing about
Scrapy. Only :mod:`provenance.store.mapping` turns them into rows: a field named like a column
of the record's table base (``ImageBase`` for :class:`ImageRecord`, ...) is that column,
copied by name with the same type; the others are never stored as such (bytes, signals, the
WARC pointer, texts read into ``subject``). ``tests/store/test_shapes.py`` holds both lists.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from provenance.signals.model import Signal
from provenance.vocab import FAILURE


@dataclass(slots=True)
class WarcRef:
    """A response record's place in the WARC output."""

    file: str
    offset: int


@dataclass(slots=True)
class SnapshotRecord:
    """A per-host policy document (robots.txt, ai.txt, tdmrep.json, terms, home) as fetched."""

    host: str
    kind: str
    url: str
    outcome: str
    status: str
    fetched_at: datetime
    reason: str = ""
    final_url: str | None = None
    http_status: int | None = None
    sha256: str | None = None
    byte_size: int = 0
    truncated: bool = False
    server_ip: str | None = None
    body: bytes | None = None
    parsed: dict[str, Any] = field(default_factory=dict)
    signals: list[Signal] = field(default_factory=list)
    warc: WarcRef | None = None


@dataclass(slots=True)
class PageRecord:
    """A page fetched, skipped by the gate, or failed, with its signals and referrer chain."""

    url: str
    host: str
    decision: str  # fetched | skipped | failed
    fetched_at: datetime
    depth: int = 0
    seed: str | None = None
    referrer_chain: list[str] = field(default_factory=list)
    reasons: list[dict[str, Any]] = field(default_factory=list)
    http_status: int | None = None
    content_type: str | None = None
    lang: str | None = None
    title: str | None = None
    rendered: bool = False
    server_ip: str | None = None
    sha256: str | None = None
    error: str | None = None
    signals: list[Signal] = field(default_factory=list)
    site_jurisdiction: list[dict[str, Any]] = field(default_factory=list)
    facts: dict[str, Any] = field(default_factory=dict)
    warc: WarcRef | None = None


@dataclass(slots=True)
class OccurrenceRecord:
    """An image seen on a page, with the alt text and the chain back to the seed."""

    image_url: str
    page_url: str
    alt: str | None = None
    title: str | None = None
    context: str | None = None
    snippets: list[str] = field(default_factory=list)
    seed: str | None = None
    referrer_chain: list[str] = field(default_factory=list)


@dataclass(slots=True)
class ImageRecord:
    """An image URL and what happened to it: collected, skipped (why) or failed (why).

    ``body`` travels from the download to the media pipeline only; it is dropped before the
    record is stored (the WARC keeps collected bytes; skipped bytes are discarded).
    """

    url: str
    host: str
    mode: str
    decision: str  # collected | skipped | failed
    fetched_at: datetime
    stage: str | None = None
    reasons: list[dict[str, Any]] = field(default_factory=list)
    overridden: list[dict[str, Any]] = field(default_factory=list)
    http_status: int | None = None
    reason_phrase: str = ""
    content_type: str | None = None
    request_headers: list[tuple[str, str]] = field(default_factory=list)
    response_headers: dict[str, list[str]] = field(default_factory=dict)
    server_ip: str | None = None
    body: bytes | None = None
    media: dict[str, Any] = field(default_factory=dict)
    error: str | None = None
    signals: list[Signal] = field(default_factory=list)
    page_url: str | None = None
    # Text about the pictured person, read for jurisdiction and age cues (kept in ``subject``).
    alt: str | None = None
    caption: str | None = None
    snippets: list[str] = field(default_factory=list)
    site_jurisdiction: list[dict[str, Any]] = field(default_factory=list)
    subject_jurisdiction: list[dict[str, Any]] = field(default_factory=list)
    subject: dict[str, Any] = field(default_factory=dict)
    warc: WarcRef | None = None
    # audit runs: the dataset rows that list this URL, stored with the record
    entries: list[DatasetEntryRecord] = field(default_factory=list)


@dataclass(slots=True)
class DatasetEntryRecord:
    """One row of a dataset an audit read, joined to the image record of its URL.

    ``source`` and ``row`` place it in the dataset (manifest file and 0-based row, img2dataset
    shard table and row, or WARC file and record offset); ``key`` is the dataset's own key.
    ``problem`` says why the URL could not be audited at all (never fetched). ``local`` is what
    the dataset itself holds for the row (an img2dataset file's outcome and media facts) and
    ``presence`` how that copy compares with what the URL serves now.
    """

    source: str
    row: int
    url: str
    key: str | None = None
    caption: str | None = None
    page_url: str | None = None
    problem: str | None = None
    local: dict[str, Any] = field(default_factory=dict)
    presence: str | None = None
    presence_detail: dict[str, Any] = field(default_factory=dict)


def failure(value: str, evidence: str) -> dict[str, Any]:
    """A reason object for a failed fetch or an unreadable image (not a signal)."""
    return {"kind": FAILURE, "value": value, "source": "crawler", "evidence": evidence}
