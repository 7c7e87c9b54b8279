"""Language evidence: region subtags name countries, bare languages spread thinly."""

from __future__ import annotations

from provenance.jurisdiction import EvidenceSource, language_evidence
from provenance.jurisdiction.language import parse_tag


def by_code(evidence: list) -> dict[str, float]:  # type: ignore[type-arg]
    return {e.code: e.weight for e in evidence}


def test_fr_ca_gives_canada_and_a_quebec_hint() -> None:
    got = by_code(language_evidence(html_lang="fr-CA"))
    assert set(got) == {"CA", "CA-QC"}
    assert got["CA-QC"] < got["CA"]


def test_en_us_gives_us() -> None:
    assert by_code(language_evidence(html_lang="en-US")) == {"US": 0.3}


def test_bare_german_is_low_weight_for_de_at_ch() -> None:
    got = by_code(language_evidence(html_lang="de"))
    assert set(got) == {"DE", "AT", "CH"}
    assert all(w <= 0.15 for w in got.values())
    assert got["DE"] > got["AT"]


def test_bare_english_points_nowhere() -> None:
    assert language_evidence(html_lang="en") == []


def test_content_language_header_lists_several() -> None:
    ev = language_evidence(content_language="fr-CA, en-CA")
    assert {e.source for e in ev} == {EvidenceSource.CONTENT_LANGUAGE}
    assert {e.code for e in ev} == {"CA", "CA-QC"}


def test_hreflang_alternates_share_a_small_weight() -> None:
    ev = language_evidence(hreflangs=["en-US", "en-GB", "de-DE", "fr-CA", "x-default"])
    assert {e.code for e in ev} == {"US", "GB", "DE", "CA", "CA-QC"}
    assert all(e.weight <= 0.15 for e in ev)


def test_unparseable_tags_give_nothing() -> None:
    assert language_evidence(html_lang="!!", content_language="es-419") == []
    assert parse_tag("zh-Hant-TW") == ("zh", "TW")
    assert parse_tag("en_GB") == ("en", "GB")
