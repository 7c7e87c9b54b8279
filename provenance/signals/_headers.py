"""Case-insensitive access to response headers in whatever shape the crawler holds them.

Scrapy keeps ``{b"X-Robots-Tag": [b"noai", b"noindex"]}``; tests and other callers use
``{"x-robots-tag": "noai"}`` or ``{"X-Robots-Tag": ["noai"]}``. Every reader goes through
:func:`header_values`, which keeps one entry per header line: X-Robots-Tag scoping depends on
where one header line ends.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TypeAlias

HeaderValue: TypeAlias = str | bytes | Sequence[str | bytes]
Headers: TypeAlias = Mapping[str, HeaderValue] | Mapping[bytes, HeaderValue]


def _text(value: str | bytes) -> str:
    if isinstance(value, str):
        return value
    # Header octets are ASCII in practice; UTF-8 first, ISO-8859-1 (RFC 9110 §5.5) as fallback.
    try:
        return value.decode("utf-8")
    except UnicodeDecodeError:
        return value.decode("latin-1")


def header_values(headers: Headers | None, name: str) -> list[str]:
    """Every value of header ``name`` (case-insensitive), one string per header line."""
    if not headers:
        return []
    wanted = name.lower()
    out: list[str] = []
    for key, value in headers.items():
        key_text = _text(key)
        if key_text.strip().lower() != wanted:
            continue
        if isinstance(value, str | bytes):
            out.append(_text(value))
        else:
            out.extend(_text(item) for item in value)
    return out
