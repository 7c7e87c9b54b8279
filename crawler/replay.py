"""Auditing a web archive on the engine: the archive answers the requests the web would have.

:class:`ArchiveReplayMiddleware` sits after the gate and answers every request (policy
documents, pages, images) with the archive's capture of that URL, dated as captured, so the
same gate, pipelines and store read each fact as it was at capture time:

- a host's policy documents (robots.txt, ai.txt, tdmrep.json, home and terms pages) are the
  captures in force when the archive first captured the host's other content (the latest made
  at or before it, else the earliest), as Common Crawl keeps robots.txt captures; when the
  archive holds several captures of one of them (robots.txt rewritten between two crawls),
  each page or image is judged by the captures in force when *it* was captured (the gate's
  host registry keeps one policy per such epoch, :class:`crawler.gate.HostRegistry`);
- pages and images are their latest captures; an image capture without its payload (a revisit
  of a record the archive does not hold, a ``WARC-Truncated`` record, a payload that does not
  decode) still gives its headers, which may refuse it, else it fails ``not_captured``; an
  image held as a ``resource`` record has bytes but no HTTP headers (marked, see the spider);
- a policy document or a page without its payload is not captured: an empty body would read
  as "no rules" (a robots.txt revisit of nothing was read as allow-all); a policy document
  cut short (``WARC-Truncated: length``, a stream that ends early) is read as far as it goes
  and marked truncated;
- what the archive does not hold raises :class:`NotCaptured` (``not captured``: unknown, never
  allowed), unless ``--fetch-missing`` lets the request go to today's web, marked as today's.

:func:`archive_rows` lists the archive's images as dataset rows: every captured image response
and every image a captured page shows, with the page (from ``Referer`` when the archiver
recorded it, else a page that shows it).
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from scrapy.exceptions import IgnoreRequest, NotConfigured
from scrapy.http import Headers, Response
from scrapy.responsetypes import responsetypes

from crawler.context import Component
from crawler.policyfetch import STOPPED_FLAG
from provenance.archive.index import ArchiveIndex, Capture, build_index, read_payload
from provenance.dataset.manifest import ManifestRow
from provenance.dataset.plan import AuditPlan
from provenance.signals._fetch import NOT_CAPTURED_ERROR

if TYPE_CHECKING:
    from scrapy import Spider
    from scrapy.crawler import Crawler

_INDEX = "_provtrack_archive_index"
DAMAGE_STAT = "provtrack/archive/damaged"
"""The stat listing every damaged archive file (file, byte offset, reason)."""
logger = logging.getLogger(__name__)
POLICY_ROLES = ("policy",)


class NotCaptured(IgnoreRequest):
    """The audited archive holds no capture of the requested URL."""

    def __init__(self, url: str, why: str | None = None) -> None:
        self.url = url
        detail = why or f"the archive holds no capture of {url}"
        super().__init__(f"{NOT_CAPTURED_ERROR}: {detail}")


def archive_index(crawler: Crawler, plan: AuditPlan) -> ArchiveIndex:
    """The run's archive index, built once (the spider and the middleware share it)."""
    index: ArchiveIndex | None = getattr(crawler, _INDEX, None)
    if index is None:
        index = build_index(plan.archives)
        setattr(crawler, _INDEX, index)
        crawler.stats.set_value("provtrack/archive/records", index.records)
        crawler.stats.set_value("provtrack/archive/unreadable", len(index.unreadable))
        crawler.stats.set_value("provtrack/archive/archiver_records", index.archiver_records)
        if index.unreadable:
            # kept in the run's summary; the command exits non-zero naming the first
            crawler.stats.set_value(DAMAGE_STAT, list(index.unreadable))
            for line in index.unreadable:
                logger.error("archive damaged: %s", line)
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
        # a page the archive holds whole (a revisit of nothing cannot say what it showed)
        page = next(
            (p for p in pages if (c := index.capture(p)) is not None and c.payload_at), None
        )
        capture = index.capture(url)
        local: dict[str, Any] = {"archive": source}
        if capture is not None:
            local.update(
                file=capture.file,
                offset=capture.offset,
                captured_at=capture.date.isoformat(),
                http_status=capture.status,
                payload_held=capture.payload_at is not None and not capture.truncated,
                # which captures of the host's policy documents judged it (say which)
                policy_captures=index.policy_captures(url),
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


def _answer_is_the_body(status: int | None) -> bool:
    """Whether a capture's answer is its payload, so a capture without one cannot stand for it:
    a 2xx (or no HTTP status at all), and a 304, whose "not modified" points at a copy held
    elsewhere (the revisit's original). A 404 or a 503 answers by its status alone (RFC 9309:
    allow all, disallow all), a redirect by its ``Location``."""
    return status is None or status // 100 == 2 or status == 304


def _response(request: Any, capture: Capture, body: bytes, *, cut: bool = False) -> Response:
    headers = Headers()
    for name, value in capture.headers:
        # the archive stored the body decoded; its encoding headers no longer describe it
        if name.lower() in ("content-encoding", "transfer-encoding", "content-length"):
            continue
        headers.appendlist(name, value)
    cls = responsetypes.from_args(headers=headers, url=capture.url, body=body)
    status = capture.status or 200
    if status == 304 and capture.payload_at is None:
        status = 200  # a "not modified" revisit of nothing: the image path says not captured
    return cls(
        url=request.url,
        status=status,
        headers=headers,
        body=body,
        request=request,
        ip_address=None,
        flags=[STOPPED_FLAG] if cut else None,
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
        if ctx.hosts is not None:  # the gate (built first, order 100) reads policies by epoch
            ctx.hosts.epoch_of = self.index.policy_epoch

    def _when(self, request: Any) -> datetime | None:
        if request.meta.get("provtrack_role") not in POLICY_ROLES:
            return None
        if (as_of := request.meta.get("provtrack_as_of")) is not None:
            return as_of  # type: ignore[no-any-return]
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
        role = request.meta.get("provtrack_role")
        policy = role in POLICY_ROLES
        body, why = read_payload(capture, self.max_bytes, partial=policy)
        if body is None and role != "image" and _answer_is_the_body(capture.status):
            # a policy document or page without its payload: unknown, never an empty file
            stats.inc_value("provtrack/archive/payload_not_captured")
            raise NotCaptured(request.url, f"{why} ({capture.file}@{capture.offset})")
        if body is None:
            request.meta["provtrack_payload_missing"] = why
            body = b""
        elif capture.record_type == "resource" and role == "image":
            request.meta["provtrack_headers_missing"] = (
                "the archive holds the image as a resource record, without the HTTP response "
                "headers (X-Robots-Tag, tdm-reservation unknown)"
            )
        request.meta["provtrack_fetched_at"] = capture.date
        request.meta["provtrack_read_from"] = (
            f"archive {capture.file}@{capture.offset}, captured {capture.date.isoformat()}"
        )
        stats.inc_value("provtrack/archive/replayed")
        return _response(
            request, capture, body, cut=policy and bool(why and why.startswith("cut:"))
        )
