"""Fetching and reading a host's policy documents, and asking the gate about each request.

The reading itself is :mod:`provenance.signals` (robots.txt, ai.txt, TDMRep, meta robots...)
and :mod:`provenance.terms`; this module decides what to fetch and in which order, and keeps
what was read on a :class:`HostPolicy` that the gate middleware and pipelines consult.

Which documents are fetched: robots.txt always (it is the one file a crawler must read). In
compliant mode every other document, ai.txt and ``/.well-known/tdmrep.json`` and the home page
and terms page included, is fetched only where robots.txt allows provtrack to fetch it; an
unreachable robots.txt therefore stops everything. In reproduce mode all are fetched.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from scrapy.http import Response, TextResponse

from crawler.extract import extract_page
from provenance.jurisdiction import Evidence, infer_site, site_evidence
from provenance.observation import Status
from provenance.records import ImageRecord, SnapshotRecord
from provenance.signals import gate
from provenance.signals._vocab import PROVTRACK_AGENT
from provenance.signals.aitxt import AiTxt
from provenance.signals.model import Signal, SignalKind
from provenance.signals.page import PageSignals, page_signals
from provenance.signals.robotstxt import RobotsSnapshot, ai_agent_panel
from provenance.signals.tdmrep import TdmFile
from provenance.subjects import subject_facts
from provenance.terms import TermsReading, find_terms_links, read_terms, terms_signals

if TYPE_CHECKING:
    from crawler.gate import Fetched


ROOT_PANEL = ("provtrack", "*")


@dataclass(slots=True)
class HostPolicy:
    """What one host said, read once: the gate's context plus the snapshots behind it."""

    host: str
    mode: gate.Mode
    context: gate.HostContext
    site_evidence: list[Evidence] = field(default_factory=list)
    terms_clauses: list[dict[str, Any]] = field(default_factory=list)
    _evidence_keys: set[tuple[object, ...]] = field(default_factory=set)

    def add_site_evidence(self, evidence: list[Evidence]) -> None:
        """Grow the host's evidence with what another of its pages says (deduplicated)."""
        for item in evidence:
            key = (item.source, item.value, item.code)
            if key not in self._evidence_keys:
                self._evidence_keys.add(key)
                self.site_evidence.append(item)

    policy_documents: frozenset[str] = frozenset()

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

    def image_decision_before(self, url: str, page: PageSignals | None) -> gate.GateDecision:
        """May the crawl request this image, found on ``page``?"""
        return gate.check_image_before(self.context, url, page, mode=self.mode)

    def image_decision_after(
        self, url: str, headers: dict[str, list[str]], embedded: list[Signal]
    ) -> gate.GateDecision:
        """May the crawl keep this image, given its response headers and embedded signals?"""
        return gate.check_image_after(url, headers, embedded, mode=self.mode)


def _snapshot(
    kind: str,
    host: str,
    fetched: Fetched,
    outcome: str,
    status: Status,
    reason: str,
    parsed: dict[str, Any],
    signals: list[Signal] | None = None,
) -> SnapshotRecord:
    return SnapshotRecord(
        host=host,
        kind=kind,
        url=fetched.url,
        final_url=fetched.final_url,
        outcome=outcome,
        status=status.value,
        reason=reason,
        fetched_at=fetched.fetched_at,
        http_status=fetched.status,
        sha256=fetched.sha256,
        byte_size=len(fetched.body or b""),
        truncated=fetched.truncated,
        server_ip=fetched.server_ip,
        body=fetched.body,
        parsed=parsed,
        signals=signals or [],
        warc=fetched.warc,
    )


def _not_fetched(kind: str, host: str, url: str, why: str) -> SnapshotRecord:
    from datetime import UTC, datetime

    return SnapshotRecord(
        host=host,
        kind=kind,
        url=url,
        outcome="not_fetched",
        status=Status.ABSENT.value,
        reason=why,
        fetched_at=datetime.now(UTC),
    )


