"""PolicyFacts validation and the declared purpose profiles."""

from __future__ import annotations

import dataclasses
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from policies import (
    DEFAULT_PROFILE,
    PROFILE_FIELDS,
    JurisdictionCandidate,
    PolicyFacts,
    facts_from_mapping,
    load_profiles,
    profile,
)
from provenance.errors import PolicyError


def test_defaults_of_profile_fields_are_the_default_profile() -> None:
    defaults = PolicyFacts()
    default_profile = profile(DEFAULT_PROFILE)
    assert DEFAULT_PROFILE == "clearview-style"
    for name in PROFILE_FIELDS:
        assert getattr(defaults, name) == default_profile.values[name], name


def test_defaults_of_observed_fields_say_unknown() -> None:
    facts = PolicyFacts()
    assert facts.contains_face is None
    assert facts.subject_is_minor is None
    assert facts.tos_prohibits_scraping is None
    assert facts.robots_status == "unknown"
    assert facts.robots_allowed is None
    assert facts.source_type == "unknown"
    assert facts.site_jurisdictions == ()
    assert facts.subject_jurisdictions == ()
    assert facts.consent_evidence == "none"


def test_shipped_profiles() -> None:
    profiles = load_profiles()
    assert set(profiles) >= {"clearview-style", "education-demo", "research", "ai-training"}
    for p in profiles.values():
        assert set(p.values) == set(PROFILE_FIELDS)
        assert p.description
    assert profiles["clearview-style"].values["purpose"] == "facial_recognition_database"
    applied = profiles["research"].apply(PolicyFacts(contains_face=True))
    assert applied.purpose == "research"
    assert applied.contains_face is True


def test_unknown_profile_names_the_known_ones() -> None:
    with pytest.raises(KeyError, match="clearview-style"):
        profile("stealth")


def profile_text(**overrides: str) -> str:
    """A one-profile file setting every field as clearview-style does, one field a line."""
    values = dict(profile("clearview-style").values)
    lines = ["demo:", "  description: a test profile"]
    for name, value in values.items():
        text = str(value).lower() if isinstance(value, bool) else str(value)
        lines.append(f"  {name}: {overrides.pop(name, text)}")
    lines += [f"  {name}: {value}" for name, value in overrides.items()]
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize(
    ("overrides", "line", "reason"),
    [
        ({"purpose": "surveillance"}, 3, "purpose='surveillance' is not one of"),
        ({"actor_is_commercial": "maybe"}, 4, "must be a bool"),
        ({"contains_face": "true"}, 3 + len(PROFILE_FIELDS), "not a profile field"),
    ],
)
def test_bad_profiles_are_refused_with_line(
    tmp_path: Path, overrides: dict[str, str], line: int, reason: str
) -> None:
    path = tmp_path / "purposes.yaml"
    path.write_text(profile_text(**overrides), encoding="utf-8")
    with pytest.raises(PolicyError) as info:
        load_profiles(path)
    assert info.value.line == line
    assert reason in info.value.reason
    assert info.value.rule_id == "demo"
    assert f"{path}:{line}: rule demo:" in str(info.value)


def test_good_profile_text_loads(tmp_path: Path) -> None:
    path = tmp_path / "purposes.yaml"
    path.write_text(profile_text(), encoding="utf-8")
    assert load_profiles(path)["demo"].values == profile("clearview-style").values


def test_profile_missing_a_field_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "purposes.yaml"
    path.write_text(
        textwrap.dedent(
            """\
            thin:
              description: sets only the purpose
              purpose: research
            """
        ),
        encoding="utf-8",
    )
    with pytest.raises(PolicyError, match="profile does not set actor_is_commercial"):
        load_profiles(path)


@pytest.mark.parametrize(
    ("changes", "error"),
    [
        ({"purpose": "surveillance"}, ValueError),
        ({"optout_signals": ("nofollow",)}, ValueError),
        ({"contains_face": "yes"}, TypeError),
        ({"face_count": True}, TypeError),
        ({"is_publicly_accessible": None}, ValueError),
        ({"subject_jurisdictions": (JurisdictionCandidate("CA", 1.5),)}, ValueError),
        ({"site_jurisdictions": ("CA",)}, TypeError),
        ({"optout_signals": ["noai"]}, TypeError),
    ],
)
def test_facts_refuse_values_outside_their_types(changes: dict[str, object], error: type) -> None:
    with pytest.raises(error):
        dataclasses.replace(PolicyFacts(), **changes)  # type: ignore[arg-type]


def test_facts_from_mapping_normalises_json_shapes() -> None:
    facts = facts_from_mapping(
        {
            "contains_face": True,
            "subject_is_minor": "unknown",
            "uploader_is_subject": "true",
            "optout_signals": ["noai", "tdm_reservation"],
            "subject_jurisdictions": [{"code": "CA-QC", "confidence": 0.8}, ["CA", 0.5]],
            "observed_on": "2026-01-15",
        }
    )
    assert facts.subject_is_minor is None
    assert facts.uploader_is_subject is True
    assert facts.optout_signals == ("noai", "tdm_reservation")
    assert facts.subject_jurisdictions[0].country == "CA"
    assert facts.subject_jurisdictions[1] == JurisdictionCandidate("CA", 0.5)
    with pytest.raises(ValueError, match="unknown PolicyFacts fields"):
        facts_from_mapping({"face": True})
    with pytest.raises(ValueError, match="true, false or unknown"):
        facts_from_mapping({"subject_is_minor": "perhaps"})


def test_policies_imports_nothing_of_ours_but_errors_and_vocabularies() -> None:
    code = (
        "import sys, policies; policies.load_packs(); "
        "ours = sorted(m for m in sys.modules if m.split('.')[0] in "
        "('provenance', 'crawler', 'demoweb', 'provtrack')); print(','.join(ours))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.strip()
    assert set(out.split(",")) <= {"provenance", "provenance.errors", "provenance.vocab"}
