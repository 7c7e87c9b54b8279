"""The provenance spider: walks the seeds' hosts and turns every page and image into a record.

It parses and yields; it does not decide. The opt-out gate (a downloader middleware) refuses
requests and says why; the spider turns each refusal or failure into a record with that
reason, so that nothing the crawl met goes unrecorded.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import TYPE_CHECKING, Any

import scrapy
from scrapy import signals
from scrapy.exceptions import DontCloseSpider
from scrapy.http import Request, Response, TextResponse
from twisted.python.failure import Failure

from crawler.config import host_of
from crawler.context import CrawlContext, context_of
from crawler.distributed import HEARTBEAT_SECONDS
from crawler.extract import PageExtract
from crawler.gate import GateSkipped
from crawler.pageread import THREAD_BYTES, read_page_facts
from crawler.render import render_meta
from crawler.responses import (
    classify_failure,
    failed_image_record,
    failed_page_record,
    image_record,
    page_record,
    read_page_record,
    shown_images,
)
from provenance.records import ImageRecord, OccurrenceRecord, PageRecord
from provenance.vocab import Decision

if TYPE_CHECKING:
    from typing import Self

    from scrapy.crawler import Crawler

Item = PageRecord | ImageRecord | OccurrenceRecord
__all__ = ["Item", "ProvenanceSpider", "classify_failure"]


class ProvenanceSpider(scrapy.Spider):
    """Crawls from seeds within the seeds' hosts (and allowed hosts) with depth and count caps."""

    name = "provtrack"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
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
        # Scrapy builds the spider before the add-on runs: the crawl's context exists only
        # from the run lifecycle on (:attr:`ctx`); the plain settings are read here
        spider = super().from_crawler(crawler, *args, **kwargs)
        spider.sweeping = crawler.settings.getbool("PROVTRACK_RESUME", False)
        crawler.signals.connect(spider._opened, signal=signals.spider_opened)
        if crawler.settings.get("PROVTRACK_FRONTIER"):
            crawler.signals.connect(spider._start_heartbeat, signal=signals.spider_opened)
            crawler.signals.connect(spider._on_idle, signal=signals.spider_idle)
            crawler.signals.connect(spider._stop_heartbeat, signal=signals.spider_closed)
        return spider

    @property
    def ctx(self) -> CrawlContext:
        """The crawl's context, opened by the add-on's run lifecycle (crawler/context.py)."""
        return context_of(self.crawler)

    def _opened(self) -> None:
        """Before the first request: a resumed run's images already recorded are not fetched
        again."""
        if self.ctx.config.resume:
            self.seen_images |= self.ctx.store.known_image_urls(self.ctx.config.run_id)

    # -- distributed crawl: heartbeat and closing sweep ----------------------------------

    def _start_heartbeat(self) -> None:
        from twisted.internet import task

        coordinator = self.ctx.coordinator
        if coordinator is None:
            return
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
        self,
        url: str,
        *,
        depth: int,
        chain: list[str],
        seed: str,
        render: bool = False,
        scope: list[str] | None = None,
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
        if scope:
            meta["provtrack_scope"] = scope
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

    async def parse_page(self, response: Response) -> AsyncIterator[Item | Request]:
        meta = response.meta
        depth: int = meta["provtrack_depth"]
        chain: list[str] = meta["provtrack_chain"]
        if chain and response.url != chain[-1]:
            # reached through redirects (a seed typed as http:// or the apex): the chain ends
            # at the page that answered, after the URL that was asked
            chain = [*chain, response.url]
        seed: str = meta["provtrack_seed"]
        # A seed that redirects (http -> https, apex -> www) brings its target host into scope:
        # it is the site the user named. Carried in the requests' meta, so every process of a
        # distributed crawl knows it.
        extra: list[str] = list(meta.get("provtrack_scope", []))
        if depth == 0 and meta.get("redirect_urls") and host_of(response.url) not in extra:
            extra.append(host_of(response.url))
        if self.ctx.coordinator is not None:
            self.ctx.coordinator.busy()
        if not isinstance(response, TextResponse):
            yield self._page_record(response, Decision.FAILED, error="not an HTML page")
            return
        # a large page (50,000 links) is read in a thread: the reactor keeps downloading
        facts = await read_page_facts(
            response,
            self.ctx.config.scope_hosts | set(extra),
            str(response.ip_address) if response.ip_address else None,
            self.crawler.settings.getint("PROVTRACK_PAGE_THREAD_BYTES", THREAD_BYTES),
        )
        page, signals = facts.page, facts.signals
        if facts.threaded:
            self.crawler.stats.inc_value("provtrack/pages/read_in_thread")
        if self._needs_render(response, page) and response.url not in self.rendered_pages:
            self.crawler.stats.inc_value("provtrack/pages/render_detected")
            request = self._page_request(
                response.url,
                depth=depth,
                chain=chain,
                seed=seed,
                render=True,
                scope=extra,
            )
            if request is not None:
                yield request
                return
        read = read_page_record(response, self.ctx.hosts, page, signals, facts.evidence)
        yield read.record
        self.crawler.stats.inc_value("provtrack/pages/fetched")

        image_meta = {
            "provtrack_depth": depth,
            "provtrack_chain": chain,
            "provtrack_seed": seed,
            "provtrack_page_signals": read.signals,
            # reproduce mode: a page fetched against an opt-out (robots.txt disallowing the
            # page, terms) made its images reachable; their records say so
            "provtrack_page_overridden": [
                s.to_dict() for s in meta.get("provtrack_overridden", [])
            ],
        }
        for occurrence, subject in shown_images(read, seed=seed, chain=chain):
            yield occurrence
            request = self._image_request(
                occurrence.image_url, response.url, {**image_meta, "provtrack_subject": subject}
            )
            if request is not None:
                yield request

        if depth >= self.ctx.config.max_depth:
            return
        for link in facts.links:  # in scope only
            request = self._page_request(
                link.url, depth=depth + 1, chain=[*chain, link.url], seed=seed, scope=extra
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
        return page_record(response, decision, page=page, error=error)

    def page_failed(self, fail: Failure) -> Iterator[Item]:
        request: Request = fail.request  # type: ignore[attr-defined]
        record = failed_page_record(request, fail.value or Exception(fail.getErrorMessage()))
        outcome = "skipped" if isinstance(fail.value, GateSkipped) else "failed"
        self.crawler.stats.inc_value(f"provtrack/pages/{outcome}")
        yield record

    # -- images -------------------------------------------------------------------------

    def parse_image(self, response: Response) -> Iterator[Item]:
        yield image_record(response, self.ctx.config.mode)

    def image_failed(self, fail: Failure) -> Iterator[Item]:
        request: Request = fail.request  # type: ignore[attr-defined]
        exc = fail.value or Exception(fail.getErrorMessage())
        record = failed_image_record(request, exc, self.ctx.config.mode)
        outcome = "skipped" if isinstance(fail.value, GateSkipped) else "failed"
        self.crawler.stats.inc_value(f"provtrack/images/{outcome}")
        yield record
