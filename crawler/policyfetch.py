"""Downloading one policy document the RFC 9309 way: redirects followed, size bounded, not whole.

robots.txt, ai.txt, tdmrep.json and the home and terms pages are sent with
``handle_httpstatus_all`` so that a 404 or a 503 reaches the reader instead of an errback. That
also stops Scrapy's redirect middleware, and a 301 read as "no robots.txt" fails open on most of
the real web (``http://`` → ``https://``, apex → ``www``). So redirects are followed here, hop by
hop, each hop a request of its own through the downloader: the address guard refuses every hop
that targets a private or loopback address, the WARC capture keeps every hop, and the chain (URL,
status, time, ``Location``) travels with the document. RFC 9309 §2.3.1.2 asks for at least five
consecutive redirects; a sixth, a loop, a ``Location`` that is missing or not http(s) give up
with an error, which the readers class as ``unreachable`` (complete disallow for robots.txt).

Size (§2.5): a robots.txt of any size is parsed up to its first 500 KiB, so the download must
not fail because the file is big. Policy requests therefore carry no ``download_maxsize``; the
:class:`PolicyBodyMiddleware` stops the download once :data:`DOWNLOAD_CUT` bytes arrived (the
response is delivered with what came, marked ``truncated``) and decodes gzip/deflate bodies
itself, reading at most :data:`DECODED_CUT` bytes, so a compressed bomb cannot fill memory.
"""

from __future__ import annotations

import zlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import urljoin, urlsplit

from scrapy import signals
from scrapy.exceptions import StopDownload
from scrapy.http import Request, Response

if TYPE_CHECKING:
    from typing import Self

    from scrapy import Spider
    from scrapy.crawler import Crawler

MAX_REDIRECTS = 5
"""Consecutive redirects followed (RFC 9309 §2.3.1.2: at least five); the sixth gives up."""
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
KEEP_BYTES = 512 * 1024
"""Bytes of a policy document kept and parsed (RFC 9309 §2.5: at least 500 KiB)."""
DOWNLOAD_CUT = 1024 * 1024
"""Raw bytes downloaded at most: twice what is parsed, so the cut always falls after it. Not
more: on a loaded machine a 4 MB policy download outlasted the 5 s policy timeout, and a
timeout makes the host unreachable."""
DECODED_CUT = 4 * 1024 * 1024
"""Bytes a gzip/deflate policy body is decoded to at most (a 4 MB gzip could hold 4 GB)."""
_ROLE = "policy"
_RECEIVED = "_provtrack_policy_bytes"
STOPPED_FLAG = "download_stopped"


