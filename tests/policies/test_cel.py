"""The CEL compiler: three-valued logic on unknown facts, agreement with cel-python on known
facts, and the constructs and types it refuses."""

from __future__ import annotations

import dataclasses
from typing import Any

import celpy
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from policies._cel import UNKNOWN, CelError, Condition, compile_condition
from policies.facts import (
    CONSENT_EVIDENCE,
    FIELDS,
    OPTOUT_SIGNALS,
    PURPOSES,
    SOURCE_TYPES,
    JurisdictionCandidate,
    PolicyFacts,
    facts_to_mapping,
)
from tests.policies.support import BASE, at, builtin_packs


def run(text: str, **changes: Any) -> object:
    return compile_condition(text, FIELDS).evaluate(dataclasses.replace(BASE, **changes))


# expression — facts — expected (True, False or UNKNOWN)
KLEENE = [
    # a comparison on an unknown fact is unknown, not false
    ("contains_face == true", {"contains_face": None}, UNKNOWN),
    ("contains_face != true", {"contains_face": None}, UNKNOWN),
    ("!(contains_face == true)", {"contains_face": None}, UNKNOWN),
    # && and || absorb the unknown side when the known side decides
    (
        "contains_face == true && actor_is_commercial",
        {"contains_face": None, "actor_is_commercial": False},
        False,
    ),
    ("contains_face == true && actor_is_commercial", {"contains_face": None}, UNKNOWN),
    ("contains_face == true || actor_is_commercial", {"contains_face": None}, True),
    (
        "contains_face == true || actor_is_commercial",
        {"contains_face": None, "actor_is_commercial": False},
        UNKNOWN,
    ),
    ("actor_is_commercial || contains_face == true", {"contains_face": None}, True),
    # an explicit null test is the one way to ask "is it unknown?"
    ("contains_face == null", {"contains_face": None}, True),
    ("contains_face != null", {"contains_face": None}, False),
    (
        "uploader_is_subject == null || uploader_is_subject == false",
        {"uploader_is_subject": None},
        True,
    ),
    (
        "subject_is_minor == null ? contains_face == true : subject_is_minor",
        {"subject_is_minor": None},
        True,
    ),
    ("subject_is_minor == null ? contains_face == true : subject_is_minor", {}, False),
    # an empty candidate list means nothing was inferred: unknown
    ("subject_jurisdictions.exists(j, j.country == 'CA')", {"subject_jurisdictions": ()}, UNKNOWN),
    ("size(subject_jurisdictions) == 0", {"subject_jurisdictions": ()}, UNKNOWN),
    (
        "subject_jurisdictions.exists(j, j.country == 'CA')",
        {"subject_jurisdictions": at("US-NY")},
        False,
    ),
    (
        "subject_jurisdictions.exists(j, j.code == 'CA-QC')",
        {"subject_jurisdictions": at("US-NY", "CA-QC")},
        True,
    ),
    (
        "subject_jurisdictions.all(j, j.confidence > 0.5)",
        {"subject_jurisdictions": at("CA", confidence=0.4)},
        False,
    ),
    (
        "subject_jurisdictions.exists_one(j, j.country == 'CA')",
        {"subject_jurisdictions": at("CA-QC", "CA-ON")},
        False,
    ),
    # a known empty opt-out list is known: absence of a signal is a fact (never consent)
    ("size(optout_signals) > 0", {}, False),
    ("'noai' in optout_signals", {"optout_signals": ("noai",)}, True),
    (
        "optout_signals.exists(s, s.startsWith('no'))",
        {"optout_signals": ("tdm_reservation", "noml")},
        True,
    ),
    # ordering and membership on unknown numbers and strings
    ("face_count > 1", {"face_count": None}, UNKNOWN),
    ("face_count >= 2", {"face_count": 2}, True),
    ("license.startsWith('CC-')", {"license": None}, UNKNOWN),
    ("license.startsWith('CC-')", {"license": "CC-BY-4.0"}, True),
    ("license.contains('BY')", {"license": "CC0-1.0"}, False),
    ("tos_prohibits_scraping in [true]", {"tos_prohibits_scraping": None}, UNKNOWN),
    # ?: with an unknown condition is unknown unless both branches agree
    ("contains_face == true ? actor_is_commercial : false", {"contains_face": None}, UNKNOWN),
    ("contains_face == true ? true : true", {"contains_face": None}, True),
]


@pytest.mark.parametrize(("text", "changes", "expected"), KLEENE)
def test_three_valued_logic(text: str, changes: dict[str, Any], expected: object) -> None:
    assert run(text, **changes) is expected


def test_unknown_has_no_truth_value() -> None:
    with pytest.raises(TypeError):
        bool(UNKNOWN)


