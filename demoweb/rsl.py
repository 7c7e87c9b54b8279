"""The demo web's RSL licence documents, and what they say of a path (its own reading).

The demo web knows nothing of provtrack, so the manifest's RSL expectations are computed here
from the documents the sites serve: the ``<content>`` whose URL path is the most specific match
(``*`` and ``$`` as in robots.txt) applies; a ``prohibits type="usage"`` naming a usage the demo
crawl falls under (``ai-train``, ``ai-input``, ``ai-index``, their parent ``ai-all`` or ``all``;
the drafts' ``train-ai`` is ``ai-train``) stops it; a ``permits`` of one with a payment other than
``free`` is a licence offered, not taken.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from xml.etree import ElementTree as ET

NAMESPACE = "https://rslstandard.org/rsl"
_NS = "{" + NAMESPACE + "}"
CRAWL_USAGES = frozenset({"ai-train", "ai-input", "ai-index", "ai-all", "all"})
"""Tokens whose prohibition stops the demo crawl (a face-search database): its usages and
their ancestors."""
_DRAFT = {"train-ai": "ai-train"}


@dataclass(frozen=True, slots=True)
class Licence:
    """One ``<license>`` as the manifest describes it."""

    content_url: str
    permits: tuple[str, ...]
    prohibits: tuple[str, ...]
    payment: str | None
    xml: str

    @property
    def value(self) -> str:
        """The signal value provtrack records for an image this licence applies to."""
        crawl = CRAWL_USAGES | {"ai-all", "all"}
        prohibited = [t for t in self.prohibits if _DRAFT.get(t, t) in crawl]
        permitted = [t for t in self.permits if _DRAFT.get(t, t) in crawl]
        if prohibited:
            return "prohibits " + ",".join(prohibited)
        if permitted and (self.payment or "free") != "free":
            return "licence offered, not taken"
        if permitted:
            return "permits " + ",".join(permitted)
        return "other usages" if self.permits or self.prohibits else "silent"

    @property
    def restricts(self) -> bool:
        """Whether it stops the demo crawl."""
        return self.value.startswith("prohibits ")


def licences(document: bytes) -> list[Licence]:
    """Every ``<license>`` of a document, with the URL of its ``<content>``."""
    root = ET.fromstring(document)  # noqa: S314 - our own, fixed XML
    out = []
    for content in root.iter(f"{_NS}content"):
        for lic in content.findall(f"{_NS}license"):
            payment = lic.find(f"{_NS}payment")
            out.append(
                Licence(
                    content.get("url", ""),
                    _values(lic, "permits"),
                    _values(lic, "prohibits"),
                    None if payment is None else payment.get("type", "free"),
                    _as_served(lic),
                )
            )
    return out


def applying(document: bytes, path: str) -> list[Licence]:
    """The licences of the most specific ``<content>`` matching ``path``."""
    best: list[Licence] = []
    best_len = -1
    for lic in licences(document):
        pattern = lic.content_url
        if _matches(pattern, path):
            if len(pattern) > best_len:
                best, best_len = [lic], len(pattern)
            elif len(pattern) == best_len and lic.content_url == best[0].content_url:
                best.append(lic)
    return best


def _as_served(el: ET.Element) -> str:
    text = ET.tostring(el, encoding="unicode").strip()
    declared = f'xmlns:ns0="{NAMESPACE}"'
    if declared in text:
        text = text.replace(declared, f'xmlns="{NAMESPACE}"')
        text = text.replace("<ns0:", "<").replace("</ns0:", "</")
    return text


def _matches(pattern: str, path: str) -> bool:
    anchored = pattern.endswith("$")
    body = re.escape(pattern.removesuffix("$")).replace(r"\*", ".*")
    return re.match(body + ("$" if anchored else ""), path) is not None


def _values(el: ET.Element, tag: str) -> tuple[str, ...]:
    return tuple(
        v.strip()
        for child in el.findall(f"{_NS}{tag}")
        if child.get("type", "usage") == "usage"
        for v in (child.text or "").split(",")
        if v.strip()
    )
