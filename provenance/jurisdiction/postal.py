"""Postal codes in address text, and schema.org ``PostalAddress`` in JSON-LD → evidence.

Three formats are read, each strict enough not to fire on ordinary numbers:
- Canadian ``A1A 1A1`` (uppercase, the letters Canada Post uses); the first letter gives the
  province (H = Quebec, T = Alberta, V = British Columbia, K/L/M/N/P = Ontario...);
- US ZIP only after a state (``IL 60602``, ``Illinois 60602-1234``), and only when the ZIP's
  first three digits fall in that state's range, so ``DE 10115`` is not Delaware;
- German five-digit PLZ only before a known German city (``10115 Berlin``), after a ``D-`` or
  ``DE-`` prefix, or when the same text names Germany: a bare five-digit number is not an
  address.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from provenance.jurisdiction._fold import fold
from provenance.jurisdiction._gazetteer import CITIES, City
from provenance.jurisdiction._regions import (
    UNITED_STATES,
    country_code,
    display_name,
    region_code,
)
from provenance.jurisdiction.model import Evidence, EvidenceSource
from provenance.jurisdiction.places import location_text_evidence

WEIGHT_POSTAL = 0.75  # a well-formed postal code in an address block
WEIGHT_JSON_LD = 0.85  # structured address published by the site itself
WEIGHT_JSON_LD_LOCALITY = 0.6  # only a city in addressLocality

_CA_PREFIX = {
    "A": "CA-NL",
    "B": "CA-NS",
    "C": "CA-PE",
    "E": "CA-NB",
    "G": "CA-QC",
    "H": "CA-QC",
    "J": "CA-QC",
    "K": "CA-ON",
    "L": "CA-ON",
    "M": "CA-ON",
    "N": "CA-ON",
    "P": "CA-ON",
    "R": "CA-MB",
    "S": "CA-SK",
    "T": "CA-AB",
    "V": "CA-BC",
    "X": "CA-NT",  # X0A, X0B, X0C are Nunavut; see _ca_code
    "Y": "CA-YT",
}
_CA_RE = re.compile(
    r"(?<![A-Za-z0-9])([ABCEGHJ-NPRSTVXY]\d[ABCEGHJ-NPRSTV-Z])[ \-]?(\d[ABCEGHJ-NPRSTV-Z]\d)"
    r"(?![A-Za-z0-9])"
)

# First three ZIP digits per state (USPS), used only to reject impossible state/ZIP pairs.
_ZIP3: dict[str, tuple[tuple[int, int], ...]] = {
    "US-AL": ((350, 369),),
    "US-AK": ((995, 999),),
    "US-AZ": ((850, 865),),
    "US-AR": ((716, 729), (755, 755)),
    "US-CA": ((900, 961),),
    "US-CO": ((800, 816),),
    "US-CT": ((60, 69),),
    "US-DE": ((197, 199),),
    "US-DC": ((200, 205), (569, 569)),
    "US-FL": ((320, 349),),
    "US-GA": ((300, 319), (398, 399)),
    "US-HI": ((967, 968),),
    "US-ID": ((832, 838),),
    "US-IL": ((600, 629),),
    "US-IN": ((460, 479),),
    "US-IA": ((500, 528),),
    "US-KS": ((660, 679),),
    "US-KY": ((400, 427),),
    "US-LA": ((700, 714),),
    "US-ME": ((39, 49),),
    "US-MD": ((206, 219),),
    "US-MA": ((10, 27), (55, 55)),
    "US-MI": ((480, 499),),
    "US-MN": ((550, 567),),
    "US-MS": ((386, 397),),
    "US-MO": ((630, 658),),
    "US-MT": ((590, 599),),
    "US-NE": ((680, 693),),
    "US-NV": ((889, 898),),
    "US-NH": ((30, 38),),
    "US-NJ": ((70, 89),),
    "US-NM": ((870, 884),),
    "US-NY": ((5, 5), (63, 63), (100, 149)),
    "US-NC": ((270, 289),),
    "US-ND": ((580, 588),),
    "US-OH": ((430, 459),),
    "US-OK": ((730, 749),),
    "US-OR": ((970, 979),),
    "US-PA": ((150, 196),),
    "US-RI": ((28, 29),),
    "US-SC": ((290, 299),),
    "US-SD": ((570, 577),),
    "US-TN": ((370, 385),),
    "US-TX": ((733, 733), (750, 799), (885, 885)),
    "US-UT": ((840, 847),),
    "US-VT": ((50, 59),),
    "US-VA": ((201, 201), (220, 246)),
    "US-WA": ((980, 994),),
    "US-WV": ((247, 268),),
    "US-WI": ((530, 549),),
    "US-WY": ((820, 831),),
    "US-PR": ((6, 9),),
}
_STATE_TOKENS = sorted(
    {a for r in UNITED_STATES for a in r.abbrevs if re.fullmatch(r"[A-Z]{2}", a)}
    | {n for r in UNITED_STATES for n in (*r.names, *r.qualifier_names) if "," not in n},
    key=lambda t: (-len(t), t),
)
_US_RE = re.compile(
    r"(?<![\w])(?P<state>" + "|".join(re.escape(t) for t in _STATE_TOKENS) + r")\.?,?[ \t]+"
    r"(?P<zip>\d{5})(?:-\d{4})?(?![\d\-])"
)
_DE_RE = re.compile(
    r"(?<![\w\-])(?:(?P<prefix>D|DE)-)?(?P<plz>\d{5})[ \t]+"
    r"(?P<city>[A-ZÄÖÜ][a-zäöüß]+(?:[ \-](?:[A-ZÄÖÜ][a-zäöüß]+|am|an|der|im|\([A-Za-zäöü]+\)))*)"
)
_GERMANY_RE = re.compile(r"\b(Deutschland|Germany|Allemagne|Bundesrepublik)\b", re.IGNORECASE)
_DE_CITIES: dict[str, City] = {
    fold(name): city for city in CITIES if city.country == "DE" for name in city.names
}


def postal_evidence(
    text: str | None, *, where: str = "address", scale: float = 1.0
) -> list[Evidence]:
    """Evidence from Canadian, US and German postal codes in ``text``.

    ``scale`` multiplies the weights (1.0 in an address block, lower in loose page text).
    """
    if not text:
        return []
    text = text[:50000]
    out: list[Evidence] = []
    for m in _CA_RE.finditer(text):
        code = _ca_code(m.group(1))
        value = f"{m.group(1)} {m.group(2)}"
        detail = (
            f"{where}: Canadian postal code {value}; first letter {m.group(1)[0]} → "
            f"{display_name(code)}"
        )
        out.append(_ev(value, detail, WEIGHT_POSTAL * scale, code))
    us_spans: list[tuple[int, int]] = []
    for m in _US_RE.finditer(text):
        state = region_code(m.group("state"), "US")
        zip3 = int(m.group("zip")[:3])
        if state is None or not any(lo <= zip3 <= hi for lo, hi in _ZIP3.get(state, ())):
            continue
        us_spans.append(m.span())
        value = m.group(0)
        detail = f"{where}: US state and ZIP {value!r} → {display_name(state)} (ZIP range matches)"
        out.append(_ev(value, detail, WEIGHT_POSTAL * scale, state))
    for m in _DE_RE.finditer(text):
        if any(a <= m.start("plz") < b for a, b in us_spans):
            continue
        ev = _de(m, text, where, scale)
        if ev is not None:
            out.append(ev)
    return _dedupe(out)


def _ca_code(fsa: str) -> str:
    if fsa[0] == "X" and fsa[:3] in {"X0A", "X0B", "X0C"}:
        return "CA-NU"
    return _CA_PREFIX[fsa[0]]


def _de(m: re.Match[str], text: str, where: str, scale: float) -> Evidence | None:
    words = m.group("city").split()
    city: City | None = None
    while words and city is None:
        city = _DE_CITIES.get(fold(" ".join(words)))
        if city is None:
            words = words[:-1]
    plz = m.group("plz")
    if city is not None:
        value = f"{plz} {' '.join(words)}"
        detail = f"{where}: German PLZ with city {value!r} → {display_name(city.code)}"
        return _ev(value, detail, WEIGHT_POSTAL * scale, city.code)
    if m.group("prefix") or _GERMANY_RE.search(text):
        value = m.group(0)
        why = "D-/DE- prefix" if m.group("prefix") else "text names Germany"
        detail = f"{where}: German PLZ {value!r} ({why}); city not in the bundled gazetteer"
        return _ev(value, detail, WEIGHT_POSTAL * 0.8 * scale, "DE")
    return None


def json_ld_address_evidence(json_ld: Any, *, scope: str = "site") -> list[Evidence]:
    """Evidence from schema.org ``PostalAddress`` objects (and ``GeoCoordinates``) in JSON-LD.

    ``json_ld`` is what extruct or ``json.loads`` produced: a dict, a list, ``@graph``
    nesting, all accepted. With ``scope="site"`` the addresses of ``Person`` objects are left
    out (they describe a subject, not the operator); with ``scope="subject"`` only theirs are
    kept. Malformed values are skipped, never raised on.
    """
    out: list[Evidence] = []
    for owner, address in _addresses(json_ld, owner=None, depth=0):
        is_person = owner is not None and "person" in owner.casefold()
        if (scope == "site") == is_person:
            continue
        out.extend(_address_evidence(owner, address))
    return _dedupe(out)


def json_ld_geo(json_ld: Any) -> list[tuple[float, float, str]]:
    """Every ``GeoCoordinates`` (latitude, longitude, owner type) found in JSON-LD."""
    found: list[tuple[float, float, str]] = []
    for owner, node in _walk(json_ld, None, 0):
        if "geocoordinates" in _types(node) or ("latitude" in node and "longitude" in node):
            try:
                lat = float(node["latitude"])
                lon = float(node["longitude"])
            except (KeyError, TypeError, ValueError, OverflowError):
                continue
            found.append((lat, lon, owner or "?"))
    return found


def _types(node: Mapping[str, Any]) -> set[str]:
    raw = node.get("@type")
    values = raw if isinstance(raw, list) else [raw]
    return {str(v).rsplit("/", 1)[-1].casefold() for v in values if isinstance(v, str)}


def _walk(
    node: Any, owner: str | None, depth: int
) -> Iterator[tuple[str | None, Mapping[str, Any]]]:
    """Every JSON object in ``node`` with the @type of its nearest typed ancestor."""
    if depth > 20:
        return
    if isinstance(node, Mapping):
        types = _types(node)
        yield owner, node
        here = ",".join(sorted(types)) if types else owner
        for value in node.values():
            yield from _walk(value, here, depth + 1)
    elif isinstance(node, Sequence) and not isinstance(node, (str, bytes)):
        for item in node:
            yield from _walk(item, owner, depth + 1)


def _addresses(node: Any, owner: str | None, depth: int) -> Iterator[tuple[str | None, Any]]:
    for parent, obj in _walk(node, owner, depth):
        types = _types(obj)
        if "postaladdress" in types:
            yield parent, obj
        addr = obj.get("address")
        if isinstance(addr, str):
            yield ",".join(sorted(types)) or parent, addr


def _address_evidence(owner: str | None, address: Any) -> list[Evidence]:
    who = owner or "untyped object"
    if isinstance(address, str):
        where = f"JSON-LD {who} address"
        found = postal_evidence(address, where=where) + location_text_evidence(address, where=where)
        return [_retag(e) for e in found]
    out: list[Evidence] = []
    country_raw = _text(address.get("addressCountry"))
    region_raw = _text(address.get("addressRegion"))
    locality = _text(address.get("addressLocality"))
    postal = _text(address.get("postalCode"))
    country = country_code(country_raw) if country_raw else None
    region = region_code(region_raw, country) if region_raw else None
    if region is not None and country is not None and not region.startswith(country + "-"):
        region = None
    parts = [p for p in (locality, region_raw, postal, country_raw) if p]
    value = ", ".join(parts)
    if region is not None:
        detail = (
            f"JSON-LD {who} PostalAddress addressRegion {region_raw!r}"
            + (f", addressCountry {country_raw!r}" if country_raw else "")
            + f" → {display_name(region)}"
        )
        out.append(_ev(value, detail, WEIGHT_JSON_LD, region, EvidenceSource.JSON_LD_ADDRESS))
    elif country is not None:
        detail = f"JSON-LD {who} PostalAddress addressCountry {country_raw!r} → {country}"
        out.append(_ev(value, detail, WEIGHT_JSON_LD, country, EvidenceSource.JSON_LD_ADDRESS))
    if postal:
        for e in postal_evidence(f"{region_raw or ''} {postal} {locality or ''}".strip()):
            out.append(_retag(e, f"JSON-LD {who} postalCode"))
    if locality and region is None:
        for e in location_text_evidence(locality, where=f"JSON-LD {who} addressLocality"):
            if country is None or e.code is None or e.code.startswith(country):
                out.append(
                    Evidence(
                        EvidenceSource.JSON_LD_ADDRESS,
                        e.value,
                        e.detail,
                        WEIGHT_JSON_LD_LOCALITY,
                        e.code,
                    )
                )
    return out


def _retag(e: Evidence, where: str | None = None) -> Evidence:
    detail = e.detail if where is None else f"{where}: {e.detail.split(': ', 1)[-1]}"
    return Evidence(EvidenceSource.JSON_LD_ADDRESS, e.value, detail, e.weight, e.code)


def _text(value: Any) -> str | None:
    """A plain string from a JSON-LD value that may be a string, a dict with name, or a list."""
    if isinstance(value, str):
        return value.strip() or None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)
    if isinstance(value, Mapping):
        return _text(value.get("name") or value.get("@value") or value.get("identifier"))
    if isinstance(value, Sequence) and not isinstance(value, (str, bytes)) and value:
        return _text(value[0])
    return None


def _ev(
    value: str,
    detail: str,
    weight: float,
    code: str,
    source: EvidenceSource = EvidenceSource.POSTAL_ADDRESS,
) -> Evidence:
    return Evidence(source, value, detail, round(min(weight, 0.95), 3), code)


def _dedupe(items: list[Evidence]) -> list[Evidence]:
    seen: set[tuple[str, str | None, str]] = set()
    out = []
    for e in items:
        key = (e.source.value, e.code, e.value)
        if key not in seen:
            seen.add(key)
            out.append(e)
    return out
