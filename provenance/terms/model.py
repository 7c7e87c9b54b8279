"""The shapes of a terms-of-service reading: candidate links, classified clauses, the reading."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from provenance.observation import Status


class ClauseKind(StrEnum):
    """What a clause of the terms says about collection and reuse; stable export values."""

    PROHIBITS_SCRAPING = "prohibits-scraping"
    PROHIBITS_BIOMETRIC = "prohibits-biometric"
    PROHIBITS_COMMERCIAL_REUSE = "prohibits-commercial-reuse"
    PERMITS_REUSE_WITH_LICENCE = "permits-reuse-with-licence"

    @property
    def restricts(self) -> bool:
        """True for the kinds that forbid something."""
        return self.value.startswith("prohibits-")


@dataclass(frozen=True, slots=True)
class TermsClause:
    """One classified sentence of the terms, with what matched and why.

    ``sentence`` is verbatim from the extracted text (so it can be found in the snapshot);
    ``matched`` quotes the phrases that matched (``must not … scrape``); ``rule`` names the
    rule; ``exception`` quotes an exception the sentence makes (``except by search engines``)
    — the prohibition stands, with its exception noted; ``context`` is the list introduction
    a list item inherited its prohibition from (``You agree not to:``).
    """

    kind: ClauseKind
    sentence: str
    language: str
    matched: str
    rule: str = ""
    exception: str | None = None
    context: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready form."""
        return {
            "kind": self.kind.value,
            "sentence": self.sentence,
            "language": self.language,
            "matched": self.matched,
            "rule": self.rule,
            "exception": self.exception,
            "context": self.context,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> TermsClause:
        """Inverse of :meth:`to_dict`."""
        return cls(
            kind=ClauseKind(data["kind"]),
            sentence=str(data["sentence"]),
            language=str(data["language"]),
            matched=str(data["matched"]),
            rule=str(data.get("rule") or ""),
            exception=data.get("exception"),
            context=data.get("context"),
        )


@dataclass(frozen=True, slots=True)
class TermsLink:
    """A link that may lead to the terms of service, its score in 0..1 and why."""

    url: str
    score: float
    anchor: str
    reasons: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class TermsReading:
    """What one terms page said, or why it could not be read.

    ``silent`` is True only when the page was read (status ``ok``) and no clause was found;
    a page that could not be read is not silent, it is unknown, and says why in ``reason``.
    ``text_sha256`` is the SHA-256 of the extracted main text (UTF-8), which ``text`` holds.
    """

    url: str
    status: Status
    language: str | None
    text_sha256: str | None
    clauses: list[TermsClause] = field(default_factory=list)
    silent: bool = False
    reason: str | None = None
    http_status: int | None = None
    fetched_at: datetime | str | None = None
    text: str = ""
    truncated: bool = False

    @property
    def kinds(self) -> list[str]:
        """The distinct clause kinds found, sorted."""
        return sorted({c.kind.value for c in self.clauses})

    @property
    def prohibits_scraping(self) -> bool | None:
        """True/False when the terms were read; None (unknown) when they could not be."""
        if self.status is not Status.OK:
            return None
        return any(c.kind is ClauseKind.PROHIBITS_SCRAPING for c in self.clauses)

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready form used by the store and exports."""
        fetched = self.fetched_at.isoformat() if isinstance(self.fetched_at, datetime) else None
        return {
            "url": self.url,
            "status": self.status.value,
            "language": self.language,
            "text_sha256": self.text_sha256,
            "clauses": [c.to_dict() for c in self.clauses],
            "silent": self.silent,
            "reason": self.reason,
            "http_status": self.http_status,
            "fetched_at": fetched if fetched is not None else self.fetched_at,
            "text": self.text,
            "truncated": self.truncated,
        }
