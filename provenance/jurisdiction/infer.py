"""Combine evidence into ranked jurisdiction candidates, keeping conflicts visible.

How a candidate's confidence is computed, and why:
- Evidence is grouped by the code it points at. A subdivision's evidence also supports its
  country (``CA-QC`` evidence counts for ``CA``); a country's evidence does not support any
  subdivision.
- Within one source (ten pages' worth of the same 514 number, two ``hreflang`` tags) only
  the strongest item counts, so repetition does not manufacture certainty.
- Across independent sources the weights combine as a noisy-OR, ``1 - Π(1 - w)``: two
  medium signals agreeing beat one, and the result stays below 1.
- Candidates are never normalised against each other. A ``.de`` site with a Canadian phone
  number yields both ``DE`` and ``CA``, each scored on its own evidence and each showing it:
  conflict is information, not noise to be averaged away.
- No evidence with a code means no candidate: unknown stays an empty list, not a guess.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from provenance.jurisdiction._regions import display_name
from provenance.jurisdiction.model import Candidate, Evidence, EvidenceSource

MAX_CONFIDENCE = 0.99


def combine(evidence: Iterable[Evidence]) -> list[Candidate]:
    """Rank candidates by confidence (ties: country before subdivision, then code)."""
    by_code: dict[str, list[Evidence]] = {}
    for e in evidence:
        if not e.code or e.weight <= 0:
            continue
        by_code.setdefault(e.code, []).append(e)
        if "-" in e.code:
            by_code.setdefault(e.code.split("-", 1)[0], []).append(e)
    candidates = [
        Candidate(code, _confidence(items), _ordered(items)) for code, items in by_code.items()
    ]
    candidates.sort(key=lambda c: (-c.confidence, c.is_subdivision, c.code))
    return candidates


def infer_site(evidence: Iterable[Evidence]) -> list[Candidate]:
    """Ranked candidates for the site's jurisdiction (operator and audience)."""
    return combine(e for e in evidence if e.source is not EvidenceSource.SITE_FALLBACK)


def infer_subject(evidence: Iterable[Evidence]) -> list[Candidate]:
    """Ranked candidates for the pictured or described person's jurisdiction.

    Site-fallback evidence counts only when no direct evidence about the subject points
    anywhere; candidates resting on it alone are marked by ``Candidate.fallback_only``.
    """
    items = list(evidence)
    direct = [e for e in items if e.source is not EvidenceSource.SITE_FALLBACK]
    found = combine(direct)
    if found:
        return found
    return combine(e for e in items if e.source is EvidenceSource.SITE_FALLBACK)


def countries(candidates: Sequence[Candidate]) -> list[str]:
    """The distinct countries among ``candidates``, in rank order."""
    seen: list[str] = []
    for c in candidates:
        if c.country not in seen:
            seen.append(c.country)
    return seen


def is_conflicting(candidates: Sequence[Candidate]) -> bool:
    """True when the candidates name more than one country."""
    return len(countries(candidates)) > 1


def table_rows(candidates: Sequence[Candidate]) -> list[dict[str, str | float]]:
    """One plain row per candidate for reports: code, name, confidence, sources, evidence.

    ``evidence`` lists each item as ``source: value`` so a reader sees what every code rests
    on; ``fallback`` marks candidates that rest only on the site's jurisdiction.
    """
    rows: list[dict[str, str | float]] = []
    for c in candidates:
        rows.append(
            {
                "code": c.code,
                "name": display_name(c.code),
                "confidence": c.confidence,
                "sources": ", ".join(c.sources),
                "evidence": "; ".join(f"{e.source.value}: {e.value}" for e in c.evidence),
                "fallback": "yes" if c.fallback_only else "",
            }
        )
    return rows


def _confidence(items: list[Evidence]) -> float:
    best: dict[EvidenceSource, float] = {}
    for e in items:
        best[e.source] = max(best.get(e.source, 0.0), min(max(e.weight, 0.0), 1.0))
    miss = 1.0
    for w in best.values():
        miss *= 1.0 - w
    return round(min(MAX_CONFIDENCE, 1.0 - miss), 3)


def _ordered(items: list[Evidence]) -> list[Evidence]:
    unique: list[Evidence] = []
    for e in items:
        if e not in unique:
            unique.append(e)
    return sorted(unique, key=lambda e: -e.weight)
