"""The opt-out gate as a downloader middleware, and the per-host policy documents it needs.

For every host the crawl touches, robots.txt, ai.txt, ``/.well-known/tdmrep.json`` and the
terms of service (found from the home page's links) are fetched once, snapshotted and read
before any page or image of that host is requested. Then, for each request:

- compliant mode: a request an opt-out forbids is refused with :class:`GateSkipped`, which
  carries the signals it rests on; the spider's errback turns it into a skip record;
- reproduce mode: the request goes ahead and the signals it overrode travel with it.

Scrapy's own ``RobotsTxtMiddleware`` is not used: it treats an unreachable robots.txt as
allow-all, where RFC 9309 says complete disallow.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from scrapy.exceptions import IgnoreRequest
from scrapy.http import Request, Response
from scrapy.http.request import NO_CALLBACK

from crawler.config import USER_AGENT_TOKEN, host_of
from crawler.context import Component, CrawlContext, context_of
from crawler.headers import header_map
from crawler.optouts import registry_of
from crawler.policyfetch import (
    KEEP_BYTES,
    Fetched,
    follow_redirects,
    policy_request_meta,
    response_truncated,
)
from crawler.policyread import read_host_documents
from crawler.politeness import honour_crawl_delay
from crawler.tls import certificate_facts, error_kind
from provenance.hostpolicy import HostPolicy, policy_from_snapshots
from provenance.signals._fetch import NOT_CAPTURED_ERROR
from provenance.signals.model import Signal
from provenance.store.mapping import snapshot_record
from provenance.vocab import CrawlMode, SnapshotKind

if TYPE_CHECKING:
    from scrapy import Spider
    from scrapy.crawler import Crawler

POLICY_PRIORITY = 1000
SNAPSHOT_KINDS = frozenset(SnapshotKind)


class GateSkipped(IgnoreRequest):
    """Compliant mode refused a request; ``reasons`` are the signals that forbid it."""

    def __init__(
        self, url: str, reasons: list[Signal], considered: list[Signal] | None = None
    ) -> None:
        self.url = url
        self.reasons = reasons
        self.considered = considered or list(reasons)
        kinds = ", ".join(sorted({f"{s.kind.value}:{s.value}" for s in reasons}))
        super().__init__(f"skipped {url}: {kinds}")


Epoch = tuple[str, datetime]
"""A label for the policy documents in force at a time, and that time (archive audits)."""


class HostRegistry:
    """Fetches each host's policy documents once and keeps the resulting :class:`HostPolicy`.

    An archive audit sets ``epoch_of``: when the archive holds several captures of a host's
    policy documents (robots.txt rewritten between two crawls), each URL is judged by the
    documents in force when *it* was captured (the capture closest before it, else the
    earliest), so the host has one policy per set of documents in force (an epoch), keyed
    ``host @label``; a host with one capture of each document keeps its one policy.
    """

    def __init__(self, crawler: Crawler, ctx: CrawlContext) -> None:
        self.crawler = crawler
        self.ctx = ctx
        self._ready: dict[str, HostPolicy] = {}
        self._pending: dict[str, asyncio.Future[HostPolicy]] = {}
        self.epoch_of: Callable[[str], Epoch | None] | None = None
        self._first_epoch: dict[str, str] = {}  # host -> the key of its first epoch read

    def ready(self, host: str) -> HostPolicy | None:
        """The policy of a host whose documents were already read, else None."""
        return self._ready.get(host) or self._ready.get(self._first_epoch.get(host, ""))

    def ready_for(self, url: str) -> HostPolicy | None:
        """The policy that judged ``url`` (its epoch's, in an archive audit), else None."""
        host, key, _ = self._key(url)
        return self._ready.get(key) or self.ready(host)

    def _key(self, url: str) -> tuple[str, str, datetime | None]:
        host = host_of(url)
        epoch = self.epoch_of(url) if self.epoch_of is not None else None
        if epoch is None:
            return host, host, None
        label, as_of = epoch
        return host, f"{host} @{label}", as_of

    async def get(self, url: str) -> HostPolicy:
        """The host's policy, fetching its documents on first use (concurrent callers wait)."""
        host, key, as_of = self._key(url)
        if key in self._ready:
            return self._ready[key]
        if key in self._pending:
            return await asyncio.shield(self._pending[key])
        future: asyncio.Future[HostPolicy] = asyncio.get_running_loop().create_future()
        self._pending[key] = future
        try:
            policy = await self._load(url, host, as_of)
            if self.ctx.config.mode == CrawlMode.COMPLIANT:
                honour_crawl_delay(
                    self.crawler, host, policy.context.robots.crawl_delay(USER_AGENT_TOKEN)
                )
        except BaseException as err:
            future.set_exception(err)
            del self._pending[key]
            raise
        self._ready[key] = policy
        if key != host:
            self._first_epoch.setdefault(host, key)
        future.set_result(policy)
        del self._pending[key]
        return policy

    async def fetch(
        self, url: str, *, timeout: float | None = None, as_of: datetime | None = None
    ) -> Fetched:
        """Download one policy document, following its redirects (RFC 9309 §2.3.1.2);
        ``as_of``: an archive audit's time the documents are read at (its epoch)."""
        fetched = await follow_redirects(url, lambda hop: self._fetch_one(hop, timeout, as_of))
        if fetched.redirected:
            self.crawler.stats.inc_value("provtrack/policy/redirected")
        return fetched

    async def _fetch_one(
        self, url: str, timeout: float | None, as_of: datetime | None = None
    ) -> Fetched:
        """One hop through the downloader (address guard, WARC capture; not gated)."""
        started = datetime.now(UTC)
        meta = policy_request_meta(timeout or self.ctx.config.policy_timeout)
        if as_of is not None:
            meta["provtrack_as_of"] = as_of
        request = Request(
            url,
            callback=NO_CALLBACK,
            dont_filter=True,
            priority=POLICY_PRIORITY,
            meta=meta,
        )
        try:
            assert self.crawler.engine is not None
            response: Response = await self.crawler.engine.download_async(request)
        except Exception as err:  # every failure is an observation, never a crash
            self.crawler.stats.inc_value(f"provtrack/policy/error/{error_kind(err)}")
            # an audited archive's "not captured" keeps its wording: readers key on it
            text = str(err)
            error = text if text.startswith(NOT_CAPTURED_ERROR) else f"{type(err).__name__}: {err}"
            return Fetched(url=url, fetched_at=started, error=error)
        body = response.body
        truncated = len(body) > KEEP_BYTES or response_truncated(response)
        return Fetched(
            url=url,
            # an archive's document is dated when it was captured, not when it was read
            fetched_at=response.meta.get("provtrack_fetched_at") or started,
            read_from=response.meta.get("provtrack_read_from"),
            status=response.status,
            body=body[:KEEP_BYTES],
            headers=header_map(response.headers),
            final_url=response.url,
            server_ip=str(response.ip_address) if response.ip_address else None,
            truncated=truncated,
            warc=response.meta.get("provtrack_warc"),
            tls=certificate_facts(response.certificate),
        )

    def _stored(self, host: str) -> HostPolicy | None:
        """The host's policy rebuilt from snapshots already in the store for this run."""
        rows = self.ctx.store.host_snapshots(self.ctx.config.run_id, host)
        kinds = {r.kind for r in rows}
        if not SNAPSHOT_KINDS <= kinds:
            return None
        self.crawler.stats.inc_value("provtrack/hosts/from_store")
        return policy_from_snapshots(host, self.ctx.config.mode, [snapshot_record(r) for r in rows])

    async def _load(self, url: str, host: str, as_of: datetime | None = None) -> HostPolicy:
        """Read the host's snapshots from the store if this run has them, else fetch them.

        With a shared frontier, one process claims the host and fetches; the others wait for
        its snapshots to reach the store (if the claimant dies, its claim expires). An epoch
        of an archive audit (``as_of``) is read from the archive by each process that needs
        it: the store keeps a host's snapshots, not which epoch each belongs to.
        """
        coordinator = self.ctx.coordinator if as_of is None else None
        while as_of is None:
            stored = self._stored(host)
            if stored is not None:
                return stored
            if coordinator is None or coordinator.claim_host(host):
                break
            await asyncio.sleep(0.25)
        parts = urlsplit(url)
        origin = f"{parts.scheme}://{parts.netloc}"
        try:
            policy, snapshots = await read_host_documents(
                origin=origin,
                host=host,
                mode=self.ctx.config.mode,
                agent=USER_AGENT_TOKEN,
                fetch=self.fetch if as_of is None else lambda u: self.fetch(u, as_of=as_of),
            )
        except BaseException:
            if coordinator is not None:
                coordinator.release_host(host)
            raise
        for snapshot in snapshots:
            if snapshot.body is not None and registry_of(self.crawler).removed_page(snapshot.url):
                snapshot.body = None  # a purge removed this page: its text is not kept again
            self.ctx.sink.add(snapshot)
        # other processes (and a resumed crawl) read the host's policy from the store
        self.ctx.sink.flush()
        self.crawler.stats.inc_value("provtrack/hosts")
        return policy


class OptOutGateMiddleware(Component):
    """Downloader middleware: decide pages and images before download; record overrides.

    The opt-out registry comes first and is not overridable: an image whose URL is tombstoned
    (or a page or image of a host that opted out) is skipped in every mode, reproduce included.
    """

    def __init__(self, crawler: Crawler) -> None:
        super().__init__(crawler)
        self.hosts = HostRegistry(crawler, self.ctx)
        self.ctx.hosts = self.hosts  # the spider and the pipelines ask it for ready policies
        self.mode = self.ctx.config.mode
        self.registry = registry_of(crawler).tombstones

    async def process_request(self, request: Request, spider: Spider | None = None) -> None:
        role = request.meta.get("provtrack_role")
        if role not in ("page", "image"):
            return
        if self.registry and (optout := self.registry.check_url(request.url)) is not None:
            if role == "image" or optout.extra.get("matched_by") == ["host"]:
                self.crawler.stats.inc_value(f"provtrack/skipped/{role}/{optout.kind.value}")
                raise GateSkipped(request.url, [optout])
        policy = await self.hosts.get(request.url)
        if role == "page":
            decision = policy.page_decision(request.url)
            # the robots.txt lines that decided for the page belong on its record (issue 14:
            # they were read here and dropped, so pages[].robots was always empty)
            request.meta["provtrack_considered"] = decision.considered
        else:
            decision = policy.image_decision_before(
                request.url,
                request.meta.get("provtrack_page_signals"),
                request.meta.get("provtrack_page_refused", ()),
            )
            request.meta["provtrack_considered"] = decision.considered
        if not decision.reasons:
            return
        if not decision.allowed:
            for reason in decision.reasons:
                self.crawler.stats.inc_value(f"provtrack/skipped/{role}/{reason.kind.value}")
            raise GateSkipped(request.url, decision.reasons, decision.considered)
        overridden: list[Signal] = request.meta.setdefault("provtrack_overridden", [])
        overridden.extend(decision.reasons)
        self.crawler.stats.inc_value(f"provtrack/overridden/{role}")


def host_policy_for(crawler: Crawler, url: str) -> HostPolicy | None:
    """The already-loaded policy of a URL's host (pipelines use it after download)."""
    ctx = context_of(crawler)
    if ctx.hosts is None:
        return None
    return ctx.hosts.ready_for(url)
