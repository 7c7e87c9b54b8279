"""Fetching and reading a host's policy documents, and asking the gate about each request.

The reading itself is :mod:`provenance.signals` (robots.txt, ai.txt, TDMRep, meta robots...)
and :mod:`provenance.terms`; this module decides what to fetch and in which order, and turns
the snapshots into a :class:`provenance.hostpolicy.HostPolicy` that the gate middleware and
pipelines consult.

Which documents are fetched: robots.txt always (it is the one file a crawler must read). In
compliant mode every other document, ai.txt and ``/.well-known/tdmrep.json`` and the home page
and terms page included, is fetched only where robots.txt allows provtrack to fetch it; an
unreachable robots.txt therefore stops everything. In reproduce mode all are fetched.

The RSL licence (snapshot kind ``rsl``) is the one robots.txt's ``License:`` line names, else the
one the home page links as ``application/rsl+xml``: one document per host, fetched once like
the others (RSL asks crawlers to read it before processing content, so robots.txt's answer for
its URL is not asked; it may live on another host).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from scrapy.http import Response, TextResponse

from crawler.extract import extract_page
from provenance.hostpolicy import HostPolicy, may_fetch_document, policy_from_snapshots
from provenance.jurisdiction import infer_site
from provenance.observation import Status
from provenance.records import ImageRecord, SnapshotRecord
from provenance.signals._fetch import NOT_CAPTURED_ERROR
from provenance.signals._vocab import PROVTRACK_AGENT
from provenance.signals.aitxt import AiTxt
from provenance.signals.model import Signal
from provenance.signals.page import PageSignals, page_signals
from provenance.signals.robotstxt import RobotsOutcome, RobotsSnapshot, ai_agent_panel
from provenance.signals.rsl import RSL_MEDIA_TYPE, RslDocument, robots_license_urls
from provenance.signals.tdmrep import TdmFile
from provenance.subjects import subject_facts
from provenance.terms import find_terms_links, read_terms, terms_signals
from provenance.vocab import SnapshotKind

if TYPE_CHECKING:
    from crawler.policyfetch import Fetched


ROOT_PANEL = ("provtrack", "*")


def _snapshot(
    kind: SnapshotKind,
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
        parsed={
            **parsed,
            "fetch_error": fetched.error,
            "headers": fetched.headers,
            # every response on the way to the document (RFC 9309 §2.3.1.2 redirects)
            "redirects": [hop.to_dict() for hop in fetched.chain],
            **({"read_from": fetched.read_from} if fetched.read_from else {}),
            # the certificate the host showed over HTTPS, as fetched (subject, issuer,
            # SHA-256 fingerprint, validity): which server said this, provably
            **({"tls": fetched.tls} if fetched.tls else {}),
        },
        signals=signals or [],
        warc=fetched.warc,
    )


def _not_fetched(kind: SnapshotKind, host: str, url: str, why: str) -> SnapshotRecord:
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


def _not_captured(fetched: Fetched) -> bool:
    return bool(fetched.error) and str(fetched.error).startswith(NOT_CAPTURED_ERROR)


def _not_captured_snapshot(kind: SnapshotKind, host: str, fetched: Fetched) -> SnapshotRecord:
    """A document an audited archive does not hold: unknown, and the gate never allows on it."""
    return _snapshot(
        kind,
        host,
        fetched,
        Status.NOT_CAPTURED.value,
        Status.NOT_CAPTURED,
        str(fetched.error),
        {},
    )


async def _rsl_snapshot(
    host: str, urls: list[str], how: str, fetch: Callable[..., Awaitable[Fetched]]
) -> SnapshotRecord:
    """The host's RSL licence document (the first one named), or a record that none is."""
    if not urls:
        return _not_fetched(SnapshotKind.RSL, host, f"http://{host}/", "no RSL licence named")
    url = urls[0]
    fetched = await fetch(url)
    doc = RslDocument.from_fetch(
        url, fetched.status, fetched.body, fetched.error, fetched.fetched_at, discovered_by=how
    )
    parsed = {**doc.to_dict(), "named": urls, "media_type": RSL_MEDIA_TYPE}
    return _snapshot(
        SnapshotKind.RSL, host, fetched, doc.status.value, doc.status, doc.reason, parsed
    )


ROBOTS_RETRY_STATUSES = frozenset({401, 403, 429})
"""robots.txt answers worth asking once more (a refusal or "slow down" may be momentary)."""
ROBOTS_RETRY_DELAY = 2.0
ROBOTS_RETRY_MAX_DELAY = 10.0


def _retry_delay(fetched: Fetched) -> float:
    """Seconds to wait before asking again: ``Retry-After`` (seconds) capped, else the default."""
    value = (fetched.headers.get("retry-after") or [""])[0].strip()
    if value.isdigit():
        return min(float(value), ROBOTS_RETRY_MAX_DELAY)
    return ROBOTS_RETRY_DELAY


async def _fetch_robots(
    url: str, fetch: Callable[..., Awaitable[Fetched]]
) -> tuple[Fetched, list[dict[str, Any]]]:
    """robots.txt, asked once more after a 401/403/429 (what a later answer says decides);
    returns the final fetch and the earlier attempts as the snapshot records them."""
    fetched = await fetch(url)
    if fetched.status not in ROBOTS_RETRY_STATUSES:
        return fetched, []
    attempts = [
        {
            "http_status": fetched.status,
            "fetched_at": fetched.fetched_at.isoformat(),
            "sha256": fetched.sha256,
        }
    ]
    await asyncio.sleep(_retry_delay(fetched))
    return await fetch(url), attempts


