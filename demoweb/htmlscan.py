"""Read back what a served page says: lang, title, meta tags, licences, links and images.

The manifest is derived from the HTML exactly as served (not from what a site module meant to
write), so the two cannot disagree. Only the standard library's tolerant parser is used.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import urljoin


@dataclass(slots=True)
class Meta:
    """A ``<meta name content>`` tag and its source text."""

    name: str
    content: str
    tag: str


@dataclass(slots=True)
class ImgRef:
    """An ``<img>`` (or a ``<source>``) as written: src, srcset candidate URLs, alt and title.

    ``src`` is the lazy-loading ``data-src`` when ``src`` itself is a ``data:`` placeholder;
    ``srcset`` also lists ``data-srcset`` candidates. A ``<source>`` has an empty ``src``.
    """

    src: str
    srcset: list[str]
    alt: str | None
    title: str | None
    tag: str = "img"
    element: int = 0  # the <img>, or the <picture> holding it, in document order
    descriptors: list[str] = field(default_factory=list)  # parallel to srcset ("" if none)


def _srcset_urls(value: str) -> list[str]:
    return [c.strip().split()[0] for c in value.split(",") if c.strip()]


def _srcset_descriptors(value: str) -> list[str]:
    return [" ".join(c.strip().split()[1:]) for c in value.split(",") if c.strip()]


def _size(descriptor: str) -> tuple[int, float]:
    """(width, density) of a srcset descriptor: ``640w`` -> (640, 0), ``2x`` -> (0, 2)."""
    token = descriptor.strip().lower()
    if token.endswith("w") and token[:-1].isdigit():
        return int(token[:-1]), 0.0
    if token.endswith("x"):
        try:
            return 0, float(token[:-1])
        except ValueError:
            return 0, 1.0
    return 0, 1.0


def _jsonld_images(node: object) -> list[str]:
    """``image`` values of a JSON-LD tree: URLs, lists, ImageObjects (``contentUrl``/``url``)."""
    out: list[str] = []
    if isinstance(node, list):
        for item in node:
            out.extend(_jsonld_images(item))
    elif isinstance(node, dict):
        for key, value in node.items():
            if key == "image":
                out.extend(_image_values(value))
            elif isinstance(value, dict | list):
                out.extend(_jsonld_images(value))
    return out


def _image_values(value: object) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return [u for v in value for u in _image_values(v)]
    if isinstance(value, dict):
        url = value.get("contentUrl") or value.get("url")
        return [url] if isinstance(url, str) else []
    return []


@dataclass(slots=True)
class Scan:
    """Everything the manifest needs from one page's HTML."""

    lang: str | None = None
    title: str = ""
    metas: list[Meta] = field(default_factory=list)
    licences: list[tuple[str, str]] = field(default_factory=list)  # (href, start tag)
    links: list[str] = field(default_factory=list)
    images: list[ImgRef] = field(default_factory=list)
    json_ld: list[object] = field(default_factory=list)
    scripts: list[str] = field(default_factory=list)
    share_images: list[tuple[str, str]] = field(default_factory=list)  # (og:image..., URL)

    def chosen(self) -> set[str]:
        """The image URLs a crawler requests (provtrack's rule, MANIFEST.md): per element its
        ``src`` and its largest candidate (widest ``w``, else highest density, ``src`` = 1x);
        every share image and JSON-LD image."""
        out: set[str] = set()
        elements: dict[int, list[tuple[str, str]]] = {}
        for ref in self.images:
            group = elements.setdefault(ref.element, [])
            if ref.src:
                out.add(ref.src)
                group.append((ref.src, "1x"))
            group.extend(zip(ref.srcset, ref.descriptors, strict=True))
        for group in elements.values():
            unique = dict(reversed(group))  # first descriptor written for a URL counts
            widths = {u: _size(d)[0] for u, d in unique.items() if _size(d)[0]}
            if widths:
                out.add(max(widths, key=lambda u: widths[u]))
            elif unique:
                out.add(max(unique, key=lambda u: _size(unique[u])[1]))
        out.update(url for _, url in self.share_images)
        out.update(url for tree in self.json_ld for url in _jsonld_images(tree))
        return out

    def image_urls(self) -> list[str]:
        """Every image URL the page names, in page order: each element's src then its srcset
        candidates, then ``og:image``/``twitter:image``, then JSON-LD ``image`` values."""
        refs: list[str] = []
        for ref in self.images:
            if ref.src:
                refs.append(ref.src)
            refs.extend(ref.srcset)
        refs.extend(url for _, url in self.share_images)
        refs.extend(url for tree in self.json_ld for url in _jsonld_images(tree))
        return list(dict.fromkeys(refs))


