"""The provenance spider: walks the seeds' hosts and turns every page and image into a record.

It parses and yields; it does not decide. The opt-out gate (a downloader middleware) refuses
requests and says why; the spider turns each refusal or failure into a record with that
reason, so that nothing the crawl met goes unrecorded.
"""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import scrapy
from scrapy import signals
from scrapy.exceptions import DontCloseSpider, IgnoreRequest
from scrapy.http import Request, Response, TextResponse
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.python.failure import Failure

from crawler.capture import header_map, header_pairs
from crawler.config import host_of
from crawler.context import CrawlContext, get_context
from crawler.distributed import HEARTBEAT_SECONDS
from crawler.extract import PageExtract, extract_page
from crawler.gate import GateSkipped
from crawler.policyread import read_headers, read_page
from crawler.render import render_meta
from crawler.safety import RefusedAddress, RefusedHost, UnresolvedHost
from provenance.jurisdiction import infer_site, site_evidence
from provenance.records import (
    ImageRecord,
    OccurrenceRecord,
    PageRecord,
    failure,
)
from provenance.signals._fetch import NOT_CAPTURED_ERROR
from provenance.signals.scope import own_signals
from provenance.vocab import Decision, FailureReason, SkipStage, http_failure

if TYPE_CHECKING:
    from typing import Self

    from scrapy.crawler import Crawler

Item = PageRecord | ImageRecord | OccurrenceRecord


def classify_failure(fail: Failure) -> tuple[str, str]:
    """Map a download failure to a stable reason value and its message."""
    exc = fail.value
    message = str(exc) or type(exc).__name__
    name = type(exc).__name__
    if isinstance(exc, RefusedAddress):
        return FailureReason.REFUSED_ADDRESS, message
    if message.startswith(NOT_CAPTURED_ERROR):
        return FailureReason.NOT_CAPTURED, message
    if isinstance(exc, RefusedHost):
        return FailureReason.REFUSED_HOST, message
    if isinstance(exc, UnresolvedHost):
        return FailureReason.DNS_ERROR, message
    if isinstance(exc, HttpError):
        status = exc.response.status
        return http_failure(status), f"HTTP {status}"
    if isinstance(exc, IgnoreRequest) and "redirection" in message:
        return FailureReason.REDIRECT_LOOP, message
    if "max size" in message or "maxsize" in message.lower() or name == "DownloadCancelledError":
        return FailureReason.TOO_LARGE, message
    if "Timeout" in name or "timed out" in message.lower():
        return FailureReason.TIMEOUT, message
    if name in ("DNSLookupError", "CannotResolveHostError"):
        return FailureReason.DNS_ERROR, message
    return FailureReason.FETCH_FAILED, f"{name}: {message}"


