"""Auditing a web archive on the engine: the archive answers the requests the web would have.

:class:`ArchiveReplayMiddleware` sits after the gate and answers every request (policy
documents, pages, images) with the archive's capture of that URL, dated as captured, so the
same gate, pipelines and store read each fact as it was at capture time:

- a host's policy documents (robots.txt, ai.txt, tdmrep.json, home and terms pages) are the
  captures in force when the archive first captured the host's other content (the latest made
  at or before it, else the earliest), as Common Crawl keeps robots.txt captures;
- pages and images are their latest captures; a capture without its payload (a revisit of a
  record the archive does not hold, a ``WARC-Truncated`` record) still gives its headers;
- what the archive does not hold raises :class:`NotCaptured` (``not captured``: unknown, never
  allowed), unless ``--fetch-missing`` lets the request go to today's web, marked as today's.

:func:`archive_rows` lists the archive's images as dataset rows: every captured image response
and every image a captured page shows, with the page (from ``Referer`` when the archiver
recorded it, else a page that shows it).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from scrapy.exceptions import IgnoreRequest, NotConfigured
from scrapy.http import Headers, Response
from scrapy.responsetypes import responsetypes

from crawler.context import Component
from provenance.archive.index import ArchiveIndex, Capture, build_index, read_payload
from provenance.dataset.manifest import ManifestRow
from provenance.dataset.plan import AuditPlan
from provenance.signals._fetch import NOT_CAPTURED_ERROR

if TYPE_CHECKING:
    from scrapy import Spider
    from scrapy.crawler import Crawler

_INDEX = "_provtrack_archive_index"
POLICY_ROLES = ("policy",)


class NotCaptured(IgnoreRequest):
    """The audited archive holds no capture of the requested URL."""

    def __init__(self, url: str) -> None:
        self.url = url
        super().__init__(f"{NOT_CAPTURED_ERROR}: the archive holds no capture of {url}")


def archive_index(crawler: Crawler, plan: AuditPlan) -> ArchiveIndex:
    """The run's archive index, built once (the spider and the middleware share it)."""
    index: ArchiveIndex | None = getattr(crawler, _INDEX, None)
    if index is None:
        index = build_index(plan.archives)
        setattr(crawler, _INDEX, index)
        crawler.stats.set_value("provtrack/archive/records", index.records)
        crawler.stats.set_value("provtrack/archive/unreadable", len(index.unreadable))
    return index


def archive_rows(
    crawler: Crawler, plan: AuditPlan
) -> Iterator[list[tuple[ManifestRow, dict[str, Any]]]]:
    """The archive's images as dataset rows, in chunks (row = position in URL order)."""
    index = archive_index(crawler, plan)
    source = ", ".join(str(p) for p in plan.archives)
    chunk: list[tuple[ManifestRow, dict[str, Any]]] = []
    for number, url in enumerate(index.image_urls()):
        shown = index.shown.get(url, [])
        pages = [*index.referrers.get(url, []), *(s.page_url for s in shown)]
        page = next((p for p in pages if index.capture(p) is not None), None)
        capture = index.capture(url)
        local: dict[str, Any] = {"archive": source}
        if capture is not None:
            local.update(
                file=capture.file,
                offset=capture.offset,
                captured_at=capture.date.isoformat(),
                http_status=capture.status,
                payload_held=capture.payload_at is not None and not capture.truncated,
            )
        else:
            local["captured"] = False
        alt = next((s.alt for s in shown if s.page_url == page and s.alt), None)
        chunk.append(
            (
                ManifestRow(
                    source=source,
                    row=number,
                    url=url,
                    key=f"{capture.file}@{capture.offset}" if capture else None,
                    caption=alt,
                    page_url=page,
                ),
                local,
            )
        )
        if len(chunk) >= plan.chunk_rows:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _response(request: Any, capture: Capture, body: bytes) -> Response:
    headers = Headers()
    for name, value in capture.headers:
        # the archive stored the body decoded; its encoding headers no longer describe it
        if name.lower() in ("content-encoding", "transfer-encoding", "content-length"):
            continue
        headers.appendlist(name, value)
    cls = responsetypes.from_args(headers=headers, url=capture.url, body=body)
    return cls(
        url=request.url,
        status=capture.status or 200,
        headers=headers,
        body=body,
        request=request,
        ip_address=None,
    )


class ArchiveReplayMiddleware(Component):
    """Downloader middleware: answer requests from the audited archive (module docstring)."""

    def __init__(self, crawler: Crawler) -> None:
        super().__init__(crawler)
        ctx = self.ctx
        plan = ctx.config.audit
        if plan is None or not plan.archives:
            raise NotConfigured("not an archive audit")
        self.plan = plan
        self.max_bytes = ctx.config.max_image_bytes
        self.index = archive_index(crawler, plan)

    def _when(self, request: Any) -> datetime | None:
        if request.meta.get("provtrack_role") not in POLICY_ROLES:
            return None
        host = (urlsplit(request.url).hostname or "").lower()
        return self.index.first_capture_of_host(host)

    def process_request(self, request: Any, spider: Spider | None = None) -> Response | None:
        capture = self.index.capture(request.url, self._when(request))
        stats = self.crawler.stats
        if capture is None:
            if self.plan.fetch_missing:
                # today's web, recorded as fetched today (the capture middleware dates it)
                request.meta["provtrack_read_from"] = "live (not in the archive)"
                stats.inc_value("provtrack/archive/fetched_live")
                return None
            stats.inc_value("provtrack/archive/not_captured")
            raise NotCaptured(request.url)
        policy = request.meta.get("provtrack_role") in POLICY_ROLES
        body, why = read_payload(capture, self.max_bytes, partial=policy)
        if body is None:
            request.meta["provtrack_payload_missing"] = why
            body = b""
        request.meta["provtrack_fetched_at"] = capture.date
        request.meta["provtrack_read_from"] = (
            f"archive {capture.file}@{capture.offset}, captured {capture.date.isoformat()}"
        )
        stats.inc_value("provtrack/archive/replayed")
        return _response(request, capture, body)
