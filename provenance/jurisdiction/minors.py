"""Cues that the person described or pictured is a minor, for the policy packs.

Explicit ages and school grades are strong cues (``Age 15``, ``Grade 9``, ``élève de 4e
année``, ``7. Klasse``, ``15 Jahre alt``); words for children are strong too (``children``,
``kids``, ``enfants``, ``Kinder``); ``students``, ``élèves`` and school names are weak cues,
and ``university students`` is not a cue at all. An explicit adult age (``Age 34``) is
evidence of an adult. The verdict is ``True`` as soon as any minor cue is present (the
legal notes say to prefer false positives and exclude likely minors by default), ``False``
only on an explicit adult age with no minor cue, and ``None`` (unknown) otherwise.

A cue must be about the person pictured. Words for children and pupils that are the audience
or company of someone else (``a raconté sa mission à des centaines d'élèves``, ``spoke to
hundreds of pupils``) are kept as evidence with ``about_subject`` false and do not count;
ages and grades always describe someone and always count. Whether anyone is pictured at all is
the caller's to say (:func:`not_pictured`): a profile's "Grade 9 student" says nothing about a
photograph of a rocket on that profile.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from provenance.jurisdiction._fold import Folded

ADULT_AGE = 18
MAX_AGE = 120
MAX_GRADE = 12
MAX_KLASSE = 13


@dataclass(frozen=True, slots=True)
class MinorCue:
    """One cue: what kind, the text it matched verbatim, and which way it points."""

    cue: str  # "age", "grade", "school", "children", "students"
    matched: str
    minor: bool  # True: points at a minor; False: points at an adult
    strong: bool
    about_subject: bool = True  # False: the words name someone else's audience or company

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready form."""
        return {
            "cue": self.cue,
            "matched": self.matched,
            "minor": self.minor,
            "strong": self.strong,
            "about_subject": self.about_subject,
        }


