"""Geo meta tags (``geo.region``, ``geo.position``, ``ICBM``, ``geo.placename``) → evidence.

These are authored by the site for search engines and directories: ``geo.region`` already
holds an ISO 3166-2 code, the two position tags hold ``lat;lon`` or ``lat, lon`` and are
resolved offline, and ``geo.placename`` is read with the gazetteer.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from provenance.jurisdiction._regions import country_code, display_name, region_code
from provenance.jurisdiction.gps import gps_evidence
from provenance.jurisdiction.model import Evidence, EvidenceSource
from provenance.jurisdiction.places import location_text_evidence

WEIGHT_REGION = 0.6
WEIGHT_POSITION = 0.55
WEIGHT_PLACENAME = 0.45
_POSITION_RE = re.compile(r"^\s*([-+]?\d{1,3}(?:\.\d+)?)\s*[;,\s]\s*([-+]?\d{1,3}(?:\.\d+)?)\s*$")


def geo_meta_evidence(meta: Mapping[str, str]) -> list[Evidence]:
    """Evidence from ``<meta name=... content=...>`` pairs (names matched case-insensitively)."""
    tags = {k.strip().lower(): v for k, v in meta.items() if isinstance(v, str)}
    out: list[Evidence] = []
    region = tags.get("geo.region", "").strip()
    if region:
        # The tag holds ISO 3166 codes: two letters are a country ("DE"), not Delaware.
        code = country_code(region) if len(region) == 2 else region_code(region)
        if code is not None:
            detail = f"<meta name=geo.region content={region!r}> → {display_name(code)}"
            out.append(Evidence(EvidenceSource.GEO_META, region, detail, WEIGHT_REGION, code))
    for name in ("geo.position", "icbm"):
        raw = tags.get(name, "")
        m = _POSITION_RE.match(raw)
        if m is None:
            continue
        for e in gps_evidence(m.group(1), m.group(2), where=f"<meta name={name}>"):
            w = min(e.weight, WEIGHT_POSITION)
            out.append(Evidence(EvidenceSource.GEO_META, raw.strip(), e.detail, w, e.code))
    placename = tags.get("geo.placename", "").strip()
    if placename:
        for e in location_text_evidence(placename, where="<meta name=geo.placename>"):
            w = max(e.weight, WEIGHT_PLACENAME)
            out.append(Evidence(EvidenceSource.GEO_META, e.value, e.detail, w, e.code))
    return out
