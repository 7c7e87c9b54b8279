"""Ranking: noisy-OR across sources, conflicts kept, subdivisions imply countries."""

from __future__ import annotations

import itertools

import pytest

from provenance.jurisdiction import (
    Candidate,
    Evidence,
    EvidenceSource,
    cctld_evidence,
    combine,
    countries,
    infer_site,
    infer_subject,
    is_conflicting,
    phone_evidence,
    table_rows,
)

S = EvidenceSource


def ev(source: EvidenceSource, code: str | None, weight: float, value: str = "v") -> Evidence:
    return Evidence(source, value, "test", weight, code)


def test_unknown_stays_unknown() -> None:
    assert infer_site([]) == []
    assert infer_subject([]) == []
    assert infer_site([ev(S.SERVER_IP, None, 0.0), ev(S.CURRENCY, None, 0.0)]) == []


def test_subdivision_implies_country() -> None:
    (country, sub) = infer_site([ev(S.PHONE, "CA-QC", 0.6)])
    assert (country.code, sub.code) == ("CA", "CA-QC")
    assert country.confidence == sub.confidence == 0.6
    assert not country.is_subdivision
    assert sub.is_subdivision
    assert sub.country == "CA"


def test_country_evidence_does_not_support_a_subdivision() -> None:
    got = {
        c.code: c.confidence
        for c in infer_site([ev(S.CCTLD, "CA", 0.4), ev(S.PHONE, "CA-QC", 0.6)])
    }
    assert got["CA-QC"] == 0.6
    assert got["CA"] == pytest.approx(1 - (1 - 0.4) * (1 - 0.6))  # noisy-OR of 0.4 and 0.6


def test_repetition_within_one_source_does_not_add_up() -> None:
    many = [ev(S.PHONE, "US-IL", 0.6, value=str(i)) for i in range(10)]
    assert infer_site(many)[0].confidence == 0.6


def test_conflict_is_kept_and_shown() -> None:
    # a .de site with a Canadian phone number
    evidence = cctld_evidence("http://fotoblog-berlin.de/") + phone_evidence("+1 514 555 0199")
    cands = infer_site(evidence)
    assert {c.code for c in cands} == {"DE", "CA", "CA-QC"}
    assert is_conflicting(cands)
    assert set(countries(cands)) == {"DE", "CA"}
    de = next(c for c in cands if c.code == "DE")
    ca = next(c for c in cands if c.code == "CA")
    assert de.sources == ["cctld"]
    assert ca.sources == ["phone"]
    assert de.confidence == 0.4
    assert ca.confidence == 0.6


def test_ranked_by_confidence_country_first_on_ties() -> None:
    cands = infer_site(
        [ev(S.CCTLD, "CA", 0.4), ev(S.JSON_LD_ADDRESS, "CA-AB", 0.85), ev(S.PHONE, "US-IL", 0.15)]
    )
    assert [c.code for c in cands] == ["CA", "CA-AB", "US", "US-IL"]
    assert all(a.confidence >= b.confidence for a, b in itertools.pairwise(cands))


def test_nanp_ambiguity_stays_two_way() -> None:
    cands = infer_site(phone_evidence("+1 800 555 0199"))
    assert [c.code for c in cands] == ["CA", "US"]
    assert cands[0].confidence == cands[1].confidence


def test_site_fallback_only_when_nothing_about_the_subject() -> None:
    fallback = ev(S.SITE_FALLBACK, "CA-ON", 0.1)
    only = infer_subject([fallback])
    assert [c.code for c in only] == ["CA", "CA-ON"]
    assert all(c.fallback_only for c in only)
    direct = infer_subject([fallback, ev(S.EXIF_GPS, "DE-BE", 0.85)])
    assert [c.code for c in direct] == ["DE", "DE-BE"]
    assert infer_site([fallback]) == []


def test_confidence_never_reaches_one() -> None:
    strong = [ev(s, "CA", 0.95) for s in (S.CCTLD, S.PHONE, S.JSON_LD_ADDRESS, S.POSTAL_ADDRESS)]
    assert combine(strong)[0].confidence < 1


def test_candidate_round_trip() -> None:
    (c, _) = infer_site([ev(S.PHONE, "CA-QC", 0.6)])
    assert Candidate.from_dict(c.to_dict()) == c


def test_table_rows_show_what_each_candidate_rests_on() -> None:
    evidence = cctld_evidence("http://fotoblog-berlin.de/") + phone_evidence("+1 514 555 0199")
    rows = {r["code"]: r for r in table_rows(infer_site(evidence))}
    assert rows["CA-QC"]["name"] == "Quebec"
    assert rows["CA-QC"]["sources"] == "phone"
    assert rows["CA-QC"]["evidence"] == "phone: +1 514 555 0199"
    assert rows["DE"]["evidence"] == "cctld: fotoblog-berlin.de"
    assert rows["DE"]["fallback"] == ""
