"""IPTC/XMP location fields, flat or nested, with or without namespace prefixes."""

from __future__ import annotations

from typing import Any

import pytest

from provenance.jurisdiction import EvidenceSource, xmp_location_evidence


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        # nouvelles-mtl.ca: photoshop:City/State
        ({"photoshop:City": "Montréal", "photoshop:State": "Québec"}, {"CA-QC"}),
        (
            {"photoshop:City": "Montréal", "photoshop:State": "QC", "photoshop:Country": "Canada"},
            {"CA-QC", "CA"},
        ),
        ({"Iptc4xmpCore:CountryCode": "DEU", "photoshop:City": "Berlin"}, {"DE", "DE-BE"}),
        (
            {
                "Iptc4xmpExt:LocationCreated": [
                    {"City": "Chicago", "ProvinceState": "IL", "CountryCode": "US"}
                ]
            },
            {"US-IL", "US"},
        ),
        ({"LocationShown": {"CountryName": "Italy", "ProvinceState": "Tuscany"}}, {"IT-52", "IT"}),
        ({"City": "Paris", "CountryCode": "CA"}, {"CA"}),  # a city that contradicts the country
        ({"photoshop:City": "Nowhereville"}, set()),
        ({}, set()),
    ],
)
def test_xmp(fields: dict[str, Any], expected: set[str]) -> None:
    ev = xmp_location_evidence(fields)
    assert {e.code for e in ev} == expected
    assert all(e.source is EvidenceSource.XMP_LOCATION for e in ev)


@pytest.mark.parametrize("junk", [None, "Montréal", 5, {"photoshop:City": 5}, {"City": [None]}])
def test_junk(junk: Any) -> None:
    assert xmp_location_evidence(junk) == []