REFUSED = [
    ("contains_face + 1 == 2", "arithmetic"),
    ("has(contains_face)", "unsupported function has()"),
    ("optout_signals[0] == 'noai'", "unsupported CEL construct: member_index"),
    ("{'a': 1}.size() == 1", "unsupported CEL construct: map_lit"),
    ("license.matches('CC.*')", "unsupported method .matches()"),
    ("optout_signals.exists(purpose, purpose == 'noai')", "shadows a field"),
    ("optout_signals.map(s, s) == []", "unsupported method .map()"),
    ("contains_face == 'yes'", "cannot compare bool with string"),
    ("is_publicly_accessible == null", "null can only be compared with a nullable field"),
    ("source_type == 'blog'", "'blog' is not a possible value"),
    ("'nofollow' in optout_signals", "'nofollow' is not a possible element"),
    ("purpose in ['research', 'marketing']", "['marketing'] not in the vocabulary"),
    ("subject_jurisdictions.exists(j, j.region == 'QC')", "no member 'region'"),
    ("purpose.size() > 2 && purpose", "&& needs bool, not string"),
    ("[contains_face] == [true]", "list literals may only hold constants"),
    ("observed_on > 3", "cannot order date and int"),
    ("b'bytes' == b'bytes'", "unsupported literal type BYTES_LIT"),
    ("contains_face == true &&", "CEL syntax error at line 1 column"),
]


@pytest.mark.parametrize(("text", "reason"), REFUSED)
def test_refused_constructs(text: str, reason: str) -> None:
    with pytest.raises(CelError) as info:
        compile_condition(text, FIELDS)
    assert reason in info.value.reason


def test_fields_are_reported() -> None:
    cond = compile_condition(
        "contains_face == true && subject_jurisdictions.exists(j, j.code == 'CA-QC')", FIELDS
    )
    assert cond.fields == ("contains_face", "subject_jurisdictions")


def test_constant_condition() -> None:
    assert run("true || false") is True
    assert compile_condition("1 < 2", FIELDS).fields == ()


@pytest.fixture(scope="module")
def builtin_conditions() -> list[tuple[Condition, Any]]:
    """Every built-in condition, ours and cel-python's own compiled program for it."""
    env = celpy.Environment()
    conditions = {p.applies.source: p.applies for p in builtin_packs()}
    conditions |= {r.condition.source: r.condition for p in builtin_packs() for r in p.rules}
    return [(c, env.program(env.compile(t))) for t, c in sorted(conditions.items())]


def cel_activation(facts: PolicyFacts) -> dict[str, Any]:
    data = facts_to_mapping(facts)
    for name in ("site_jurisdictions", "subject_jurisdictions"):
        data[name] = [{**c, "country": c["code"].split("-")[0]} for c in data[name]]
    return {k: celpy.json_to_cel(v) for k, v in data.items()}


CODES = [
    "CA",
    "CA-QC",
    "CA-BC",
    "CA-AB",
    "CA-ON",
    "US-IL",
    "US-TX",
    "US-WA",
    "US-CA",
    "US-NY",
    "DE",
    "FR",
    "GB",
    "AU",
    "NZ",
]
candidates = st.lists(
    st.builds(
        JurisdictionCandidate,
        st.sampled_from(CODES),
        st.sampled_from([0.1, 0.2, 0.3, 0.59, 0.6, 0.9, 1.0]),
    ),
    min_size=1,
    max_size=3,
).map(tuple)

known_facts = st.builds(
    PolicyFacts,
    is_publicly_accessible=st.booleans(),
    robots_allowed=st.booleans(),
    tos_prohibits_scraping=st.booleans(),
    optout_signals=st.lists(st.sampled_from(sorted(OPTOUT_SIGNALS)), max_size=3, unique=True).map(
        tuple
    ),
    contains_face=st.booleans(),
    face_count=st.integers(0, 4),
    consent_evidence=st.sampled_from(sorted(CONSENT_EVIDENCE)),
    source_type=st.sampled_from(sorted(SOURCE_TYPES)),
    uploader_is_subject=st.booleans(),
    subject_is_minor=st.booleans(),
    site_jurisdictions=candidates,
    subject_jurisdictions=candidates,
    purpose=st.sampled_from(sorted(PURPOSES)),
    actor_is_commercial=st.booleans(),
    scraping_is_targeted=st.booleans(),
    biometric_template_created=st.booleans(),
    notice_given=st.booleans(),
    written_release=st.booleans(),
    cai_disclosure_filed=st.booleans(),
    lawful_basis_documented=st.booleans(),
    data_shared_with_third_parties=st.booleans(),
    actor_is_research_organisation=st.booleans(),
)


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(facts=known_facts)
def test_agrees_with_cel_python_on_known_facts(
    builtin_conditions: list[tuple[Condition, Any]], facts: PolicyFacts
) -> None:
    activation = cel_activation(facts)
    for ours, program in builtin_conditions:
        theirs = program.evaluate(activation)
        assert isinstance(theirs, celpy.celtypes.BoolType), ours.source
        assert ours.evaluate(facts) is bool(theirs), ours.source
