"""Page language (``lang``, ``Content-Language``, ``hreflang``) → weak audience evidence.

A BCP 47 region subtag names a country (``fr-CA`` → Canada, ``en-US`` → United States);
Canadian French also hints at Quebec. A bare language is weaker still and spreads over the
countries that speak it (``de`` → Germany, Austria, Switzerland at low weight); English,
Spanish and other world languages alone point nowhere. ``hreflang`` alternates announce the
audiences a site serves, so each gets a share of a small weight.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from provenance.jurisdiction._regions import COUNTRY_BY_CODE, display_name
from provenance.jurisdiction.model import Evidence, EvidenceSource

WEIGHT_REGION_SUBTAG = 0.3
WEIGHT_QC_HINT = 0.15  # fr-CA: most French-speaking Canadians live in Quebec
WEIGHT_HREFLANG_TOTAL = 0.3  # shared among a page's hreflang alternates, 0.15 at most each

# Languages spoken mainly in a few countries: (country, weight) for a bare language tag.
BARE_LANGUAGE: dict[str, tuple[tuple[str, float], ...]] = {
    "de": (("DE", 0.15), ("AT", 0.06), ("CH", 0.06)),
    "fr": (("FR", 0.12), ("BE", 0.05), ("CH", 0.05), ("CA-QC", 0.05)),
    "it": (("IT", 0.15), ("CH", 0.04)),
    "nl": (("NL", 0.15), ("BE", 0.08)),
    "el": (("GR", 0.2), ("CY", 0.05)),
    "pl": (("PL", 0.2),),
    "da": (("DK", 0.2),),
    "sv": (("SE", 0.2), ("FI", 0.04)),
    "fi": (("FI", 0.2),),
    "nb": (("NO", 0.2),),
    "nn": (("NO", 0.2),),
    "no": (("NO", 0.2),),
    "ja": (("JP", 0.2),),
    "cs": (("CZ", 0.2),),
    "hu": (("HU", 0.2),),
}
_TAG_RE = re.compile(
    r"^([a-zA-Z]{2,3})(?:[-_]([a-zA-Z]{4}))?(?:[-_]([a-zA-Z]{2}|\d{3}))?(?:[-_].*)?$"
)


def parse_tag(tag: str) -> tuple[str, str | None] | None:
    """(language, ISO country or None) from a BCP 47 tag; None when it is not one."""
    m = _TAG_RE.match(tag.strip())
    if m is None:
        return None
    language = m.group(1).lower()
    region = m.group(3)
    if region is None or region.isdigit():
        return language, None
    region = region.upper()
    return language, "GB" if region == "UK" else region


def language_evidence(
    html_lang: str | None = None,
    content_language: str | None = None,
    hreflangs: Iterable[str] = (),
) -> list[Evidence]:
    """Evidence from the page's declared languages; empty when none is informative."""
    out: list[Evidence] = []
    if html_lang:
        out += _tag_evidence(html_lang, EvidenceSource.HTML_LANG, "<html lang>", 1.0)
    if content_language:
        for tag in content_language.split(","):
            out += _tag_evidence(tag, EvidenceSource.CONTENT_LANGUAGE, "Content-Language", 1.0)
    tags = sorted({t.strip() for t in hreflangs if t and t.strip().lower() != "x-default"})
    if tags:
        share = min(0.5, WEIGHT_HREFLANG_TOTAL / len(tags) / WEIGHT_REGION_SUBTAG)
        for tag in tags:
            out += _tag_evidence(tag, EvidenceSource.HREFLANG, "hreflang alternate", share)
    return out


def _tag_evidence(tag: str, source: EvidenceSource, where: str, factor: float) -> list[Evidence]:
    parsed = parse_tag(tag)
    if parsed is None:
        return []
    language, region = parsed
    tag = tag.strip()
    if region is not None:
        if len(region) != 2 or not region.isalpha():
            return []
        name = COUNTRY_BY_CODE[region].name if region in COUNTRY_BY_CODE else region
        detail = f"{where} {tag!r}: region subtag {region} → {name}"
        out = [_ev(source, tag, detail, WEIGHT_REGION_SUBTAG * factor, region)]
        if language == "fr" and region == "CA":
            detail = f"{where} {tag!r}: Canadian French, a hint at Quebec"
            out.append(_ev(source, tag, detail, WEIGHT_QC_HINT * factor, "CA-QC"))
        return out
    out = []
    for code, weight in BARE_LANGUAGE.get(language, ()):
        detail = f"{where} {tag!r}: language {language} is spoken in {display_name(code)}"
        out.append(_ev(source, tag, detail, weight * factor, code))
    return out


def _ev(source: EvidenceSource, value: str, detail: str, weight: float, code: str) -> Evidence:
    return Evidence(source, value, detail, round(weight, 3), code)
