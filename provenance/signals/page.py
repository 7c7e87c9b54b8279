"""Everything one HTML page says: opt-outs, TDMRep, usage preferences, licences, language, images.

:func:`page_signals` is what the crawler calls on every page response; it aggregates the other
readers and lists the page's images (``img`` ``src``/``srcset``, lazy-loading ``data-src``,
``<picture><source srcset>``, the ``og:image``/``twitter:image`` share images and JSON-LD
``image`` values) resolved against the page's base URL, for the crawler to request and for the
gate to carry page-level signals onto.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, replace
from typing import Any
from urllib.parse import urlsplit

from parsel import Selector

from provenance.observation import Status
from provenance.signals import contentusage, robotsmeta, tdmrep
from provenance.signals._headers import Headers, header_values
from provenance.signals._html import (
    http_equiv_tags,
    join_url,
    meta_tags,
    parse_html,
    recover_misdecoded,
)
from provenance.signals.license import _load_jsonld, license_signals
from provenance.signals.model import Level, Signal
from provenance.signals.tdmrep import TdmFile, TdmState

PAGE_MAX_CHARS = 10 * 1024 * 1024
"""Characters of HTML read; beyond it the page is ``too_large`` and only the start is read."""

_DESCRIPTOR_W = re.compile(r"^(\d+)w$")
_DESCRIPTOR_X = re.compile(r"^(\d+(?:\.\d+)?|\.\d+)x$")


@dataclass(frozen=True, slots=True)
class ImageCandidate:
    """One image URL the page offers.

    ``element`` numbers the ``<img>`` (or the ``<picture>`` holding it) in document order, so
    the candidates of one element share it; ``largest`` marks the element's biggest candidate
    (widest ``w``, else highest density; ``src`` counts as ``1x``). ``alt``/``title`` come from
    the ``<img>``; ``media``/``type`` from a ``<source>``.
    """

    url: str
    element: int
    tag: str
    attribute: str
    descriptor: str | None = None
    width_descriptor: int | None = None
    density: float | None = None
    largest: bool = False
    alt: str | None = None
    title: str | None = None
    width: str | None = None
    height: str | None = None
    media: str | None = None
    type: str | None = None


@dataclass(frozen=True)
class PageSignals:
    """The signals of one page; ``signals`` lists them all, page-level ones first."""

    url: str
    base_url: str
    status: Status
    reason: str
    title: str | None
    lang: str | None
    content_language: tuple[str, ...]
    meta_robots: tuple[Signal, ...]
    x_robots_tag: tuple[Signal, ...]
    tdm: tuple[Signal, ...]
    usage: tuple[Signal, ...]
    licenses: tuple[Signal, ...]
    images: tuple[ImageCandidate, ...]
    jsonld_status: Status = Status.ABSENT
    rsl_links: tuple[str, ...] = ()  # <link rel="license" type="application/rsl+xml"> hrefs

    @property
    def signals(self) -> list[Signal]:
        """Every signal read from the page and its headers."""
        return [
            *self.meta_robots,
            *self.x_robots_tag,
            *self.tdm,
            *self.usage,
            *self.licenses,
        ]

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready form: page facts, every signal (``Signal.to_dict``) and the images."""
        return {
            "url": self.url,
            "base_url": self.base_url,
            "status": self.status.value,
            "reason": self.reason,
            "title": self.title,
            "lang": self.lang,
            "content_language": list(self.content_language),
            "jsonld_status": self.jsonld_status.value,
            "signals": [s.to_dict() for s in self.signals],
            "images": [asdict(i) for i in self.images],
        }

    @property
    def tdm_header(self) -> tuple[Signal, ...]:
        """TDMRep signals from the page's response headers."""
        return tuple(s for s in self.tdm if s.source.startswith("header:"))

    @property
    def tdm_meta(self) -> tuple[Signal, ...]:
        """TDMRep signals from the page's ``<meta>`` tags."""
        return tuple(s for s in self.tdm if s.source.startswith("meta:"))

    def tdm_state(self, file: TdmFile | None = None) -> TdmState:
        """The page's TDMRep state: tdmrep.json rule for the page, then header, then meta."""
        file_layer = file.signals_for(self.url) if file is not None else []
        return tdmrep.resolve(file_layer, self.tdm_header, self.tdm_meta)


def _descriptor_numbers(descriptor: str | None) -> tuple[int | None, float | None]:
    if not descriptor:
        return None, None
    for token in descriptor.lower().split():
        w = _DESCRIPTOR_W.match(token)
        if w:
            return int(w.group(1)), None
        x = _DESCRIPTOR_X.match(token)
        if x:
            return None, float(x.group(1))
    return None, None


