"""Typed shapes of packs, rules and verdicts (plain immutable data, JSON-ready on request)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from policies._cel import Condition
from provenance.vocab import VerdictKind


class Confidence(StrEnum):
    """How well the rule's legal basis was checked (legal-notes §0.2)."""

    VERIFIED = "V"  # wording read in a primary or official source
    SECONDARY = "S"  # confirmed in a reputable secondary source
    MEMORY = "M"  # background knowledge, not verified: treat as uncertain


@dataclass(frozen=True, slots=True)
class Rule:
    """One rule of a pack: when ``condition`` holds, the record gets ``verdict``.

    ``line`` is where the rule starts in its pack file. ``confidence_note`` keeps the mixed
    marking legal-notes gives (``V (text), S (guidance)``) where ``confidence`` must pick one
    letter: the weakest, so a rule is never presented as surer than its weakest support.
    """

    id: str
    condition: Condition
    verdict: VerdictKind
    citation: str
    explanation: str
    effective: dt.date
    confidence: Confidence
    tags: tuple[str, ...] = ()
    confidence_note: str | None = None
    line: int | None = None

    @property
    def when(self) -> str:
        """The CEL source of the condition."""
        return self.condition.source


@dataclass(frozen=True, slots=True)
class Omission:
    """A legal-notes rule deliberately not encoded, with the reason (kept in the pack file)."""

    id: str
    reason: str


class PackCache:
    """Mutable per-pack evaluation state (memo tables), filled by the evaluator on first use.

    It holds only results derived from the pack and the facts, so sharing a pack between
    callers cannot change any verdict.
    """

    __slots__ = (
        "applicability_reason",
        "applies_getter",
        "applies_memo",
        "has_permitted",
        "lookups",
        "memo_known",
        "memo_unknown",
        "misses",
        "outcome_memo",
        "pack_fields",
        "plan",
        "rule_getter",
        "skip_memo",
    )

    def __init__(self) -> None:
        self.applies_getter: Any = None
        self.rule_getter: Any = None
        self.plan: tuple[Any, ...] = ()
        self.applicability_reason = ""
        self.lookups = 0
        self.misses = 0
        self.skip_memo = 0
        self.outcome_memo: dict[Any, Any] = {}
        self.has_permitted = False
        self.pack_fields: frozenset[str] = frozenset()
        self.applies_memo: dict[Any, Any] = {}
        self.memo_known: dict[Any, Any] = {}
        self.memo_unknown: dict[Any, Any] = {}


@dataclass(frozen=True, eq=False)
class Pack:
    """One jurisdiction's rules, as loaded and validated from a pack file.

    ``overrides`` names the file of a pack with the same id that this one replaced (an extra
    pack overriding a built-in), or is ``None``.
    """

    id: str
    name: str
    version: str
    jurisdictions: tuple[str, ...]
    applies: Condition
    effective: dt.date
    sources: tuple[str, ...]
    rules: tuple[Rule, ...]
    path: str
    description: str | None = None
    omitted: tuple[Omission, ...] = ()
    overrides: str | None = None
    cache: PackCache = field(default_factory=lambda: PackCache(), repr=False, compare=False)

    @property
    def applies_when(self) -> str:
        """The CEL source of the applicability condition."""
        return self.applies.source

    def rule(self, rule_id: str) -> Rule:
        """The rule with this id; ``KeyError`` if the pack has none."""
        for r in self.rules:
            if r.id == rule_id:
                return r
        raise KeyError(rule_id)


@dataclass(frozen=True, slots=True)
class FiredRule:
    """A rule whose condition held for the record."""

    id: str
    verdict: VerdictKind
    citation: str
    explanation: str
    confidence: Confidence

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "id": self.id,
            "verdict": str(self.verdict),
            "citation": self.citation,
            "explanation": self.explanation,
            "confidence": str(self.confidence),
        }


@dataclass(frozen=True, slots=True)
class UndecidedRule:
    """A rule the record's unknown facts left undecided; it counts as ``needs-review``.

    ``would_yield`` is the rule's own verdict had the condition held, ``unknown_fields`` the
    facts that would decide it.
    """

    id: str
    would_yield: VerdictKind
    unknown_fields: tuple[str, ...]
    citation: str
    explanation: str
    confidence: Confidence

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "id": self.id,
            "would_yield": str(self.would_yield),
            "unknown_fields": list(self.unknown_fields),
            "citation": self.citation,
            "explanation": self.explanation,
            "confidence": str(self.confidence),
        }


@dataclass(frozen=True, slots=True)
class Verdict:
    """A pack's judgement of one record.

    ``verdict`` is the most severe among ``fired`` rules, raised to ``needs-review`` by any
    undecided rule or rule-less reason, and ``needs-review`` when nothing fired. When the
    pack's applicability could not be decided (``jurisdiction_known`` false), the rules are
    still evaluated and reported but ``verdict`` is capped at ``needs-review``: a possible
    violation in a jurisdiction the person may not belong to is a question, not a finding.
    """

    pack_id: str
    pack_version: str
    jurisdictions: tuple[str, ...]
    verdict: VerdictKind
    fired: tuple[FiredRule, ...]
    undecided: tuple[UndecidedRule, ...] = ()
    reasons: tuple[str, ...] = ()
    jurisdiction_known: bool = True

    @property
    def jurisdiction(self) -> str:
        """The pack's primary jurisdiction code (the first it lists)."""
        return self.jurisdictions[0]

    @property
    def fired_ids(self) -> tuple[str, ...]:
        """Ids of the fired rules, in pack order."""
        return tuple(r.id for r in self.fired)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form, for reports and the store."""
        return {
            "pack": self.pack_id,
            "version": self.pack_version,
            "jurisdiction": self.jurisdiction,
            "jurisdictions": list(self.jurisdictions),
            "verdict": str(self.verdict),
            "jurisdiction_known": self.jurisdiction_known,
            "fired": [r.to_dict() for r in self.fired],
            "undecided": [r.to_dict() for r in self.undecided],
            "reasons": list(self.reasons),
        }
