"""HTML access shared by the page readers: one lenient parse, and the ``<meta>`` tags in it."""

from __future__ import annotations

import re
from typing import NamedTuple
from urllib.parse import urljoin

from parsel import Selector

from provenance.signals._fetch import decode_text

# lxml stops reading at a NUL and rejects other C0 controls; they carry nothing for us.
_CONTROL = re.compile("[\x00-\x08\x0b\x0e-\x1f]")


class MetaTag(NamedTuple):
    """A ``<meta name=... content=...>`` tag: name lower-cased, content as written, tag as HTML."""

    name: str
    content: str
    html: str


def parse_html(html: str | bytes) -> Selector:
    """Parse HTML leniently (bytes decoded as UTF-8, else ISO-8859-1); never raises on content."""
    text = decode_text(html)[0] if isinstance(html, bytes) else html
    text = _CONTROL.sub(" ", text)
    # Surrogates (only possible in a caller's str) cannot be encoded for lxml.
    text = text.encode("utf-8", "replace").decode("utf-8")
    return Selector(text=text or "<html></html>", type="html")


def meta_tags(selector: Selector) -> list[MetaTag]:
    """Every ``<meta>`` with a ``name`` attribute, in document order."""
    tags = []
    for node in selector.xpath("//meta[@name]"):
        name = (node.attrib.get("name") or "").strip().lower()
        if not name:
            continue
        tags.append(MetaTag(name, node.attrib.get("content") or "", node.get()))
    return tags


def http_equiv_tags(selector: Selector) -> list[MetaTag]:
    """Every ``<meta http-equiv=... content=...>``, the http-equiv value lower-cased as name."""
    tags = []
    for node in selector.xpath("//meta[@http-equiv]"):
        name = (node.attrib.get("http-equiv") or "").strip().lower()
        if name:
            tags.append(MetaTag(name, node.attrib.get("content") or "", node.get()))
    return tags


def join_url(base: str, url: str) -> str | None:
    """``urljoin``, but ``None`` for a URL it cannot read (``//[bad``) instead of raising."""
    try:
        return urljoin(base, url.strip())
    except ValueError:
        return None
