"""Read the facts jurisdiction inference needs from one HTML page, never raising on content.

Operator information (imprint, contact block, footer address) is kept apart from the rest of
the page: a profile saying "Lives in Montreal, QC" describes a user, not the site, so free
place names count for the site only inside those operator zones.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

import lxml.etree  # type: ignore[import-untyped]  # lxml ships no type stubs
import lxml.html  # type: ignore[import-untyped]

MAX_HTML_BYTES = 5_000_000
MAX_ZONE_CHARS = 4000

_BLOCK = frozenset(
    "address article aside blockquote br dd div dl dt fieldset figcaption figure footer form "
    "h1 h2 h3 h4 h5 h6 header hr li main nav ol p pre section table td th tr ul".split()
)
_ZONE_ATTR_RE = re.compile(
    r"(contact|address|adresse|impressum|imprint|footer|kontakt|coordonn|anbieter|operator)",
    re.IGNORECASE,
)
# Blocks about a user, an author or a listing are not the operator, whatever their class says.
_NOT_OPERATOR_RE = re.compile(
    r"(profile|user|member|author|byline|listing|seller|customer|comment|post|card|vcard)",
    re.IGNORECASE,
)
_ZONE_ITEMTYPE_RE = re.compile(r"(PostalAddress|Organization|LocalBusiness)", re.IGNORECASE)
_ZONE_HEADING_RE = re.compile(
    r"^\s*(impressum|imprint|contact(ez[- ]nous)?( us)?|kontakt|nous joindre|coordonn[ée]es|"
    r"angaben gem[äa](ß|ss) ?§ ?5 tmg|anbieterkennzeichnung|legal notice|mentions l[ée]gales)\b",
    re.IGNORECASE,
)
_HEADINGS = ("h1", "h2", "h3", "h4", "h5", "h6")


@dataclass(slots=True)
class PageFacts:
    """What a page declares about itself, in the shapes the evidence extractors take."""

    lang: str | None = None
    content_language: str | None = None  # <meta http-equiv=Content-Language>
    hreflangs: list[str] = field(default_factory=list)
    meta: dict[str, str] = field(default_factory=dict)
    zones: list[tuple[str, str]] = field(default_factory=list)  # (label, text)
    tel_hrefs: list[str] = field(default_factory=list)
    json_ld: list[Any] = field(default_factory=list)
    body_text: str = ""


_CHARSET_RE = re.compile(rb"""charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]{1,40})""", re.IGNORECASE)
_XML_DECL_RE = re.compile(r"^\s*<\?xml[^>]*\?>")


def decode_html(html: bytes | str, charset: str | None = None) -> str:
    """``html`` as text: a str as is; bytes by BOM, then ``charset`` (from Content-Type),
    then a ``<meta charset>`` in the first 4 KB, then UTF-8, then Windows-1252.

    lxml alone would read undeclared bytes as Latin-1 and turn ``Montréal`` into mojibake.
    """
    if isinstance(html, str):
        return _XML_DECL_RE.sub("", html, count=1)
    data = bytes(html)
    for bom, codec in (
        (b"\xef\xbb\xbf", "utf-8"),
        (b"\xff\xfe", "utf-16"),
        (b"\xfe\xff", "utf-16"),
    ):
        if data.startswith(bom):
            return _XML_DECL_RE.sub("", data.decode(codec, "replace"), count=1)
    declared = [charset] if charset else []
    m = _CHARSET_RE.search(data[:4096])
    if m is not None:
        declared.append(m.group(1).decode("ascii", "replace"))
    for codec in declared:
        try:
            return _XML_DECL_RE.sub("", data.decode(codec.strip(), "replace"), count=1)
        except LookupError:
            continue
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        text = data.decode("cp1252", "replace")
    return _XML_DECL_RE.sub("", text, count=1)


def parse_html(html: bytes | str | None, charset: str | None = None) -> Any:
    """An lxml document for ``html``, or None when there is nothing parseable."""
    if not html:
        return None
    text = decode_html(html[:MAX_HTML_BYTES], charset)
    if not text.strip():
        return None
    try:
        return lxml.html.document_fromstring(text)
    except (lxml.etree.ParserError, ValueError, TypeError):
        return None


def parse_page(html: bytes | str | None, charset: str | None = None) -> PageFacts:
    """Facts from ``html``; an empty ``PageFacts`` when it is empty or not HTML at all."""
    facts = PageFacts()
    root = parse_html(html, charset)
    if root is None:
        return facts
    try:
        _read(root, facts)
    except (ValueError, TypeError, lxml.etree.LxmlError):
        # lxml can still refuse odd trees (invalid characters in attributes); keep what was read.
        pass
    return facts


def _attr(el: Any, name: str) -> str:
    value = el.get(name)
    return value.strip() if isinstance(value, str) else ""


def _read(root: Any, facts: PageFacts) -> None:
    html_el = root if root.tag == "html" else root.find(".//html")
    if html_el is not None:
        facts.lang = _attr(html_el, "lang") or _attr(html_el, "xml:lang") or None
    for el in root.iter("meta"):
        name = _attr(el, "name") or _attr(el, "property")
        content = _attr(el, "content")
        if name and content:
            facts.meta.setdefault(name.lower(), content)
        if _attr(el, "http-equiv").lower() == "content-language" and content:
            facts.content_language = content
    for el in root.iter("link"):
        hreflang = _attr(el, "hreflang")
        if hreflang:
            facts.hreflangs.append(hreflang)
    for el in root.iter("a"):
        href = _attr(el, "href")
        if href.lower().startswith("tel:"):
            facts.tel_hrefs.append(href)
    for el in root.iter("script"):
        if _attr(el, "type").lower() == "application/ld+json":
            parsed = _json(el.text or "")
            if isinstance(parsed, list):
                facts.json_ld.extend(parsed)
            elif parsed is not None:
                facts.json_ld.append(parsed)
    for el in list(root.iter("script", "style", "noscript", "template")):
        el.drop_tree()
    for el in root.iter():
        if isinstance(el.tag, str) and el.tag in _BLOCK:
            el.tail = "\n" + (el.tail or "")
    facts.zones = _zones(root)
    body = root.find(".//body")
    facts.body_text = _text(body if body is not None else root)


def _json(text: str) -> Any:
    cleaned = text.strip()
    for wrapper in ("<!--", "-->", "<![CDATA[", "]]>"):
        cleaned = cleaned.replace(wrapper, "")
    try:
        return json.loads(cleaned)
    except (ValueError, RecursionError):
        return None


def _text(el: Any) -> str:
    raw = el.text_content()
    lines = (re.sub(r"[ \t\r\f\v\xa0]+", " ", line).strip() for line in raw.split("\n"))
    return "\n".join(line for line in lines if line)


def _zones(root: Any) -> list[tuple[str, str]]:
    chosen: list[tuple[str, Any]] = []
    for el in root.iter():
        if not isinstance(el.tag, str):
            continue
        label = _zone_label(el)
        if label is not None:
            chosen.append((label, el))
    selected = {id(el) for _, el in chosen}
    zones: list[tuple[str, str]] = []
    for label, el in chosen:
        if any(id(a) in selected for a in el.iterancestors()):
            continue
        text = _text(el)[:MAX_ZONE_CHARS]
        if text:
            zones.append((label, text))
    for el in root.iter(*_HEADINGS):
        heading = _text(el)
        if not _ZONE_HEADING_RE.match(heading) or any(
            id(a) in selected for a in el.iterancestors()
        ):
            continue
        parts = [heading]
        for sib in el.itersiblings():
            if isinstance(sib.tag, str) and sib.tag in _HEADINGS:
                break
            parts.append(_text(sib))
            if sum(len(p) for p in parts) > MAX_ZONE_CHARS:
                break
        zones.append((f"section {heading[:40]!r}", "\n".join(p for p in parts if p)))
    return zones


def _zone_label(el: Any) -> str | None:
    """Why ``el`` holds operator information, or None.

    An ``<address>`` or ``<footer>`` inside an ``<article>`` belongs to that article (its
    author, per the HTML standard), and blocks marked as a profile, card or listing belong to
    a user: neither describes the site's operator.
    """
    tag = el.tag
    marker = f"{_attr(el, 'id')} {_attr(el, 'class')}"
    if _NOT_OPERATOR_RE.search(marker) or any(a.tag == "article" for a in el.iterancestors()):
        return None
    if tag in ("address", "footer"):
        return f"<{tag}>"
    if _attr(el, "role").lower() == "contentinfo":
        return "role=contentinfo"
    itemtype = _attr(el, "itemtype")
    if itemtype and _ZONE_ITEMTYPE_RE.search(itemtype):
        return f"itemtype {itemtype.rsplit('/', 1)[-1]}"
    if tag not in ("html", "body") and marker.strip() and _ZONE_ATTR_RE.search(marker):
        return f"<{tag} {marker.strip()[:40]}>"
    return None
