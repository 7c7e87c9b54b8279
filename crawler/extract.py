"""What the spider takes from an HTML page: links, captions, and whether JavaScript builds it.

Signals themselves are read by :mod:`provenance.signals`; this module only walks the DOM for
the crawl's own needs (where to go next, which images to request).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import urldefrag, urljoin

from parsel import Selector

_SKIP_SCHEMES = ("mailto:", "tel:", "javascript:", "data:", "#")


@dataclass(slots=True)
class LinkRef:
    """One outgoing link with its anchor text (used to find terms pages)."""

    url: str
    text: str


@dataclass(slots=True)
class PageExtract:
    """Links, images and plain facts of one HTML page."""

    links: list[LinkRef] = field(default_factory=list)
    captions: dict[str, str] = field(default_factory=dict)
    title: str | None = None
    lang: str | None = None
    has_script: bool = False
    has_noscript: bool = False
    text_length: int = 0


def _absolute(base: str, href: str | None) -> str | None:
    if not href:
        return None
    href = href.strip()
    if not href or href.lower().startswith(_SKIP_SCHEMES):
        return None
    url = urldefrag(urljoin(base, href))[0]
    return url if url.startswith(("http://", "https://")) else None


def extract_page(url: str, html: str) -> PageExtract:
    """Walk one page's DOM; never raises on content."""
    sel = Selector(text=html or "<html></html>")
    out = PageExtract()
    base = _absolute(url, sel.xpath("//base/@href").get()) or url
    out.title = (sel.xpath("normalize-space(//title)").get() or "").strip() or None
    out.lang = (sel.xpath("/html/@lang").get() or "").strip() or None
    out.has_script = bool(sel.xpath("//script"))
    out.has_noscript = bool(sel.xpath("//noscript"))
    out.text_length = len(
        " ".join(sel.xpath("//body//text()[not(ancestor::script)]").getall()).split()
    )
    seen_links: set[str] = set()
    for a in sel.xpath("//a[@href]"):
        link = _absolute(base, a.attrib.get("href"))
        if link and link not in seen_links:
            seen_links.add(link)
            out.links.append(LinkRef(link, " ".join(a.xpath(".//text()").getall()).strip()))
    for img in sel.xpath("//figure//img[@src]"):
        src = _absolute(base, img.attrib.get("src"))
        caption = " ".join(
            t.strip()
            for t in img.xpath("ancestor::figure[1]//figcaption//text()").getall()
            if t.strip()
        )
        if src and caption:
            out.captions[src] = caption
    return out