async def read_host_documents(
    *, origin: str, host: str, mode: str, agent: str, fetch: Callable[..., Awaitable[Fetched]]
) -> tuple[HostPolicy, list[SnapshotRecord]]:
    """Fetch a host's policy documents; return its policy and the snapshots to store."""
    snapshots = await fetch_host_documents(origin=origin, host=host, mode=mode, fetch=fetch)
    return policy_from_snapshots(host, mode, snapshots), snapshots


async def fetch_host_documents(
    *, origin: str, host: str, mode: str, fetch: Callable[..., Awaitable[Fetched]]
) -> list[SnapshotRecord]:
    """robots.txt, then (where robots.txt allows, in compliant mode) ai.txt, tdmrep.json, the
    home page and the terms page it links to, each as a snapshot."""
    snapshots: list[SnapshotRecord] = []
    robots_url = f"{origin}/robots.txt"
    fetched, attempts = await _fetch_robots(robots_url, fetch)
    robots = RobotsSnapshot.from_fetch(
        robots_url,
        fetched.status,
        fetched.body,
        fetched.error,
        fetched.fetched_at,
        truncated=fetched.truncated,
    )
    parsed = robots.to_dict()
    if attempts:
        parsed["attempts"] = attempts
    # the AI/scraper panel, plus every agent the file itself names (Googlebot, ...)
    names = [PROVTRACK_AGENT, "*", *ai_agent_panel(), *robots.agents_named]
    panel = robots.evaluate_panel(f"{origin}/", list(dict.fromkeys(names)))
    parsed["root_panel"] = {name: d.verdict.value for name, d in panel.items()}
    # the group for provtrack's Crawl-delay (seconds), honoured per host in compliant mode
    parsed["crawl_delay"] = robots.crawl_delay(PROVTRACK_AGENT)
    # provtrack's and '*''s answers share the group-level Content-Signal lines: keep each once
    root_signals = list(
        {
            (s.kind, s.value, s.evidence, s.agent): s
            for name in ROOT_PANEL
            for s in robots.signals_for(f"{origin}/", name)
        }.values()
    )
    snapshots.append(
        _snapshot(
            SnapshotKind.ROBOTS,
            host,
            fetched,
            robots.outcome.value,
            robots.status,
            robots.reason,
            parsed,
            root_signals,
        )
    )

    for kind, path, reader in (
        (SnapshotKind.AI_TXT, "/ai.txt", AiTxt.from_fetch),
        (SnapshotKind.TDMREP, "/.well-known/tdmrep.json", TdmFile.from_fetch),
    ):
        url = f"{origin}{path}"
        if (why := may_fetch_document(robots, url, mode)) is not None:
            snapshots.append(_not_fetched(kind, host, url, why))
            continue
        fetched = await fetch(url)
        read = reader(url, fetched.status, fetched.body, fetched.error, fetched.fetched_at)
        snapshots.append(
            _snapshot(
                kind, host, fetched, read.status.value, read.status, read.reason, read.to_dict()
            )
        )

    licences = (
        robots_license_urls(robots.text, robots_url)
        if robots.outcome is RobotsOutcome.PARSED
        else []
    )
    home = f"{origin}/"
    if (why := may_fetch_document(robots, home, mode)) is not None:
        snapshots.append(_not_fetched(SnapshotKind.HOME, host, home, why))
        snapshots.append(_not_fetched(SnapshotKind.TERMS, host, home, why))
        snapshots.append(await _rsl_snapshot(host, licences, "robots.txt License", fetch))
        return snapshots
    fetched = await fetch(home)
    if _not_captured(fetched):
        # an audited archive without the home page: its terms link, and so the terms, unknown
        snapshots.append(_not_captured_snapshot(SnapshotKind.HOME, host, fetched))
        snapshots.append(_not_captured_snapshot(SnapshotKind.TERMS, host, fetched))
        snapshots.append(await _rsl_snapshot(host, licences, "robots.txt License", fetch))
        return snapshots
    base = fetched.final_url or home
    text = (fetched.body or b"").decode("utf-8", "replace")
    if licences:
        snapshots.append(await _rsl_snapshot(host, licences, "robots.txt License", fetch))
    else:
        linked = page_signals(base, text, fetched.headers).rsl_links
        snapshots.append(await _rsl_snapshot(host, list(linked), "home page link", fetch))
    links = [(link.url, link.text) for link in extract_page(base, text).links]
    candidates = find_terms_links(links, base)
    ok = fetched.status == 200
    snapshots.append(
        _snapshot(
            SnapshotKind.HOME,
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
            _not_fetched(
                SnapshotKind.TERMS, host, home, "no terms-of-service link on the home page"
            )
        )
        return snapshots
    url = candidates[0].url
    if (why := may_fetch_document(robots, url, mode)) is not None:
        snapshots.append(_not_fetched(SnapshotKind.TERMS, host, url, why))
        return snapshots
    fetched = await fetch(url)
    if _not_captured(fetched):
        snapshots.append(_not_captured_snapshot(SnapshotKind.TERMS, host, fetched))
        return snapshots
    reading = read_terms(url, fetched.body or b"", fetched.status, fetched.fetched_at)
    snapshots.append(
        _snapshot(
            SnapshotKind.TERMS,
            host,
            fetched,
            "silent" if reading.silent else reading.status.value,
            reading.status,
            reading.reason or "",
            reading.to_dict(),
            terms_signals(reading),
        )
    )
    return snapshots


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
