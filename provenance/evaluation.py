"""From stored records to policy verdicts: the facts each rule reads, and storing the verdicts.

The mapping is the only place where crawl records become :class:`policies.PolicyFacts`.
Observed facts come from the record (signals, faces, jurisdiction, terms); what a crawl cannot
observe (purpose, actor type, template creation) comes from the run's declared purpose
profile. Unknown stays unknown (``None``), which the packs turn into ``needs-review``.
Re-evaluating after editing a pack reads the store and never re-crawls; every evaluation
appends its verdicts under a new evaluation id, so earlier verdicts stay in the evidence log.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from policies import JurisdictionCandidate, Pack, PolicyFacts, evaluate, profile
from provenance.export.records import ExportView
from provenance.sitetype import infer_source_type
from provenance.store import Store
from provenance.store.models import CrawlRun, VerdictRecord

# Restricting signals → the opt-out vocabulary of the policy facts.
_DIRECTIVES = {
    "noai": "noai",
    "noimageai": "noimageai",
    "noimageindex": "noimageindex",
    "noml": "noml",
    "none": "noimageindex",
}
_MIN_CONFIDENCE = 0.2  # candidates below this are evidence too weak to name a jurisdiction


def optout_vocabulary(signal: dict[str, Any]) -> str | None:
    """The policy-facts name of a restricting signal, or None when it names nothing there."""
    if not signal.get("restricts"):
        return None
    kind, value = signal["kind"], str(signal["value"]).lower()
    if kind in ("meta-robots", "x-robots-tag"):
        return _DIRECTIVES.get(value)
    return {
        "tdm-reservation": "tdm_reservation",
        "iptc-data-mining": "iptc_dmi_prohibited",
        "c2pa-training-mining": "c2pa_training_not_allowed",
        "robots": "robots_disallow",
        "ai-txt": "ai_txt_disallow",
        "content-usage": "content_usage_no",
        "content-signal": "content_usage_no",
    }.get(kind)


def _candidates(items: Iterable[dict[str, Any]]) -> tuple[JurisdictionCandidate, ...]:
    return tuple(
        JurisdictionCandidate(code=c["code"], confidence=float(c["confidence"]))
        for c in items
        if float(c.get("confidence", 0)) >= _MIN_CONFIDENCE
    )


def _terms_flag(
    terms: list[dict[str, Any]], snapshot: dict[str, Any] | None, kind: str
) -> bool | None:
    if snapshot is None or snapshot.get("outcome") in (
        None,
        "not_fetched",
        "fetch_failed",
        "absent",
    ):
        return None  # terms unknown: never read as "no prohibition"
    return any(c.get("kind") == kind for c in terms)


def facts_for(record: dict[str, Any], source_type: str, run: CrawlRun) -> PolicyFacts:
    """The policy facts of one exported image record under its run's purpose profile."""
    robots = next(
        (
            s
            for s in record["signals"]
            if s["kind"] == "robots" and (s.get("agent") or "") == "provtrack"
        ),
        None,
    )
    robots_status = robots["value"] if robots else "unknown"
    if robots_status not in ("allow", "disallow", "unreachable", "unavailable"):
        robots_status = "unknown"
    robots_allowed = {"allow": True, "unavailable": True, "disallow": False, "unreachable": False}
    licences = [s for s in record["signals"] if s["kind"] == "license"]
    terms = record.get("terms") or []
    snapshot = record.get("terms_snapshot")
    permits = any(c.get("kind") == "permits-reuse-with-licence" for c in terms)
    faces = record.get("faces") or {}
    optouts = sorted({v for s in record["signals"] if (v := optout_vocabulary(s))})
    fetched = record.get("fetched_at")
    observed = datetime.fromisoformat(fetched.replace("Z", "+00:00")).date() if fetched else None
    minor = (record.get("subject") or {}).get("is_minor")
    facts = PolicyFacts(
        is_publicly_accessible=record["decision"] != "failed",
        robots_status=robots_status,
        robots_allowed=robots_allowed.get(robots_status),
        tos_prohibits_scraping=_terms_flag(terms, snapshot, "prohibits-scraping"),
        tos_prohibits_biometric=_terms_flag(terms, snapshot, "prohibits-biometric"),
        tos_prohibits_commercial_reuse=_terms_flag(terms, snapshot, "prohibits-commercial-reuse"),
        optout_signals=tuple(optouts),
        contains_face=None if faces.get("count") is None else faces["count"] > 0,
        face_count=faces.get("count"),
        consent_evidence="license" if licences or permits else "none",
        license=str(licences[0]["value"]) if licences else None,
        source_type=source_type,
        uploader_is_subject=None,
        subject_is_minor=minor if isinstance(minor, bool) else None,
        site_jurisdictions=_candidates(record.get("site_jurisdiction") or []),
        subject_jurisdictions=_candidates(record.get("subject_jurisdiction") or []),
        collected=record["decision"] == "collected",
        crawl_mode=record["mode"],
        observed_on=observed,
    )
    return profile(run.purpose).apply(facts)


