"""Read camera, date, authorship and GPS facts from EXIF, never producing NaN or raising.

GPS rationals are checked one by one: a 0/0 rational (NaN), a count other than 1..3, a
degree value out of range or a missing/garbled hemisphere reference makes the position
``None`` with a reason, because a wrong location is worse than none for jurisdiction inference.
"""

from __future__ import annotations

import math
from typing import Any

from PIL import Image

from provenance.media._text import TextLog
from provenance.media.facts import ExifFacts, GpsFacts
from provenance.observation import Status

_IFD_EXIF = 0x8769
_IFD_GPS = 0x8825
_TAGS_IFD0 = {
    "make": 0x010F,
    "model": 0x0110,
    "software": 0x0131,
    "image_description": 0x010E,
    "artist": 0x013B,
    "copyright": 0x8298,
}
_DATETIME_ORIGINAL = 0x9003
_DATETIME = 0x0132
_ORIENTATION = 0x0112


def _number(value: Any) -> float | None:
    try:
        number = float(value)
    except (TypeError, ValueError, ZeroDivisionError, OverflowError):
        return None
    return number if math.isfinite(number) else None


def _ref(value: Any) -> str | None:
    if isinstance(value, bytes):
        value = value.decode("latin-1", errors="replace")
    if not isinstance(value, str):
        return None
    value = value.strip("\x00 ").upper()
    return value[:1] if value[:1] in ("N", "S", "E", "W") else None


def _degrees(value: Any) -> float | None:
    if not isinstance(value, tuple | list) or not 1 <= len(value) <= 3:
        return None
    parts = [_number(v) for v in value]
    if any(p is None or p < 0 for p in parts):
        return None
    weights = (1.0, 60.0, 3600.0)
    return sum(p / w for p, w in zip(parts, weights, strict=False) if p is not None)


def read_gps(gps: dict[int, Any]) -> GpsFacts:
    """Decimal degrees and altitude from a GPS IFD mapping (tag number -> Pillow value)."""
    lat = _degrees(gps.get(2))
    lon = _degrees(gps.get(4))
    lat_ref = _ref(gps.get(1))
    lon_ref = _ref(gps.get(3))
    reason = None
    if lat is None or lon is None:
        reason = "GPSLatitude/GPSLongitude missing or not valid rationals"
    elif lat_ref not in ("N", "S") or lon_ref not in ("E", "W"):
        reason = "GPSLatitudeRef/GPSLongitudeRef missing or invalid"
    elif lat > 90 or lon > 180:
        reason = "coordinates out of range"
    if reason is not None or lat is None or lon is None:
        lat = lon = None
    else:
        lat = -lat if lat_ref == "S" else lat
        lon = -lon if lon_ref == "W" else lon
    alt = _number(gps.get(6))
    if alt is not None:
        alt_ref = gps.get(5)
        below = alt_ref in (1, b"\x01") or (isinstance(alt_ref, bytes) and alt_ref[:1] == b"\x01")
        alt = -alt if below else alt
    return GpsFacts(lat=lat, lon=lon, alt=alt, reason=reason)


def read_exif(im: Image.Image, log: TextLog) -> ExifFacts:
    """EXIF facts from an opened (not necessarily decoded) Pillow image."""
    try:
        exif = im.getexif()
    except Exception as err:  # Pillow raises OSError/ValueError/struct.error on hostile EXIF
        return ExifFacts(status=Status.UNPARSEABLE, reason=f"EXIF unreadable: {err}")
    raw_present = bool(im.info.get("exif"))
    if not len(exif):
        if raw_present:
            return ExifFacts(status=Status.UNPARSEABLE, reason="EXIF block present but no tags")
        return ExifFacts(status=Status.ABSENT, reason="no EXIF")
    reasons: list[str] = []
    try:
        sub = dict(exif.get_ifd(_IFD_EXIF))
    except Exception as err:  # a broken Exif IFD pointer must not hide IFD0
        sub = {}
        reasons.append(f"Exif IFD unreadable: {err}")
    gps_facts = None
    if _IFD_GPS in exif:
        try:
            gps_facts = read_gps(dict(exif.get_ifd(_IFD_GPS)))
        except Exception as err:  # same: a broken GPS IFD gives "no location"
            gps_facts = GpsFacts(reason=f"GPS IFD unreadable: {err}")
    values = {name: log.take(f"exif.{name}", exif.get(tag)) for name, tag in _TAGS_IFD0.items()}
    original = sub.get(_DATETIME_ORIGINAL) or exif.get(_DATETIME)
    orientation = exif.get(_ORIENTATION)
    return ExifFacts(
        status=Status.OK,
        reason="; ".join(reasons) or None,
        datetime_original=log.take("exif.datetime_original", original),
        orientation=orientation if isinstance(orientation, int) and 1 <= orientation <= 8 else None,
        gps=gps_facts,
        **values,
    )
