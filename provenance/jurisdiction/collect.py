"""Entry points the crawler calls with what it already has: gather evidence for a site or a
subject from every source, then hand it to :func:`infer_site` / :func:`infer_subject`.

Weights per source (one observation alone; see ``infer`` for how they combine):

| source | weight |
|---|---|
| JSON-LD ``PostalAddress`` (operator) | 0.85 |
| EXIF GPS within 50 km of a known place | 0.85 |
| postal code / ZIP / PLZ in an operator address block | 0.75 (0.225 elsewhere on the page) |
| phone with geographic area code (tel: link, operator block) | 0.6 (0.45 as +1 with no hint) |
| geo.region meta | 0.6 |
| place name with region in an operator block, profile or caption | 0.6 (+0.1 after "Lives in") |
| XMP/IPTC State, Country, City | 0.55–0.6 |
| ccTLD (.ca, .de, .us); provincial .qc.ca | 0.4; 0.5 |
| lang / Content-Language region subtag (fr-CA → CA; + QC hint 0.15) | 0.3 |
| currency (CAD, USD, £) | 0.25 (``$`` and ``€`` recorded without a code) |
| bare language (de → DE 0.15, AT/CH 0.06) | ≤ 0.15 |
| +1 number without geographic area code | 0.15 each for CA and US |
| the site's candidates standing in for the subject | ≤ 0.15, only when nothing else points |
| server IP (public) | recorded, 0: no geolocation database is bundled |
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from functools import lru_cache
from typing import Any

import phonenumbers

from provenance.jurisdiction._html import parse_page
from provenance.jurisdiction.cctld import cctld_evidence
from provenance.jurisdiction.currency import currency_evidence, price_currency_evidence
from provenance.jurisdiction.geometa import geo_meta_evidence
from provenance.jurisdiction.gps import gps_evidence
from provenance.jurisdiction.infer import combine
from provenance.jurisdiction.language import language_evidence
from provenance.jurisdiction.model import Candidate, Evidence, EvidenceSource
from provenance.jurisdiction.network import server_ip_evidence
from provenance.jurisdiction.phone import phone_evidence, tel_link_evidence
from provenance.jurisdiction.places import location_text_evidence
from provenance.jurisdiction.postal import (
    _walk,
    json_ld_address_evidence,
    json_ld_geo,
    postal_evidence,
)
from provenance.jurisdiction.xmp import xmp_location_evidence

ZONE_PLACE_SCALE = 0.9  # a place name in an operator block (no postal code) is a bit weaker
BODY_POSTAL_SCALE = 0.3  # a postal code outside any operator block may be a user's
SUBJECT_SNIPPET_SCALE = 0.8  # nearby page text is less tied to the image than its caption
SUBJECT_POSTAL_SCALE = 0.6
SUBJECT_PHONE_SCALE = 0.5
FALLBACK_MAX = 0.15
FALLBACK_FACTOR = 0.2

Headers = Mapping[str, Any]


def site_evidence(
    url: str | None,
    html: bytes | str | None = None,
    headers: Headers | None = None,
    json_ld: Any = None,
    server_ip: str | None = None,
) -> list[Evidence]:
    """Every piece of evidence about the site's jurisdiction that one page offers.

    ``headers`` may map names to str, bytes or lists of them (Scrapy's shape); ``json_ld``
    is extruct's list (when None, the page's own ``application/ld+json`` blocks are read).
    Never raises on content: unreadable parts simply give no evidence.
    """
    content_type = _header(headers, "content-type") or ""
    m = re.search(r"charset\s*=\s*[\"']?([\w.:-]+)", content_type, re.IGNORECASE)
    facts = parse_page(html, m.group(1) if m else None)
    out: list[Evidence] = list(cctld_evidence(url))
    content_language = _header(headers, "content-language") or facts.content_language
    out += language_evidence(facts.lang, content_language, facts.hreflangs)
    out += geo_meta_evidence(facts.meta)
    blocks = json_ld if json_ld is not None else facts.json_ld
    out += json_ld_address_evidence(blocks, scope="site")
    for lat, lon, owner in json_ld_geo(blocks):
        if "person" not in owner:
            out += gps_evidence(
                lat, lon, source=EvidenceSource.JSON_LD_GEO, where=f"JSON-LD {owner} geo"
            )
    out += price_currency_evidence(_json_ld_values(blocks, "priceCurrency"))
    for label, text in facts.zones:
        out += postal_evidence(text, where=label)
        out += location_text_evidence(text, where=label, scale=ZONE_PLACE_SCALE)
    out += postal_evidence(
        facts.body_text,
        where="page body outside operator blocks (may be a user's)",
        scale=BODY_POSTAL_SCALE,
    )
    out += currency_evidence(facts.body_text)
    hint = _country_hint(out)
    out += tel_link_evidence(facts.tel_hrefs, region_hint=hint)
    phones = _json_ld_values(blocks, "telephone", skip_person=True)
    if phones:
        out += phone_evidence("\n".join(phones), region_hint=hint, where="JSON-LD telephone")
    for label, text in facts.zones:
        out += phone_evidence(text, region_hint=hint, where=label)
    out += server_ip_evidence(server_ip)
    return _dedupe(out)


def subject_evidence(
    image_exif_gps: Any = None,
    xmp_location: Mapping[str, Any] | None = None,
    alt_text: str | None = None,
    caption_or_nearby_text: str | None = None,
    page_text_snippets: Iterable[str] = (),
    site_candidates: Sequence[Candidate] = (),
) -> list[Evidence]:
    """Every piece of evidence about where the pictured or described person is.

    ``image_exif_gps`` is ``(lat, lon)`` or a mapping with ``lat``/``lon`` (or
    ``latitude``/``longitude``); ``page_text_snippets`` are short texts tied to the image
    (profile location line, channel "about" text). Phone numbers are masked in the evidence
    because they may be the person's. The site's candidates are added as clearly marked
    ``site-fallback`` evidence of low weight; :func:`infer_subject` uses them only when no
    direct evidence points anywhere.
    """
    out: list[Evidence] = []
    point = _lat_lon(image_exif_gps)
    if point is not None:
        out += gps_evidence(*point)
    out += xmp_location_evidence(xmp_location)
    texts: list[tuple[str, str, float]] = []
    if alt_text:
        texts.append(("alt text", alt_text, 1.0))
    if caption_or_nearby_text:
        texts.append(("caption", caption_or_nearby_text, 1.0))
    texts += [("page text", s, SUBJECT_SNIPPET_SCALE) for s in page_text_snippets if s]
    for where, text, scale in texts:
        out += _text_evidence(text, where, scale)
    hint = _country_hint(out) or _country_hint(_fallback(site_candidates))
    for where, text, scale in texts:
        out += _phone_evidence(text, where, scale, hint)
    out += _fallback(site_candidates)
    return _dedupe(out)


# A page's profile and caption texts are read once for every image on it: the readings are
# pure functions of the text, so they are kept (bounded) rather than recomputed per image.
@lru_cache(maxsize=4096)
def _text_evidence(text: str, where: str, scale: float) -> tuple[Evidence, ...]:
    return (
        *location_text_evidence(text, where=where, scale=scale),
        *postal_evidence(text, where=where, scale=SUBJECT_POSTAL_SCALE * scale),
    )


@lru_cache(maxsize=4096)
def _phone_evidence(text: str, where: str, scale: float, hint: str | None) -> tuple[Evidence, ...]:
    return tuple(
        phone_evidence(
            text, region_hint=hint, where=where, scale=SUBJECT_PHONE_SCALE * scale, mask=True
        )
    )


def _fallback(site_candidates: Sequence[Candidate]) -> list[Evidence]:
    out = []
    for c in site_candidates:
        if c.confidence <= 0:
            continue
        detail = (
            f"fallback: the site's jurisdiction {c.code} (confidence {c.confidence:.2f}, from "
            f"{', '.join(c.sources)}) stands in for the subject; nothing about the subject itself"
        )
        weight = round(min(FALLBACK_MAX, FALLBACK_FACTOR * c.confidence), 3)
        out.append(Evidence(EvidenceSource.SITE_FALLBACK, c.code, detail, weight, c.code))
    return out


def _lat_lon(value: Any) -> tuple[Any, Any] | None:
    if value is None:
        return None
    if isinstance(value, Mapping):
        lat = value.get("lat", value.get("latitude"))
        lon = value.get("lon", value.get("lng", value.get("longitude")))
        return None if lat is None or lon is None else (lat, lon)
    if isinstance(value, Sequence) and not isinstance(value, (str, bytes)) and len(value) == 2:
        return value[0], value[1]
    return None


def _header(headers: Headers | None, name: str) -> str | None:
    if not headers:
        return None
    for key, value in headers.items():
        k = key.decode("latin-1") if isinstance(key, bytes) else str(key)
        if k.lower() != name:
            continue
        if isinstance(value, (list, tuple)):
            value = value[0] if value else None
        if isinstance(value, bytes):
            return value.decode("latin-1")
        return str(value) if value is not None else None
    return None


def _json_ld_values(blocks: Any, key: str, *, skip_person: bool = False) -> list[str]:
    out = []
    for owner, node in _walk(blocks, None, 0):
        types = str(node.get("@type", "")).casefold()
        if skip_person and ("person" in types or (owner and "person" in owner and not types)):
            continue
        value = node.get(key)
        if isinstance(value, str) and value.strip():
            out.append(value.strip())
    return out


def _country_hint(evidence: list[Evidence]) -> str | None:
    """The leading country among evidence so far, if libphonenumber knows its numbering."""
    for c in combine(e for e in evidence if e.source is not EvidenceSource.PHONE):
        if c.country in phonenumbers.SUPPORTED_REGIONS:
            return c.country
    return None


def _dedupe(items: list[Evidence]) -> list[Evidence]:
    seen: set[tuple[str, str | None, str]] = set()
    out = []
    for e in items:
        key = (e.source.value, e.code, e.value)
        if key not in seen:
            seen.add(key)
            out.append(e)
    return out
