"""Cues that the person described or pictured is a minor, for the policy packs.

Explicit ages and school grades are strong cues (``Age 15``, ``Grade 9``, ``élève de 4e
année``, ``7. Klasse``, ``15 Jahre alt``); words for children are strong too (``children``,
``kids``, ``enfants``, ``Kinder``); ``students``, ``élèves`` and school names are weak cues,
and ``university students`` is not a cue at all. An explicit adult age (``Age 34``) is
evidence of an adult. The verdict is ``True`` as soon as any minor cue is present (the
legal notes say to prefer false positives and exclude likely minors by default), ``False``
only on an explicit adult age with no minor cue, and ``None`` (unknown) otherwise.
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

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready form."""
        return {
            "cue": self.cue,
            "matched": self.matched,
            "minor": self.minor,
            "strong": self.strong,
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
    minor = [c for c in unique if c.minor]
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
    return MinorAssessment(None, [])


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
        out.append(MinorCue("children", folded.quote(*m.span()), True, True))
    for m in _SCHOOL_RE.finditer(t):
        out.append(MinorCue("school", folded.quote(*m.span()), True, False))
    for m in _STUDENTS_RE.finditer(t):
        before = t[max(0, m.start() - 30) : m.start()]
        after = t[m.end() : m.end() + 40]
        if _ADULT_STUDENT_BEFORE.search(before) or _ADULT_STUDENT_AFTER.match(after):
            continue
        out.append(MinorCue("students", folded.quote(*m.span()), True, False))
    return out
