"""The shapes of jurisdiction inference: one piece of evidence, one ranked candidate.

Evidence is what was observed (a ccTLD, a ``lang`` attribute, a postal code, a phone number,
a GPS fix and the place it resolved to) and which jurisdiction it points at, if any. A
candidate is a jurisdiction with a confidence and every piece of evidence it rests on, so a
table can show why each code is there and which source produced it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class EvidenceSource(StrEnum):
    """Where a piece of evidence was read; the values are the stable export vocabulary."""

    CCTLD = "cctld"  # country-code top-level domain (.ca, .de, .us; .qc.ca)
    GEO_TLD = "geo-tld"  # geographic generic TLD (.quebec, .berlin, .nyc)
    HTML_LANG = "html-lang"  # <html lang="fr-CA">
    CONTENT_LANGUAGE = "content-language"  # Content-Language header or meta http-equiv
    HREFLANG = "hreflang"  # <link rel=alternate hreflang="de-DE">
    GEO_META = "geo-meta"  # <meta name="geo.region|geo.position|ICBM|geo.placename">
    JSON_LD_ADDRESS = "json-ld-address"  # schema.org PostalAddress in JSON-LD
    JSON_LD_GEO = "json-ld-geo"  # schema.org GeoCoordinates in JSON-LD
    POSTAL_ADDRESS = "postal-address"  # postal code / ZIP / PLZ in address text
    PHONE = "phone"  # a telephone number (E.164 country code, NANP area code)
    LOCATION_TEXT = "location-text"  # place names in profile, caption, alt or address text
    EXIF_GPS = "exif-gps"  # GPS latitude/longitude embedded in the image
    XMP_LOCATION = "xmp-location"  # IPTC/XMP City, State, Country, CountryCode fields
    CURRENCY = "currency"  # CAD, C$, USD, € ... in page text or JSON-LD priceCurrency
    SERVER_IP = "server-ip"  # the IP address the page was served from
    SITE_FALLBACK = "site-fallback"  # the site's jurisdiction standing in for the subject's


@dataclass(frozen=True, slots=True)
class Evidence:
    """One observation and the jurisdiction it points at.

    ``value`` is what was observed, verbatim or minimised (``maplebook.ca``, ``fr-CA``,
    ``Montreal, QC``, ``43.4674483,11.8851267``); ``detail`` says how it was read and why it
    points where it does; ``weight`` in 0..1 is how much this observation alone supports
    ``code``. ``code`` is an ISO 3166-1 alpha-2 country or ISO 3166-2 subdivision, or
    ``None`` when the observation points nowhere (a public IP that could not be located, an
    ambiguous currency); such evidence is kept for the record but never becomes a candidate.
    """

    source: EvidenceSource
    value: str
    detail: str
    weight: float
    code: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready form used by the store and exports."""
        return {
            "source": self.source.value,
            "value": self.value,
            "detail": self.detail,
            "weight": self.weight,
            "code": self.code,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Evidence:
        """Inverse of :meth:`to_dict`."""
        return cls(
            source=EvidenceSource(data["source"]),
            value=str(data["value"]),
            detail=str(data["detail"]),
            weight=float(data["weight"]),
            code=data.get("code"),
        )


@dataclass(frozen=True, slots=True)
class Candidate:
    """A jurisdiction the site or subject may belong to, with the evidence it rests on.

    ``confidence`` in 0..1 comes from this candidate's own evidence only: conflicting
    candidates (two countries) are each scored on their own and never normalised against
    each other. A country candidate's evidence includes the evidence of its subdivisions.
    """

    code: str
    confidence: float
    evidence: list[Evidence] = field(default_factory=list)

    @property
    def country(self) -> str:
        """The ISO 3166-1 alpha-2 country the code belongs to."""
        return self.code.split("-", 1)[0]

    @property
    def is_subdivision(self) -> bool:
        """True for an ISO 3166-2 subdivision (``CA-QC``), False for a country (``CA``)."""
        return "-" in self.code

    @property
    def sources(self) -> list[str]:
        """The distinct evidence sources behind this candidate, sorted, for tables."""
        return sorted({e.source.value for e in self.evidence})

    @property
    def fallback_only(self) -> bool:
        """True when the candidate rests only on the site's jurisdiction, not on the subject."""
        return all(e.source is EvidenceSource.SITE_FALLBACK for e in self.evidence)

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready form (``{code, confidence, evidence}``) used by the store."""
        return {
            "code": self.code,
            "confidence": self.confidence,
            "evidence": [e.to_dict() for e in self.evidence],
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Candidate:
        """Inverse of :meth:`to_dict`."""
        return cls(
            code=str(data["code"]),
            confidence=float(data["confidence"]),
            evidence=[Evidence.from_dict(e) for e in data.get("evidence") or []],
        )