def _unique(signals: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Signal dicts without repeats (the page's and the image's robots line may be one)."""
    seen: set[tuple[object, ...]] = set()
    out: list[dict[str, Any]] = []
    for signal in signals:
        key = (signal.get("kind"), signal.get("value"), signal.get("evidence"), signal.get("url"))
        if key not in seen:
            seen.add(key)
            out.append(signal)
    return out


class ProvenanceSpider(scrapy.Spider):
    """Crawls from seeds within the seeds' hosts (and allowed hosts) with depth and count caps."""

    name = "provtrack"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.ctx: CrawlContext
        self.pages_scheduled = 0
        self.images_scheduled = 0
        self.seen_pages: set[str] = set()
        self.seen_images: set[str] = set()
        self.rendered_pages: set[str] = set()
        # a resumed crawl, or the closing sweep of a distributed one, walks the site again
        # against the store: pages are fetched again (their links lead to what is missing),
        # images already recorded are not
        self.sweeping = False
        self._swept = False
        self._heartbeat: Any = None

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> Self:
        spider = super().from_crawler(crawler, *args, **kwargs)
        spider.ctx = get_context(crawler)
        if spider.ctx.config.resume:
            spider.sweeping = True
            spider.seen_images |= spider.ctx.store.known_image_urls(spider.ctx.config.run_id)
        if spider.ctx.coordinator is not None:
            crawler.signals.connect(spider._start_heartbeat, signal=signals.spider_opened)
            crawler.signals.connect(spider._on_idle, signal=signals.spider_idle)
            crawler.signals.connect(spider._stop_heartbeat, signal=signals.spider_closed)
        return spider

    # -- distributed crawl: heartbeat and closing sweep ----------------------------------

    def _start_heartbeat(self) -> None:
        from twisted.internet import task

        coordinator = self.ctx.coordinator
        assert coordinator is not None
        self._heartbeat = task.LoopingCall(coordinator.heartbeat)
        self._heartbeat.start(HEARTBEAT_SECONDS, now=True)

    def _stop_heartbeat(self) -> None:
        if self._heartbeat is not None and self._heartbeat.running:
            self._heartbeat.stop()
        if self.ctx.coordinator is not None:
            self.ctx.coordinator.retire()

    def _on_idle(self) -> None:
        """When the shared queue is empty and every other worker is idle or dead, sweep once."""
        coordinator = self.ctx.coordinator
        if coordinator is None or self._swept:
            return
        queue_key = str(self.crawler.settings.get("SCHEDULER_QUEUE_KEY"))
        if coordinator.queue_length(queue_key) > 0:
            raise DontCloseSpider  # the queue will feed this worker
        coordinator.mark_idle()
        if not coordinator.all_others_idle():
            raise DontCloseSpider  # another worker may still add requests
        if not coordinator.claim_sweep():
            return  # another worker sweeps; this one is done
        self._swept = True
        self.sweeping = True
        self.seen_images = self.ctx.store.known_image_urls(self.ctx.config.run_id)
        self.seen_pages = set()
        self.rendered_pages = set()  # JS feeds must be rendered again to list their images
        self.pages_scheduled = 0
        self.crawler.stats.inc_value("provtrack/sweep")
        assert self.crawler.engine is not None
        for seed in self.ctx.config.seeds:
            request = self._page_request(seed, depth=0, chain=[seed], seed=seed)
            if request is not None:
                self.crawler.engine.crawl(request)
        raise DontCloseSpider

    # -- requests -------------------------------------------------------------------------

    async def start(self) -> AsyncIterator[Request]:
        for seed in self.ctx.config.seeds:
            request = self._page_request(seed, depth=0, chain=[seed], seed=seed)
            if request is not None:
                yield request

    def _page_request(
        self, url: str, *, depth: int, chain: list[str], seed: str, render: bool = False
    ) -> Request | None:
        config = self.ctx.config
        if not render:
            if url in self.seen_pages or self.pages_scheduled >= config.max_pages:
                return None
            self.seen_pages.add(url)
            self.pages_scheduled += 1
        meta: dict[str, Any] = {
            "provtrack_role": "page",
            "provtrack_depth": depth,
            "provtrack_chain": chain,
            "provtrack_seed": seed,
        }
        if render or self._render_by_host(url):
            meta.update(render_meta())
            self.rendered_pages.add(url)
        return Request(
            url,
            callback=self.parse_page,
            errback=self.page_failed,
            meta=meta,
            # the dupefilter (shared in Redis when distributed) keeps pages to one fetch; a
            # render re-request and a sweep fetch the same URL again on purpose
            dont_filter=render or self.sweeping,
        )

    def _render_by_host(self, url: str) -> bool:
        config = self.ctx.config
        return config.render == "always" or host_of(url) in {h.lower() for h in config.render_hosts}

    def _needs_render(self, response: Response, page: PageExtract) -> bool:
        """A page built by JavaScript: scripts plus a <noscript> notice, or almost no text."""
        if response.meta.get("playwright") or self.ctx.config.render == "never":
            return False
        return page.has_script and (page.has_noscript or page.text_length < 20)

    def _image_request(self, url: str, page_url: str, meta: dict[str, Any]) -> Request | None:
        if url in self.seen_images or self.images_scheduled >= self.ctx.config.max_images:
            return None
        self.seen_images.add(url)
        self.images_scheduled += 1
        return Request(
            url,
            callback=self.parse_image,
            errback=self.image_failed,
            meta={**meta, "provtrack_role": "image", "provtrack_page_url": page_url},
            # Our own seen-set dedupes image URLs; Scrapy's dupefilter would silently drop
            # the second hop of a redirect loop, and a dropped request leaves no record.
            dont_filter=True,
            priority=10,
        )

    # -- pages --------------------------------------------------------------------------

    def parse_page(self, response: Response) -> Iterator[Item | Request]:
        meta = response.meta
        depth: int = meta["provtrack_depth"]
        chain: list[str] = meta["provtrack_chain"]
        seed: str = meta["provtrack_seed"]
        if self.ctx.coordinator is not None:
            self.ctx.coordinator.busy()
        if not isinstance(response, TextResponse):
            yield self._page_record(response, Decision.FAILED, error="not an HTML page")
            return
        page = extract_page(response.url, response.text)
        if self._needs_render(response, page) and response.url not in self.rendered_pages:
            self.crawler.stats.inc_value("provtrack/pages/render_detected")
            request = self._page_request(
                response.url, depth=depth, chain=chain, seed=seed, render=True
            )
            if request is not None:
                yield request
                return
        signals = read_page(response)
        record = self._page_record(response, Decision.FETCHED, page=page)
        record.signals = signals.signals
        record.lang = signals.lang or page.lang
        record.title = signals.title or page.title
        record.facts = {
            "content_language": list(signals.content_language),
            "overridden": [s.to_dict() for s in meta.get("provtrack_overridden", [])],
            "read_status": signals.status.value,
            # the robots.txt lines that decided for this page (issue 14: pages[].robots was
            # always empty). Kept with the page's facts, not as page signals: they answer
            # for the page URL, and an image's robots fact must never be taken from its page
            "robots": [
                s.to_dict()
                for s in own_signals(response.url, list(meta.get("provtrack_considered", [])))
            ],
        }
        evidence = site_evidence(
            response.url, response.body, read_headers(response), None, record.server_ip
        )
        record.site_jurisdiction = [c.to_dict() for c in infer_site(evidence)]
        if self.ctx.hosts is not None and (policy := self.ctx.hosts.ready(record.host)):
            policy.add_site_evidence(evidence)
        yield record
        self.crawler.stats.inc_value("provtrack/pages/fetched")

        image_meta = {
            "provtrack_depth": depth,
            "provtrack_chain": chain,
            "provtrack_seed": seed,
            "provtrack_page_signals": signals,
            # reproduce mode: a page fetched against an opt-out (robots.txt disallowing the
            # page, terms) made its images reachable; their records say so
            "provtrack_page_overridden": [
                s.to_dict() for s in meta.get("provtrack_overridden", [])
            ],
        }
        for candidate in signals.images:
            if candidate.attribute != "src" and not candidate.largest:
                continue
            nearby = page.nearby.get(candidate.url)
            snippets = [t for t in (nearby, *page.profile_snippets) if t]
            # a record page's labelled fields (Residence: ...) speak of the one person it shows
            caption = page.captions.get(candidate.url) or "; ".join(page.labelled_fields) or None
            yield OccurrenceRecord(
                image_url=candidate.url,
                page_url=response.url,
                alt=candidate.alt,
                title=candidate.title,
                context=caption,
                snippets=snippets,
                seed=seed,
                referrer_chain=chain,
            )
            subject = {"alt": candidate.alt, "caption": caption, "snippets": snippets}
            request = self._image_request(
                candidate.url, response.url, {**image_meta, "provtrack_subject": subject}
            )
            if request is not None:
                yield request

        if depth >= self.ctx.config.max_depth:
            return
        scope = self.ctx.config.scope_hosts
        for link in page.links:
            if host_of(link.url) not in scope:
                continue
            request = self._page_request(
                link.url, depth=depth + 1, chain=[*chain, link.url], seed=seed
            )
            if request is not None:
                yield request

    def _page_record(
        self,
        response: Response,
        decision: str,
        *,
        page: PageExtract | None = None,
        error: str | None = None,
    ) -> PageRecord:
        meta = response.meta
        return PageRecord(
            url=response.url,
            host=host_of(response.url),
            decision=decision,
            fetched_at=meta.get("provtrack_fetched_at") or datetime.now(UTC),
            depth=meta.get("provtrack_depth", 0),
            seed=meta.get("provtrack_seed"),
            referrer_chain=list(meta.get("provtrack_chain", [])),
            http_status=response.status,
            content_type=(response.headers.get(b"Content-Type") or b"").decode("latin-1") or None,
            title=page.title if page else None,
            lang=page.lang if page else None,
            rendered=bool(meta.get("playwright")),
            server_ip=str(response.ip_address) if response.ip_address else None,
            sha256=hashlib.sha256(response.body).hexdigest(),
            error=error,
            warc=meta.get("provtrack_warc"),
        )

    def page_failed(self, fail: Failure) -> Iterator[Item]:
        request: Request = fail.request  # type: ignore[attr-defined]
        meta = request.meta
        url = meta["redirect_urls"][0] if meta.get("redirect_urls") else request.url
        base = PageRecord(
            url=url,
            host=host_of(url),
            decision=Decision.FAILED,
            fetched_at=datetime.now(UTC),
            depth=meta.get("provtrack_depth", 0),
            seed=meta.get("provtrack_seed"),
            referrer_chain=list(meta.get("provtrack_chain", [])),
        )
        if isinstance(fail.value, GateSkipped):
            base.decision = Decision.SKIPPED
            base.reasons = [s.to_dict() for s in fail.value.reasons]
            base.signals = list(fail.value.considered)
            self.crawler.stats.inc_value("provtrack/pages/skipped")
        else:
            value, message = classify_failure(fail)
            base.reasons = [failure(value, message)]
            base.error = message
            if isinstance(fail.value, HttpError):
                base.http_status = fail.value.response.status
                base.warc = fail.value.response.meta.get("provtrack_warc")
            self.crawler.stats.inc_value("provtrack/pages/failed")
        yield base

    # -- images -------------------------------------------------------------------------

    def parse_image(self, response: Response) -> Iterator[Item]:
        meta = response.meta
        url = meta["redirect_urls"][0] if meta.get("redirect_urls") else response.url
        yield ImageRecord(
            url=url,
            host=host_of(response.url),
            mode=self.ctx.config.mode,
            decision=Decision.COLLECTED,
            fetched_at=meta.get("provtrack_fetched_at") or datetime.now(UTC),
            overridden=_unique(
                [
                    *meta.get("provtrack_page_overridden", []),
                    *(s.to_dict() for s in meta.get("provtrack_overridden", [])),
                ]
            ),
            http_status=response.status,
            content_type=(response.headers.get(b"Content-Type") or b"").decode("latin-1") or None,
            request_headers=header_pairs(response.request.headers) if response.request else [],
            response_headers=header_map(response.headers),
            server_ip=str(response.ip_address) if response.ip_address else None,
            body=response.body,
            page_url=meta.get("provtrack_page_url"),
            signals=own_signals(url, list(meta.get("provtrack_considered", []))),
            **meta.get("provtrack_subject", {}),
        )

    def image_failed(self, fail: Failure) -> Iterator[Item]:
        request: Request = fail.request  # type: ignore[attr-defined]
        meta = request.meta
        url = (
            meta.get("redirect_urls", [request.url])[0]
            if meta.get("redirect_urls")
            else request.url
        )
        record = ImageRecord(
            url=url,
            host=host_of(url),
            mode=self.ctx.config.mode,
            decision=Decision.FAILED,
            fetched_at=datetime.now(UTC),
            page_url=meta.get("provtrack_page_url"),
        )
        if isinstance(fail.value, GateSkipped):
            record.decision = Decision.SKIPPED
            record.stage = SkipStage.BEFORE_DOWNLOAD
            record.reasons = [s.to_dict() for s in fail.value.reasons]
            record.signals = own_signals(url, list(fail.value.considered))
            self.crawler.stats.inc_value("provtrack/images/skipped")
        else:
            value, message = classify_failure(fail)
            record.reasons = [failure(value, message)]
            record.error = message
            if isinstance(fail.value, HttpError):
                record.http_status = fail.value.response.status
            self.crawler.stats.inc_value("provtrack/images/failed")
        yield record
