"""The record the policy rules see: ``PolicyFacts``, its vocabularies and what "unknown" means.

A pack's conditions can only name the fields declared here; the loader type-checks every
condition against ``FIELDS`` so a typo or a value outside a vocabulary is refused when the
pack is loaded, not silently false when a record is judged.

Unknown is kept apart from false everywhere (legal-notes §8.1: "Unknown means
``needs-review``, never ``permitted``"):

- a nullable field (``tos_prohibits_scraping``, ``contains_face``, ``uploader_is_subject``,
  ``subject_is_minor``...) holds ``None`` when the crawl could not tell;
- an empty ``site_jurisdictions`` or ``subject_jurisdictions`` means the inference found
  nothing, which is not evidence that the person is nowhere: rules see it as unknown;
- the enum value ``unknown`` of ``source_type`` and ``robots_status`` is a declared value a
  rule may test, and it counts as unknown for the "permitted only on known facts" guard.

Facts the crawl cannot observe (purpose, actor type, whether templates are made, notices
given...) come from the crawl's declared purpose profile (``policies/purposes.yaml``). Their
defaults here equal the ``clearview-style`` profile, the one the demo reproduces, so a record
built without a profile is never judged more leniently than the demo's own crawl.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Final, NamedTuple

from provenance.vocab import CRAWL_MODES as VOCAB_CRAWL_MODES
from provenance.vocab import (
    ConsentEvidence,
    OptoutSignal,
    Purpose,
    RobotsStatus,
    SourceType,
)
from provenance.vocab import values as vocab_values

# The rule checker's vocabularies: plain strings, taken from the one definition of each.
PURPOSES: Final = vocab_values(Purpose)
SOURCE_TYPES: Final = vocab_values(SourceType)
ROBOTS_STATUSES: Final = vocab_values(RobotsStatus)
OPTOUT_SIGNALS: Final = vocab_values(OptoutSignal)
CONSENT_EVIDENCE: Final = vocab_values(ConsentEvidence)
CRAWL_MODES: Final = frozenset(m.value for m in VOCAB_CRAWL_MODES)


class JurisdictionCandidate(NamedTuple):
    """One inferred jurisdiction: an ISO 3166 code (``CA-QC``, ``US-IL``, ``DE``) and 0..1.

    A NamedTuple so that records sharing candidates hash alike (the evaluator memoises on
    them). ``country`` is the ISO 3166-1 part, which is what most packs test.
    """

    code: str
    confidence: float

    @property
    def country(self) -> str:
        """The country part of ``code`` (``CA`` for ``CA-QC``)."""
        return self.code.split("-", 1)[0]


@dataclass(frozen=True, slots=True)
class PolicyFacts:
    """Everything a rule may look at about one image record, as plain immutable data.

    Observed by the crawl (defaults describe a record about which nothing was observed):

    - ``is_publicly_accessible`` (default ``True``): reachable without login or paywall; the
      crawl only reaches such pages. Never amounts to consent (legal-notes §0.4.1).
    - ``robots_status`` (``unknown``) and ``robots_allowed`` (``None``): RFC 9309 outcome for
      provtrack's agent; ``unreachable`` (5xx) means full disallow, ``unavailable`` (4xx) none.
    - ``tos_prohibits_scraping`` / ``tos_prohibits_biometric`` /
      ``tos_prohibits_commercial_reuse`` (``None`` = terms unknown or unread).
    - ``optout_signals`` (``()``): machine-readable opt-outs seen, from ``OPTOUT_SIGNALS``.
      A robots.txt disallow for the image appears here as ``robots_disallow`` as well.
      Their absence is never consent.
    - ``contains_face`` and ``face_count`` (``None``): detection only, never identification.
    - ``consent_evidence`` (``none``): ``license`` when only a copyright licence covers the
      image (never privacy consent, §0.4.3), ``explicit`` for the person's own consent.
    - ``license`` (``None``): the licence identifier or URL, if any.
    - ``source_type`` (``unknown``), ``uploader_is_subject`` and ``subject_is_minor``
      (``None`` = unknown).
    - ``site_jurisdictions`` / ``subject_jurisdictions`` (``()`` = nothing inferred, which
      rules see as unknown), ranked candidates.
    - ``collected`` (``True``): whether this crawl kept the image; ``crawl_mode``
      (``reproduce``).
    - ``observed_on`` (``None``): the day the crawl saw the image. Rules whose ``effective``
      date is later do not apply to it; ``None`` judges against every rule in the packs.

    Declared by the crawl's purpose profile (defaults = ``clearview-style``):
    ``purpose``, ``actor_is_commercial``, ``scraping_is_targeted``,
    ``biometric_template_created`` (face templates are computed and kept for each face found),
    ``notice_given``, ``written_release``, ``cai_disclosure_filed``, and the governance facts
    the legal-notes rules turn on: ``actor_established_in_eu``, ``eu_representative_designated``,
    ``ai_system_used_in_eu``, ``lawful_basis_documented``, ``compliance_procedures_documented``,
    ``retention_policy_published``, ``templates_kept_after_purpose``,
    ``data_shared_with_third_parties``, ``actor_is_research_organisation``.
    """

    is_publicly_accessible: bool = True
    robots_status: str = "unknown"
    robots_allowed: bool | None = None
    tos_prohibits_scraping: bool | None = None
    tos_prohibits_biometric: bool | None = None
    tos_prohibits_commercial_reuse: bool | None = None
    optout_signals: tuple[str, ...] = ()
    contains_face: bool | None = None
    face_count: int | None = None
    consent_evidence: str = "none"
    license: str | None = None
    source_type: str = "unknown"
    uploader_is_subject: bool | None = None
    subject_is_minor: bool | None = None
    site_jurisdictions: tuple[JurisdictionCandidate, ...] = ()
    subject_jurisdictions: tuple[JurisdictionCandidate, ...] = ()
    collected: bool = True
    crawl_mode: str = "reproduce"
    observed_on: dt.date | None = None
    purpose: str = "facial_recognition_database"
    actor_is_commercial: bool = True
    scraping_is_targeted: bool = False
    biometric_template_created: bool = True
    notice_given: bool = False
    written_release: bool = False
    cai_disclosure_filed: bool = False
    actor_established_in_eu: bool = False
    eu_representative_designated: bool = False
    actor_established_in_uk: bool = False
    uk_representative_designated: bool = False
    ai_system_used_in_eu: bool = True
    lawful_basis_documented: bool = False
    compliance_procedures_documented: bool = False
    retention_policy_published: bool = False
    templates_kept_after_purpose: bool = True
    data_shared_with_third_parties: bool = True
    actor_is_research_organisation: bool = False

    def __post_init__(self) -> None:
        for name, spec in FIELDS.items():
            spec.check(name, getattr(self, name))


@dataclass(frozen=True, slots=True)
class FieldSpec:
    """The CEL-visible type of one ``PolicyFacts`` field, used to type-check pack conditions.

    ``kind`` is one of ``bool``, ``int``, ``double``, ``string``, ``date``, ``list``
    (of ``elem_kind``), ``candidates``. ``values`` is the vocabulary of an enum string (or of
    list elements); ``nullable`` says ``None`` (unknown) is allowed.
    """

    kind: str
    nullable: bool = False
    values: frozenset[str] | None = None
    profile: bool = False

    def check(self, name: str, value: object) -> None:
        """Raise ``ValueError``/``TypeError`` when ``value`` does not fit this field."""
        if value is None:
            if not self.nullable:
                raise ValueError(f"{name} may not be None")
            return
        if self.kind == "bool":
            if not isinstance(value, bool):
                raise TypeError(f"{name} must be a bool, not {value!r}")
        elif self.kind == "int":
            if isinstance(value, bool) or not isinstance(value, int):
                raise TypeError(f"{name} must be an int, not {value!r}")
        elif self.kind == "date":
            if not isinstance(value, dt.date) or isinstance(value, dt.datetime):
                raise TypeError(f"{name} must be a datetime.date, not {value!r}")
        elif self.kind == "string":
            if not isinstance(value, str):
                raise TypeError(f"{name} must be a str, not {value!r}")
            if self.values is not None and value not in self.values:
                raise ValueError(f"{name}={value!r} is not one of {sorted(self.values)}")
        elif self.kind == "list":
            if not isinstance(value, tuple):
                raise TypeError(f"{name} must be a tuple, not {type(value).__name__}")
            bad = [v for v in value if self.values is not None and v not in self.values]
            if bad:
                raise ValueError(f"{name} holds {bad!r}, not in {sorted(self.values or ())}")
        elif self.kind == "candidates":
            if not isinstance(value, tuple) or not all(
                isinstance(c, JurisdictionCandidate) for c in value
            ):
                raise TypeError(f"{name} must be a tuple of JurisdictionCandidate")
            for c in value:
                if not 0.0 <= c.confidence <= 1.0:
                    raise ValueError(f"{name}: confidence {c.confidence} outside 0..1")


FIELDS: Final[Mapping[str, FieldSpec]] = {
    "is_publicly_accessible": FieldSpec("bool"),
    "robots_status": FieldSpec("string", values=ROBOTS_STATUSES),
    "robots_allowed": FieldSpec("bool", nullable=True),
    "tos_prohibits_scraping": FieldSpec("bool", nullable=True),
    "tos_prohibits_biometric": FieldSpec("bool", nullable=True),
    "tos_prohibits_commercial_reuse": FieldSpec("bool", nullable=True),
    "optout_signals": FieldSpec("list", values=OPTOUT_SIGNALS),
    "contains_face": FieldSpec("bool", nullable=True),
    "face_count": FieldSpec("int", nullable=True),
    "consent_evidence": FieldSpec("string", values=CONSENT_EVIDENCE),
    "license": FieldSpec("string", nullable=True),
    "source_type": FieldSpec("string", values=SOURCE_TYPES),
    "uploader_is_subject": FieldSpec("bool", nullable=True),
    "subject_is_minor": FieldSpec("bool", nullable=True),
    "site_jurisdictions": FieldSpec("candidates"),
    "subject_jurisdictions": FieldSpec("candidates"),
    "collected": FieldSpec("bool"),
    "crawl_mode": FieldSpec("string", values=CRAWL_MODES),
    "observed_on": FieldSpec("date", nullable=True),
    "purpose": FieldSpec("string", values=PURPOSES, profile=True),
    "actor_is_commercial": FieldSpec("bool", profile=True),
    "scraping_is_targeted": FieldSpec("bool", profile=True),
    "biometric_template_created": FieldSpec("bool", profile=True),
    "notice_given": FieldSpec("bool", profile=True),
    "written_release": FieldSpec("bool", profile=True),
    "cai_disclosure_filed": FieldSpec("bool", profile=True),
    "actor_established_in_eu": FieldSpec("bool", profile=True),
    "eu_representative_designated": FieldSpec("bool", profile=True),
    "actor_established_in_uk": FieldSpec("bool", profile=True),
    "uk_representative_designated": FieldSpec("bool", profile=True),
    "ai_system_used_in_eu": FieldSpec("bool", profile=True),
    "lawful_basis_documented": FieldSpec("bool", profile=True),
    "compliance_procedures_documented": FieldSpec("bool", profile=True),
    "retention_policy_published": FieldSpec("bool", profile=True),
    "templates_kept_after_purpose": FieldSpec("bool", profile=True),
    "data_shared_with_third_parties": FieldSpec("bool", profile=True),
    "actor_is_research_organisation": FieldSpec("bool", profile=True),
}

PROFILE_FIELDS: Final = tuple(name for name, spec in FIELDS.items() if spec.profile)

# Values of a non-nullable enum that say "we could not tell" (see the module docstring).
_UNKNOWN_ENUM_VALUES: Final = {"source_type": "unknown", "robots_status": "unknown"}

_TRISTATE = {"true": True, "false": False, "unknown": None, "null": None}


def _known_check(name: str) -> Callable[[object], bool]:
    if FIELDS[name].kind == "candidates":
        return bool
    marker = _UNKNOWN_ENUM_VALUES.get(name)
    if marker is not None:
        return lambda value: value is not None and value != marker
    return lambda value: value is not None


_KNOWN: Final = {name: _known_check(name) for name in FIELDS}


def is_known(name: str, value: object) -> bool:
    """Whether ``value`` of field ``name`` is a known fact (not None, empty or ``unknown``)."""
    return _KNOWN[name](value)


def unknown_fields(facts: PolicyFacts, names: Iterable[str]) -> tuple[str, ...]:
    """The subset of ``names`` whose value in ``facts`` is unknown, sorted."""
    known = _KNOWN
    return tuple(sorted(n for n in names if not known[n](getattr(facts, n))))


def facts_from_mapping(data: Mapping[str, Any]) -> PolicyFacts:
    """Build ``PolicyFacts`` from plain JSON-like data, normalising what JSON cannot hold.

    Accepts lists for tuples, ``{"code": ..., "confidence": ...}`` mappings for candidates,
    ``"true"``/``"false"``/``"unknown"`` for the nullable booleans and ISO dates. Unknown keys
    and out-of-vocabulary values raise ``ValueError`` (``TypeError`` for wrong types): a
    mapping bug must fail loudly rather than read as "unknown".
    """
    extra = sorted(set(data) - set(FIELDS))
    if extra:
        raise ValueError(f"unknown PolicyFacts fields: {extra}")
    kwargs: dict[str, Any] = {}
    for name, value in data.items():
        spec = FIELDS[name]
        if spec.kind == "bool" and spec.nullable and isinstance(value, str):
            if value.lower() not in _TRISTATE:
                raise ValueError(f"{name}={value!r} is not true, false or unknown")
            value = _TRISTATE[value.lower()]
        elif spec.kind == "list" and isinstance(value, list | tuple | set | frozenset):
            value = tuple(sorted(value)) if isinstance(value, set | frozenset) else tuple(value)
        elif spec.kind == "candidates" and isinstance(value, list | tuple):
            value = tuple(_candidate(name, c) for c in value)
        elif spec.kind == "date" and isinstance(value, str):
            value = dt.date.fromisoformat(value)
        kwargs[name] = value
    return PolicyFacts(**kwargs)


def _candidate(name: str, raw: object) -> JurisdictionCandidate:
    if isinstance(raw, JurisdictionCandidate):
        return raw
    if isinstance(raw, Mapping) and {"code", "confidence"} <= set(raw):
        return JurisdictionCandidate(str(raw["code"]), float(raw["confidence"]))
    if isinstance(raw, list | tuple) and len(raw) == 2:
        return JurisdictionCandidate(str(raw[0]), float(raw[1]))
    raise TypeError(f"{name}: a candidate needs a code and a confidence, got {raw!r}")


def facts_to_mapping(facts: PolicyFacts) -> dict[str, Any]:
    """Plain JSON-ready data for ``facts`` (the inverse of ``facts_from_mapping``)."""
    out: dict[str, Any] = {}
    for f in dataclasses.fields(facts):
        value = getattr(facts, f.name)
        if FIELDS[f.name].kind == "candidates":
            value = [{"code": c.code, "confidence": c.confidence} for c in value]
        elif isinstance(value, tuple):
            value = list(value)
        elif isinstance(value, dt.date):
            value = value.isoformat()
        out[f.name] = value
    return out


__all__ = [
    "CONSENT_EVIDENCE",
    "CRAWL_MODES",
    "FIELDS",
    "OPTOUT_SIGNALS",
    "PROFILE_FIELDS",
    "PURPOSES",
    "ROBOTS_STATUSES",
    "SOURCE_TYPES",
    "FieldSpec",
    "JurisdictionCandidate",
    "PolicyFacts",
    "facts_from_mapping",
    "facts_to_mapping",
    "is_known",
    "unknown_fields",
]
