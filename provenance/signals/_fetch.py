"""Shared handling of a fetched well-known file: status classes, size cap, lenient decoding."""

from __future__ import annotations

import codecs
import hashlib
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

NOT_CAPTURED_ERROR = "not captured"
"""How the fetch error of a document read from a web archive starts when the archive does not
hold it (``not captured: ...``). Unknown, never read as allowed: the gate refuses on it."""


class FetchClass(StrEnum):
    """How a fetch of a well-known file ended, before reading its content."""

    SUCCESS = "success"  # 2xx: read the body
    UNAVAILABLE = "unavailable"  # 4xx, or a redirect chain the crawler gave up on
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
    and Google treats it as a server error too. A final 3xx means the crawler stopped
    following redirects (RFC 9309 §2.3.1.2 allows treating that as unavailable).
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
        return FetchResult(FetchClass.UNAVAILABLE, f"HTTP {http_status}: redirects not resolved")
    if http_status == 429:
        return FetchResult(FetchClass.UNREACHABLE, "HTTP 429: too many requests")
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
