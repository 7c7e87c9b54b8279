"""GPS coordinates → the place they fall in, offline, with ``reverse_geocoder``.

reverse_geocoder ships GeoNames' places of more than 1,000 inhabitants and finds the nearest
one with a k-d tree. It is loaded lazily, once per process, in single-process mode (mode 1:
no multiprocessing pool inside a crawler) and quietly (``verbose=False``: it would print to
stdout). The nearest place's admin1 name maps to an ISO 3166-2 code where the bundled
tables know it (CA, US, DE, GB, IT, AU); elsewhere the country code is used.

Coordinates that are not finite, out of range, or exactly 0,0 (an unset fix written as
zeros) give no evidence. A fix far from any known place (open sea) is kept at lower weight
and says how far the nearest place is.
"""

from __future__ import annotations

import math
import threading
from typing import Any

from provenance.jurisdiction._regions import COUNTRY_BY_CODE, admin1_code
from provenance.jurisdiction.model import Evidence, EvidenceSource

WEIGHT_NEAR = 0.85  # within 50 km of a known place
WEIGHT_FAR = 0.5  # 50-300 km: offshore or remote, the country is still likely
WEIGHT_REMOTE = 0.2  # beyond 300 km: the nearest place says little

_lock = threading.Lock()
_geocoder: Any = None


def _rg() -> Any:
    global _geocoder
    with _lock:
        if _geocoder is None:
            import reverse_geocoder

            _geocoder = reverse_geocoder.RGeocoder(mode=1, verbose=False)
        return _geocoder


def valid_coordinates(lat: Any, lon: Any) -> tuple[float, float] | None:
    """(lat, lon) as finite floats in range, or None (NaN, inf, out of range, 0,0, junk)."""
    try:
        la = float(lat)
        lo = float(lon)
    except (TypeError, ValueError, OverflowError):
        return None
    if not (math.isfinite(la) and math.isfinite(lo)):
        return None
    if not (-90.0 <= la <= 90.0 and -180.0 <= lo <= 180.0):
        return None
    if la == 0.0 and lo == 0.0:
        return None
    return la, lo


def resolve(lat: float, lon: float) -> dict[str, str] | None:
    """The nearest bundled place to valid coordinates (name, admin1, admin2, cc, lat, lon)."""
    point = valid_coordinates(lat, lon)
    if point is None:
        return None
    result = _rg().query([point])
    return dict(result[0]) if result else None


def gps_evidence(
    lat: Any,
    lon: Any,
    *,
    source: EvidenceSource = EvidenceSource.EXIF_GPS,
    where: str = "EXIF GPS",
) -> list[Evidence]:
    """One evidence item for a GPS fix, pointing at the subdivision (or country) it lies in."""
    point = valid_coordinates(lat, lon)
    if point is None:
        return []
    place = resolve(*point)
    if place is None:
        return []
    cc = place.get("cc", "")
    if len(cc) != 2:
        return []
    admin1 = place.get("admin1", "")
    code = admin1_code(cc, admin1) or cc
    km = _haversine_km(point, (float(place["lat"]), float(place["lon"])))
    weight = WEIGHT_NEAR if km <= 50 else WEIGHT_FAR if km <= 300 else WEIGHT_REMOTE
    country = COUNTRY_BY_CODE[cc].name if cc in COUNTRY_BY_CODE else cc
    label = ", ".join(p for p in (place.get("name"), admin1, country) if p)
    value = f"{point[0]:.7f},{point[1]:.7f}"
    detail = f"{where} {value} → nearest place {label} ({km:.0f} km) → {code}"
    if km > 50:
        detail += "; far from any bundled place, weight lowered"
    return [Evidence(source, value, detail, weight, code)]


def _haversine_km(a: tuple[float, float], b: tuple[float, float]) -> float:
    lat1, lon1, lat2, lon2 = map(math.radians, (*a, *b))
    h = (
        math.sin((lat2 - lat1) / 2) ** 2
        + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    )
    return 2 * 6371.0 * math.asin(min(1.0, math.sqrt(h)))
