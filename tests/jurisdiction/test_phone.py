"""Phone evidence: country codes, NANP area codes, national formats, ambiguity kept."""

from __future__ import annotations

import phonenumbers
import pytest

from provenance.jurisdiction import EvidenceSource, phone_evidence, tel_link_evidence
from provenance.jurisdiction.phone import fewest_digits


def codes(text: str, hint: str | None = None) -> list[str | None]:
    return [e.code for e in phone_evidence(text, region_hint=hint)]


# (text, region hint, expected codes)
CASES = [
    ("+1 514 555 0199", None, ["CA-QC"]),  # area code 514 → Quebec
    ("+1 438 555 0199", None, ["CA-QC"]),
    ("Tel. +1 (403) 555-0100", None, ["CA-AB"]),  # 403 → Alberta
    ("+1 780 555 0100", None, ["CA-AB"]),
    ("+1 604 555 0100", None, ["CA-BC"]),
    ("+1 778 555 0100", None, ["CA-BC"]),
    ("+1 416 555 0100", None, ["CA-ON"]),
    ("+1 312 555 0100", None, ["US-IL"]),  # geocoder: "Chicago, IL"
    ("+1 773 555 0100", None, ["US-IL"]),
    ("+1 206 555 0100", None, ["US-WA"]),  # geocoder: "Washington State"
    ("+1 512 555 0100", None, ["US-TX"]),
    ("+1 213 555 0100", None, ["US-CA"]),
    ("+49 30 1234567", None, ["DE-BE"]),  # Berlin
    ("+49 89 1234567", None, ["DE-BY"]),  # geocoder says "Munich"
    ("+44 20 7946 0958", None, ["GB-ENG"]),
    ("(514) 555-0199", "CA", ["CA-QC"]),  # national format with a hint
    ("(514) 555-0199", None, ["CA-QC"]),  # no hint: tried as +1
    ("030 1234567", "DE", ["DE-BE"]),
    ("030 1234567", None, []),  # a German national number is not NANP
    ("+1 800 555 0199", None, ["CA", "US"]),  # toll-free: Canada or United States
    ("+1 555 555 0100", None, ["CA", "US"]),  # 555 is no area code: still +1, still ambiguous
    ("Since 2019, 12,345 users; order 4,500.00", None, []),
    ("", None, []),
]


@pytest.mark.parametrize(("text", "hint", "expected"), CASES)
def test_phone(text: str, hint: str | None, expected: list[str]) -> None:
    assert codes(text, hint) == expected


def test_no_hint_is_weaker_and_says_so() -> None:
    (hinted,) = phone_evidence("(514) 555-0199", region_hint="CA")
    (guessed,) = phone_evidence("(514) 555-0199")
    assert guessed.weight < hinted.weight
    assert "tried as +1" in guessed.detail


def test_ambiguous_nanp_is_low_and_equal() -> None:
    ca, us = phone_evidence("+1 800 555 0199")
    assert ca.weight == us.weight <= 0.2
    assert "Canada or United States" in ca.detail


def test_evidence_records_the_geocoder_reading() -> None:
    (e,) = phone_evidence("+1 312 555 0100", where="<footer>")
    assert e.source is EvidenceSource.PHONE
    assert e.value == "+1 312 555 0100"
    assert "Chicago, IL" in e.detail
    assert "<footer>" in e.detail


def test_mask_keeps_country_and_area_code_only() -> None:
    (e,) = phone_evidence("call me +1 514 555 0199", mask=True)
    assert e.value.startswith("+1 514 ")
    assert "555" not in e.value
    assert "0199" not in e.value
    assert "0199" not in e.detail


def test_tel_links() -> None:
    ev = tel_link_evidence(
        ["tel:+15145550199", "mailto:a@b.c", "tel:403-555-0100"], region_hint="CA"
    )
    assert [e.code for e in ev] == ["CA-QC", "CA-AB"]


def test_same_number_twice_counts_once() -> None:
    assert codes("+1 514 555 0199 or +1 (514) 555-0199") == ["CA-QC"]


# A text with fewer digits than ``fewest_digits(region)`` and no plus sign is not searched: the
# bound must hold for every valid number libphonenumber knows, written as read from the hint.
_TYPES = [
    getattr(phonenumbers.PhoneNumberType, name)
    for name in dir(phonenumbers.PhoneNumberType)
    if name.isupper() and name != "UNKNOWN"
]


@pytest.mark.parametrize("hint", ["US", "CA", "DE", "FR", "GB", "SH", "NU", "AT", "IN", "JE"])
def test_texts_too_short_for_a_number_are_not_searched(hint: str) -> None:
    bound = fewest_digits(hint)
    checked = 0
    for region in sorted(phonenumbers.SUPPORTED_REGIONS):
        same_code = phonenumbers.country_code_for_region(
            region
        ) == phonenumbers.country_code_for_region(hint)
        for kind in _TYPES:
            number = phonenumbers.example_number_for_type(region, kind)
            if number is None:
                continue
            if same_code:
                text = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)
            else:
                text = phonenumbers.format_out_of_country_calling_number(number, hint)
            if "+" in text:
                continue
            found = list(
                phonenumbers.PhoneNumberMatcher(text, hint, leniency=phonenumbers.Leniency.VALID)
            )
            if found:
                checked += 1
                assert sum(c.isdecimal() for c in text) >= bound, (hint, region, text)
                assert phone_evidence(text, region_hint=hint), (hint, region, text)
    assert checked > 100


def test_short_alt_text_gives_nothing_and_real_numbers_still_count() -> None:
    assert fewest_digits("US") == 6  # NANP numbers have 7+; 011 + a code + a number 6+
    assert phone_evidence("Photo 123456", region_hint="US") == []
    assert phone_evidence("Photo 1234") == []
    assert phone_evidence("Call (514) 555-0199", region_hint="CA")
    assert phone_evidence("Photo ＋1 514 555 0199")  # a full-width plus is still searched
    # Jersey's national-prefix rule writes digits in ("011 466" is +44 1534 011466): no bound
    assert fewest_digits("JE") == 0
    assert phone_evidence("011 466", region_hint="JE")
