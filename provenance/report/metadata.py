"""An image's embedded metadata (EXIF, GPS, XMP/IPTC, C2PA) as labelled values for a reader.

The records keep metadata as the parsers wrote it (nested dicts, ``None`` for absent values,
decimal degrees); a class or a regulator reads "GPS position: 45.50170° N, 73.56730° W", not
``{'lat': 45.5017, 'lon': -73.5673, 'alt': None}``. Both the HTML and the Markdown report
show metadata through :func:`labelled`, so neither ever prints a Python value: absent values
are left out, booleans read yes/no, nested values are spelled out with their labels.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

# the fields every section carries about itself (shown elsewhere, or noise to a reader)
_SKIP = frozenset({"status", "reason"})

LABELS: dict[str, str] = {
    # EXIF
    "make": "camera make",
    "model": "camera model",
    "datetime_original": "taken at",
    "software": "software",
    "image_description": "description",
    "artist": "artist",
    "copyright": "copyright",
    "orientation": "orientation",
    "gps": "GPS position",
    # XMP / IPTC
    "packet_size": "packet size (bytes)",
    "extended": "Extended XMP",
    "extended_reason": "Extended XMP problem",
    "creator": "creator",
    "rights": "rights",
    "credit": "credit",
    "data_mining": "data mining (plus:DataMining)",
    "data_mining_uri": "data mining, as written",
    "data_mining_evidence": "data mining, the XML",
    "other_constraints": "other constraints",
    "digital_source_type": "digital source type",
    "usage_terms": "usage terms",
    "web_statement": "web statement of rights",
    "city": "city",
    "state": "province or state",
    "country": "country",
    "country_code": "country code",
    "location_created": "location created",
    "location_shown": "location shown",
    "provenance": "provenance (C2PA pointer)",
    # C2PA
    "present": "present",
    "source": "read by",
    "validation_state": "validation state",
    "valid": "valid",
    "validation_codes": "validation codes",
    "active_manifest": "active manifest",
    "claim_generator": "claim generator",
}


def label(key: str) -> str:
    """The reader's name of a metadata field (its own name, spaced, when not listed)."""
    return LABELS.get(key, key.replace("_", " "))


def gps_text(gps: Mapping[str, Any]) -> str:
    """A GPS position as degrees with hemispheres and the altitude, or why it is unusable."""
    lat, lon, alt = gps.get("lat"), gps.get("lon"), gps.get("alt")
    if lat is None or lon is None:
        reason = gps.get("reason") or "no usable coordinates"
        return f"present but unusable ({reason})"
    text = (
        f"{abs(float(lat)):.5f}° {'N' if float(lat) >= 0 else 'S'}, "
        f"{abs(float(lon)):.5f}° {'E' if float(lon) >= 0 else 'W'}"
    )
    if alt is not None:
        text += f", altitude {float(alt):.0f} m"
    return text


def value_text(value: Any) -> str:
    """Any metadata value as plain text: "" for an absent one, never a Python literal."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, Mapping):
        if "lat" in value and "lon" in value:
            return gps_text(value)
        parts = [(label(str(k)), value_text(v)) for k, v in value.items() if k not in _SKIP]
        return ", ".join(f"{k}: {v}" for k, v in parts if v)
    if isinstance(value, list | tuple):
        return "; ".join(t for t in (value_text(v) for v in value) if t)
    return str(value)


def labelled(section: Mapping[str, Any] | None) -> list[tuple[str, str]]:
    """A metadata section's non-empty fields as (label, text) pairs, in the record's order.

    ``False`` flags (``extended: false``) say nothing and are left out, as are empty texts and
    the section's own ``status``/``reason``.
    """
    if not section:
        return []
    out: list[tuple[str, str]] = []
    for key, value in section.items():
        if key in _SKIP or value is False or value in (None, "", [], {}, ()):
            continue
        text = value_text(value)
        if text:
            out.append((label(str(key)), text))
    return out
