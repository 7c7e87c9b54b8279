"""A project's own requests through provtrack: marked for the gate, recorded by what they carry.

provtrack's spider says what each request is (``provtrack_role``). A project's spider, and its
``ImagesPipeline``/``FilesPipeline``, do not; this middleware, just before the gate, says it for
them, and records what comes back, whoever asked:

- a request for an image URL a recorded page shows is an image request of that page (the gate
  reads the page's signals for it, as for provtrack's spider); any other is a page request
  (robots.txt and the host's terms for its URL);
- a response whose bytes are an image (sniffed, not the claimed type) is an image record: the
  media pipeline's after-download check runs on it here, and in compliant mode an image an
  opt-out forbids never reaches the spider or the media pipeline (:class:`Withheld`);
- an HTML response is a page record (its signals, the images it shows);
- a refusal or a failure is a skip or failure record (a redirect loop included, which Scrapy's
  redirect middleware raises where no later middleware sees it: :class:`RedirectLimitMiddleware`).

Records go through provtrack's own item pipelines (media → jurisdiction → store) by their
instances, not into the project's item stream: the project's feeds and pipelines see only
their own items.
"""

from __future__ import annotations

import inspect
from collections import OrderedDict
from typing import TYPE_CHECKING, Any

from scrapy.exceptions import IgnoreRequest, NotConfigured
from scrapy.http import Request, Response, TextResponse
from scrapy.spidermiddlewares.httperror import HttpError

from crawler.afterdownload import after_download_check
from crawler.context import Component
from crawler.pipelines import JurisdictionPipeline, MediaPipeline, StorePipeline
from crawler.responses import (
    failed_image_record,
    failed_page_record,
    image_record,
    read_page_record,
    shown_images,
)
from provenance.media.sniff import sniff
from provenance.records import ImageRecord, failure
from provenance.vocab import CrawlMode, Decision, http_failure

if TYPE_CHECKING:
    from typing import Self

    from scrapy import Spider
    from scrapy.crawler import Crawler

FOREIGN = "provtrack_foreign"
RECORDED = "provtrack_recorded"
OFFSITE = "Filtered offsite request"  # Scrapy's OffsiteMiddleware refusing a request
MAX_SHOWN = 200_000  # image URLs remembered with the page that shows them
_PIPELINES = (MediaPipeline, JurisdictionPipeline, StorePipeline)


class Withheld(IgnoreRequest):
    """Compliant mode withholds a downloaded image an opt-out forbids (its record says why)."""


def is_foreign(request: Request) -> bool:
    """Whether a request was made by a project's spider or pipeline, not by provtrack."""
    return bool(request.meta.get(FOREIGN)) or "provtrack_role" not in request.meta


def looks_like_image(response: Response) -> bool:
    """An image by its bytes (a server's Content-Type may say otherwise)."""
    return sniff(response.body[:1024]) is not None


def looks_like_html(response: Response) -> bool:
    """An HTML page: a text response that declares or starts like HTML."""
    if not isinstance(response, TextResponse):
        return False
    declared = (response.headers.get(b"Content-Type") or b"").decode("latin-1").lower()
    if "html" in declared:
        return True
    head = response.body[:512].lstrip().lower()
    return head.startswith((b"<!doctype html", b"<html"))