def parse_srcset(value: str) -> list[tuple[str, str | None]]:
    """Split a ``srcset`` into (URL, descriptor) pairs, following the HTML parsing algorithm
    closely enough for URLs that contain commas (``w_100,h_100``)."""
    out: list[tuple[str, str | None]] = []
    pos, n = 0, len(value)
    while pos < n:
        while pos < n and (value[pos].isspace() or value[pos] == ","):
            pos += 1
        if pos >= n:
            break
        start = pos
        while pos < n and not value[pos].isspace():
            pos += 1
        url = value[start:pos]
        if url.endswith(","):
            out.append((url.rstrip(","), None))
            continue
        depth = 0
        start = pos
        while pos < n:
            char = value[pos]
            if char == "(":
                depth += 1
            elif char == ")" and depth:
                depth -= 1
            elif char == "," and not depth:
                break
            pos += 1
        descriptor = value[start:pos].strip() or None
        pos += 1
        if url:
            out.append((url, descriptor))
    return out


def _fetchable(url: str) -> bool:
    try:
        return urlsplit(url).scheme in ("http", "https")
    except ValueError:
        return False


def _attr(node: Selector, name: str) -> str | None:
    value = node.attrib.get(name)
    return value.strip() if value is not None and value.strip() else None


def extract_images(selector: Selector, base_url: str) -> list[ImageCandidate]:
    """Every fetchable image candidate of the page, grouped by element, largest marked."""
    groups: list[list[ImageCandidate]] = []
    picture_index: dict[Any, int] = {}
    for node in selector.xpath("//img | //picture//source"):
        tag = node.root.tag
        # libxml2's HTML 4 parser does not know <source> is void and nests the <img> inside
        # it, so look for the <picture> among all ancestors rather than the parent.
        picture = next(node.root.iterancestors("picture"), None)
        in_picture = picture is not None
        if in_picture:
            element = picture_index.setdefault(picture, len(groups))
            if element == len(groups):
                groups.append([])
        else:
            element = len(groups)
            groups.append([])
        template = ImageCandidate(
            url="",
            element=element,
            tag=f"picture>{tag}" if in_picture else tag,
            attribute="",
            alt=_attr(node, "alt") if tag == "img" else None,
            title=_attr(node, "title") if tag == "img" else None,
            width=_attr(node, "width"),
            height=_attr(node, "height"),
            media=_attr(node, "media") if tag == "source" else None,
            type=_attr(node, "type") if tag == "source" else None,
        )
        found: list[ImageCandidate] = []
        for attribute in ("src", "data-src"):
            value = _attr(node, attribute) if tag == "img" else None
            if value:
                found.append(
                    replace(
                        template,
                        url=join_url(base_url, value) or "",
                        attribute=attribute,
                        density=1.0,
                    )
                )
        for attribute in ("srcset", "data-srcset"):
            value = _attr(node, attribute)
            if not value:
                continue
            for url, descriptor in parse_srcset(value):
                w, x = _descriptor_numbers(descriptor)
                if w is None and x is None and descriptor is None:
                    x = 1.0
                found.append(
                    replace(
                        template,
                        url=join_url(base_url, url) or "",
                        attribute=attribute,
                        descriptor=descriptor,
                        width_descriptor=w,
                        density=x,
                    )
                )
        groups[element].extend(c for c in found if _fetchable(c.url))
    images: list[ImageCandidate] = []
    groups.extend([c] for c in _share_images(selector, base_url, len(groups)))
    for group in groups:
        unique: dict[str, ImageCandidate] = {}
        for candidate in group:
            unique.setdefault(candidate.url, candidate)
        members = list(unique.values())
        # A <picture>'s alt and title are written on its <img>; they describe every source.
        img = next((c for c in members if c.tag.endswith("img")), None)
        if img is not None:
            members = [
                replace(c, alt=c.alt or img.alt, title=c.title or img.title) for c in members
            ]
        largest = _largest(members)
        images.extend(replace(c, largest=True) if c is largest else c for c in members)
    return images


SHARE_META = ("og:image", "og:image:url", "og:image:secure_url", "twitter:image")
"""``<meta property|name>`` names whose content is the image a page offers for sharing."""
_JSONLD_DEPTH = 12


def _jsonld_image_urls(node: Any, depth: int = 0) -> list[str]:
    """``image`` values anywhere in a JSON-LD tree: URLs, lists, ImageObject url/contentUrl."""
    if depth > _JSONLD_DEPTH:
        return []
    if isinstance(node, list):
        return [u for item in node for u in _jsonld_image_urls(item, depth + 1)]
    if not isinstance(node, dict):
        return []
    out: list[str] = []
    for key, value in node.items():
        if key == "image":
            out.extend(_image_values(value, depth + 1))
        elif isinstance(value, dict | list):
            out.extend(_jsonld_image_urls(value, depth + 1))
    return out


def _image_values(value: Any, depth: int) -> list[str]:
    if depth > _JSONLD_DEPTH:
        return []
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return [u for v in value for u in _image_values(v, depth + 1)]
    if isinstance(value, dict):
        url = value.get("contentUrl") or value.get("url")
        return [url] if isinstance(url, str) else []
    return []


