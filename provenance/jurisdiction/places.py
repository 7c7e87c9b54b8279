"""Place names in free text (profile location, caption, alt text, address lines) → evidence.

Matching is case- and accent-insensitive for names (``Montréal`` = ``MONTREAL``) and
case-sensitive for postal abbreviations, which count only as qualifiers right after a place
(``Chicago, IL``, ``Toronto ON``, ``Montréal (Qc)``): in lowercase ``in``, ``or`` and ``on``
are words. A qualifier settles ambiguous cities (``London, ON`` is Ontario, ``Vancouver, WA``
is Washington) and can name a city the gazetteer does not know (``Bothell, WA``). Only the
matched place words are quoted as evidence, never the surrounding text, because inferring
where a person lives is itself personal-data processing.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from dataclasses import dataclass

from provenance.jurisdiction._fold import Folded, fold
from provenance.jurisdiction._gazetteer import CITIES, City
from provenance.jurisdiction._regions import (
    COUNTRIES,
    COUNTRY_ABBREVS,
    COUNTRY_BY_CODE,
    REGIONS,
    Region,
    abbreviations,
    display_name,
    regions_by_abbrev,
)
from provenance.jurisdiction.model import Evidence, EvidenceSource

WEIGHT_QUALIFIED_CITY = 0.6  # "Montreal, QC": a known city confirmed by its region
WEIGHT_CITY = 0.5  # "Calgary": a known, unambiguous city
WEIGHT_QUALIFIED_PLACE = 0.5  # "Bothell, WA": an unknown place with a region qualifier
WEIGHT_REGION = 0.4  # "Ontario", "Colombie-Britannique"
WEIGHT_COUNTRY = 0.3  # "Canada", "Deutschland"
WEIGHT_AMBIGUOUS = 0.2  # a name shared by two standalone places
CUE_BONUS = 0.1  # "Lives in ...", "habite à ...", "wohnt in ..."


@dataclass(slots=True)
class _Entry:
    cities: list[City]
    regions: list[Region]
    country: str | None


def _index() -> dict[str, _Entry]:
    idx: dict[str, _Entry] = {}

    def entry(name: str) -> _Entry:
        return idx.setdefault(fold(name), _Entry([], [], None))

    for city in CITIES:
        for name in city.names:
            entry(name).cities.append(city)
    for region in REGIONS:
        for name in (*region.names, *region.qualifier_names):
            bucket = entry(name).regions
            if region not in bucket:
                bucket.append(region)
    for country in COUNTRIES:
        for name in country.names:
            entry(name).country = country.code
    return idx


_INDEX = _index()
_NAMES_RE = re.compile(
    r"(?<!\w)(" + "|".join(re.escape(k) for k in sorted(_INDEX, key=len, reverse=True)) + r")(?!\w)"
)
_COUNTRY_CODES = {c.code for c in COUNTRIES}
_QUAL_ABBREVS = sorted(
    {*abbreviations(), *COUNTRY_ABBREVS, *_COUNTRY_CODES}, key=lambda a: (-len(a), a)
)
_SEP = r"(?P<sep>[ \t]*,[ \t]*|[ \t]*\([ \t]*|[ \t]+)"
_ABBREV_QUAL_RE = re.compile(
    _SEP + r"(?P<q>" + "|".join(re.escape(a) for a in _QUAL_ABBREVS) + r")(?!\w)(?:\))?"
)
_NAME_QUAL_RE = re.compile(_SEP + r"(?P<q>" + _NAMES_RE.pattern + r")(?:\))?")
# An unknown place written "Name, ST": capitalised words, a comma, an uppercase abbreviation.
_PLACE_WORD = r"[A-ZÀ-Ý][\w'’.\-]*[a-zß-ÿ][\w'’.\-]*"
_UNKNOWN_PLACE_RE = re.compile(
    r"(?<![\w])(?P<place>"
    + _PLACE_WORD
    + r"(?:[ \-](?:"
    + _PLACE_WORD
    + r"|de|du|la|le|sur|am|an|der|im)){0,3}),[ \t]*(?P<q>"
    + "|".join(re.escape(a) for a in abbreviations())
    + r")(?!\w)"
)
# Standalone country abbreviations, case-sensitive ("us" is a word; "U.S." is too often an
# adjective for a law or a market to stand for where someone is).
_COUNTRY_ABBREV_RE = re.compile(r"(?<![\w.])(USA|U\.S\.A\.|UK|U\.K\.)(?![\w])")
_PRECEDING_PLACE_RE = re.compile(_PLACE_WORD + r"(?:[ \-]" + _PLACE_WORD + r"){0,3},[ \t]*$")
_CUE_RE = re.compile(
    r"(lives in|living in|based in|located in|resident of|resides in|hometown:?|location:?|"
    r"from|habite a|habitant de|vit a|demeurant a|residant a|base a|basee a|situe a|situee a|"
    r"originaire de|wohnt in|lebt in|wohnhaft in|ansassig in|standort:?|wohnort:?|aus)"
    r"[ \t]*$"
)


# Streets are often named after cities ("rue Sherbrooke", "Toronto Street", "Berliner Allee"
# is already excluded by the word boundary): a street is not where someone lives.
_STREET_BEFORE_RE = re.compile(
    r"(?:\brue|\bavenue|\bav\.|\bboulevard|\bboul\.|\bblvd\.?|\bchemin|\bch\.|\bmontee"
    r"|\bcote|\bplace|\bpl\.|\broute|\bimpasse|\bquai|\bpont)[ \t]+(?:(?:de|du|des|de la)[ \t]+)?$"
)
_STREET_AFTER_RE = re.compile(
    r"^[ \t]+(?:street|st\.|avenue|ave\.?|road|rd\.?|boulevard|blvd\.?|drive|lane|way|"
    r"parkway|pkwy|highway|hwy|strasse|str\.|allee|platz|weg|damm|chaussee)(?!\w)"
)


def _is_street(text: str, start: int, end: int) -> bool:
    """True when the name at ``text[start:end]`` is part of a street name."""
    return bool(
        _STREET_BEFORE_RE.search(text[max(0, start - 20) : start])
        or _STREET_AFTER_RE.match(text[end : end + 20])
    )


@dataclass(frozen=True, slots=True)
class _Qualifier:
    start: int  # in folded text
    end: int
    regions: tuple[Region, ...]
    country: str | None
    comma: bool  # separated by a comma or bracket, not only by spaces


def location_text_evidence(
    text: str | None, *, where: str = "text", scale: float = 1.0
) -> list[Evidence]:
    """Evidence from place names in ``text``; ``where`` names the field for the detail line.

    ``scale`` multiplies every weight (site address blocks 1.0, loose page text lower).
    Returns an empty list when no known place is named: unknown stays unknown.
    """
    if not text:
        return []
    folded = Folded.of(text[:20000])
    out: list[Evidence] = []
    consumed: list[tuple[int, int]] = []
    pos = 0
    while True:
        m = _NAMES_RE.search(folded.text, pos)
        if m is None:
            break
        pos = m.end()
        entry = _INDEX[m.group(1)]
        if _is_street(folded.text, m.start(), m.end()):
            continue
        found = _resolve(folded, m.start(), m.end(), entry)
        if found is None:
            continue
        code, end, base, how = found
        consumed.append((m.start(), end))
        pos = max(pos, end)
        cue = _cue(folded, m.start())
        weight = base + (CUE_BONUS if cue else 0.0)
        quote = folded.quote(m.start(), end).strip()
        detail = f"{where}: {quote!r} → {display_name(code)} ({how}"
        detail += f", after {cue!r})" if cue else ")"
        out.append(_ev(quote, detail, weight * scale, code))
    out.extend(_unknown_places(folded, consumed, where, scale))
    for m in _COUNTRY_ABBREV_RE.finditer(folded.original):
        code = COUNTRY_ABBREVS[m.group(1)]
        spans = [folded.span(a, b) for a, b in consumed]
        if any(m.start() < b and a < m.end() for a, b in spans):
            continue
        detail = f"{where}: {m.group(1)!r} → {display_name(code)} (country abbreviation)"
        out.append(_ev(m.group(1), detail, WEIGHT_COUNTRY * scale, code))
    return _dedupe(out)


def _resolve(
    folded: Folded, start: int, end: int, entry: _Entry
) -> tuple[str, int, float, str] | None:
    """Decide what one name match points at: (code, end, weight, how) or None to skip."""
    if entry.cities:
        qual = _qualifier(folded, end)
        if qual is not None:
            hit = _with_qualifier(entry.cities, qual)
            if hit is not None:
                code, how = hit
                return code, qual.end, WEIGHT_QUALIFIED_CITY, how
        standalone = [c for c in entry.cities if c.standalone]
        codes = sorted({c.code for c in standalone})
        if len(codes) == 1:
            return codes[0], end, WEIGHT_CITY, "bundled gazetteer"
        if len(codes) > 1:
            return codes[0], end, WEIGHT_AMBIGUOUS, f"ambiguous name, also {', '.join(codes[1:])}"
        if not entry.regions and entry.country is None:
            return None
    if entry.regions:
        free = [
            r
            for r in entry.regions
            if r.free_text and fold(folded.text[start:end]) in {fold(n) for n in r.names}
        ]
        if len(free) == 1:
            return free[0].code, end, WEIGHT_REGION, "province/state name"
        before = folded.original[: folded.span(start, end)[0]]
        if len(entry.regions) == 1 and _PRECEDING_PLACE_RE.search(before):
            return entry.regions[0].code, end, WEIGHT_QUALIFIED_PLACE, "place, region"
    if entry.country is not None and COUNTRY_BY_CODE[entry.country].free_text:
        return entry.country, end, WEIGHT_COUNTRY, "country name"
    return None


def _qualifier(folded: Folded, end: int) -> _Qualifier | None:
    """A region or country named right after a place (``, QC``, `` (Québec)``, ``, Canada``)."""
    orig_end = folded.span(0, end)[1] if end else 0
    m = _ABBREV_QUAL_RE.match(folded.original, orig_end)
    if m is not None:
        q = m.group("q")
        regions = tuple(regions_by_abbrev(q))
        country = COUNTRY_ABBREVS.get(q) or (q if q in _COUNTRY_CODES else None)
        f_end = _folded_index(folded, m.end())
        return _Qualifier(
            end, f_end, regions, country, "," in m.group("sep") or "(" in m.group("sep")
        )
    m = _NAME_QUAL_RE.match(folded.text, end)
    if m is not None:
        e = _INDEX[m.group("q")]
        if e.regions or e.country:
            sep = m.group("sep")
            return _Qualifier(end, m.end(), tuple(e.regions), e.country, "," in sep or "(" in sep)
    return None


def _with_qualifier(cities: list[City], qual: _Qualifier) -> tuple[str, str] | None:
    """The code a qualified city points at, and how it was decided."""
    region_codes = {r.code for r in qual.regions}
    if qual.country is not None:
        # "Berlin, DE" and "Toronto, CA": a country code that is also a state abbreviation.
        same_country = [c for c in cities if c.country == qual.country]
        if same_country:
            return same_country[0].code, "gazetteer city, country confirmed"
    consistent = [c for c in cities if c.code in region_codes]
    if consistent:
        return consistent[0].code, "gazetteer city confirmed by its region"
    if qual.comma and len(region_codes) == 1:
        code = next(iter(region_codes))
        return code, f"region qualifier overrides gazetteer ({cities[0].code})"
    if qual.comma and qual.country is not None and not region_codes:
        return qual.country, "country qualifier"
    return None


def _unknown_places(
    folded: Folded, consumed: list[tuple[int, int]], where: str, scale: float
) -> list[Evidence]:
    """Places the gazetteer lacks, written ``Name, ST`` with a province/state abbreviation."""
    spans = [folded.span(a, b) for a, b in consumed]
    out = []
    for m in _UNKNOWN_PLACE_RE.finditer(folded.original):
        if any(m.start() < b and a < m.end() for a, b in spans):
            continue
        regions = regions_by_abbrev(m.group("q"))
        if len(regions) != 1:
            continue
        code = regions[0].code
        quote = m.group(0)
        cue = _cue(folded, _folded_index(folded, m.start()))
        weight = WEIGHT_QUALIFIED_PLACE + (CUE_BONUS if cue else 0.0)
        detail = f"{where}: {quote!r} → {display_name(code)} (place with region abbreviation"
        detail += f", after {cue!r})" if cue else ")"
        out.append(_ev(quote, detail, weight * scale, code))
    return out


def _folded_index(folded: Folded, orig_index: int) -> int:
    """The first folded position whose origin is at or after ``orig_index``."""
    return bisect_left(folded.origin, orig_index)


def _cue(folded: Folded, start: int) -> str | None:
    m = _CUE_RE.search(folded.text[max(0, start - 30) : start])
    if m is None:
        return None
    a = max(0, start - 30) + m.start(1)
    return folded.quote(a, a + len(m.group(1)))


def _ev(value: str, detail: str, weight: float, code: str) -> Evidence:
    return Evidence(EvidenceSource.LOCATION_TEXT, value, detail, round(min(weight, 0.95), 3), code)


def _dedupe(items: list[Evidence]) -> list[Evidence]:
    seen: set[tuple[str | None, str]] = set()
    out = []
    for e in items:
        key = (e.code, e.value.casefold())
        if key not in seen:
            seen.add(key)
            out.append(e)
    return out
