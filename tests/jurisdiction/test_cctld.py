"""ccTLD evidence: country ccTLDs count, generic ones do not, geographic gTLDs hint."""

from __future__ import annotations

import pytest

from provenance.jurisdiction import EvidenceSource, cctld_evidence


def codes(url: str) -> list[str | None]:
    return [e.code for e in cctld_evidence(url)]


# (url, expected codes, most specific first)
CASES = [
    ("https://maplebook.ca/profile/1", ["CA"]),
    ("http://fotoblog-berlin.de/impressum", ["DE"]),
    ("http://countyrecords-il.us/", ["US"]),  # .us counts; "-il" in the name does not
    ("http://nouvelles-mtl.ca:8080/a", ["CA"]),
    ("http://example.co.uk/", ["GB"]),  # .uk is GB in ISO 3166
    ("http://example.com.au/", ["AU"]),
    ("http://ville.qc.ca/", ["CA-QC", "CA"]),  # provincial second-level domain
    ("http://ci.chicago.il.us/", ["US-IL", "US"]),  # US state second-level domain
    ("https://www.example.quebec/", ["CA-QC"]),  # gTLD for Quebec: subdivision hint
    ("https://kiez.berlin/", ["DE-BE"]),
    ("https://pixgram.com/p/9", []),
    ("https://commonsgallery.org/", []),
    ("http://127.0.0.1:8080/", []),
    ("http://[::1]/", []),
    ("http://localhost:5000/", []),
    ("https://europa.eu/", []),  # .eu is not a country
    ("", []),
]


@pytest.mark.parametrize(("url", "expected"), CASES)
def test_cctld(url: str, expected: list[str]) -> None:
    assert codes(url) == expected


@pytest.mark.parametrize("tld", ["io", "co", "ai", "tv", "me", "ly", "fm", "gg", "to", "ws"])
def test_generic_cctlds_are_not_counted(tld: str) -> None:
    assert cctld_evidence(f"https://startup.{tld}/") == []


def test_evidence_says_what_it_rests_on() -> None:
    (e,) = cctld_evidence("https://maplebook.ca/x")
    assert e.source is EvidenceSource.CCTLD
    assert e.value == "maplebook.ca"
    assert ".ca" in e.detail
    assert 0 < e.weight < 0.5


def test_bare_host_is_accepted() -> None:
    assert codes("maplebook.ca") == ["CA"]
