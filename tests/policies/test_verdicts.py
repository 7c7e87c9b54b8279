"""Whole-record verdicts the issue names, and the evaluator's aggregation rules."""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

import pytest

from policies import (
    PolicyFacts,
    Verdict,
    VerdictKind,
    evaluate,
    judge,
    most_severe,
    profile,
)
from tests.policies.support import at, builtin_packs, pack_of, record

V = VerdictKind


def by_pack(facts: PolicyFacts) -> dict[str, Verdict]:
    return {v.pack_id: v for v in evaluate(facts, builtin_packs())}


def school_newsletter_child() -> PolicyFacts:
    """A child's face on a BC school newsletter: public, no signals, no consent, face search."""
    return profile("clearview-style").apply(
        PolicyFacts(
            is_publicly_accessible=True,
            robots_status="allow",
            robots_allowed=True,
            tos_prohibits_scraping=False,
            optout_signals=(),
            contains_face=True,
            face_count=1,
            consent_evidence="none",
            source_type="school_newsletter",
            uploader_is_subject=False,
            subject_is_minor=True,
            site_jurisdictions=at("CA-BC"),
            subject_jurisdictions=at("CA-BC"),
        )
    )


def test_child_on_bc_school_newsletter_is_a_violation_under_pipeda_and_bc_pipa() -> None:
    verdicts = {v.pack_id: v for v in evaluate(school_newsletter_child(), builtin_packs())}
    assert set(verdicts) == {"ca-pipeda", "ca-bc", "children"}
    pipeda, bc = verdicts["ca-pipeda"], verdicts["ca-bc"]
    assert pipeda.verdict is V.VIOLATION
    assert bc.verdict is V.VIOLATION
    assert {"CA-PIPEDA-APPROPRIATE-PURPOSE", "CA-PIPEDA-BIOMETRIC-EXPRESS"} <= set(pipeda.fired_ids)
    assert {"CA-PIPEDA-PUBLIC-NOT-CONSENT", "CA-PIPEDA-MINOR"} <= set(pipeda.fired_ids)
    assert {"BC-PURPOSE", "BC-PUBAVAIL", "BC-MINOR"} <= set(bc.fired_ids)
    assert verdicts["children"].verdict is V.REQUIRES_CONSENT
    assert {"KIDS-CA-PIPEDA", "KIDS-BC"} <= set(verdicts["children"].fired_ids)
    citation = {f.id: f.citation for f in bc.fired}["BC-PURPOSE"]
    assert citation == "s.11 (reasonable person / appropriate)"


def cc_landscape(**changes: Any) -> PolicyFacts:
    """A CC-licensed landscape: no face, licence only, nothing else known."""
    base = PolicyFacts(
        contains_face=False, face_count=0, consent_evidence="license", license="CC-BY-4.0"
    )
    return dataclasses.replace(base, **changes)


@pytest.mark.parametrize(
    "where",
    [None, "CA-QC", "CA-BC", "CA-AB", "CA-ON", "DE", "US-IL", "US-TX", "US-WA", "US-CA", "AU"],
)
def test_cc_landscape_without_face_is_never_a_violation(where: str | None) -> None:
    facts = cc_landscape()
    if where is not None:
        facts = dataclasses.replace(
            facts, site_jurisdictions=at(where), subject_jurisdictions=at(where)
        )
    verdicts = evaluate(facts, builtin_packs())
    assert verdicts, "some pack must speak about the record"
    for v in verdicts:
        assert v.verdict is not V.VIOLATION, (v.pack_id, v.fired_ids)
        assert v.verdict is not V.REQUIRES_CONSENT, (v.pack_id, v.fired_ids)
        if where is None:
            assert v.verdict is V.NEEDS_REVIEW
            assert not v.jurisdiction_known
            assert v.reasons[0].startswith("jurisdiction unknown")


def test_cc_landscape_with_unknown_jurisdiction_is_judged_by_every_jurisdiction_pack() -> None:
    verdicts = by_pack(cc_landscape())
    # The children pack does not apply: no face, so no child can be shown.
    assert set(verdicts) == {p.id for p in builtin_packs()} - {"children"}


