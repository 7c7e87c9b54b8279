"""The report's "Sites" section: what each host is, what it said, and what was taken from it."""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from provenance.evaluation import ImageFacts
from provenance.report.builder import (
    Builder,
)
from provenance.report.verdicts import (
    SEVERITY,
)
from provenance.store import Store
from provenance.store.models import CrawlRun
from provenance.store.queries.reports import host_signal_rows, page_jurisdiction_texts
from provenance.vocab import Decision, SignalKind, SnapshotKind


@dataclass(slots=True)
class HostSignal:
    """A signal the host gave for all its pages and images (robots.txt, terms, ai.txt...)."""

    kind: str
    value: str
    source: str
    evidence: str
    agent: str | None
    url: str | None
    restricts: bool


@dataclass(slots=True)
class SiteRow:
    """One host: what it is, what it said, and what was taken from it."""

    host: str
    source_type: str
    source_type_evidence: str
    site_jurisdiction: str | None
    site_jurisdiction_confidence: float | None
    site_jurisdiction_evidence: list[str]
    robots: str
    robots_evidence: str
    terms_url: str | None
    terms_outcome: str | None
    terms_clauses: list[dict[str, Any]]
    reachable: int = 0
    collected: dict[str, int] = field(default_factory=dict)
    skipped: int = 0
    unseen: int = 0
    failed: int = 0
    faces: int = 0
    minors: int = 0
    most_severe: str | None = None
    most_severe_packs: list[str] = field(default_factory=list)
    signals: list[HostSignal] = field(default_factory=list)


def _robots_summary(
    builder: Builder, run_id: str, host: str, own: tuple[str, str] | None
) -> tuple[str, str]:
    snap = builder.reader.snapshots.get((run_id, host), {}).get(SnapshotKind.ROBOTS)
    outcome = snap.outcome if snap else "not fetched"
    status = f"HTTP {snap.http_status}" if snap and snap.http_status else ""
    summary = f"{outcome}" + (f" ({status})" if status else "")
    if own is not None:
        summary += f"; provtrack: {own[0]}"
    return summary, own[1] if own is not None else ""


def _host_signals(store: Store, run_ids: Sequence[str]) -> dict[tuple[str, str], list[HostSignal]]:
    """Each (run, host)'s host-level signals in recorded order, duplicates dropped."""
    out: dict[tuple[str, str], list[HostSignal]] = defaultdict(list)
    seen: set[tuple[Any, ...]] = set()
    for row in host_signal_rows(store, run_ids):
        run_id, host, kind, value, source, evidence, agent, url, restricts = row
        if row in seen:
            continue
        seen.add(row)
        out[(run_id, host)].append(
            HostSignal(kind, value, source, evidence, agent, url, bool(restricts))
        )
    return out


def _host_robots(
    signals: dict[tuple[str, str], list[HostSignal]],
) -> dict[tuple[str, str], tuple[str, str]]:
    """Each (run, host)'s first robots signal for provtrack: its value and evidence."""
    out: dict[tuple[str, str], tuple[str, str]] = {}
    for key, found in signals.items():
        for sig in found:
            if sig.kind == SignalKind.ROBOTS and sig.agent == "provtrack":
                out.setdefault(key, (sig.value, sig.evidence))
    return out


def _page_jurisdictions(store: Store, run_ids: Sequence[str]) -> dict[tuple[str, str], str]:
    """Each (run, host)'s first page with site jurisdiction candidates (as JSON text)."""
    out: dict[tuple[str, str], str] = {}
    for run_id, host, text in page_jurisdiction_texts(store, run_ids):
        if text and text not in ("[]", "null") and (run_id, host) not in out:
            out[(run_id, host)] = text
    return out


