"""EXIF GPS fixtures give the coordinates exif-gps/SOURCES.md lists, and no NaN ever."""

from __future__ import annotations

import io
import json
import math
from collections.abc import Callable

import pytest
from PIL import Image

from provenance.media import analyze
from provenance.observation import Status

Read = Callable[[str], bytes]


@pytest.mark.parametrize(
    ("name", "make", "model", "lat", "lon"),
    [
        ("Apple.jpg", "Apple", "iPhone 7", 53.3828472, -1.4566778),
        ("GPS.jpg", "FUJIFILM", "FinePixS1Pro", 54.9896667, -1.9141667),
        ("GoPro.jpg", "GoPro", "HERO6 Black", 40.6584192, -73.9933543),
        ("Google.jpg", "Google", "Pixel 8 Pro", 40.4000694, -3.7146472),
        ("Ricoh2.jpg", "RICOH", "Caplio Pro G3", 42.034575, -0.5075028),
        ("DSCN0010.jpg", "NIKON", "COOLPIX P6000", 43.4674483, 11.8851267),
        ("DSCN0042.jpg", "NIKON", "COOLPIX P6000", 43.464455, 11.8814783),
    ],
)
def test_coordinates(
    fixture_bytes: Read, name: str, make: str, model: str, lat: float, lon: float
) -> None:
    facts = analyze(fixture_bytes(f"exif-gps/{name}"))
    exif = facts.exif
    assert exif.status is Status.OK
    assert exif.make == make
    assert exif.model == model
    assert exif.gps is not None
    assert exif.gps.lat == pytest.approx(lat, abs=1e-5)
    assert exif.gps.lon == pytest.approx(lon, abs=1e-5)


@pytest.mark.parametrize(
    ("name", "alt"), [("Apple.jpg", 72.37), ("Google.jpg", 634.0), ("Ricoh2.jpg", 117.0)]
)
def test_altitude(fixture_bytes: Read, name: str, alt: float) -> None:
    gps = analyze(fixture_bytes(f"exif-gps/{name}")).exif.gps
    assert gps is not None
    assert gps.alt == pytest.approx(alt, abs=0.01)


@pytest.mark.parametrize("name", ["InfiRay.jpg", "exif_gps.jpg", "empty_gps_ifd.jpg"])
def test_malformed_gps_gives_no_location(fixture_bytes: Read, name: str) -> None:
    facts = analyze(fixture_bytes(f"exif-gps/{name}"))
    assert facts.status is Status.OK
    gps = facts.exif.gps
    assert gps is not None
    assert gps.lat is None
    assert gps.lon is None
    assert gps.reason
    # NaN would survive to_dict and break strict JSON consumers.
    text = json.dumps(facts.to_dict(), allow_nan=False)
    assert "NaN" not in text
    for value in (gps.alt,):
        assert value is None or math.isfinite(value)


def test_infiray_make_model_still_read(fixture_bytes: Read) -> None:
    exif = analyze(fixture_bytes("exif-gps/InfiRay.jpg")).exif
    assert exif.make == "Infisense"
    assert exif.model == "P2_USB_IR"


def test_google_extended_xmp_is_reassembled(fixture_bytes: Read) -> None:
    data = fixture_bytes("exif-gps/Google.jpg")
    xmp = analyze(data).xmp
    main_packet = Image.open(io.BytesIO(data)).info["xmp"]
    assert xmp.status is Status.OK
    assert xmp.extended is True
    assert xmp.extended_reason is None  # reassembled and its MD5 matches the GUID
    assert xmp.packet_size > len(main_packet)
