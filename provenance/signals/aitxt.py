"""Spawning ai.txt: robots.txt-like rules on what may be used for AI training.

Syntax is robots.txt's (``User-Agent``, ``Allow``, ``Disallow``), with patterns such as
``*.jpg`` and ``/``; matching is robots.txt's (longest match, allow wins ties, ``*`` and ``$``)
with two deliberate leniencies, both in favour of the opt-out: patterns match case-insensitively
(``*.jpg`` was meant to cover ``PHOTO.JPG``), and a pattern without a leading ``/`` or ``*``
starts at the root.

Fetch outcomes differ from robots.txt on one point: a 5xx or network error is ``unknown``, not
"disallow everything". ai.txt has no RFC and no rule that an unreachable file forbids anything,
so provtrack records that it could not tell rather than inventing either a permission or a
prohibition. A 4xx is ``unavailable`` (no ai.txt), as for robots.txt.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from provenance.observation import Status
from provenance.signals import _robotsparse
from provenance.signals._fetch import (
    FetchClass,
    classify_fetch,
    fetch_facts,
    looks_binary,
    read_text_body,
)
from provenance.signals._patterns import normalize_path
from provenance.signals._vocab import PROVTRACK_AGENT, applies_to_provtrack
from provenance.signals.model import Level, Signal, SignalKind
from provenance.vocab import NOT_CAPTURED

AI_TXT_MAX_BYTES = 512 * 1024
"""Bytes of ai.txt parsed, the same cap as robots.txt."""


class AiTxtVerdict(StrEnum):
    """ai.txt's answer for one URL and agent."""

    ALLOW = "allow"
    DISALLOW = "disallow"
    UNAVAILABLE = "unavailable"  # no ai.txt (4xx): nothing said
    UNKNOWN = "unknown"  # ai.txt could not be fetched (5xx, error): nobody knows
    NOT_CAPTURED = NOT_CAPTURED  # audited from an archive without it: never read as allowed


@dataclass(frozen=True, slots=True)
class AiTxtDecision:
    """ai.txt's answer with the line that decided it (``line``, ``group``) or the fetch outcome."""

    url: str
    agent: str
    verdict: AiTxtVerdict
    reason: str
    evidence: str
    line: int | None = None
    group: tuple[str, ...] | None = None
    group_line: int | None = None
    matched_agent: str | None = None

    @property
    def restricts(self) -> bool:
        """An explicit ``Disallow`` restricts, and so does an ai.txt an audited archive does not
        hold (a collection made then had one to read; nobody can say it allowed anything);
        ``unknown`` (a live fetch failed) is recorded, not enforced."""
        return self.verdict in (AiTxtVerdict.DISALLOW, AiTxtVerdict.NOT_CAPTURED)


