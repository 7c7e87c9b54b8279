"""Geo meta tags: geo.region codes, positions resolved offline, place names."""

from __future__ import annotations

import pytest

from provenance.jurisdiction import EvidenceSource, geo_meta_evidence


@pytest.mark.usefixtures("geocoder")
def test_all_four_tags() -> None:
    ev = geo_meta_evidence(
        {
            "geo.region": "CA-QC",
            "geo.position": "45.5017;-73.5673",
            "ICBM": "45.5017, -73.5673",
            "geo.placename": "Montréal",
        }
    )
    assert {e.source for e in ev} == {EvidenceSource.GEO_META}
    assert [e.code for e in ev] == ["CA-QC"] * 4
    assert any("Montreal" in e.detail for e in ev)


def test_region_may_be_a_country() -> None:
    assert [e.code for e in geo_meta_evidence({"geo.region": "de"})] == ["DE"]


@pytest.mark.usefixtures("geocoder")
def test_junk_positions_give_nothing() -> None:
    assert geo_meta_evidence({"geo.position": "nan;nan", "icbm": "north", "geo.region": ""}) == []
