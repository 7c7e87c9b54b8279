"""Shared builders for the policy tests: a fully known base record and jurisdiction helpers."""

from __future__ import annotations

import dataclasses
from functools import cache
from typing import Any

from policies import JurisdictionCandidate, Pack, PolicyFacts, load_packs, profile


def at(*codes: str, confidence: float = 0.9) -> tuple[JurisdictionCandidate, ...]:
    """Candidates for ``codes``, all at ``confidence``."""
    return tuple(JurisdictionCandidate(code, confidence) for code in codes)


# An adult's face in a photo someone else posted publicly on social media, no consent,
# no opt-out, robots and terms known and permissive, collected by the clearview-style crawl.
# Every fact is known, so each case below changes only what its rule turns on.
BASE = profile("clearview-style").apply(
    PolicyFacts(
        is_publicly_accessible=True,
        robots_status="allow",
        robots_allowed=True,
        tos_prohibits_scraping=False,
        tos_prohibits_biometric=False,
        tos_prohibits_commercial_reuse=False,
        optout_signals=(),
        contains_face=True,
        face_count=1,
        consent_evidence="none",
        license=None,
        source_type="social_media",
        uploader_is_subject=False,
        subject_is_minor=False,
        collected=True,
        crawl_mode="reproduce",
    )
)


def record(where: str | None = None, /, **changes: Any) -> PolicyFacts:
    """``BASE`` placed in ``where`` (site and subject, confidence 0.9) with ``changes``.

    A ``profile`` change names a purpose profile applied before the other changes.
    """
    facts = BASE
    name = changes.pop("profile", None)
    if name is not None:
        facts = profile(name).apply(facts)
    if where is not None:
        facts = dataclasses.replace(
            facts, site_jurisdictions=at(where), subject_jurisdictions=at(where)
        )
    return dataclasses.replace(facts, **changes)


@cache
def builtin_packs() -> tuple[Pack, ...]:
    """The built-in packs, loaded once per test session."""
    return tuple(load_packs())


def pack_of(rule_id: str) -> Pack:
    """The built-in pack that holds ``rule_id``."""
    for pack in builtin_packs():
        if any(r.id == rule_id for r in pack.rules):
            return pack
    raise KeyError(rule_id)