_SHARE_META = ("og:image", "og:image:url", "og:image:secure_url", "twitter:image")


class _Scanner(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.scan = Scan()
        self._in_title = False
        self._ld: list[str] | None = None
        self._picture: int | None = None  # element number of the open <picture>
        self._elements = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: (v or "") for k, v in attrs}
        text = self.get_starttag_text() or ""
        if tag == "html":
            self.scan.lang = a.get("lang")
        elif tag == "title":
            self._in_title = True
        elif tag == "meta" and "name" in a:
            self.scan.metas.append(Meta(a["name"], a.get("content", ""), text))
        if tag == "meta" and (a.get("property") or a.get("name", "")).lower() in _SHARE_META:
            if a.get("content"):
                self.scan.share_images.append(
                    ((a.get("property") or a.get("name", "")).lower(), a["content"])
                )
        elif tag in ("a", "link") and "license" in a.get("rel", "").lower().split():
            self.scan.licences.append((a.get("href", ""), text))
        if tag == "a" and "href" in a:
            self.scan.links.append(a["href"])
        elif tag == "picture":
            self._picture = self._elements
            self._elements += 1
        elif tag == "img":
            sets = (a.get("srcset", ""), a.get("data-srcset", ""))
            candidates = [u for v in sets for u in _srcset_urls(v)]
            descriptors = [d for v in sets for d in _srcset_descriptors(v)]
            src = a.get("src", "")
            if src.startswith("data:"):
                src = a.get("data-src", "")
            elif a.get("data-src"):
                candidates.append(a["data-src"])
                descriptors.append("1x")
            self.scan.images.append(
                ImgRef(
                    src,
                    candidates,
                    a.get("alt"),
                    a.get("title"),
                    element=self._element(),
                    descriptors=descriptors,
                )
            )
        elif tag == "source" and (a.get("srcset") or a.get("data-srcset")):
            sets = (a.get("srcset", ""), a.get("data-srcset", ""))
            self.scan.images.append(
                ImgRef(
                    "",
                    [u for v in sets for u in _srcset_urls(v)],
                    None,
                    None,
                    "source",
                    element=self._element(),
                    descriptors=[d for v in sets for d in _srcset_descriptors(v)],
                )
            )
        elif tag == "script":
            if a.get("type") == "application/ld+json":
                self._ld = []
            elif "src" in a:
                self.scan.scripts.append(a["src"])

    def _element(self) -> int:
        if self._picture is not None:
            return self._picture
        self._elements += 1
        return self._elements - 1

    def handle_endtag(self, tag: str) -> None:
        if tag == "picture":
            self._picture = None
        elif tag == "title":
            self._in_title = False
        elif tag == "script" and self._ld is not None:
            self.scan.json_ld.append(json.loads("".join(self._ld)))
            self._ld = None

    def handle_data(self, data: str) -> None:
        if self._in_title:
            self.scan.title += data
        elif self._ld is not None:
            self._ld.append(data)


def scan(html: str) -> Scan:
    """Parse one HTML document."""
    parser = _Scanner()
    parser.feed(html)
    parser.close()
    return parser.scan


def absolute(base: str, href: str) -> str:
    """``href`` resolved against the page URL ``base``."""
    return urljoin(base, href)