def _share_images(selector: Selector, base_url: str, first: int) -> list[ImageCandidate]:
    """The images a page names outside ``<img>``: share meta tags, then JSON-LD ``image``.

    Each is an element of its own (numbered from ``first``); ``tag`` is ``meta`` or
    ``json-ld`` and ``attribute`` the property (``og:image``) or ``image``.
    """
    found: list[tuple[str, str, str]] = []
    for node in selector.xpath("//meta[@content]"):
        name = (node.attrib.get("property") or node.attrib.get("name") or "").strip().lower()
        if name in SHARE_META:
            found.append(("meta", name, node.attrib["content"].strip()))
    for node in selector.xpath("//script"):
        if (node.attrib.get("type") or "").strip().lower() != "application/ld+json":
            continue
        try:
            data = _load_jsonld(node.xpath("string()").get() or "")
        except (ValueError, RecursionError):
            continue  # the licence reader records the unreadable block
        found.extend(("json-ld", "image", url.strip()) for url in _jsonld_image_urls(data))
    out: list[ImageCandidate] = []
    for tag, attribute, value in found:
        url = join_url(base_url, value) if value else None
        if url and _fetchable(url):
            out.append(
                ImageCandidate(url, first + len(out), tag, attribute, density=1.0, largest=True)
            )
    return out


def _largest(members: list[ImageCandidate]) -> ImageCandidate | None:
    if not members:
        return None
    widths = [c for c in members if c.width_descriptor is not None]
    if widths:
        return max(widths, key=lambda c: c.width_descriptor or 0)
    return max(members, key=lambda c: c.density or 0.0)


def page_signals(url: str, html: str | bytes, headers: Headers | None = None) -> PageSignals:
    """Read every signal of one page response; never raises on content.

    ``html`` is the decoded page (bytes are decoded as UTF-8, else ISO-8859-1); ``headers`` the
    response headers, any mapping of name to value or list of values (one per header line).
    """
    length = len(html)
    truncated = length > PAGE_MAX_CHARS
    if truncated:
        html = html[:PAGE_MAX_CHARS]
    # parse_html reads a garbled page back itself; asked here only for the page's status
    recovered = recover_misdecoded(html) if isinstance(html, str) else None
    selector = parse_html(html)
    base_href = selector.xpath("//base/@href").get()
    base_url = (join_url(url, base_href) if base_href and base_href.strip() else None) or url
    title_text = selector.xpath("//title[1]").xpath("string()").get()
    title = " ".join(title_text.split()) if title_text and title_text.strip() else None
    lang = selector.xpath(
        "//html/@lang | //html/@xml:lang",
        namespaces={"xml": "http://www.w3.org/XML/1998/namespace"},
    ).get()
    content_language = tuple(
        part.strip()
        for value in header_values(headers, "Content-Language")
        for part in value.split(",")
        if part.strip()
    )
    metas = meta_tags(selector)
    equiv = http_equiv_tags(selector)
    meta_robots = (
        *robotsmeta.meta_robots_signals(metas, url=url),
        *robotsmeta.http_equiv_signals(equiv, url=url),
    )
    x_robots = tuple(robotsmeta.x_robots_tag_signals(headers, url=url, level=Level.PAGE))
    tdm_signals = (
        *tdmrep.header_signals(headers, url=url, level=Level.PAGE),
        # <meta http-equiv="tdm-reservation">: the header written into the page, read as its meta
        *tdmrep.meta_signals(
            [*metas, *(t for t in equiv if t.name in ("tdm-reservation", "tdm-policy"))], url=url
        ),
    )
    usage = (
        *contentusage.signals_from_headers(headers, url=url, level=Level.PAGE),
        *contentusage.signals_from_meta(metas, url=url),
    )
    licenses = license_signals(selector, base_url=base_url, url=url)
    images = tuple(extract_images(selector, base_url))
    if truncated:
        status, reason = Status.TOO_LARGE, f"read the first {PAGE_MAX_CHARS} of {length}"
    elif recovered is not None:
        status = Status.UNPARSEABLE
        reason = "decoded with a charset that garbled it (no tag left); read the bytes back"
    elif not html.strip():
        status, reason = Status.ABSENT, "empty page"
    else:
        status, reason = Status.OK, "parsed"
    return PageSignals(
        url=url,
        base_url=base_url,
        status=status,
        reason=reason,
        title=title,
        lang=lang.strip() if lang and lang.strip() else None,
        content_language=content_language,
        meta_robots=meta_robots,
        x_robots_tag=x_robots,
        tdm=tuple(tdm_signals),
        usage=usage,
        licenses=licenses.signals,
        images=images,
        jsonld_status=licenses.jsonld_status,
        rsl_links=_rsl_links(selector, base_url),
    )


def _rsl_links(selector: Selector, base_url: str) -> tuple[str, ...]:
    """Absolute hrefs of the page's RSL licence links (RSL's "embedded licenses" by link)."""
    out: list[str] = []
    for node in selector.xpath("//link[@href]"):
        rel = (node.attrib.get("rel") or "").lower().split()
        kind = (node.attrib.get("type") or "").split(";", 1)[0].strip().lower()
        if "license" in rel and kind == "application/rsl+xml":
            href = join_url(base_url, node.attrib.get("href") or "")
            if href and href not in out:
                out.append(href)
    return tuple(out)
