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
    """An ``<img>`` as written: src, srcset candidate URLs, alt and title."""

    src: str
    srcset: list[str]
    alt: str | None
    title: str | None


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


class _Scanner(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.scan = Scan()
        self._in_title = False
        self._ld: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: (v or "") for k, v in attrs}
        text = self.get_starttag_text() or ""
        if tag == "html":
            self.scan.lang = a.get("lang")
        elif tag == "title":
            self._in_title = True
        elif tag == "meta" and "name" in a:
            self.scan.metas.append(Meta(a["name"], a.get("content", ""), text))
        elif tag in ("a", "link") and "license" in a.get("rel", "").lower().split():
            self.scan.licences.append((a.get("href", ""), text))
        if tag == "a" and "href" in a:
            self.scan.links.append(a["href"])
        elif tag == "img":
            candidates = [c.strip().split()[0] for c in a.get("srcset", "").split(",") if c.strip()]
            self.scan.images.append(
                ImgRef(a.get("src", ""), candidates, a.get("alt"), a.get("title"))
            )
        elif tag == "script":
            if a.get("type") == "application/ld+json":
                self._ld = []
            elif "src" in a:
                self.scan.scripts.append(a["src"])

    def handle_endtag(self, tag: str) -> None:
        if tag == "title":
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
