"""Shared fixtures: the reverse geocoder is loaded once for the whole session."""

from __future__ import annotations

from pathlib import Path

import pytest

from provenance.jurisdiction import gps

FIXTURES = Path(__file__).resolve().parents[2] / ".." / "shared" / "fixtures"


@pytest.fixture(scope="session")
def geocoder() -> None:
    """Build reverse_geocoder's k-d tree once (about half a second) for every GPS test."""
    assert gps.resolve(45.5, -73.56) is not None


@pytest.fixture(scope="session")
def exif_gps_dir() -> Path:
    """/work/shared/fixtures/exif-gps, or a skip when the shared fixtures are not there."""
    path = FIXTURES / "exif-gps"
    if not path.is_dir():
        pytest.skip(f"shared fixtures not present at {path}")
    return path
