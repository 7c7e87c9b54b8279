"""Records made from what the downloader gave: a response, or the reason there is none.

provtrack's spider and the add-on's traffic middleware (a project's own spider, its media
pipelines) make the same records from the same responses here, so a page or an image is
recorded alike whoever asked for it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from scrapy.exceptions import IgnoreRequest
from scrapy.http import Request, Response
from scrapy.spidermiddlewares.httperror import HttpError

from crawler.config import host_of
from crawler.extract import PageExtract, candidate_facts, extract_page, fetches
from crawler.gate import GateSkipped
from crawler.headers import header_map, header_pairs
from crawler.policyread import read_headers, read_page
from crawler.safety import RefusedAddress, RefusedHost, UnresolvedHost
from provenance.jurisdiction import Evidence, infer_site, site_evidence
from provenance.records import ImageRecord, OccurrenceRecord, PageRecord, failure
from provenance.signals._fetch import NOT_CAPTURED_ERROR
from provenance.signals.page import PageSignals
from provenance.signals.scope import own_signals
from provenance.vocab import Decision, FailureReason, SkipStage, http_failure

if TYPE_CHECKING:
    from crawler.context import HostPolicies


def classify_failure(exc: BaseException) -> tuple[str, str]:
    """Map a download failure to a stable reason value and its message."""
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


def unique_signals(signals: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Signal dicts without repeats (the page's and the image's robots line may be one)."""
    seen: set[tuple[object, ...]] = set()
    out: list[dict[str, Any]] = []
    for signal in signals:
        key = (signal.get("kind"), signal.get("value"), signal.get("evidence"), signal.get("url"))
        if key not in seen:
            seen.add(key)
            out.append(signal)
    return out


def first_url(request: Request) -> str:
    """The URL first asked for (before any redirect): records are keyed on it."""
    redirects = request.meta.get("redirect_urls")
    return str(redirects[0]) if redirects else request.url


def page_record(
    response: Response,
    decision: str,
    *,
    page: PageExtract | None = None,
    error: str | None = None,
) -> PageRecord:
    """The record of a page response, without its signals."""
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


@dataclass(slots=True)
class ReadPage:
    """A fetched page read once: its record, its DOM facts and its signals."""

    record: PageRecord
    page: PageExtract
    signals: PageSignals
    evidence: list[Any] = field(default_factory=list)


def read_page_record(
    response: Response,
    hosts: HostPolicies | None,
    page: PageExtract | None = None,
    signals: PageSignals | None = None,
    evidence: list[Evidence] | None = None,
) -> ReadPage:
    """The fetched page's record with its signals, facts and site jurisdiction; the host's
    policy learns the page's site evidence. ``page``, ``signals``, ``evidence``: what was
    already read (a large page is read in a worker thread, crawler.pageread)."""
    meta = response.meta
    if page is None:
        page = extract_page(response.url, response.text)
    if signals is None:
        signals = read_page(response)
    record = page_record(response, Decision.FETCHED, page=page)
    record.signals = signals.signals
    record.lang = signals.lang or page.lang
    record.title = signals.title or page.title
    record.facts = {
        "content_language": list(signals.content_language),
        "overridden": [s.to_dict() for s in meta.get("provtrack_overridden", [])],
        "read_status": signals.status.value,
        # the robots.txt lines that decided for this page (issue 14: pages[].robots was
        # always empty). Kept with the page's facts, not as page signals: they answer for
        # the page URL, and an image's robots fact must never be taken from its page
        "robots": [
            s.to_dict()
            for s in own_signals(response.url, list(meta.get("provtrack_considered", [])))
        ],
        # every image candidate the page offers (srcset widths, <picture> sources, share
        # images, JSON-LD), with the ones the crawl requests marked
        "image_candidates": candidate_facts(signals.images),
    }
    if evidence is None:
        evidence = site_evidence(
            response.url, response.body, read_headers(response), None, record.server_ip
        )
    record.site_jurisdiction = [c.to_dict() for c in infer_site(evidence)]
    if hosts is not None and (policy := hosts.ready(record.host)):
        policy.add_site_evidence(evidence)
    return ReadPage(record, page, signals, evidence)


def shown_images(
    read: ReadPage, *, seed: str | None, chain: list[str]
) -> Iterator[tuple[OccurrenceRecord, dict[str, Any]]]:
    """Each image the crawl requests from the page (:func:`crawler.extract.fetches`): its
    occurrence record and what the page says about its subject."""
    page = read.page
    for candidate in read.signals.images:
        if not fetches(candidate):
            continue
        nearby = page.nearby.get(candidate.url)
        snippets = [t for t in (nearby, *page.profile_snippets) if t]
        # a record page's labelled fields (Residence: ...) speak of the one person it shows
        caption = page.captions.get(candidate.url) or "; ".join(page.labelled_fields) or None
        occurrence = OccurrenceRecord(
            image_url=candidate.url,
            page_url=read.record.url,
            alt=candidate.alt,
            title=candidate.title,
            context=caption,
            snippets=snippets,
            seed=seed,
            referrer_chain=chain,
        )
        yield occurrence, {"alt": candidate.alt, "caption": caption, "snippets": snippets}


def failed_page_record(request: Request, exc: BaseException) -> PageRecord:
    """The record of a page that was refused (skipped) or could not be fetched (failed)."""
    meta = request.meta
    url = first_url(request)
    record = PageRecord(
        url=url,
        host=host_of(url),
        decision=Decision.FAILED,
        fetched_at=datetime.now(UTC),
        depth=meta.get("provtrack_depth", 0),
        seed=meta.get("provtrack_seed"),
        referrer_chain=list(meta.get("provtrack_chain", [])),
    )
    if isinstance(exc, GateSkipped):
        record.decision = Decision.SKIPPED
        record.reasons = [s.to_dict() for s in exc.reasons]
        record.signals = list(exc.considered)
    else:
        value, message = classify_failure(exc)
        record.reasons = [failure(value, message)]
        record.error = message
        if isinstance(exc, HttpError):
            record.http_status = exc.response.status
            record.warc = exc.response.meta.get("provtrack_warc")
    return record


def image_record(response: Response, mode: str) -> ImageRecord:
    """The record of a downloaded image, before the media pipeline reads it."""
    meta = response.meta
    url = meta["redirect_urls"][0] if meta.get("redirect_urls") else response.url
    return ImageRecord(
        url=url,
        host=host_of(response.url),
        mode=mode,
        decision=Decision.COLLECTED,
        fetched_at=meta.get("provtrack_fetched_at") or datetime.now(UTC),
        overridden=unique_signals(
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


def failed_image_record(request: Request, exc: BaseException, mode: str) -> ImageRecord:
    """The record of an image the gate refused (skipped) or that could not be fetched."""
    meta = request.meta
    url = first_url(request)
    record = ImageRecord(
        url=url,
        host=host_of(url),
        mode=mode,
        decision=Decision.FAILED,
        # an archive audit dates an image refused before its bytes are read as captured
        fetched_at=meta.get("provtrack_captured_at") or datetime.now(UTC),
        page_url=meta.get("provtrack_page_url"),
    )
    if isinstance(exc, GateSkipped):
        record.decision = Decision.SKIPPED
        record.stage = SkipStage.BEFORE_DOWNLOAD
        record.reasons = [s.to_dict() for s in exc.reasons]
        record.signals = own_signals(url, list(exc.considered))
    else:
        value, message = classify_failure(exc)
        record.reasons = [failure(value, message)]
        record.error = message
        if isinstance(exc, HttpError):
            record.http_status = exc.response.status
    return record