@dataclass(frozen=True)
class AiTxt:
    """One ai.txt as fetched; build it with :meth:`from_fetch`."""

    url: str
    fetched_at: datetime | None
    http_status: int | None
    error: str | None
    status: Status
    reason: str
    size: int = 0
    sha256: str | None = None
    encoding: str | None = None
    truncated: bool = False
    text: str = ""
    _parsed: _robotsparse.ParsedRobots | None = field(default=None, repr=False, compare=False)

    @classmethod
    def from_fetch(
        cls,
        url: str,
        http_status: int | None,
        body: bytes | None,
        error: str | None,
        fetched_at: datetime | None = None,
    ) -> AiTxt:
        """Read an ai.txt fetch result; never raises on content."""
        fetched = classify_fetch(http_status, error)
        raw = body or b""
        common = fetch_facts(url, http_status, body, error, fetched_at)
        if fetched.fetch_class is FetchClass.NOT_CAPTURED:
            return cls(status=Status.NOT_CAPTURED, reason=fetched.reason, **common)
        if fetched.fetch_class is FetchClass.UNREACHABLE:
            return cls(
                status=Status.FETCH_FAILED,
                reason=f"{fetched.reason}: ai.txt unknown (no rule makes this a disallow)",
                **common,
            )
        if fetched.fetch_class is FetchClass.UNAVAILABLE:
            return cls(status=Status.ABSENT, reason=f"{fetched.reason}: no ai.txt", **common)
        read = read_text_body(raw, AI_TXT_MAX_BYTES)
        text, encoding, truncated = read.text, read.encoding, read.truncated
        parsed = _robotsparse.parse(text, case_insensitive=True, ai_txt=True)
        status, reason = Status.OK, f"{fetched.reason}: parsed"
        if truncated:
            status = Status.TOO_LARGE
            reason = f"{fetched.reason}: parsed the first {read.parsed_bytes} of {len(raw)} bytes"
        elif raw.strip() and parsed.directives_seen == 0:
            status = Status.UNPARSEABLE
            kind = "binary content" if looks_binary(raw) else "no ai.txt directive"
            reason = f"{fetched.reason}: {kind}; no rule applies"
        return cls(
            status=status,
            reason=reason,
            encoding=encoding,
            truncated=truncated,
            text=text,
            _parsed=parsed,
            **common,
        )

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready form for the store (the parsed text included, rules re-derivable)."""
        return {
            "url": self.url,
            "fetched_at": self.fetched_at.isoformat() if self.fetched_at else None,
            "http_status": self.http_status,
            "error": self.error,
            "status": self.status.value,
            "reason": self.reason,
            "size": self.size,
            "sha256": self.sha256,
            "encoding": self.encoding,
            "truncated": self.truncated,
            "text": self.text,
        }

    def can_use(self, url: str, agent: str = PROVTRACK_AGENT) -> AiTxtDecision:
        """ai.txt's answer for ``url`` and ``agent`` (falls back to the ``*`` group)."""
        if self._parsed is None:
            verdict = {
                Status.FETCH_FAILED: AiTxtVerdict.UNKNOWN,
                Status.NOT_CAPTURED: AiTxtVerdict.NOT_CAPTURED,
            }.get(self.status, AiTxtVerdict.UNAVAILABLE)
            if self.status is Status.NOT_CAPTURED:
                evidence = f"ai.txt {self.error}"
            elif self.error:
                evidence = f"ai.txt fetch error: {self.error}"
            else:
                evidence = f"ai.txt: HTTP {self.http_status}"
            return AiTxtDecision(url, agent, verdict, self.reason, evidence)
        name = _robotsparse.query_name(agent)
        ruleset = self._parsed.ruleset_for(name)
        if ruleset is None:
            return AiTxtDecision(
                url,
                agent,
                AiTxtVerdict.ALLOW,
                f"no group for {name!r} and no '*' group: no rule applies",
                "(no matching user-agent group)",
            )
        rule = ruleset.decide(normalize_path(url).lower())
        if rule is None:
            return AiTxtDecision(
                url,
                agent,
                AiTxtVerdict.ALLOW,
                f"no rule in the group for {ruleset.name!r} matches",
                f"(no rule matches in group for {ruleset.name!r})",
                matched_agent=ruleset.name,
            )
        verdict = AiTxtVerdict.ALLOW if rule.field == "allow" else AiTxtVerdict.DISALLOW
        return AiTxtDecision(
            url,
            agent,
            verdict,
            f"{verdict.value}ed by line {rule.line.number} in group '{rule.record.label()}'",
            rule.line.text,
            line=rule.line.number,
            group=rule.record.agents,
            group_line=rule.record.start_line,
            matched_agent=ruleset.name,
        )

    def signals_for(self, url: str, agent: str = PROVTRACK_AGENT) -> list[Signal]:
        """The AI_TXT signal for ``url``; it restricts only a provtrack ``Disallow``."""
        decision = self.can_use(url, agent)
        extra: dict[str, Any] = {
            "target": url,
            "reason": decision.reason,
            "status": self.status.value,
            "http_status": self.http_status,
        }
        if decision.line is not None:
            extra.update(
                line=decision.line,
                group=list(decision.group or ()),
                group_line=decision.group_line,
            )
        if decision.matched_agent is not None:
            extra["matched_agent"] = decision.matched_agent
        return [
            Signal(
                SignalKind.AI_TXT,
                decision.verdict.value,
                "ai.txt",
                decision.evidence,
                Level.HOST,
                agent=agent,
                restricts=decision.restricts and applies_to_provtrack(agent),
                url=self.url,
                extra=extra,
            )
        ]
