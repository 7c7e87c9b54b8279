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


_MISREAD_CODECS = ("utf-16-le", "utf-16-be", "utf-32-le", "utf-32-be", "cp500", "cp037")
"""Encodings a lying charset makes a decoder apply to an ASCII-compatible page."""


def recover_misdecoded(text: str) -> str | None:
    """The page a lying charset garbled, or ``None`` when ``text`` reads as HTML.

    ``<meta charset="utf-16">`` on a UTF-8 page is common enough that the HTML standard reads
    it as UTF-8; a decoder that obeys it (w3lib, so Scrapy's ``response.text``), or a header
    naming UTF-16/UTF-32/EBCDIC for ASCII bytes, turns the page into text without a single
    ``<``: no tag, so no meta robots, TDMRep meta or image, read as a page that says nothing.
    The bytes come back by encoding with the codec that garbled them. A UTF-16 page read one
    byte per character (a NUL after every ASCII one) has its NULs dropped.
    """
    if not text:
        return None
    head = text[:4096]
    if head.count("\x00") * 4 > len(head):
        # UTF-16 without BOM or charset, decoded one byte per character: a NUL between every
        # ASCII character, which the parser would read as spaces inside every tag
        return text.replace("\x00", "")
    if "<" in text:
        return None
    for codec in _MISREAD_CODECS:
        try:
            raw = text.encode(codec)
        except UnicodeEncodeError:
            continue
        if b"<" in raw and (b"<html" in raw.lower() or b"<meta" in raw.lower()):
            return decode_text(raw.replace(b"\x00", b""))[0]
    return None


def parse_html(html: str | bytes) -> Selector:
    """Parse HTML leniently (bytes decoded as UTF-8, else ISO-8859-1; a str a lying charset
    garbled read back, :func:`recover_misdecoded`); never raises on content. Every reader of
    a page parses here, so the page signals and the crawler's own walk see the same DOM."""
    if isinstance(html, bytes):
        text = decode_text(html)[0]
    else:
        recovered = recover_misdecoded(html)
        text = html if recovered is None else recovered
    text = _CONTROL.sub(" ", text)
    # Surrogates (only possible in a caller's str) cannot be encoded for lxml.
    text = text.encode("utf-8", "replace").decode("utf-8")
    selector = Selector(text=text or "<html></html>", type="html")
    if "{" in text or "}" in text:
        _drop_brace_attributes(selector)
    return selector


def _drop_brace_attributes(selector: Selector) -> None:
    """Remove attributes whose name holds ``{`` or ``}``: lxml reads such a name as a namespace
    (``{ns}local``) and raises on every later read of the element's attributes, so one
    ``<meta name=robots content=noai {x}=1>`` made the whole page unreadable (ValueError)."""
    for element in selector.root.iter():
        keys = element.keys() if isinstance(element.tag, str) else []
        if any("{" in key or "}" in key for key in keys):
            kept = [(k, v) for k, v in element.items() if "{" not in k and "}" not in k]
            element.attrib.clear()
            for key, value in kept:
                element.set(key, value)


def _metas_by(selector: Selector, attribute: str) -> list[MetaTag]:
    """Every ``<meta>`` with a non-empty ``attribute``, its value lower-cased as the name."""
    tags = []
    for node in selector.xpath(f"//meta[@{attribute}]"):
        name = (node.attrib.get(attribute) or "").strip().lower()
        if name:
            tags.append(MetaTag(name, node.attrib.get("content") or "", node.get()))
    return tags


def meta_tags(selector: Selector) -> list[MetaTag]:
    """Every ``<meta>`` with a ``name`` attribute, in document order."""
    return _metas_by(selector, "name")


def http_equiv_tags(selector: Selector) -> list[MetaTag]:
    """Every ``<meta http-equiv=... content=...>``, the http-equiv value lower-cased as name."""
    return _metas_by(selector, "http-equiv")


def join_url(base: str, url: str) -> str | None:
    """``urljoin``, but ``None`` for a URL it cannot read (``//[bad``) instead of raising."""
    try:
        return urljoin(base, url.strip())
    except ValueError:
        return None
