"""What the spider takes from an HTML page: links, captions, and whether JavaScript builds it.

Signals themselves are read by :mod:`provenance.signals`; this module only walks the DOM for
the crawl's own needs (where to go next, which images to request).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urldefrag, urljoin

from provenance.signals._html import parse_html
from provenance.signals.page import ImageCandidate

_SKIP_SCHEMES = ("mailto:", "tel:", "javascript:", "data:", "#")
_SNIPPET_CHARS = 300
_MAX_SNIPPETS = 12
# The block an image sits in (a post, a card, a list item) usually carries its caption,
# the poster's name and place: that text is evidence about the pictured person.
_BLOCKS = (
    "self::figure or self::article or self::li or self::section or self::tr or self::main "
    "or self::div"
)
# Profile-like fields whose text says where a person lives or works.
_PROFILE_WORDS = (
    "location",
    "address",
    "profile",
    "bio",
    "about",
    "byline",
    "dateline",
    "channel",
    "member",
    "author",
    "locality",
    "city",
)
_UPPER = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
_FIELD_WORDS = (
    "residence",
    "lives",
    "location",
    "hometown",
    "city",
    "address",
    "domicile",
    "wohnort",
    "ville",
    "adresse",
)
_FIELD_XPATH = (
    "//dt["
    + " or ".join(
        f"contains(translate(normalize-space(.), '{_UPPER}', '{_UPPER.lower()}'), '{w}')"
        for w in _FIELD_WORDS
    )
    + "]"
)
_PROFILE_XPATH = "|".join(
    f"//*[contains(translate(@class, '{_UPPER}', '{_UPPER.lower()}'), '{w}')"
    f" or contains(@itemprop, '{w}')]"
    for w in _PROFILE_WORDS
)


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
    nearby: dict[str, str] = field(default_factory=dict)
    profile_snippets: list[str] = field(default_factory=list)
    labelled_fields: list[str] = field(default_factory=list)
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
    """Walk one page's DOM; never raises on content (the page signals' own lenient parse: a
    braced attribute name, control characters or surrogates made lxml raise, and the page's
    links and images were lost)."""
    sel = parse_html(html)
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
    for img in sel.xpath("//img[@src]"):
        src = _absolute(base, img.attrib.get("src"))
        if not src:
            continue
        caption = _text(img.xpath("ancestor::figure[1]//figcaption//text()").getall())
        if caption:
            out.captions[src] = caption
        block = img.xpath(f"ancestor::*[{_BLOCKS}][1]//text()[not(ancestor::script)]").getall()
        nearby = _text(block)[:_SNIPPET_CHARS]
        if nearby:
            out.nearby[src] = nearby
    # labelled fields of a record page: <dt>Residence</dt><dd>Gary, IN</dd>
    for dt in sel.xpath(_FIELD_XPATH)[:_MAX_SNIPPETS]:
        label = _text(dt.xpath(".//text()").getall())
        value = _text(dt.xpath("following-sibling::dd[1]//text()").getall())
        if value:
            out.labelled_fields.append(f"{label}: {value}"[:_SNIPPET_CHARS])
    for node in sel.xpath(_PROFILE_XPATH)[:_MAX_SNIPPETS]:
        snippet = _text(node.xpath(".//text()[not(ancestor::script)]").getall())[:_SNIPPET_CHARS]
        if snippet and snippet not in out.profile_snippets:
            out.profile_snippets.append(snippet)
    return out


def _text(parts: list[str]) -> str:
    return " ".join(t.strip() for t in parts if t.strip())


def fetches(candidate: ImageCandidate) -> bool:
    """Whether the crawl requests this image candidate: an element's ``src`` (or its lazy
    ``data-src`` behind a ``data:`` placeholder, then the largest) and its largest candidate
    (widest ``w``, else highest density); share images and JSON-LD images are elements of
    their own. The other candidates are recorded with the page, not fetched."""
    return candidate.attribute == "src" or candidate.largest


def candidate_facts(candidates: Iterable[ImageCandidate]) -> list[dict[str, Any]]:
    """Every image candidate of a page as its record keeps them, the fetched ones marked."""
    return [
        {
            "url": c.url,
            "element": c.element,
            "tag": c.tag,
            "attribute": c.attribute,
            "descriptor": c.descriptor,
            "fetched": fetches(c),
        }
        for c in candidates
    ]
