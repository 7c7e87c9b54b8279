"""The report's headline figures: one run's images, opt-outs, faces, licences and minors."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from provenance.evaluation import ImageFacts
from provenance.report.builder import (
    OPTOUT_KINDS,
)
from provenance.store.models import CrawlRun
from provenance.vocab import Decision


@dataclass(slots=True)
class Headline:
    """One run's headline figures (definitions in the module docstring)."""

    run_id: str
    mode: str
    images: int = 0
    reachable: int = 0
    collected: int = 0
    skipped: int = 0
    failed: int = 0
    with_optout: int = 0
    optouts_by_kind: dict[str, int] = field(default_factory=dict)
    with_faces: int = 0
    faces_unknown: int = 0
    with_licence: int = 0
    with_subject_consent: int = 0
    faces_reachable_without_consent: int = 0
    minors: int = 0
    minors_with_faces: int = 0


def headline_of_run(run: CrawlRun, records: list[ImageFacts]) -> Headline:
    h = Headline(run_id=run.id, mode=run.mode, images=len(records))
    kinds: Counter[str] = Counter()
    for rec in records:
        f = rec.facts
        decision = rec.decision
        h.collected += decision == Decision.COLLECTED
        h.skipped += decision == Decision.SKIPPED
        h.failed += decision == Decision.FAILED
        reachable = bool(f.is_publicly_accessible)
        h.reachable += reachable
        gate = rec.gate_kinds
        kinds.update(gate)
        h.with_optout += bool(gate)
        count = rec.face_count
        face = bool(count)
        h.with_faces += face
        h.faces_unknown += count is None
        h.with_licence += f.consent_evidence == "license"
        explicit = f.consent_evidence == "explicit"
        h.with_subject_consent += explicit
        h.faces_reachable_without_consent += face and reachable and not explicit
        minor = rec.is_minor is True
        h.minors += minor
        h.minors_with_faces += minor and face
    h.optouts_by_kind = {k: kinds[k] for k in OPTOUT_KINDS if kinds[k]}
    return h
