"""Postal codes (CA, US, DE) and schema.org PostalAddress in JSON-LD."""

from __future__ import annotations

from typing import Any

import pytest

from provenance.jurisdiction import EvidenceSource, json_ld_address_evidence, postal_evidence


def codes(text: str) -> list[str | None]:
    return [e.code for e in postal_evidence(text)]


# (address text, expected codes): a commented case table
CASES = [
    ("100 King St W, Toronto, ON M5X 1A9", ["CA-ON"]),  # M → Ontario
    ("1000 rue Sherbrooke O., Montréal (Québec) H3A 1A1", ["CA-QC"]),  # H → Quebec
    ("Suite 400, 215 9 Ave SW, Calgary AB T2P 1K3", ["CA-AB"]),  # T → Alberta
    ("Edmonton, AB T5J0N3", ["CA-AB"]),  # no space between the halves
    ("1 Lonsdale Ave, North Vancouver, BC V7M 2E4", ["CA-BC"]),  # V → British Columbia
    ("Iqaluit, NU X0A 0H0", ["CA-NU"]),  # X0A → Nunavut, not NWT
    ("Yellowknife X1A 2L9", ["CA-NT"]),
    ("118 N Clark St, Chicago, IL 60602", ["US-IL"]),
    ("500 Main St, Springfield, Illinois 62701-1234", ["US-IL"]),  # full state name, ZIP+4
    ("1 Market St, San Francisco, CA 94105", ["US-CA"]),
    ("Seattle, WA 98101", ["US-WA"]),
    ("Austin, TX 78701", ["US-TX"]),
    ("Impressum: Musterstraße 1, 10115 Berlin", ["DE-BE"]),
    ("Marienplatz 8, D-80331 München", ["DE-BY"]),
    ("Domkloster 4, 50667 Köln", ["DE-NW"]),
    ("Hauptstr. 5, 12345 Musterstadt, Deutschland", ["DE"]),  # unknown city, country named
    ("DE 10115 Berlin", ["DE-BE"]),  # not Delaware: 101 is outside Delaware's ZIP range
    ("TX 12345", []),  # 123 is not a Texas ZIP prefix
    ("Over 50000 Photos uploaded", []),  # five digits before a word are not a PLZ
    ("Call us at 60602 today", []),
    ("h3a 1a1", []),  # Canadian codes are written in capitals
    ("ID D1A 1A1", []),  # D is not a Canadian postal letter
    ("", []),
]


@pytest.mark.parametrize(("text", "expected"), CASES)
def test_postal_codes(text: str, expected: list[str]) -> None:
    assert codes(text) == expected


def test_evidence_quotes_the_code_and_explains_it() -> None:
    (e,) = postal_evidence("Calgary AB T2P 1K3", where="<footer>")
    assert e.source is EvidenceSource.POSTAL_ADDRESS
    assert e.value == "T2P 1K3"
    assert "<footer>" in e.detail
    assert "Alberta" in e.detail


def test_scale_lowers_the_weight() -> None:
    (full,) = postal_evidence("Calgary AB T2P 1K3")
    (low,) = postal_evidence("Calgary AB T2P 1K3", scale=0.4)
    assert low.weight < full.weight


PRAIRIE = [
    {
        "@context": "https://schema.org",
        "@type": "LocalBusiness",
        "name": "Bow River Plumbing",
        "telephone": "+1 403 555 0142",
        "address": {
            "@type": "PostalAddress",
            "streetAddress": "215 9 Ave SW",
            "addressLocality": "Calgary",
            "addressRegion": "AB",
            "postalCode": "T2P 1K3",
            "addressCountry": "CA",
        },
    },
    {
        "@type": "Person",
        "name": "A member",
        "address": {"@type": "PostalAddress", "addressLocality": "Montréal"},
    },
]


def test_json_ld_operator_address() -> None:
    ev = json_ld_address_evidence(PRAIRIE)
    assert {e.source for e in ev} == {EvidenceSource.JSON_LD_ADDRESS}
    assert {e.code for e in ev} == {"CA-AB"}
    assert max(e.weight for e in ev) >= 0.85


def test_json_ld_person_address_is_subject_not_site() -> None:
    assert "CA-QC" not in {e.code for e in json_ld_address_evidence(PRAIRIE)}
    subject = json_ld_address_evidence(PRAIRIE, scope="subject")
    assert {e.code for e in subject} == {"CA-QC"}


@pytest.mark.parametrize(
    ("address", "expected"),
    [
        ({"@type": "PostalAddress", "addressCountry": {"@type": "Country", "name": "DE"}}, {"DE"}),
        (
            {"@type": "PostalAddress", "addressCountry": "Canada", "addressRegion": "Québec"},
            {"CA-QC"},
        ),
        (
            {"@type": "PostalAddress", "addressRegion": "Illinois", "addressCountry": "US"},
            {"US-IL"},
        ),
        ({"@type": "PostalAddress", "addressLocality": "Berlin", "postalCode": "10115"}, {"DE-BE"}),
        ({"@type": "PostalAddress", "addressCountry": "USA"}, {"US"}),  # alpha-3
        ({"@type": "PostalAddress", "addressCountry": "Atlantis"}, set()),
    ],
)
def test_json_ld_address_shapes(address: dict[str, Any], expected: set[str]) -> None:
    doc = {"@type": "Organization", "address": address}
    assert {e.code for e in json_ld_address_evidence(doc)} == expected


def test_json_ld_graph_and_string_address() -> None:
    doc = {"@graph": [{"@type": "Organization", "address": "Unter den Linden 1, 10117 Berlin"}]}
    assert {e.code for e in json_ld_address_evidence(doc)} == {"DE-BE"}


@pytest.mark.parametrize("junk", [None, "text", 3, [None, 1, {"address": None}], {"@graph": 5}])
def test_json_ld_junk_gives_nothing(junk: Any) -> None:
    assert json_ld_address_evidence(junk) == []
