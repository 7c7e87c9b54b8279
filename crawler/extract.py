"""What the spider takes from an HTML page: links, images with their alt text, and page facts.

Signals themselves are read by :mod:`provenance.signals`; this module only walks the DOM for
the crawl's own needs (where to go next, which images to request).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import urldefrag, urljoin

from parsel import Selector

_SKIP_SCHEMES = ("mailto:", "tel:", "javascript:", "data:", "#")


@dataclass(slots=True)
class ImageRef:
    """One image reference on a page."""

    url: str
    alt: str | None = None
    title: str | None = None
    context: str | None = None


@dataclass(slots=True)
class LinkRef:
    """One outgoing link with its anchor text (used to find terms pages)."""

    url: str
    text: str


@dataclass(slots=True)
class PageExtract:
    """Links, images and plain facts of one HTML page."""

    links: list[LinkRef] = field(default_factory=list)
    images: list[ImageRef] = field(default_factory=list)
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


def _largest_srcset(base: str, srcset: str) -> str | None:
    best: tuple[float, str] | None = None
    for part in srcset.split(","):
        bits = part.strip().split()
        if not bits:
            continue
        size = 1.0
        if len(bits) > 1 and bits[1][:-1].replace(".", "", 1).isdigit():
            size = float(bits[1][:-1])
        url = _absolute(base, bits[0])
        if url and (best is None or size > best[0]):
            best = (size, url)
    return best[1] if best else None


def extract_page(url: str, html: str) -> PageExtract:
    """Walk one page's DOM; never raises on content."""
    sel = Selector(text=html or "<html></html>")
    out = PageExtract()
    base = _absolute(url, sel.xpath("//base/@href").get()) or url
    out.title = (sel.xpath("normalize-space(//title)").get() or "").strip() or None
    out.lang = (sel.xpath("/html/@lang").get() or "").strip() or None
    out.has_script = bool(sel.xpath("//script"))
    out.has_noscript = bool(sel.xpath("//noscript"))
    out.text_length = len(" ".join(sel.xpath("//body//text()[not(ancestor::script)]").getall()).split())
    seen_links: set[str] = set()
    for a in sel.xpath("//a[@href]"):
        link = _absolute(base, a.attrib.get("href"))
        if link and link not in seen_links:
            seen_links.add(link)
            out.links.append(LinkRef(link, " ".join(a.xpath(".//text()").getall()).strip()))
    seen_images: set[str] = set()
    for img in sel.xpath("//img"):
        src = _absolute(base, img.attrib.get("src"))
        srcset = img.attrib.get("srcset")
        best = _largest_srcset(base, srcset) if srcset else None
        for candidate in (src, best):
            if candidate and candidate not in seen_images:
                seen_images.add(candidate)
                figure = img.xpath("ancestor::figure[1]//figcaption//text()").getall()
                out.images.append(
                    ImageRef(
                        candidate,
                        alt=img.attrib.get("alt"),
                        title=img.attrib.get("title"),
                        context=" ".join(t.strip() for t in figure if t.strip()) or None,
                    )
                )
    for source in sel.xpath("//picture/source[@srcset]"):
        best = _largest_srcset(base, source.attrib.get("srcset", ""))
        if best and best not in seen_images:
            seen_images.add(best)
            out.images.append(ImageRef(best))
    return out
