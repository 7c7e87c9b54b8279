"""Shared handling of a fetched well-known file: status classes, size cap, lenient decoding."""

from __future__ import annotations

import codecs
import hashlib
import zlib
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

NOT_CAPTURED_ERROR = "not captured"
"""How the fetch error of a document read from a web archive starts when the archive does not
hold it (``not captured: ...``). Unknown, never read as allowed: the gate refuses on it."""


NOT_THE_HOSTS_ANSWER = {
    407: "proxy authentication required: the proxy refused, the host was never asked",
    408: "request timeout: the server gave up waiting, read like a timeout",
    421: "misdirected request: the server does not answer for this host",
    425: "too early: the server would not process the request yet",
}
"""4xx answers that do not say "there is no such document": a timeout, or the answer of
something other than the host. Read as unreachable (unknown), never as unavailable ("no
robots.txt", no restriction), which would let a proxy or an overloaded server open a host."""


class FetchClass(StrEnum):
    """How a fetch of a well-known file ended, before reading its content."""

    SUCCESS = "success"  # 2xx: read the body
    UNAVAILABLE = "unavailable"  # 4xx: there is no such document
    UNREACHABLE = "unreachable"  # 5xx, 429, network error, timeout, no response
    NOT_CAPTURED = "not_captured"  # read from an archive that does not hold the document


@dataclass(frozen=True, slots=True)
class FetchResult:
    """The class of a fetch and a one-line reason naming the status or error."""

    fetch_class: FetchClass
    reason: str


def classify_fetch(http_status: int | None, error: str | None) -> FetchResult:
    """Classify a fetch the way RFC 9309 §2.3.1 classifies robots.txt fetches.

    429 counts as unreachable, not unavailable: it says "slow down", not "there is no file",
    and Google treats it as a server error too. The crawler follows redirects itself (five,
    RFC 9309 §2.3.1.2), so a final 3xx means the chain was not resolved: unknown, read as
    unreachable (it was read as unavailable, "no restriction", which failed open on every
    site that redirects ``http://`` to ``https://``).
    """
    if error and error.startswith(NOT_CAPTURED_ERROR):
        return FetchResult(FetchClass.NOT_CAPTURED, error)
    if error:
        return FetchResult(FetchClass.UNREACHABLE, f"fetch failed: {error}")
    if http_status is None:
        return FetchResult(FetchClass.UNREACHABLE, "no HTTP response")
    if 200 <= http_status < 300:
        return FetchResult(FetchClass.SUCCESS, f"HTTP {http_status}")
    if 300 <= http_status < 400:
        return FetchResult(FetchClass.UNREACHABLE, f"HTTP {http_status}: redirect not resolved")
    if http_status == 429:
        return FetchResult(FetchClass.UNREACHABLE, "HTTP 429: too many requests")
    if http_status in NOT_THE_HOSTS_ANSWER:
        return FetchResult(
            FetchClass.UNREACHABLE, f"HTTP {http_status}: {NOT_THE_HOSTS_ANSWER[http_status]}"
        )
    if 400 <= http_status < 500:
        return FetchResult(FetchClass.UNAVAILABLE, f"HTTP {http_status}")
    if 500 <= http_status < 600:
        return FetchResult(FetchClass.UNREACHABLE, f"HTTP {http_status}")
    return FetchResult(FetchClass.UNREACHABLE, f"unexpected HTTP status {http_status}")


def cap_body(body: bytes, limit: int) -> tuple[bytes, bool]:
    """Cut ``body`` to at most ``limit`` bytes at the last line break; ``True`` if cut."""
    if len(body) <= limit:
        return body, False
    head = body[:limit]
    cut = max(head.rfind(b"\n"), head.rfind(b"\r"))
    return (head[: cut + 1] if cut >= 0 else head), True


GZIP_MAGIC = b"\x1f\x8b"
_UTF32_BOMS = (codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE)
_UTF16_BOMS = ((codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be"))


@dataclass(frozen=True, slots=True)
class TextBody:
    """A policy file's text as parsed: decoded, cut at a line break at the size limit.

    ``truncated`` says the text is the start of a larger file (cut here, or the download was
    cut); ``parsed_bytes`` is how many bytes of the (decompressed) file the text covers;
    ``gzip`` that the body itself was a gzip file (served without ``Content-Encoding``).
    """

    text: str
    encoding: str
    truncated: bool
    parsed_bytes: int
    gzip: bool = False


def _gunzip_head(body: bytes, limit: int) -> bytes | None:
    """The first ``limit`` bytes of a gzip file (a partial stream is fine), or None if it is
    not gzip. Bounded: a small bomb never inflates past ``limit``."""
    try:
        return zlib.decompressobj(16 + zlib.MAX_WBITS).decompress(body, limit)
    except zlib.error:
        return None


def _cut_text(text: str) -> str:
    """``text`` up to and including its last line break (a cut never ends mid-line)."""
    cut = max(text.rfind("\n"), text.rfind("\r"))
    return text[: cut + 1] if cut >= 0 else text


def read_text_body(body: bytes, limit: int, *, cut: bool = False) -> TextBody:
    """Decode a policy file as RFC 9309 §2.5 asks, reading at most ``limit`` bytes of it.

    UTF-8 with or without a BOM, UTF-16 LE/BE with a BOM, and a body that is itself a gzip
    file are read; anything else is decoded as :func:`decode_text` always did (ISO-8859-1 when
    not UTF-8), so a binary file still reads as "no directive". ``cut`` says the body is
    already the start of a larger file (the download was cut): the text then ends at its last
    complete line.
    """
    raw, gzipped = body, False
    if raw.startswith(GZIP_MAGIC) and (inflated := _gunzip_head(raw, limit + 1)) is not None:
        raw, gzipped = inflated, True
    if not raw.startswith(_UTF32_BOMS):
        for bom, codec in _UTF16_BOMS:
            if raw.startswith(bom):
                units = raw[len(bom) :]
                over = len(units) > limit
                units = units[: limit - limit % 2]
                text = units.decode(codec, "replace")
                if over or cut:
                    text = _cut_text(text)
                return TextBody(text, codec, over or cut, len(text.encode(codec)), gzipped)
    capped, over = cap_body(raw, limit)
    if cut and not over:
        capped = capped[: max(capped.rfind(b"\n"), capped.rfind(b"\r")) + 1] or capped
    text, encoding = decode_text(capped)
    return TextBody(text, encoding, over or cut, len(capped), gzipped)


def decode_text(body: bytes) -> tuple[str, str]:
    """Decode a text file leniently: UTF-8 (BOM stripped), else ISO-8859-1, which never fails.

    Returns (text, encoding name). Real robots.txt files in ISO-8859 exist; reading them as
    Latin-1 keeps every byte rather than replacing it.
    """
    if body.startswith(codecs.BOM_UTF8):
        body = body[len(codecs.BOM_UTF8) :]
    try:
        return body.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        return body.decode("latin-1"), "iso-8859-1"


def looks_binary(body: bytes) -> bool:
    """Whether ``body`` is plainly not text (NUL bytes near the start, as in an .ico)."""
    return b"\x00" in body[:8192]


def fetch_facts(
    url: str,
    http_status: int | None,
    body: bytes | None,
    error: str | None,
    fetched_at: datetime | None,
) -> dict[str, Any]:
    """The fields every fetched policy document records, whatever it turns out to be."""
    raw = body or b""
    return {
        "url": url,
        "fetched_at": fetched_at,
        "http_status": http_status,
        "error": error,
        "size": len(raw),
        "sha256": hashlib.sha256(raw).hexdigest() if body is not None else None,
    }
