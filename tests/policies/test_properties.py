"""Properties over random records: unknown facts never yield ``permitted``; memo is invisible;
facts survive a JSON round trip."""

from __future__ import annotations

import dataclasses
import json
import textwrap
from pathlib import Path

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from policies import (
    Pack,
    PolicyFacts,
    VerdictKind,
    evaluate,
    facts_from_mapping,
    facts_to_mapping,
    judge,
    load_pack,
    load_packs,
    unknown_fields,
)
from policies.facts import (
    CONSENT_EVIDENCE,
    OPTOUT_SIGNALS,
    PURPOSES,
    ROBOTS_STATUSES,
    SOURCE_TYPES,
    JurisdictionCandidate,
)
from tests.policies.support import at, builtin_packs, record

maybe = st.sampled_from([True, False, None])
CODES = ["CA", "CA-QC", "CA-BC", "CA-AB", "US-IL", "US-TX", "US-WA", "US-CA", "DE", "AU", "NZ"]
candidates = st.lists(
    st.builds(
        JurisdictionCandidate,
        st.sampled_from(CODES),
        st.sampled_from([0.1, 0.2, 0.5, 0.6, 0.9]),
    ),
    max_size=3,
).map(tuple)

# Records with any mix of known and unknown facts (None, empty candidate lists, "unknown").
any_facts = st.builds(
    PolicyFacts,
    is_publicly_accessible=st.booleans(),
    robots_status=st.sampled_from(sorted(ROBOTS_STATUSES)),
    robots_allowed=maybe,
    tos_prohibits_scraping=maybe,
    tos_prohibits_biometric=maybe,
    tos_prohibits_commercial_reuse=maybe,
    optout_signals=st.lists(st.sampled_from(sorted(OPTOUT_SIGNALS)), max_size=2, unique=True).map(
        tuple
    ),
    contains_face=maybe,
    face_count=st.one_of(st.none(), st.integers(0, 3)),
    consent_evidence=st.sampled_from(sorted(CONSENT_EVIDENCE)),
    license=st.sampled_from([None, "CC-BY-4.0"]),
    source_type=st.sampled_from(sorted(SOURCE_TYPES)),
    uploader_is_subject=maybe,
    subject_is_minor=maybe,
    site_jurisdictions=candidates,
    subject_jurisdictions=candidates,
    purpose=st.sampled_from(sorted(PURPOSES)),
    actor_is_commercial=st.booleans(),
    scraping_is_targeted=st.booleans(),
    biometric_template_created=st.booleans(),
    notice_given=st.booleans(),
    written_release=st.booleans(),
    data_shared_with_third_parties=st.booleans(),
)

# A deliberately careless pack: its permitted rules fire on unknown facts (an explicit null
# test, an "unknown" enum value, a condition that ignores most fields). The evaluator must
# still refuse to call any record permitted unless every fact the pack reads is known.
CARELESS = """\
pack: careless
name: "Permits too easily (test only)"
version: "0.0"
jurisdictions: [CA]
applies_when: "site_jurisdictions.exists(j, j.country == 'CA')"
effective: 2000-01-01
sources: ["none"]
rules:
  - id: PERMIT-UNKNOWN-TERMS
    when: "tos_prohibits_scraping == null || tos_prohibits_scraping == false"
    verdict: permitted
    citation: "none"
    explanation: "Reads unknown terms as permission, which the evaluator must not let stand."
    effective: 2000-01-01
    confidence: M
  - id: PERMIT-UNKNOWN-SOURCE
    when: "source_type == 'unknown' || robots_status == 'unknown'"
    verdict: permitted
    citation: "none"
    explanation: "Permits what it cannot see."
    effective: 2000-01-01
    confidence: M
  - id: PERMIT-NO-FACE
    when: "contains_face == false"
    verdict: permitted
    citation: "none"
    explanation: "Permits a record with no face."
    effective: 2000-01-01
    confidence: M
"""


