"""The shape of one observed signal, shared by the crawler, the store, exports and the gate."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from enum import StrEnum
from typing import Any


class SignalKind(StrEnum):
    """Every kind of signal provtrack reads; the values are the stable export vocabulary."""

    ROBOTS = "robots"  # robots.txt outcome for one user agent
    AI_TXT = "ai-txt"  # Spawning ai.txt outcome
    TDM_RESERVATION = "tdm-reservation"  # TDMRep reservation (file, header or meta)
    TDM_POLICY = "tdm-policy"  # TDMRep policy URL
    META_ROBOTS = "meta-robots"  # <meta name="robots" | name="<bot>"> directive
    X_ROBOTS_TAG = "x-robots-tag"  # X-Robots-Tag header directive (page or image)
    CONTENT_USAGE = "content-usage"  # IETF AIPREF Content-Usage header or robots rule
    CONTENT_SIGNAL = "content-signal"  # Cloudflare Content-Signal in robots.txt or header
    LICENSE = "license"  # rel=license, JSON-LD license, CC marks
    IPTC_DATA_MINING = "iptc-data-mining"  # XMP plus:DataMining inside the file
    C2PA_TRAINING_MINING = "c2pa-training-mining"  # c2pa./cawg. training-mining assertion
    TERMS = "terms"  # a terms-of-service clause (prohibits scraping, biometric use...)
    OPTOUT_REGISTRY = "optout-registry"  # an opt-out request recorded in provtrack itself
    RSL = "rsl"  # an RSL 1.0 licence element that applies to the URL (robots.txt License, link)


class Level(StrEnum):
    """Where a signal applies: to a whole host, to a page (and so its images), or one image."""

    HOST = "host"
    PAGE = "page"
    IMAGE = "image"


@dataclass(frozen=True, slots=True)
class Signal:
    """One signal as observed, with the raw evidence it rests on.

    ``value`` is normalised (``noimageai``, ``1``, ``DMI-PROHIBITED-AIMLTRAINING``,
    ``disallow``); ``source`` says where it was read (``header:X-Robots-Tag``,
    ``meta:robots``, ``robots.txt``, ``xmp``, ``c2pa``, ``/.well-known/tdmrep.json``);
    ``evidence`` is the raw text it came from (the header line, the tag, the robots rule).
    ``agent`` is the user agent the signal is scoped to, or ``None`` when it applies to all.
    ``restricts`` says whether the signal forbids collection for provtrack's purpose; a
    signal can be informative (a licence URL) without restricting anything.
    """

    kind: SignalKind
    value: str
    source: str
    evidence: str
    level: Level
    agent: str | None = None
    restricts: bool = False
    url: str | None = None  # the URL the signal was read from (page, image or policy file)
    extra: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready form used by the store and exports."""
        data = asdict(self)
        data["kind"] = self.kind.value
        data["level"] = self.level.value
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Signal:
        """Inverse of :meth:`to_dict`."""
        return cls(
            kind=SignalKind(data["kind"]),
            value=data["value"],
            source=data["source"],
            evidence=data["evidence"],
            level=Level(data["level"]),
            agent=data.get("agent"),
            restricts=bool(data.get("restricts", False)),
            url=data.get("url"),
            extra=dict(data.get("extra") or {}),
        )