def illinois_mugshot() -> PolicyFacts:
    return profile("clearview-style").apply(
        PolicyFacts(
            robots_status="allow",
            robots_allowed=True,
            tos_prohibits_scraping=False,
            contains_face=True,
            face_count=1,
            source_type="statutory_registry",
            uploader_is_subject=False,
            subject_is_minor=False,
            site_jurisdictions=at("US-IL"),
            subject_jurisdictions=at("US-IL"),
        )
    )


def test_illinois_mugshot_gets_a_bipa_verdict() -> None:
    verdicts = by_pack(illinois_mugshot())
    assert set(verdicts) == {"us-il-bipa"}
    bipa = verdicts["us-il-bipa"]
    assert bipa.verdict is V.VIOLATION
    assert {
        "US-IL-BIPA-15B-RELEASE",
        "US-IL-BIPA-15A-POLICY",
        "US-IL-BIPA-15C-PROFIT",
        "US-IL-BIPA-15D-DISCLOSE",
    } <= set(bipa.fired_ids)
    assert bipa.pack_version == pack_of("US-IL-BIPA-15B-RELEASE").version


def test_illinois_mugshot_kept_as_a_photo_only_is_permitted_under_bipa_when_all_is_known() -> None:
    facts = profile("education-demo").apply(illinois_mugshot())
    facts = dataclasses.replace(facts, actor_is_commercial=True, purpose="journalism")
    bipa = evaluate(facts, [pack_of("US-IL-BIPA-PHOTO-ONLY")])[0]
    assert bipa.verdict is V.PERMITTED
    assert bipa.fired_ids == ("US-IL-BIPA-PHOTO-ONLY",)
    # The same record with the site's location unknown is not "fully known" any more.
    unsure = dataclasses.replace(facts, site_jurisdictions=())
    bipa = evaluate(unsure, [pack_of("US-IL-BIPA-PHOTO-ONLY")])[0]
    assert bipa.verdict is V.NEEDS_REVIEW
    assert any("site_jurisdictions" in r for r in bipa.reasons)
    # With the child question open the minor's rule is still decided (no faceprint, so it
    # cannot apply), but permitted needs every fact the pack reads to be known.
    unsure = dataclasses.replace(facts, subject_is_minor=None)
    bipa = evaluate(unsure, [pack_of("US-IL-BIPA-PHOTO-ONLY")])[0]
    assert bipa.verdict is V.NEEDS_REVIEW
    assert bipa.undecided == ()
    assert bipa.reasons == ("permitted only on fully known facts; unknown: subject_is_minor",)
    # With a faceprint and the age unknown, the minor's rule is undecided.
    unsure = dataclasses.replace(illinois_mugshot(), subject_is_minor=None)
    bipa = evaluate(unsure, [pack_of("US-IL-BIPA-PHOTO-ONLY")])[0]
    assert bipa.verdict is V.VIOLATION
    assert [u.id for u in bipa.undecided] == ["US-IL-BIPA-MINOR"]
    assert bipa.undecided[0].unknown_fields == ("subject_is_minor",)
    assert bipa.undecided[0].would_yield is V.REQUIRES_CONSENT


def quebec_news_photo(purpose_profile: str) -> PolicyFacts:
    return profile(purpose_profile).apply(
        PolicyFacts(
            robots_status="allow",
            robots_allowed=True,
            tos_prohibits_scraping=False,
            contains_face=True,
            face_count=2,
            source_type="news_publication",
            uploader_is_subject=False,
            subject_is_minor=False,
            site_jurisdictions=at("CA-QC"),
            subject_jurisdictions=(*at("CA-QC", confidence=0.7), *at("CA-ON", confidence=0.3)),
        )
    )