@pytest.fixture(scope="module")
def careless(tmp_path_factory: pytest.TempPathFactory) -> Pack:
    path = Path(tmp_path_factory.mktemp("careless")) / "careless.yaml"
    path.write_text(textwrap.dedent(CARELESS), encoding="utf-8")
    return load_pack(path)


def pack_fields(pack: Pack) -> set[str]:
    fields = set(pack.applies.fields)
    for rule in pack.rules:
        fields.update(rule.condition.fields)
    return fields


SETTINGS = settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@SETTINGS
@given(facts=any_facts)
def test_unknown_facts_never_yield_permitted(careless: Pack, facts: PolicyFacts) -> None:
    packs = [*builtin_packs(), careless]
    for verdict in evaluate(facts, packs):
        if verdict.verdict is VerdictKind.PERMITTED:
            event(f"permitted by {verdict.pack_id}")
            pack = next(p for p in packs if p.id == verdict.pack_id)
            assert verdict.jurisdiction_known
            assert unknown_fields(facts, pack_fields(pack)) == ()
            assert verdict.undecided == ()


def test_careless_pack_permits_only_fully_known_records(careless: Pack) -> None:
    known = record("CA-ON", contains_face=False, face_count=0)
    assert evaluate(known, [careless])[0].verdict is VerdictKind.PERMITTED
    for change in (
        {"tos_prohibits_scraping": None},
        {"source_type": "unknown"},
        {"robots_status": "unknown"},
        {"contains_face": None},
        {"site_jurisdictions": at("CA-ON", "US-NY")},
    ):
        verdict = evaluate(dataclasses.replace(known, **change), [careless])[0]
        if "site_jurisdictions" in change:
            assert verdict.verdict is VerdictKind.PERMITTED, "more known candidates stay known"
            continue
        assert verdict.verdict is VerdictKind.NEEDS_REVIEW, change
        guarded = any(r.startswith("permitted only on fully known facts") for r in verdict.reasons)
        assert guarded or [u.id for u in verdict.undecided] == ["PERMIT-NO-FACE"]


@SETTINGS
@given(facts=any_facts)
def test_memo_is_invisible(facts: PolicyFacts) -> None:
    verdicts = evaluate(facts, builtin_packs())
    assert verdicts == evaluate(facts, builtin_packs(), memo=False)
    for verdict in verdicts:
        pack = next(p for p in builtin_packs() if p.id == verdict.pack_id)
        assert judge(facts, pack, jurisdiction_known=verdict.jurisdiction_known) == verdict


@pytest.fixture(scope="module")
def own_packs() -> list[Pack]:
    return load_packs()


@settings(
    max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(facts=st.lists(any_facts, min_size=1, max_size=20))
def test_paused_pack_memo_gives_the_same_verdicts(
    own_packs: list[Pack], facts: list[PolicyFacts]
) -> None:
    packs = own_packs
    for pack in packs:
        pack.cache.skip_memo = 10  # as after a window of misses; decremented per record
    for one in facts:
        assert evaluate(one, packs) == evaluate(one, builtin_packs(), memo=False)


@SETTINGS
@given(facts=any_facts)
def test_verdict_is_most_severe_fired_or_needs_review(facts: PolicyFacts) -> None:
    for verdict in evaluate(facts, builtin_packs()):
        fired = [f.verdict.severity for f in verdict.fired]
        if not verdict.jurisdiction_known:
            assert verdict.verdict is VerdictKind.NEEDS_REVIEW
        elif fired and max(fired) > VerdictKind.NEEDS_REVIEW.severity:
            assert verdict.verdict.severity == max(fired)
        else:
            assert verdict.verdict in (VerdictKind.NEEDS_REVIEW, VerdictKind.PERMITTED)


@settings(max_examples=100, deadline=None)
@given(facts=any_facts)
def test_facts_round_trip_through_json(facts: PolicyFacts) -> None:
    data = json.loads(json.dumps(facts_to_mapping(facts)))
    assert facts_from_mapping(data) == facts