@dataclass(frozen=True, slots=True)
class Hop:
    """One response of a redirect chain: the URL asked, its status, when it answered, and the
    certificate its host showed (HTTPS only): a chain across HTTPS hosts is several servers'
    word, and each hop's is provenance of its own."""

    url: str
    fetched_at: datetime
    status: int | None = None
    location: str | None = None
    error: str | None = None
    tls: dict[str, Any] | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form kept in the snapshot (``parsed.redirects``)."""
        return {
            "url": self.url,
            "status": self.status,
            "fetched_at": self.fetched_at.isoformat(),
            "location": self.location,
            "error": self.error,
            "tls": self.tls,
        }


@dataclass(slots=True)
class Fetched:
    """A policy document's fetch outcome: response facts, or the error that stopped it.

    ``url`` is the URL asked for (``https://host/robots.txt``), ``final_url`` the one that
    answered last, ``chain`` every response on the way (one hop when nothing redirected).
    """

    url: str
    fetched_at: datetime
    status: int | None = None
    body: bytes | None = None
    headers: dict[str, list[str]] = field(default_factory=dict)
    final_url: str | None = None
    server_ip: str | None = None
    error: str | None = None
    truncated: bool = False
    warc: Any = None
    read_from: str | None = None  # an audited archive's capture, or "live" (today's web)
    chain: list[Hop] = field(default_factory=list)
    tls: dict[str, Any] | None = None  # the certificate the final host showed (HTTPS only)

    @property
    def sha256(self) -> str | None:
        import hashlib

        return hashlib.sha256(self.body).hexdigest() if self.body is not None else None

    @property
    def redirected(self) -> bool:
        """Whether at least one redirect was followed."""
        return len(self.chain) > 1


DownloadOne = Callable[[str], Awaitable[Fetched]]


def _location(fetched: Fetched) -> str | None:
    values = fetched.headers.get("location") or []
    return values[0].strip() if values and values[0].strip() else None


def _gave_up(first: Fetched, last: Fetched, hops: list[Hop], why: str) -> Fetched:
    """The chain stopped without a document: keep the last answer's facts, no body."""
    return Fetched(
        url=first.url,
        fetched_at=first.fetched_at,
        status=last.status,
        body=None,
        headers=last.headers,
        final_url=last.url,
        server_ip=last.server_ip,
        error=why,
        warc=last.warc,
        read_from=last.read_from,
        chain=hops,
    )


async def follow_redirects(url: str, download_one: DownloadOne) -> Fetched:
    """Fetch ``url``, following up to :data:`MAX_REDIRECTS` redirects across hosts and schemes.

    Returns the final document with ``url`` the one asked for and ``chain`` every hop. A loop,
    a sixth redirect, or a ``Location`` that cannot be followed end the chain with ``error``
    set (and no body): unknown, never "no document".
    """
    hops: list[Hop] = []
    seen = {url.partition("#")[0]}
    current = url
    first: Fetched | None = None
    while True:
        got = await download_one(current)
        first = first or got
        location = _location(got) if got.status in REDIRECT_STATUSES else None
        hops.append(Hop(current, got.fetched_at, got.status, location, got.error, got.tls))
        if got.error or got.status not in REDIRECT_STATUSES:
            got.chain = hops
            got.final_url = got.final_url or current
            if got.url != url:
                got.url, got.fetched_at = url, first.fetched_at
            return got
        if location is None:
            return _gave_up(first, got, hops, f"redirect HTTP {got.status} without a Location")
        target = urljoin(current, location).partition("#")[0]
        if urlsplit(target).scheme not in ("http", "https"):
            return _gave_up(first, got, hops, f"redirect to a non-HTTP URL {target!r}")
        if target in seen:
            path = " -> ".join(h.url for h in hops)
            return _gave_up(first, got, hops, f"redirect loop: {path} -> {target}")
        if len(hops) > MAX_REDIRECTS:
            return _gave_up(
                first, got, hops, f"more than {MAX_REDIRECTS} redirects (next: {target})"
            )
        seen.add(target)
        current = target


def policy_request_meta(timeout: float) -> dict[str, Any]:
    """The meta of one policy request (one hop): statuses reach the reader, no redirects, no
    retry, no size limit of Scrapy's (the middleware below cuts it instead)."""
    return {
        "provtrack_role": _ROLE,
        "handle_httpstatus_all": True,
        "dont_redirect": True,
        "dont_retry": True,
        "download_timeout": timeout,
        "download_maxsize": 0,
    }


def response_truncated(response: Response) -> bool:
    """Whether the download of this policy response was cut (see :class:`PolicyBodyMiddleware`)."""
    return STOPPED_FLAG in response.flags or bool(response.meta.get("_provtrack_decoded_cut"))


def _decode_bounded(body: bytes, encoding: str) -> tuple[bytes, bool] | None:
    """``body`` decoded (gzip or deflate) to at most :data:`DECODED_CUT` bytes, and whether it
    was cut; None when it is not valid in that encoding (the body is then left as it is)."""
    wbits = 16 + zlib.MAX_WBITS if encoding in ("gzip", "x-gzip") else zlib.MAX_WBITS
    for bits in (wbits, -zlib.MAX_WBITS) if encoding == "deflate" else (wbits,):
        try:
            inflater = zlib.decompressobj(bits)
            out = inflater.decompress(body, DECODED_CUT + 1)
        except zlib.error:
            continue
        return out[:DECODED_CUT], len(out) > DECODED_CUT
    return None


class PolicyBodyMiddleware:
    """Downloader middleware (just outside HttpCompression): bounds policy downloads.

    On requests: nothing. On bytes received: a policy download stops once
    :data:`DOWNLOAD_CUT` bytes came (Scrapy then delivers the partial response). On the
    response, before Scrapy's decompression sees it: gzip/deflate are decoded here to at most
    :data:`DECODED_CUT` bytes, the rest of the chain sees a plain body.
    """

    def __init__(self, crawler: Crawler) -> None:
        crawler.signals.connect(self._bytes_received, signal=signals.bytes_received)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler)

    def _bytes_received(self, data: bytes, request: Request, spider: Any = None) -> None:
        if request.meta.get("provtrack_role") != _ROLE:
            return
        received = int(request.meta.get(_RECEIVED, 0)) + len(data)
        request.meta[_RECEIVED] = received
        if received >= DOWNLOAD_CUT:
            raise StopDownload(fail=False)

    def process_response(
        self, request: Request, response: Response, spider: Spider | None = None
    ) -> Response:
        if request.meta.get("provtrack_role") != _ROLE:
            return response
        encodings = [
            part.strip().lower()
            for value in response.headers.getlist("Content-Encoding")
            for part in value.decode("latin-1").split(",")
            if part.strip()
        ]
        if len(encodings) != 1 or encodings[0] not in ("gzip", "x-gzip", "deflate"):
            # identity, or br/zstd/stacked codings: Scrapy's middleware decodes those, bounded
            request.meta["download_maxsize"] = DECODED_CUT
            return response
        decoded = _decode_bounded(response.body, encodings[0])
        if decoded is None:
            request.meta["download_maxsize"] = DECODED_CUT
            return response
        body, cut = decoded
        if cut:
            request.meta["_provtrack_decoded_cut"] = True
        headers = response.headers.copy()
        del headers["Content-Encoding"]  # as Scrapy's own decompression does
        return response.replace(body=body, headers=headers)