def test_quebec_news_photo_gets_quebec_verdicts() -> None:
    verdicts = by_pack(quebec_news_photo("clearview-style"))
    assert {"ca-qc", "ca-pipeda"} <= set(verdicts)
    qc = verdicts["ca-qc"]
    assert qc.verdict is V.VIOLATION
    assert {
        "QC-NOT-PUBLIC-BY-LAW",
        "QC-SENSITIVE-EXPRESS",
        "QC-IT-44-VERIFY",
        "QC-IT-45-DATABASE",
        "QC-FR-PURPOSE",
    } <= set(qc.fired_ids)
    assert "CA-PIPEDA-PUB-PROVIDED" in verdicts["ca-pipeda"].fired_ids


def test_quebec_news_photo_for_a_class_still_needs_consent_but_is_no_violation() -> None:
    qc = by_pack(quebec_news_photo("education-demo"))["ca-qc"]
    assert qc.verdict is V.REQUIRES_CONSENT
    assert set(qc.fired_ids) == {"QC-NOT-PUBLIC-BY-LAW", "QC-CONSENT-QUALITY"}


def test_unknown_jurisdiction_caps_at_needs_review_but_reports_what_would_fire() -> None:
    facts = dataclasses.replace(
        school_newsletter_child(), site_jurisdictions=(), subject_jurisdictions=()
    )
    pipeda = by_pack(facts)["ca-pipeda"]
    assert pipeda.verdict is V.NEEDS_REVIEW
    assert not pipeda.jurisdiction_known
    assert "CA-PIPEDA-APPROPRIATE-PURPOSE" in pipeda.fired_ids
    assert pipeda.reasons[0].startswith("jurisdiction unknown")


def test_record_known_to_be_elsewhere_gets_no_verdict_from_that_pack() -> None:
    facts = record("US-NY")
    assert "ca-pipeda" not in by_pack(facts)
    assert "eu" not in by_pack(facts)


def test_unknown_face_leaves_violations_undecided_not_absent() -> None:
    facts = record("CA-BC", contains_face=None, face_count=None)
    bc = by_pack(facts)["ca-bc"]
    assert bc.verdict is V.NEEDS_REVIEW
    undecided = {u.id: u for u in bc.undecided}
    assert undecided["BC-PURPOSE"].would_yield is V.VIOLATION
    assert undecided["BC-PURPOSE"].unknown_fields == ("contains_face",)


def test_no_rule_fired_is_needs_review_with_a_reason() -> None:
    facts = record("US-WA", profile="education-demo")
    wa = by_pack(facts)["us-wa"]
    assert wa.verdict is V.NEEDS_REVIEW
    assert wa.fired == ()
    assert wa.undecided == ()
    assert wa.reasons[0].startswith("no rule fired")


def test_rules_not_yet_in_force_on_the_observation_day_do_not_apply() -> None:
    early = by_pack(record("DE", observed_on=dt.date(2024, 12, 31)))["eu"]
    late = by_pack(record("DE", observed_on=dt.date(2025, 2, 2)))["eu"]
    assert "EU-AIACT-5-1-E" not in early.fired_ids
    assert "EU-AIACT-5-1-E" in late.fired_ids


def test_verdicts_report_pack_versions_and_serialise() -> None:
    for v in evaluate(school_newsletter_child(), builtin_packs()):
        pack = next(p for p in builtin_packs() if p.id == v.pack_id)
        assert v.pack_version == pack.version
        data = v.to_dict()
        assert data["version"] == pack.version
        assert data["verdict"] == str(v.verdict)
        assert data["fired"][0]["citation"]


def test_memoised_evaluate_equals_direct_judgement() -> None:
    packs = builtin_packs()
    for facts in (school_newsletter_child(), illinois_mugshot(), cc_landscape()):
        first = evaluate(facts, packs)
        again = evaluate(facts, packs)
        assert first == again
        for v in first:
            pack = next(p for p in packs if p.id == v.pack_id)
            assert judge(facts, pack, jurisdiction_known=v.jurisdiction_known) == v


def test_most_severe() -> None:
    verdicts = evaluate(school_newsletter_child(), builtin_packs())
    assert most_severe(verdicts) is V.VIOLATION
    assert most_severe([]) is None
    assert [v.severity for v in V] == [3, 2, 1, 0]