def _described(builder: Builder, order: Sequence[CrawlRun]) -> dict[str, SiteRow]:
    """A row per host with what it is and what it said, from the first run of ``order``
    that holds the host's snapshots; its site jurisdiction from its pages."""
    hosts: dict[str, SiteRow] = {}
    reader = builder.reader
    run_ids = [r.id for r in builder.runs]
    host_signals = _host_signals(builder.store, run_ids)
    robots = _host_robots(host_signals)
    for run in order:
        for (run_id, host), snaps in reader.snapshots.items():
            if host in hosts or run_id != run.id:
                continue
            kind = reader.source_types.get((run_id, host), {"kind": "unknown", "evidence": ""})
            summary, evidence = _robots_summary(builder, run_id, host, robots.get((run_id, host)))
            terms = snaps.get(SnapshotKind.TERMS)
            clauses = [
                {"kind": c.get("kind"), "sentence": c.get("sentence")}
                for c in (terms.parsed.get("clauses", []) if terms else [])
            ]
            hosts[host] = SiteRow(
                host=host,
                source_type=kind.get("kind", "unknown"),
                source_type_evidence=kind.get("evidence", ""),
                site_jurisdiction=None,
                site_jurisdiction_confidence=None,
                site_jurisdiction_evidence=[],
                robots=summary,
                robots_evidence=evidence,
                terms_url=terms.url if terms else None,
                terms_outcome=terms.outcome if terms else None,
                terms_clauses=clauses,
                signals=host_signals.get((run_id, host), []),
            )
    pages = _page_jurisdictions(builder.store, run_ids)
    for run in order:
        for (run_id, host), text in pages.items():
            row = hosts.get(host)
            if run_id == run.id and row is not None and row.site_jurisdiction is None:
                _set_jurisdiction(row, json.loads(text))
        for (run_id, host), candidates in reader.first_site_jurisdiction.items():
            row = hosts.get(host)
            if run_id == run.id and row is not None and row.site_jurisdiction is None:
                _set_jurisdiction(row, candidates)
    return hosts


def _count(row: SiteRow, builder: Builder, rec: ImageFacts) -> None:
    """Add one record of the primary run to its host's figures."""
    row.reachable += rec.decision != Decision.FAILED
    row.failed += rec.decision == Decision.FAILED
    row.faces += bool(rec.face_count)
    row.minors += rec.is_minor is True
    worst = builder.worst.get(rec.image_id)
    if worst is not None:
        severe, packs = worst
        if row.most_severe is None or SEVERITY[severe] > SEVERITY[row.most_severe]:
            row.most_severe, row.most_severe_packs = severe, []
        if severe == row.most_severe:
            row.most_severe_packs = sorted(set(row.most_severe_packs) | packs)


def site_rows(
    builder: Builder,
    primary: CrawlRun,
    compliant: CrawlRun | None,
    reproduce: CrawlRun | None,
) -> list[SiteRow]:
    """Every host's row: its facts, then what each run took from it."""
    # host facts come from the richest run that has them: reproduce reads every host's terms
    order = [r for r in (reproduce, compliant) if r is not None] + [
        r for r in builder.runs if r not in (reproduce, compliant)
    ]
    hosts = _described(builder, order)
    comp = {r.url for r in builder.records[compliant.id]} if compliant else set()
    unseen_counted = compliant is not None and reproduce is not None and primary is reproduce
    for run in builder.runs:
        for rec in builder.records[run.id]:
            row = hosts.get(rec.host)
            if row is None:
                row = hosts[rec.host] = SiteRow(
                    rec.host, "unknown", "", None, None, [], "not fetched", "", None, None, []
                )
            if rec.decision == Decision.COLLECTED:
                row.collected[run.mode] = row.collected.get(run.mode, 0) + 1
            if run.id != primary.id:
                continue
            _count(row, builder, rec)
            if unseen_counted and rec.url not in comp and rec.decision == Decision.COLLECTED:
                row.unseen += 1
    if compliant is not None:
        for rec in builder.records[compliant.id]:
            if rec.host in hosts:
                hosts[rec.host].skipped += rec.decision == Decision.SKIPPED
    return [hosts[h] for h in sorted(hosts)]


def _set_jurisdiction(row: SiteRow, candidates: list[dict[str, Any]]) -> None:
    best = max(candidates, key=lambda c: float(c.get("confidence", 0)))
    row.site_jurisdiction = best.get("code")
    row.site_jurisdiction_confidence = float(best.get("confidence", 0))
    row.site_jurisdiction_evidence = [
        str(e.get("detail") or e.get("value")) for e in best.get("evidence", [])
    ]
