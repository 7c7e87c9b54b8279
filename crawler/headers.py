"""Scrapy ``Headers`` as text: what records, snapshots and WARC records keep of them."""

from __future__ import annotations

from typing import Any


def header_pairs(headers: Any) -> list[tuple[str, str]]:
    """Scrapy ``Headers`` as (name, value) text pairs, repeated headers kept."""
    pairs: list[tuple[str, str]] = []
    for name, values in headers.items():
        key = name.decode("latin-1") if isinstance(name, bytes) else str(name)
        for value in values:
            pairs.append((key, value.decode("latin-1") if isinstance(value, bytes) else str(value)))
    return pairs


def header_map(headers: Any) -> dict[str, list[str]]:
    """Scrapy ``Headers`` as lower-cased name → list of values."""
    out: dict[str, list[str]] = {}
    for key, value in header_pairs(headers):
        out.setdefault(key.lower(), []).append(value)
    return out
