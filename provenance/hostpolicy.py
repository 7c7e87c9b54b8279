"""A host's policy as read from its snapshots: what the gate consults for every request.

The same snapshots a crawl stores (robots.txt, ai.txt, tdmrep.json, home and terms pages,
each with its HTTP status and bytes) are enough to rebuild the policy: a resumed crawl, or a
second crawler process of a distributed crawl, reads the host's policy from the store instead
of fetching the documents again, so each host is snapshotted once per run.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from provenance.jurisdiction import Evidence, infer_site, site_evidence
from provenance.observation import Status
from provenance.records import SnapshotRecord
from provenance.signals import gate
from provenance.signals._vocab import PROVTRACK_AGENT
from provenance.signals.aitxt import AiTxt
from provenance.signals.model import Signal, SignalKind
from provenance.signals.robotstxt import RobotsSnapshot
from provenance.signals.rsl import RslDocument
from provenance.signals.tdmrep import TdmFile
from provenance.terms import TermsReading, read_terms
from provenance.vocab import CrawlMode, SnapshotKind


@dataclass(slots=True)
class HostPolicy:
    """What one host said, read once: the gate's context plus the evidence about the site."""

    host: str
    mode: gate.Mode
    context: gate.HostContext
    site_evidence: list[Evidence] = field(default_factory=list)
    terms_clauses: list[dict[str, Any]] = field(default_factory=list)
    policy_documents: frozenset[str] = frozenset()
    _evidence_keys: set[tuple[object, ...]] = field(default_factory=set)

    def add_site_evidence(self, evidence: list[Evidence]) -> None:
        """Grow the host's evidence with what another of its pages says (deduplicated)."""
        for item in evidence:
            key = (item.source, item.value, item.code)
            if key not in self._evidence_keys:
                self._evidence_keys.add(key)
                self.site_evidence.append(item)

    def site_candidates(self) -> list[dict[str, Any]]:
        """The site's jurisdiction candidates from everything read so far."""
        return [c.to_dict() for c in infer_site(self.site_evidence)]

    def page_decision(self, url: str) -> gate.GateDecision:
        """May the crawl fetch this page?

        The home and terms pages were already fetched to read the terms (robots.txt allowing
        them); terms that forbid automated collection do not un-fetch them, so they are
        recorded as fetched pages. Their images still meet the terms at the image gate.
        """
        decision = gate.check_page(self.context, url, mode=self.mode)
        terms_only = all(r.kind is SignalKind.TERMS for r in decision.reasons)
        if url in self.policy_documents and decision.reasons and terms_only:
            return replace(decision, allowed=True, reasons=[], rule_ids=[])
        return decision

    def image_decision_before(
        self, url: str, page: Any, page_refused: Sequence[Signal] = ()
    ) -> gate.GateDecision:
        """May the crawl request this image, found on ``page`` (its PageSignals)? An audit
        passes ``page_refused``: why the page a dataset names for the image was not fetched."""
        return gate.check_image_before(
            self.context, url, page, mode=self.mode, page_refused=page_refused
        )

    def image_decision_after(
        self, url: str, headers: dict[str, list[str]], embedded: list[Signal]
    ) -> gate.GateDecision:
        """May the crawl keep this image, given its response headers and embedded signals?"""
        return gate.check_image_after(url, headers, embedded, mode=self.mode)


def _error(snapshot: SnapshotRecord) -> str | None:
    error = snapshot.parsed.get("fetch_error") if snapshot.parsed else None
    return str(error) if error else None


def read_robots(snapshot: SnapshotRecord) -> RobotsSnapshot:
    """robots.txt as fetched (unreachable when there was no answer)."""
    return RobotsSnapshot.from_fetch(
        snapshot.url,
        snapshot.http_status,
        snapshot.body,
        _error(snapshot)
        or (None if snapshot.http_status is not None else snapshot.reason or "no response"),
        snapshot.fetched_at,
        truncated=bool(snapshot.truncated),
    )


def read_terms_snapshot(snapshot: SnapshotRecord) -> TermsReading:
    """The terms page as classified."""
    return read_terms(snapshot.url, snapshot.body or b"", snapshot.http_status, snapshot.fetched_at)


def policy_from_snapshots(host: str, mode: str, snapshots: list[SnapshotRecord]) -> HostPolicy:
    """Rebuild a host's policy from its snapshots (as fetched now, or as stored)."""
    by_kind = {s.kind: s for s in snapshots}
    robots_snap = by_kind[SnapshotKind.ROBOTS]
    robots = read_robots(robots_snap)

    def fetched(kind: SnapshotKind) -> SnapshotRecord | None:
        snap = by_kind.get(kind)
        return snap if snap is not None and snap.outcome != "not_fetched" else None

    ai_txt = None
    if (snap := fetched(SnapshotKind.AI_TXT)) is not None:
        ai_txt = AiTxt.from_fetch(
            snap.url, snap.http_status, snap.body, _error(snap), snap.fetched_at
        )
    tdm = None
    if (snap := fetched(SnapshotKind.TDMREP)) is not None:
        tdm = TdmFile.from_fetch(
            snap.url, snap.http_status, snap.body, _error(snap), snap.fetched_at
        )
    terms_snap = by_kind.get(SnapshotKind.TERMS)
    terms_missing = None
    terms = None
    if terms_snap is not None and terms_snap.outcome == Status.NOT_CAPTURED:
        terms_missing = f"terms {terms_snap.reason}"
    elif (snap := fetched(SnapshotKind.TERMS)) is not None:
        terms = read_terms_snapshot(snap)
    rsl = None
    if (snap := fetched(SnapshotKind.RSL)) is not None:
        rsl = RslDocument.from_fetch(
            snap.url,
            snap.http_status,
            snap.body,
            _error(snap),
            snap.fetched_at,
            discovered_by=str((snap.parsed or {}).get("discovered_by") or "robots.txt License"),
        )
    context = gate.HostContext(
        robots=robots,
        ai_txt=ai_txt,
        tdmrep=tdm,
        rsl=rsl,
        terms=tuple((c.kind.value, c.sentence) for c in terms.clauses) if terms else (),
        terms_url=terms.url if terms else None,
        terms_not_captured=terms_missing,
    )
    documents = frozenset(
        url
        for s in snapshots
        if s.kind in (SnapshotKind.HOME, SnapshotKind.TERMS) and s.http_status
        for url in (s.url, s.final_url)
        if url
    )
    policy = HostPolicy(
        host=host,
        mode=CrawlMode(mode),
        context=context,
        terms_clauses=[c.to_dict() for c in terms.clauses] if terms else [],
        policy_documents=documents,
    )
    if (home := fetched(SnapshotKind.HOME)) is not None and home.body:
        policy.add_site_evidence(
            site_evidence(
                home.final_url or home.url,
                home.body,
                (home.parsed or {}).get("headers"),
                None,
                home.server_ip,
            )
        )
    return policy


def may_fetch_document(robots: RobotsSnapshot, url: str, mode: str) -> str | None:
    """Why compliant mode may not fetch a policy document (robots.txt), or None."""
    if mode == CrawlMode.REPRODUCE:
        return None
    decision = robots.can_fetch(url, PROVTRACK_AGENT)
    if decision.allowed:
        return None
    return f"robots.txt: {decision.verdict.value} ({decision.evidence})"