class TrafficMiddleware(Component):
    """Downloader middleware: mark a project's requests for the gate; record their outcome."""

    def __init__(self, crawler: Crawler) -> None:
        super().__init__(crawler)
        if self.ctx.config.mode == CrawlMode.AUDIT:
            raise NotConfigured("an audit makes its own requests")
        self.stats = crawler.stats
        self.shown: OrderedDict[str, dict[str, Any]] = OrderedDict()
        self._pipes: list[Any] | None = None

    # -- marking --------------------------------------------------------------------------

    def _mark(self, request: Request) -> str:
        """Say what a project's request is (its role) and carry its page's context."""
        meta = request.meta
        if "provtrack_role" in meta:
            return str(meta["provtrack_role"])
        meta[FOREIGN] = True
        context = self.shown.get(request.url)
        if context is None:
            meta["provtrack_role"] = "page"
            meta.setdefault("provtrack_chain", [request.url])
        else:
            meta["provtrack_role"] = "image"
            meta.update(context)
        return str(meta["provtrack_role"])

    def process_request(self, request: Request, spider: Spider | None = None) -> None:
        if is_foreign(request):
            self._mark(request)
            self.stats.inc_value(f"provtrack/traffic/{request.meta['provtrack_role']}")

    # -- recording ------------------------------------------------------------------------

    async def _record(self, item: Any) -> Any:
        """Hand one record to provtrack's pipelines, in their order."""
        if self._pipes is None:
            pipes = [self.crawler.get_item_pipeline(cls) for cls in _PIPELINES]
            self._pipes = [p for p in pipes if p is not None]
        for pipe in self._pipes:
            result = pipe.process_item(item, self.crawler.spider)
            item = await result if inspect.isawaitable(result) else result
        return item

    async def _page(self, request: Request, response: Response) -> None:
        if response.status >= 400:
            await self._record(failed_page_record(request, HttpError(response, "HTTP error")))
            return
        read = read_page_record(response, self.ctx.hosts)
        await self._record(read.record)
        chain = [*request.meta.get("provtrack_chain", [response.url])]
        context: dict[str, Any] = {
            "provtrack_page_url": response.url,
            "provtrack_page_signals": read.signals,
            "provtrack_chain": chain,
            "provtrack_page_overridden": [
                s.to_dict() for s in request.meta.get("provtrack_overridden", [])
            ],
        }
        for occurrence, subject in shown_images(read, seed=None, chain=chain):
            await self._record(occurrence)
            if occurrence.image_url not in self.shown:
                # the first page that shows an image decides for it, as in provtrack's crawl
                self.shown[occurrence.image_url] = {**context, "provtrack_subject": subject}
        while len(self.shown) > MAX_SHOWN:
            self.shown.popitem(last=False)

    def _unknown_page(self, record: ImageRecord) -> None:
        """An image no recorded page showed: what its host says about the image URL decides
        (after download: only its bytes said it was an image)."""
        check = after_download_check(self.crawler)
        decision = check.decide(record, page_unseen=True)
        if decision is not None:
            check.apply(record, decision)

    async def _image(self, request: Request, response: Response) -> None:
        record = image_record(response, self.ctx.config.mode)
        if response.status >= 400:
            record.decision = Decision.FAILED
            record.reasons = [failure(http_failure(response.status), f"HTTP {response.status}")]
            record.body = None
            await self._record(record)
            return
        if request.meta.get("provtrack_role") == "page":
            self._unknown_page(record)
            if record.decision == Decision.SKIPPED:
                record.body = None  # compliant: the bytes are not kept, nor analysed
        record = await self._record(record)
        if record.decision == Decision.SKIPPED:
            kinds = ", ".join(sorted({str(r.get("kind")) for r in record.reasons}))
            self.stats.inc_value("provtrack/traffic/withheld")
            raise Withheld(f"provtrack withheld {record.url}: {kinds}")

    async def process_response(
        self, request: Request, response: Response, spider: Spider | None = None
    ) -> Response:
        if not request.meta.get(FOREIGN) or request.meta.get(RECORDED):
            return response
        if response.request is None:
            response.request = request  # as the engine does next; the records read its meta
        if 300 <= response.status < 400 and b"Location" in response.headers:
            if request.meta.get("provtrack_role") == "image":
                # a redirect the project chose not to follow (MEDIA_ALLOW_REDIRECTS off)
                request.meta[RECORDED] = True
                record = failed_image_record(
                    request, HttpError(response, "redirect not followed"), self.ctx.config.mode
                )
                await self._record(record)
            return response
        request.meta[RECORDED] = True
        if request.meta.get("provtrack_role") == "image" or looks_like_image(response):
            await self._image(request, response)
        elif looks_like_html(response):
            await self._page(request, response)
        return response

    async def process_exception(
        self, request: Request, exception: BaseException, spider: Spider | None = None
    ) -> None:
        if not is_foreign(request) or request.meta.get(RECORDED):
            return
        if isinstance(exception, IgnoreRequest) and str(exception).startswith(OFFSITE):
            return  # the project's own scope (allowed_domains): never requested
        role = self._mark(request)
        request.meta[RECORDED] = True
        if role == "image":
            await self._record(failed_image_record(request, exception, self.ctx.config.mode))
        else:
            await self._record(failed_page_record(request, exception))

    async def redirect_loop(self, request: Request) -> None:
        """Record the failure of a project's request whose redirects exceed the cap."""
        if not is_foreign(request) or request.meta.get(RECORDED):
            return
        await self.process_exception(request, IgnoreRequest("max redirections reached"))


class RedirectLimitMiddleware:
    """Downloader middleware just outside Scrapy's redirect middleware: a project's request
    whose next hop the redirect middleware will refuse is recorded as a redirect loop."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.max_times = crawler.settings.getint("REDIRECT_MAX_TIMES")

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler)

    async def process_response(
        self, request: Request, response: Response, spider: Spider | None = None
    ) -> Response:
        meta = request.meta
        if not (300 <= response.status < 400 and b"Location" in response.headers):
            return response
        if meta.get("dont_redirect") or not meta.get(FOREIGN):
            return response
        ttl = meta.get("redirect_ttl", self.max_times)
        if ttl and meta.get("redirect_times", 0) + 1 <= self.max_times:
            return response
        traffic = self.crawler.get_downloader_middleware(TrafficMiddleware)
        if traffic is not None:
            await traffic.redirect_loop(request)
        return response