@dataclass(slots=True)
class EvaluationSummary:
    """What one evaluation did."""

    evaluation_id: str
    records: int = 0
    verdicts: int = 0
    by_pack: dict[str, dict[str, int]] = field(default_factory=dict)
    pack_versions: dict[str, str] = field(default_factory=dict)
    source_types: dict[str, dict[str, str]] = field(default_factory=dict)


def host_source_types(
    view: ExportView, overrides: dict[str, str]
) -> dict[tuple[str, str], dict[str, str]]:
    """Each (run, host)'s inferred source type, or the user's override, with evidence."""
    out: dict[tuple[str, str], dict[str, str]] = {}
    for (run_id, host), snaps in view.snapshots.items():
        if host in overrides:
            out[(run_id, host)] = {"kind": overrides[host], "evidence": "named by the user"}
            continue
        home = snaps.get("home")
        out[(run_id, host)] = infer_source_type(home.body if home else None).to_dict()
    return out


def evaluate_store(
    store: Store,
    packs: Sequence[Pack],
    *,
    run_id: str | None = None,
    source_types: dict[str, str] | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> EvaluationSummary:
    """Evaluate every image record of a run (or of all runs) and store the verdicts."""
    summary = EvaluationSummary(evaluation_id=uuid.uuid4().hex[:12])
    summary.pack_versions = {p.id: p.version for p in packs}
    runs = {r.id: r for r in store.all(CrawlRun)}
    view = ExportView(store, run_id)
    types = host_source_types(view, source_types or {})
    rows: list[VerdictRecord] = []
    now = datetime.now(UTC)
    total = len(view.images)
    for index, image in enumerate(view.images):
        record = view.image_export(image)
        kind = types.get((image.run_id, image.host), {"kind": "unknown"})["kind"]
        summary.source_types.setdefault(image.host, types.get((image.run_id, image.host), {}))
        facts = facts_for(record, kind, runs[image.run_id])
        for verdict in evaluate(facts, packs):
            data = verdict.to_dict()
            rows.append(
                VerdictRecord(
                    run_id=image.run_id,
                    image_id=image.id or 0,
                    pack=verdict.pack_id,
                    pack_version=verdict.pack_version,
                    jurisdiction=verdict.jurisdiction,
                    verdict=str(verdict.verdict),
                    rules=[*data.get("fired", []), *data.get("undecided", [])],
                    purpose=runs[image.run_id].purpose,
                    evaluation=summary.evaluation_id,
                    reasons=list(data.get("reasons", [])),
                    evaluated_at=now,
                )
            )
            counts = summary.by_pack.setdefault(verdict.pack_id, {})
            counts[str(verdict.verdict)] = counts.get(str(verdict.verdict), 0) + 1
        summary.records += 1
        if len(rows) >= 2000:
            store.write(rows, note=f"evaluation {summary.evaluation_id}")
            summary.verdicts += len(rows)
            rows = []
        if progress is not None:
            progress(index + 1, total)
    if rows:
        store.write(rows, note=f"evaluation {summary.evaluation_id}")
        summary.verdicts += len(rows)
    return summary
