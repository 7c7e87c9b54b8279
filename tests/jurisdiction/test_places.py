"""The gazetteer in English and French, with accents, qualifiers and ambiguity."""

from __future__ import annotations

import pytest

from provenance.jurisdiction import EvidenceSource, location_text_evidence


def codes(text: str) -> list[str | None]:
    return [e.code for e in location_text_evidence(text)]


# (text, expected codes): what a profile, caption or address line says
CASES = [
    ("Lives in Montreal, QC", ["CA-QC"]),
    ("Montréal", ["CA-QC"]),
    ("MONTREAL", ["CA-QC"]),
    ("montréal", ["CA-QC"]),
    ("Montréal (Québec)", ["CA-QC"]),  # French address style
    ("Montréal (Qc)", ["CA-QC"]),
    ("Habite à Québec", ["CA-QC"]),
    ("Trois-Rivières", ["CA-QC"]),
    ("Calgary, AB", ["CA-AB"]),
    ("Edmonton", ["CA-AB"]),
    ("Vancouver, BC", ["CA-BC"]),
    ("North Vancouver", ["CA-BC"]),  # longest name wins over "Vancouver"
    ("north vancouver, b.c.", ["CA-BC"]),
    ("Colombie-Britannique", ["CA-BC"]),  # province name in French
    ("Toronto, ON", ["CA-ON"]),
    ("Toronto ON", ["CA-ON"]),
    ("London, ON", ["CA-ON"]),  # the qualifier settles an ambiguous city
    ("London", ["GB-ENG"]),
    ("Vancouver, WA", ["US-WA"]),
    ("Chicago, IL", ["US-IL"]),
    ("Cook County, Illinois", ["US-IL"]),
    ("Seattle WA", ["US-WA"]),
    ("Austin TX", ["US-TX"]),
    ("Los Angeles, CA", ["US-CA"]),
    ("San Francisco", ["US-CA"]),
    ("Bothell, WA", ["US-WA"]),  # not in the gazetteer: the abbreviation still counts
    ("Olympia, Washington", ["US-WA"]),
    ("Berlin", ["DE-BE"]),
    ("Berlin, DE", ["DE-BE"]),  # DE is Germany here, not Delaware
    ("wohnt in München", ["DE-BY"]),
    ("Köln", ["DE-NW"]),
    ("Koeln", ["DE-NW"]),
    ("Frankfurt am Main", ["DE-HE"]),
    ("Bayern", ["DE-BY"]),
    ("Texas", ["US-TX"]),
    ("Made in the USA", ["US"]),
    ("Deutschland", ["DE"]),
    ("We ship to Canada", ["CA"]),
    # things that must not match
    ("Austin", []),  # a first name as often as a city
    ("Washington", []),  # state, capital or person
    ("Made IN the shade", []),  # abbreviations need a place before them and a comma
    ("contact us", []),
    ("Berliner Weiße", []),  # word boundary
    ("1000 rue Sherbrooke O.", []),  # a street named after a city
    ("12 Toronto Street", []),
    ("", []),
]


@pytest.mark.parametrize(("text", "expected"), CASES)
def test_gazetteer(text: str, expected: list[str]) -> None:
    assert codes(text) == expected


def test_quotes_only_the_place_words() -> None:
    (e,) = location_text_evidence(
        "Hi! I'm Sam. Lives in Montréal, QC with two cats.", where="profile"
    )
    assert e.value == "Montréal, QC"
    assert e.source is EvidenceSource.LOCATION_TEXT
    assert "profile" in e.detail
    assert "Lives in" in e.detail


def test_cue_and_qualifier_raise_the_weight() -> None:
    (plain,) = location_text_evidence("Montreal")
    (qualified,) = location_text_evidence("Montreal, QC")
    (cued,) = location_text_evidence("Lives in Montreal, QC")
    assert plain.weight < qualified.weight < cued.weight


def test_several_places_are_all_kept() -> None:
    assert codes("Born in Calgary, now living in Berlin") == ["CA-AB", "DE-BE"]
