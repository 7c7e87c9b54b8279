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
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from provenance.jurisdiction.infer import attach_image_jurisdiction
from provenance.terms import discover_terms, read_terms
from scrapy.http import Response, TextResponse

from crawler.extract import extract_page
from provenance.observation import Status
from provenance.records import ImageRecord, SnapshotRecord
from provenance.signals import gate
from provenance.signals.aitxt import AiTxt
from provenance.signals.model import Signal
from provenance.signals.page import PageSignals, page_signals
from provenance.signals.robotstxt import RobotsSnapshot
from provenance.signals.tdmrep import TdmFile

if TYPE_CHECKING:
    from crawler.gate import Fetched


ROOT_PANEL = ("provtrack", "*")


@dataclass(slots=True)
class HostPolicy:
    """What one host said, read once: the gate's context plus the snapshots behind it."""

    host: str
    mode: gate.Mode
    context: gate.HostContext
    site_evidence: list[dict[str, Any]] = field(default_factory=list)
    terms_clauses: list[dict[str, Any]] = field(default_factory=list)

    def page_decision(self, url: str) -> gate.GateDecision:
        """May the crawl fetch this page?"""
        return gate.check_page(self.context, url, mode=self.mode)

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
    panel = robots.evaluate_panel(f"{origin}/")
    parsed = robots.to_dict()
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

    def may_fetch(url: str) -> str | None:
        if gate_mode is gate.Mode.REPRODUCE:
            return None
        decision = robots.can_fetch(url, agent)
        return (
            None
            if decision.allowed
            else f"robots.txt: {decision.verdict.value} ({decision.evidence})"
        )

    ai_txt: AiTxt | None = None
    url = f"{origin}/ai.txt"
    if (why := may_fetch(url)) is None:
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
    if (why := may_fetch(url)) is None:
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

    clauses: list[tuple[str, str]] = []
    clause_dicts: list[dict[str, Any]] = []
    terms_url: str | None = None
    home = f"{origin}/"
    if (why := may_fetch(home)) is None:
        fetched = await fetch(home)
        text = (fetched.body or b"").decode("utf-8", "replace")
        links = [
            (link.url, link.text) for link in extract_page(fetched.final_url or home, text).links
        ]
        candidates = discover_terms(links, base_url=fetched.final_url or home)
        snapshots.append(
            _snapshot(
                "home",
                host,
                fetched,
                "ok" if fetched.status == 200 else "fetch_failed",
                Status.OK if fetched.status == 200 else Status.FETCH_FAILED,
                f"HTTP {fetched.status}" if fetched.status else str(fetched.error),
                {"terms_candidates": [c.url for c in candidates]},
            )
        )
        for candidate in candidates[:1]:
            terms_url = candidate.url
            if (why := may_fetch(terms_url)) is not None:
                snapshots.append(_not_fetched("terms", host, terms_url, why))
                break
            fetched = await fetch(terms_url)
            reading = read_terms(terms_url, fetched.body or b"", fetched.status, fetched.fetched_at)
            clauses = [(c.kind, c.sentence) for c in reading.clauses]
            clause_dicts = [c.to_dict() for c in reading.clauses]
            snapshots.append(
                _snapshot(
                    "terms",
                    host,
                    fetched,
                    "silent" if reading.silent else "clauses",
                    reading.status,
                    reading.reason,
                    reading.to_dict(),
                )
            )
        if not candidates:
            snapshots.append(
                _not_fetched("terms", host, home, "no terms-of-service link found on the home page")
            )
    else:
        snapshots.append(_not_fetched("home", host, home, why))
        snapshots.append(_not_fetched("terms", host, home, why))

    context = gate.HostContext(
        robots=robots, ai_txt=ai_txt, tdmrep=tdm, terms=tuple(clauses), terms_url=terms_url
    )
    terms_snapshot = next((s for s in snapshots if s.kind == "terms"), None)
    if terms_snapshot is not None:
        terms_snapshot.signals = context.terms_signals()
    return HostPolicy(
        host=host, mode=gate_mode, context=context, terms_clauses=clause_dicts
    ), snapshots


def read_page(response: Response) -> PageSignals:
    """The page's signals and images, read from its HTML and headers."""
    html = response.text if isinstance(response, TextResponse) else ""
    headers = {
        (k.decode("latin-1") if isinstance(k, bytes) else str(k)): [
            v.decode("latin-1") if isinstance(v, bytes) else str(v) for v in vs
        ]
        for k, vs in response.headers.items()
    }
    return page_signals(response.url, html, headers)


def attach_jurisdiction(item: Any, policy: HostPolicy | None) -> None:
    """Add site and subject jurisdiction candidates to an image record."""
    if isinstance(item, ImageRecord):
        attach_image_jurisdiction(item, policy.site_evidence if policy else [])
