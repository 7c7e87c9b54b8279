"""GPS evidence: offline reverse geocoding, admin1 → ISO 3166-2, and no NaN ever."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from provenance.jurisdiction import EvidenceSource, gps_evidence, infer_subject, subject_evidence
from provenance.jurisdiction.gps import valid_coordinates

pytestmark = pytest.mark.usefixtures("geocoder")

# (lat, lon, expected code): demo-web places and a few others
CASES = [
    (41.8781, -87.6298, "US-IL"),  # Chicago
    (52.5200, 13.4050, "DE-BE"),  # Berlin
    (45.5017, -73.5673, "CA-QC"),  # Montréal
    (51.0447, -114.0719, "CA-AB"),  # Calgary
    (49.3200, -123.0724, "CA-BC"),  # North Vancouver
    (43.6532, -79.3832, "CA-ON"),  # Toronto
    (47.6062, -122.3321, "US-WA"),  # Seattle
    (30.2672, -97.7431, "US-TX"),  # Austin
    (37.7749, -122.4194, "US-CA"),  # San Francisco
    (48.1351, 11.5820, "DE-BY"),  # Munich
    (-33.8688, 151.2093, "AU-NSW"),  # Sydney
    (48.8566, 2.3522, "FR"),  # Paris: country level (no bundled FR regions)
]


@pytest.mark.parametrize(("lat", "lon", "code"), CASES)
def test_places(lat: float, lon: float, code: str) -> None:
    (e,) = gps_evidence(lat, lon)
    assert e.code == code
    assert e.source is EvidenceSource.EXIF_GPS
    assert e.weight >= 0.8


@pytest.mark.parametrize(
    ("lat", "lon"),
    [
        (float("nan"), 10.0),
        (10.0, float("nan")),
        (float("inf"), 0.0),
        (91.0, 0.0),
        (0.0, 181.0),
        (0.0, 0.0),  # an unset fix written as zeros
        ("north", 1),
        (None, None),
    ],
)
def test_invalid_coordinates_give_nothing(lat: Any, lon: Any) -> None:
    assert valid_coordinates(lat, lon) is None
    assert gps_evidence(lat, lon) == []


def test_open_sea_is_kept_but_weak() -> None:
    (e,) = gps_evidence(30.0, -40.0)  # mid-Atlantic
    assert e.weight < 0.5
    assert "far from any bundled place" in e.detail


def test_evidence_is_nan_free_and_names_the_place() -> None:
    (e,) = gps_evidence(41.8781, -87.6298)
    assert "Chicago" in e.detail
    assert "Illinois" in e.detail
    assert all(math.isfinite(float(x)) for x in e.value.split(","))


def _pillow_gps(path: Path) -> tuple[float, float] | None:
    """Decimal degrees from Pillow's GPS IFD, as the media pipeline would hand them over."""
    with Image.open(path) as im:
        gps = im.getexif().get_ifd(0x8825)
    try:
        lat = _degrees(gps[2], gps[1])
        lon = _degrees(gps[4], gps[3])
    except (KeyError, TypeError, ValueError, ZeroDivisionError, IndexError):
        return None
    return lat, lon


def _degrees(dms: Any, ref: Any) -> float:
    parts = [float(x) for x in dms]
    value = (
        parts[0]
        + (parts[1] / 60 if len(parts) > 1 else 0)
        + (parts[2] / 3600 if len(parts) > 2 else 0)
    )
    ref = ref.decode() if isinstance(ref, bytes) else str(ref)
    return -value if ref.strip("\x00 ").upper() in ("S", "W") else value


@pytest.mark.parametrize("name", ["DSCN0010.jpg", "DSCN0042.jpg"])
def test_dscn_fixtures_resolve_to_tuscany(exif_gps_dir: Path, name: str) -> None:
    point = _pillow_gps(exif_gps_dir / name)
    assert point is not None
    (e,) = gps_evidence(*point)
    assert e.code == "IT-52"
    assert "Tuscany" in e.detail
    assert "Ital" in e.detail
    codes = [c.code for c in infer_subject(subject_evidence(image_exif_gps=point))]
    assert codes[:2] == ["IT", "IT-52"]


def test_apple_fixture_resolves_to_great_britain(exif_gps_dir: Path) -> None:
    point = _pillow_gps(exif_gps_dir / "Apple.jpg")
    assert point is not None
    (e,) = gps_evidence(*point)
    assert e.code is not None
    assert e.code.split("-")[0] == "GB"
    assert "Sheffield" in e.detail


@pytest.mark.parametrize("name", ["InfiRay.jpg", "exif_gps.jpg", "empty_gps_ifd.jpg"])
def test_broken_gps_fixtures_give_no_location(exif_gps_dir: Path, name: str) -> None:
    point = _pillow_gps(exif_gps_dir / name)
    ev = [] if point is None else gps_evidence(*point)
    assert ev == []
