"""Writing HTTP exchanges to WARC as they come off the downloader.

The middleware sits next to the downloader, so it sees every exchange before Scrapy's own
middlewares rewrite it: redirects are recorded hop by hop and bodies as served. Image bodies
are the exception: they are written by the store pipeline only after the opt-out gate has
decided, because compliant mode must discard the bytes of an image whose embedded signals
forbid collection.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING

from crawler.context import Component, CrawlContext
from crawler.headers import header_map, header_pairs
from crawler.optouts import registry_of
from provenance.records import WarcRef

# the header helpers live in crawler.headers; named here too for code that imports them from here
__all__ = ["WarcCaptureMiddleware", "header_map", "header_pairs", "write_response"]

if TYPE_CHECKING:
    from scrapy import Request, Spider
    from scrapy.crawler import Crawler
    from scrapy.http import Response


def write_response(
    ctx: CrawlContext, request: Request, response: Response, body: bytes | None = None
) -> WarcRef:
    """Write one exchange to the crawl's WARC and return where the response record is.

    Without ``body``, the response's own body is written as the downloader handed it over:
    still content-encoded (a gzip robots.txt), so its ``Content-Encoding`` is kept with it and a
    replay tool decodes it once. A browser-fetched response comes decoded and without that
    header (scrapy-playwright drops it), an archive's replay likewise. A policy download cut
    on purpose (a 20 MB robots.txt, :mod:`crawler.policyfetch`) is marked ``WARC-Truncated:
    length``: its headers announce more bytes than the record holds.
    """
    fetched_at = request.meta.get("provtrack_fetched_at") or datetime.now(UTC)
    cut = body is None and "download_stopped" in response.flags
    pointer = ctx.warc.write_exchange(
        url=response.url,
        method=request.method,
        request_headers=header_pairs(request.headers),
        status=response.status,
        reason="",
        response_headers=header_pairs(response.headers),
        body=response.body if body is None else body,
        ip=str(response.ip_address) if response.ip_address else None,
        fetched_at=fetched_at,
        as_sent=body is None,
        truncated="length" if cut else None,
    )
    return WarcRef(pointer.file, pointer.offset)


def write_removed(ctx: CrawlContext, response: Response, evidence: str) -> WarcRef:
    """A metadata record instead of a page a purge removed: fetched, not archived."""
    pointer = ctx.warc.write_metadata(
        response.url,
        {
            "provtrack-decision": "page fetched, not archived: a purge removed it",
            "provtrack-reasons": evidence,
            "http-status": str(response.status),
        },
        datetime.now(UTC),
    )
    return WarcRef(pointer.file, pointer.offset)


def _write_subresources(ctx: CrawlContext, request: Request) -> None:
    for sub in request.meta.pop("provtrack_subresources", []):
        ctx.warc.write_exchange(
            url=sub["url"],
            method=sub["method"],
            request_headers=sub["request_headers"],
            status=sub["status"],
            reason=sub["reason"],
            response_headers=sub["headers"],
            body=sub["body"],
            ip=None,
            fetched_at=datetime.now(UTC),
        )
        ctx.count("warc/subresources")


def _is_image(response: Response) -> bool:
    from provenance.media.sniff import sniff

    return sniff(response.body[:1024]) is not None


class WarcCaptureMiddleware(Component):
    """Downloader middleware: WARC every non-image exchange and redirect hop."""

    def __init__(self, crawler: Crawler) -> None:
        super().__init__(crawler)
        self.stats = crawler.stats
        self._removed_page = registry_of(crawler).removed_page

    def process_request(self, request: Request, spider: Spider | None = None) -> None:
        request.meta["provtrack_fetched_at"] = datetime.now(UTC)

    def process_response(
        self, request: Request, response: Response, spider: Spider | None = None
    ) -> Response:
        role = request.meta.get("provtrack_role")
        if role != "image" and request.meta.get("provtrack_foreign") and _is_image(response):
            role = "image"  # a project's request for an image: written after the gate
        is_redirect = 300 <= response.status < 400
        removed = None if role == "image" else self._removed_page(response.url)
        if removed is not None:
            # neither the page nor what it fetched (a profile's feed) is archived again
            request.meta["provtrack_warc"] = write_removed(self.ctx, response, removed.evidence)
            request.meta.pop("provtrack_subresources", None)
            self.stats.inc_value("provtrack/warc/removed_pages")
            return response
        if role != "image" or is_redirect:
            ref = write_response(self.ctx, request, response)
            if not is_redirect:
                request.meta["provtrack_warc"] = ref
            self.stats.inc_value("provtrack/warc/records")
        _write_subresources(self.ctx, request)
        return response
