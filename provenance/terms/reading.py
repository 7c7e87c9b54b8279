"""Read one fetched terms page into a :class:`TermsReading`, never raising on content."""

from __future__ import annotations

import hashlib
import re
from datetime import datetime

from provenance.observation import Status
from provenance.signals.model import Level, Signal, SignalKind
from provenance.terms.classify import classify_text
from provenance.terms.model import TermsReading
from provenance.terms.text import MAX_TEXT_CHARS, detect_language, main_text

MAX_TERMS_BYTES = 5_000_000
_LANG_ATTR_RE = re.compile(
    rb"<html[^>]*?\blang\s*=\s*[\"']?([A-Za-z]{2,3}(?:[-_][A-Za-z0-9]{2,8})*)", re.IGNORECASE
)


def read_terms(
    url: str,
    html: bytes | str | None,
    http_status: int | None,
    fetched_at: datetime | str | None = None,
) -> TermsReading:
    """Classify the terms at ``url`` from its fetched body and HTTP status.

    The status says whether the reading can be trusted: ``ok`` (read; ``silent`` when no
    clause was found), ``absent`` (404/410 or empty body), ``fetch_failed`` (no response,
    3xx not followed, 401/403/429 and other 4xx, 5xx), ``too_large`` (over 5 MB),
    ``unparseable`` (a PDF or no text at all). Anything but ``ok`` is unknown, never
    "no restriction".
    """

    def failed(status: Status, reason: str) -> TermsReading:
        return TermsReading(
            url=url,
            status=status,
            language=None,
            text_sha256=None,
            reason=reason,
            http_status=http_status,
            fetched_at=fetched_at,
        )

    if http_status is None or http_status <= 0:
        return failed(Status.FETCH_FAILED, "no HTTP response")
    if http_status in (404, 410):
        return failed(Status.ABSENT, f"HTTP {http_status}")
    if not 200 <= http_status < 300:
        return failed(Status.FETCH_FAILED, f"HTTP {http_status}")
    if html is None or len(html) == 0:
        return failed(Status.ABSENT, "empty body")
    if len(html) > MAX_TERMS_BYTES:
        return failed(Status.TOO_LARGE, f"body of {len(html)} bytes is over {MAX_TERMS_BYTES}")
    head = html[:1024] if isinstance(html, bytes) else html[:1024].encode("utf-8", "replace")
    if head.lstrip().startswith(b"%PDF"):
        return failed(Status.UNPARSEABLE, "PDF terms are not read")
    try:
        text = main_text(html)
        if not text.strip():
            return failed(Status.UNPARSEABLE, "no text could be extracted")
        declared = _declared_lang(head)
        language = detect_language(text, declared)
        clauses = classify_text(text, language)
    except Exception as err:  # the boundary: a parser bug must not become a crash
        return failed(Status.UNPARSEABLE, f"could not read the terms: {type(err).__name__}")
    return TermsReading(
        url=url,
        status=Status.OK,
        language=language,
        text_sha256=hashlib.sha256(text.encode("utf-8")).hexdigest(),
        clauses=clauses,
        silent=not clauses,
        reason=None if clauses else "read; no clause about scraping, biometrics, reuse or licence",
        http_status=http_status,
        fetched_at=fetched_at,
        text=text,
        truncated=len(text) >= MAX_TEXT_CHARS,
    )


def _declared_lang(head: bytes) -> str | None:
    m = _LANG_ATTR_RE.search(head)
    return m.group(1).decode("ascii") if m else None


def terms_signals(reading: TermsReading) -> list[Signal]:
    """The reading as host-level ``terms`` signals: one per clause, or one saying why not.

    A silent reading gives ``value="silent"`` (restricts nothing); an unread one gives
    ``value="unknown"`` with the status, never an implicit "allowed".
    """
    if reading.status is not Status.OK:
        return [
            Signal(
                kind=SignalKind.TERMS,
                value="unknown",
                source="terms",
                evidence=reading.reason or reading.status.value,
                level=Level.HOST,
                url=reading.url,
                extra={"status": reading.status.value, "http_status": reading.http_status},
            )
        ]
    if reading.silent:
        return [
            Signal(
                kind=SignalKind.TERMS,
                value="silent",
                source="terms",
                evidence=reading.reason or "",
                level=Level.HOST,
                url=reading.url,
                extra={"text_sha256": reading.text_sha256, "language": reading.language},
            )
        ]
    return [
        Signal(
            kind=SignalKind.TERMS,
            value=c.kind.value,
            source="terms",
            evidence=c.sentence,
            level=Level.HOST,
            restricts=c.kind.restricts,
            url=reading.url,
            extra={
                "matched": c.matched,
                "rule": c.rule,
                "language": c.language,
                "exception": c.exception,
                "context": c.context,
                "text_sha256": reading.text_sha256,
            },
        )
        for c in reading.clauses
    ]
