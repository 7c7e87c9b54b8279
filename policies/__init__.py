"""Policy packs (one data file per jurisdiction) and the pure evaluator that applies them.

Imports nothing of provtrack but plain record types and errors; never fetches, never stores.

Typical use::

    from policies import PolicyFacts, evaluate, load_packs, profile

    packs = load_packs()                      # built-in packs (+ extra_dirs=[...])
    facts = profile("clearview-style").apply(PolicyFacts(contains_face=True, ...))
    for verdict in evaluate(facts, packs):
        print(verdict.pack_id, verdict.pack_version, verdict.verdict, verdict.fired_ids)
"""

from __future__ import annotations

from policies.evaluate import evaluate, judge, most_severe
from policies.facts import (
    FIELDS,
    PROFILE_FIELDS,
    JurisdictionCandidate,
    PolicyFacts,
    facts_from_mapping,
    facts_to_mapping,
    unknown_fields,
)
from policies.loader import builtin_pack_dir, describe, load_pack, load_packs
from policies.model import (
    Confidence,
    FiredRule,
    Omission,
    Pack,
    Rule,
    UndecidedRule,
    Verdict,
)
from policies.purposes import DEFAULT_PROFILE, PurposeProfile, load_profiles, profile
from provenance.vocab import VerdictKind

__all__ = [
    "DEFAULT_PROFILE",
    "FIELDS",
    "PROFILE_FIELDS",
    "Confidence",
    "FiredRule",
    "JurisdictionCandidate",
    "Omission",
    "Pack",
    "PolicyFacts",
    "PurposeProfile",
    "Rule",
    "UndecidedRule",
    "Verdict",
    "VerdictKind",
    "builtin_pack_dir",
    "describe",
    "evaluate",
    "facts_from_mapping",
    "facts_to_mapping",
    "judge",
    "load_pack",
    "load_packs",
    "load_profiles",
    "most_severe",
    "profile",
    "unknown_fields",
]
