"""IPTC/XMP location fields in an image → evidence about where it was taken or what it shows.

Accepts the fields as a flat mapping with or without namespace prefixes
(``photoshop:City``, ``City``, ``Iptc4xmpCore:CountryCode``) or with nested IPTC Extension
structures (``Iptc4xmpExt:LocationCreated`` / ``LocationShown``, each a dict or a list of
dicts with ``City``, ``ProvinceState``, ``CountryName``, ``CountryCode``). These fields are
authored (often by agencies), so they weigh less than a GPS fix.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from provenance.jurisdiction._regions import country_code, display_name, region_code
from provenance.jurisdiction.model import Evidence, EvidenceSource
from provenance.jurisdiction.places import location_text_evidence

WEIGHT_STATE = 0.6
WEIGHT_COUNTRY = 0.55
WEIGHT_CITY = 0.55

_CITY = ("city",)
_STATE = ("state", "provincestate", "province")
_COUNTRY_NAME = ("country", "countryname")
_COUNTRY_CODE = ("countrycode",)
_NESTED = ("locationcreated", "locationshown")


def xmp_location_evidence(fields: Mapping[str, Any] | None) -> list[Evidence]:
    """Evidence from one image's location fields; empty when none is present or readable."""
    if not isinstance(fields, Mapping):
        return []
    out: list[Evidence] = []
    groups: list[tuple[str, Mapping[str, Any]]] = [("XMP", fields)]
    for key, value in fields.items():
        if _local(key) in _NESTED:
            items = value if isinstance(value, Sequence) and not isinstance(value, str) else [value]
            groups += [(f"XMP {_local_name(key)}", v) for v in items if isinstance(v, Mapping)]
    for label, group in groups:
        out += _group_evidence(label, group)
    seen: set[tuple[str | None, str]] = set()
    unique = []
    for e in out:
        if (e.code, e.value) not in seen:
            seen.add((e.code, e.value))
            unique.append(e)
    return unique


def _group_evidence(label: str, group: Mapping[str, Any]) -> list[Evidence]:
    city = _field(group, _CITY)
    state = _field(group, _STATE)
    cname = _field(group, _COUNTRY_NAME)
    ccode = _field(group, _COUNTRY_CODE)
    country = (country_code(ccode) if ccode else None) or (country_code(cname) if cname else None)
    out: list[Evidence] = []
    value = ", ".join(p for p in (city, state, cname or ccode) if p)
    if state:
        code = region_code(state, country)
        if code is not None:
            detail = f"{label} State {state!r} → {display_name(code)}"
            out.append(_ev(value, detail, WEIGHT_STATE, code))
    if country is not None:
        detail = f"{label} Country {cname or ccode!r} → {display_name(country)}"
        out.append(_ev(value, detail, WEIGHT_COUNTRY, country))
    if city:
        for e in location_text_evidence(city, where=f"{label} City"):
            if country is None or e.code is None or e.code.startswith(country):
                out.append(_ev(e.value, e.detail, WEIGHT_CITY, e.code or ""))
    return [e for e in out if e.code]


def _local(key: str) -> str:
    return _local_name(key).lower()


def _local_name(key: str) -> str:
    return key.rsplit(":", 1)[-1].rsplit("}", 1)[-1]


def _field(group: Mapping[str, Any], names: tuple[str, ...]) -> str | None:
    for key, value in group.items():
        if _local(key) in names:
            if isinstance(value, str) and value.strip():
                return value.strip()
            if isinstance(value, Sequence) and value and isinstance(value[0], str):
                return value[0].strip() or None
    return None


def _ev(value: str, detail: str, weight: float, code: str) -> Evidence:
    return Evidence(EvidenceSource.XMP_LOCATION, value, detail, weight, code)