async def read_host_documents(
    *, origin: str, host: str, mode: str, agent: str, fetch: Callable[..., Awaitable[Fetched]]
) -> tuple[HostPolicy, list[SnapshotRecord]]:
    """Fetch and read a host's policy documents; return its policy and the snapshots to store."""
    gate_mode = gate.Mode(mode)
    snapshots: list[SnapshotRecord] = []

    robots_url = f"{origin}/robots.txt"
    fetched = await fetch(robots_url)
    robots = RobotsSnapshot.from_fetch(
        robots_url, fetched.status, fetched.body, fetched.error, fetched.fetched_at
    )
    parsed = robots.to_dict()
    # the AI/scraper panel, plus every agent the file itself names (Googlebot, ...)
    names = [PROVTRACK_AGENT, "*", *ai_agent_panel(), *robots.agents_named]
    panel = robots.evaluate_panel(f"{origin}/", list(dict.fromkeys(names)))
    parsed["root_panel"] = {name: d.verdict.value for name, d in panel.items()}
    root_signals = [s for name in ROOT_PANEL for s in robots.signals_for(f"{origin}/", name)]
    snapshots.append(
        _snapshot(
            "robots",
            host,
            fetched,
            robots.outcome.value,
            robots.status,
            robots.reason,
            parsed,
            root_signals,
        )
    )

    def refusal(url: str) -> str | None:
        """Why compliant mode may not fetch this policy document, or None."""
        if gate_mode is gate.Mode.REPRODUCE:
            return None
        decision = robots.can_fetch(url, agent)
        if decision.allowed:
            return None
        return f"robots.txt: {decision.verdict.value} ({decision.evidence})"

    ai_txt: AiTxt | None = None
    url = f"{origin}/ai.txt"
    if (why := refusal(url)) is None:
        fetched = await fetch(url)
        ai_txt = AiTxt.from_fetch(
            url, fetched.status, fetched.body, fetched.error, fetched.fetched_at
        )
        snapshots.append(
            _snapshot(
                "ai_txt",
                host,
                fetched,
                ai_txt.status.value,
                ai_txt.status,
                ai_txt.reason,
                ai_txt.to_dict(),
            )
        )
    else:
        snapshots.append(_not_fetched("ai_txt", host, url, why))

    tdm: TdmFile | None = None
    url = f"{origin}/.well-known/tdmrep.json"
    if (why := refusal(url)) is None:
        fetched = await fetch(url)
        tdm = TdmFile.from_fetch(
            url, fetched.status, fetched.body, fetched.error, fetched.fetched_at
        )
        snapshots.append(
            _snapshot(
                "tdmrep", host, fetched, tdm.status.value, tdm.status, tdm.reason, tdm.to_dict()
            )
        )
    else:
        snapshots.append(_not_fetched("tdmrep", host, url, why))

    terms, home_evidence = await _read_terms(origin, host, fetch, refusal, snapshots)
    context = gate.HostContext(
        robots=robots,
        ai_txt=ai_txt,
        tdmrep=tdm,
        terms=tuple((c.kind.value, c.sentence) for c in terms.clauses) if terms else (),
        terms_url=terms.url if terms else None,
    )
    policy = HostPolicy(
        host=host,
        mode=gate_mode,
        context=context,
        terms_clauses=[c.to_dict() for c in terms.clauses] if terms else [],
    )
    policy.add_site_evidence(home_evidence)
    policy.policy_documents = frozenset(
        s.final_url or s.url for s in snapshots if s.kind in ("home", "terms") and s.http_status
    ) | frozenset(s.url for s in snapshots if s.kind in ("home", "terms") and s.http_status)
    return policy, snapshots


async def _read_terms(
    origin: str,
    host: str,
    fetch: Callable[..., Awaitable[Fetched]],
    refusal: Callable[[str], str | None],
    snapshots: list[SnapshotRecord],
) -> tuple[TermsReading | None, list[Evidence]]:
    """Find the terms from the home page's links and read them; also the home page's evidence."""
    home = f"{origin}/"
    if (why := refusal(home)) is not None:
        snapshots.append(_not_fetched("home", host, home, why))
        snapshots.append(_not_fetched("terms", host, home, why))
        return None, []
    fetched = await fetch(home)
    base = fetched.final_url or home
    text = (fetched.body or b"").decode("utf-8", "replace")
    candidates = find_terms_links(
        [(link.url, link.text) for link in extract_page(base, text).links], base
    )
    evidence = site_evidence(base, fetched.body, fetched.headers, None, fetched.server_ip)
    ok = fetched.status == 200
    snapshots.append(
        _snapshot(
            "home",
            host,
            fetched,
            "ok" if ok else "fetch_failed",
            Status.OK if ok else Status.FETCH_FAILED,
            f"HTTP {fetched.status}" if fetched.status else str(fetched.error),
            {"terms_candidates": [{"url": c.url, "score": c.score} for c in candidates]},
        )
    )
    if not candidates:
        snapshots.append(
            _not_fetched("terms", host, home, "no terms-of-service link on the home page")
        )
        return None, evidence
    url = candidates[0].url
    if (why := refusal(url)) is not None:
        snapshots.append(_not_fetched("terms", host, url, why))
        return None, evidence
    fetched = await fetch(url)
    reading = read_terms(url, fetched.body or b"", fetched.status, fetched.fetched_at)
    snapshots.append(
        _snapshot(
            "terms",
            host,
            fetched,
            "silent" if reading.silent else reading.status.value,
            reading.status,
            reading.reason or "",
            reading.to_dict(),
            terms_signals(reading),
        )
    )
    return reading, evidence


def read_headers(response: Response) -> dict[str, list[str]]:
    """A response's headers as text, one list entry per header line."""
    return {
        (k.decode("latin-1") if isinstance(k, bytes) else str(k)): [
            v.decode("latin-1") if isinstance(v, bytes) else str(v) for v in vs
        ]
        for k, vs in response.headers.items()
    }


def read_page(response: Response) -> PageSignals:
    """The page's signals and images, read from its HTML and headers."""
    html = response.text if isinstance(response, TextResponse) else ""
    return page_signals(response.url, html, read_headers(response))


def attach_jurisdiction(item: Any, policy: HostPolicy | None) -> None:
    """Add site and subject jurisdiction candidates (and age cues) to an image record."""
    if not isinstance(item, ImageRecord):
        return
    site = infer_site(policy.site_evidence) if policy else []
    item.site_jurisdiction = [c.to_dict() for c in site]
    item.subject_jurisdiction, item.subject = subject_facts(
        item.media or {}, [(item.alt, item.caption, item.snippets)], site
    )
