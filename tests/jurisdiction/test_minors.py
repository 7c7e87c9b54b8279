"""Minor-age cues: explicit ages and grades, child words, and what is not a cue."""

from __future__ import annotations

import pytest

from provenance.jurisdiction import detect_minor

# (text, expected subject_is_minor)
CASES = [
    ("Age 15", True),
    ("age: 12", True),
    ("Sam, 16 years old", True),
    ("a 14-year-old skater", True),
    ("Grade 9", True),
    ("grade 4 class photo", True),
    ("our 3rd grade team", True),
    ("élève de 4e année", True),
    ("Marie (15 ans)", True),
    ("âgée de 13 ans", True),
    ("15 Jahre alt", True),
    ("Schülerin der 7. Klasse", True),
    ("students", True),  # weak cue, still a cue
    ("children", True),
    ("kids", True),
    ("les enfants du quartier", True),
    ("Kinder im Park", True),
    ("Age 34", False),  # explicit adult age
    ("35 years old", False),
    ("University students at the lab", None),  # not a minor cue
    ("photo of a tree", None),
    ("We upgraded our site", None),
    ("Grade A beef", None),
    ("depuis 15 ans", None),  # "for 15 years", not an age
    ("", None),
    # pupils or children as someone else's audience: not the person pictured
    ("Elle a raconté sa mission à des centaines d'élèves.", None),
    ("The astronaut spoke to hundreds of pupils", None),
    ("A librarian reading to the children", None),
    ("Des élèves de 4e année écoutent l'astronaute", True),  # a grade describes them
    ("The mayor with the children of the school", True),  # "with": they may be pictured
]


@pytest.mark.parametrize(("text", "expected"), CASES)
def test_minor_cues(text: str, expected: bool | None) -> None:
    assert detect_minor(text).subject_is_minor is expected


def test_cues_quote_the_text_and_say_their_strength() -> None:
    a = detect_minor("Photo: élève de 4e année")
    matched = {(c.cue, c.matched, c.strong) for c in a.cues}
    assert ("grade", "4e année", True) in matched
    assert ("students", "élève", False) in matched
    assert "4e année" in a.reason


def test_minor_cue_wins_over_adult_age_and_both_are_shown() -> None:
    a = detect_minor("Coach, age 40, with the kids")
    assert a.subject_is_minor is True
    assert {c.minor for c in a.cues} == {True, False}
    assert "adult" in a.reason


def test_several_texts_are_read_together() -> None:
    assert detect_minor(None, "Sunset", "Grade 10").subject_is_minor is True
    assert detect_minor(None, None).subject_is_minor is None


def test_audience_cues_are_kept_as_evidence_that_does_not_count() -> None:
    found = detect_minor("Elle a raconté sa mission à des centaines d'élèves.")
    assert found.subject_is_minor is None
    assert [(c.matched, c.about_subject) for c in found.cues] == [("élèves", False)]
    assert "audience" in found.reason


def test_nobody_pictured_withdraws_the_verdict_but_keeps_the_cues() -> None:
    from provenance.jurisdiction.minors import not_pictured

    profile = detect_minor("Noah Martin · Grade 9 student · Lives in Toronto, ON")
    assert profile.subject_is_minor is True
    rocket = not_pictured(profile, "no face in the image")
    assert rocket.subject_is_minor is None
    assert rocket.cues == profile.cues
    assert rocket.reason == "no face in the image"
    assert not_pictured(detect_minor("a tree"), "x").reason == detect_minor("a tree").reason