@dataclass(frozen=True, slots=True)
class MinorAssessment:
    """Whether the subject is a minor (True/False/None = unknown) and the cues behind it."""

    subject_is_minor: bool | None
    cues: list[MinorCue] = field(default_factory=list)
    reason: str = "no age, grade or child cue found"

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready form."""
        return {
            "subject_is_minor": self.subject_is_minor,
            "cues": [c.to_dict() for c in self.cues],
            "reason": self.reason,
        }


# Patterns run on folded text (lowercase, no accents); group 1 is the number where there is one.
_AGE_PATTERNS = (
    r"\b(?:age|aged|ages)\s*[:=]?\s*(\d{1,3})\b(?!\s*(?:%|percent|ans\b|jahre\b))",
    r"\b(\d{1,3})[- ](?:years?|yrs?)[- ]old\b",
    r"\b(\d{1,3})[- ]?(?:yo|y/o|y\.o\.)(?!\w)",
    r"\b(?:age|agee|ages|agees)\s+de\s+(\d{1,3})\s+ans\b",
    r"\b(?:il|elle|qui)\s+a\s+(\d{1,3})\s+ans\b",
    r"\((\d{1,3})\s+ans\)",
    r"\b(\d{1,3})\s+jahre\s+alt\b",
    r"\b(\d{1,3})[- ]?jahrige[rnms]?\b",
    r"\balter\s*[:=]?\s*(\d{1,3})\b",
)
_GRADE_PATTERNS = (
    (r"\bgrade\s+(\d{1,2}|k)\b", MAX_GRADE),
    (r"\b(\d{1,2})(?:st|nd|rd|th)[- ]grade(?:rs?)?\b", MAX_GRADE),
    (r"\b(\d{1,2})\s*(?:e|eme|re|ere)\s+annee\b", 6),  # primary school in Quebec: 1re-6e année
    (r"\bsecondaire\s+([1-5])\b", 5),
    (r"\b([1-5])\s*(?:e|re)\s+secondaire\b", 5),
    (r"\b(\d{1,2})\.\s*klasse\b", MAX_KLASSE),
    (r"\bklasse\s+(\d{1,2})\b", MAX_KLASSE),
)
_CHILDREN = (
    r"\b(?:children|child|kids|kid|toddlers?|bab(?:y|ies)|infants?|teens?|teenagers?|minors|"
    r"juveniles|schoolchildren|schoolkids|preteens?|tweens?|youngsters|"
    r"enfants?|bebes?|adolescent(?:e|es|s)?|ados|mineur(?:e|es|s)|fillettes?|garconnets?|"
    r"kinder|kleinkinder|jugendliche[n]?|minderjahrige[n]?)\b"
)
_SCHOOL = (
    r"\b(?:kindergarten|preschool|pre-k|elementary school|primary school|middle school|"
    r"junior high|high school(?:ers?)?|secondary school|day ?care|"
    r"ecole primaire|ecole secondaire|maternelle|garderie|"
    r"grundschule|kita|hauptschule|realschule|gymnasiast(?:in|en|innen)?)\b"
)
_STUDENTS = r"\b(?:students?|pupils|eleves?|schuler(?:in|innen)?)\b"
_ADULT_STUDENT_BEFORE = re.compile(
    r"(universit\w*|college|graduate|grad|phd|doctoral|postgraduate|undergraduate|mba|law|"
    r"medical|nursing|adult|mature|hochschule)\s+$"
)
_ADULT_STUDENT_AFTER = re.compile(r"^\s+(?:at|of|from)\s+(?:the\s+)?\w*\s*(?:universit|college)")

# Children or pupils as the object of a preposition of address, possibly counted ("to
# hundreds of pupils", "a des centaines d'eleves"): someone else's audience. "with", "avec",
# "among" are left out on purpose: a photo "with the children" may well show them. Run on
# folded text just before the cue; determiners and counts may sit in between.
_AUDIENCE_BEFORE = re.compile(
    r"\b(?:a|aux|pour|devant|to|for|before|addressing)"
    r"(?:\s+(?:des|les|la|le|de|du|d'|the|a|an|some|many|several|local|young|jeunes|"
    r"hundreds|dozens|thousands|centaines|dizaines|milliers|of|\d+)|\s*d')*\s*$"
)

_AGE_RES = tuple(re.compile(p) for p in _AGE_PATTERNS)
_GRADE_RES = tuple((re.compile(p), limit) for p, limit in _GRADE_PATTERNS)
_CHILDREN_RE = re.compile(_CHILDREN)
_SCHOOL_RE = re.compile(_SCHOOL)
_STUDENTS_RE = re.compile(_STUDENTS)


def detect_minor(*texts: str | None) -> MinorAssessment:
    """Assess the texts about one subject (alt text, caption, profile) for minor cues."""
    cues: list[MinorCue] = []
    for text in texts:
        if text:
            cues += _cues(text[:20000])
    unique = list(dict.fromkeys(cues))
    minor = [c for c in unique if c.minor and c.about_subject]
    adult = [c for c in unique if not c.minor]
    if minor:
        strength = "strong" if any(c.strong for c in minor) else "weak"
        reason = f"{strength} minor cue: " + "; ".join(repr(c.matched) for c in minor)
        if adult:
            reason += " (also adult cues: " + "; ".join(repr(c.matched) for c in adult) + ")"
        return MinorAssessment(True, unique, reason)
    if adult:
        return MinorAssessment(
            False, unique, "explicit adult age: " + "; ".join(repr(c.matched) for c in adult)
        )
    return MinorAssessment(None, unique, _NO_CUE if not unique else _OTHERS_ONLY)


_NO_CUE = "no age, grade or child cue found"
_OTHERS_ONLY = "the child or pupil cues describe someone else's audience, not the person pictured"


def not_pictured(assessment: MinorAssessment, reason: str) -> MinorAssessment:
    """``assessment`` with its verdict withdrawn: nobody is pictured for the cues to be about.

    The cues stay as evidence; ``subject_is_minor`` becomes unknown (``None``).
    """
    if not assessment.cues:
        return assessment
    return MinorAssessment(None, assessment.cues, reason)


def detect_minor_in(texts: Iterable[str | None]) -> MinorAssessment:
    """:func:`detect_minor` over an iterable of texts."""
    return detect_minor(*texts)


def _cues(text: str) -> list[MinorCue]:
    folded = Folded.of(text)
    t = folded.text
    out: list[MinorCue] = []
    for rx in _AGE_RES:
        for m in rx.finditer(t):
            age = int(m.group(1))
            if age > MAX_AGE:
                continue
            out.append(MinorCue("age", folded.quote(*m.span()), age < ADULT_AGE, True))
    for rx, limit in _GRADE_RES:
        for m in rx.finditer(t):
            raw = m.group(1)
            grade = 0 if raw == "k" else int(raw)
            if grade <= limit:
                out.append(MinorCue("grade", folded.quote(*m.span()), True, True))
    for m in _CHILDREN_RE.finditer(t):
        about = not _audience(t, m.start())
        out.append(MinorCue("children", folded.quote(*m.span()), True, True, about))
    for m in _SCHOOL_RE.finditer(t):
        out.append(MinorCue("school", folded.quote(*m.span()), True, False))
    for m in _STUDENTS_RE.finditer(t):
        before = t[max(0, m.start() - 30) : m.start()]
        after = t[m.end() : m.end() + 40]
        if _ADULT_STUDENT_BEFORE.search(before) or _ADULT_STUDENT_AFTER.match(after):
            continue
        about = not _audience(t, m.start())
        out.append(MinorCue("students", folded.quote(*m.span()), True, False, about))
    return out


def _audience(text: str, start: int) -> bool:
    """Whether the cue starting at ``start`` names someone's audience ("to pupils")."""
    return _AUDIENCE_BEFORE.search(text[max(0, start - 48) : start]) is not None
