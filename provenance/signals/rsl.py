"""RSL 1.0 (Really Simple Licensing): the licence document a site names, and what it says of a URL.

What the specification says, as read through the search tools (rslstandard.org: the 1.0
Recommendation's header and element tables, the robots.txt and file-format guides; the usage
tokens from the issue and implementers' notes, the token section itself could not be read):

- discovery: a robots.txt ``License: <absolute URL>`` line, global (not tied to a user-agent
  group), which every crawler must follow before processing content; or, in a page,
  ``<link rel="license" type="application/rsl+xml" href="...">``; the document may live on
  another host;
- the document: ``<rsl xmlns="https://rslstandard.org/rsl">`` holding ``<content url="...">``
  elements (a full URL, or a path matched by RFC 9309's rules with ``*`` and ``$``), each
  with ``<license>`` elements of ``<permits type="usage|user|geo">`` and ``<prohibits ...>``
  (comma-separated values), ``<payment type="...">`` (``free`` when absent; ``purchase``,
  ``subscription``, ``training``, ``crawl``, ``inference``, ``use``, ``attribution``...) with
  ``<amount currency="...">``, ``<standard>``, ``<custom>``, and ``<legal>``;
- usage tokens: ``all``; ``ai-all`` covering ``ai-train``, ``ai-input`` and ``ai-index``;
  ``search``. The 2025 drafts wrote ``train-ai``: read as ``ai-train`` and recorded as written.

How provtrack reads it: the XML goes through defusedxml (entity expansion and external
references are refused, and recorded as hostile); for an image URL the ``<content>`` whose URL
matches most specifically applies (RFC 9309's longest match). A ``prohibits`` of a usage the
crawl's purpose falls under (its purpose profile's ``usage_labels.rsl``, or an ancestor token)
is an opt-out; a ``permits`` of it with payment terms is a licence offered and not taken, and
is recorded, never read as permission; a document that cannot be fetched or read says nothing
(unknown), which is not permission either. Evidence is the XML element as served.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache
from typing import Any, Final
from urllib.parse import urljoin, urlsplit
from xml.etree.ElementTree import Element, tostring

import defusedxml.ElementTree as SafeET
from defusedxml import DefusedXmlException

from provenance.observation import Status
from provenance.signals._fetch import FetchClass, cap_body, classify_fetch, fetch_facts
from provenance.signals._patterns import compile_pattern, normalize_path
from provenance.signals.model import Level, Signal, SignalKind

RSL_NAMESPACE: Final = "https://rslstandard.org/rsl"
RSL_MEDIA_TYPE: Final = "application/rsl+xml"
RSL_MAX_BYTES: Final = 512 * 1024
"""Bytes of an RSL document read, like the other policy documents."""

USAGE_PARENTS: Final[dict[str, str]] = {
    "ai-train": "ai-all",
    "ai-input": "ai-all",
    "ai-index": "ai-all",
    "ai-all": "all",
    "search": "all",
}
DRAFT_TOKENS: Final[dict[str, str]] = {"train-ai": "ai-train"}
FREE_PAYMENTS: Final = frozenset({"", "free"})

_NS = "{" + RSL_NAMESPACE + "}"


def current_token(written: str) -> str:
    """An RSL usage token as RSL 1.0 names it (``train-ai`` of the drafts is ``ai-train``)."""
    token = written.strip().lower()
    return DRAFT_TOKENS.get(token, token)


def covering(tokens: Iterable[str]) -> frozenset[str]:
    """The tokens and every ancestor of them (``ai-train`` → ``ai-all``, ``all``)."""
    out: set[str] = set()
    for token in tokens:
        current: str | None = current_token(token)
        while current is not None and current not in out:
            out.add(current)
            current = USAGE_PARENTS.get(current)
    return frozenset(out)


@cache
def default_tokens() -> frozenset[str]:
    """The RSL usages the default purpose profile's collection falls under."""
    from policies.purposes import profile

    return frozenset(profile().usage_labels.get("rsl", ()))


@dataclass(frozen=True, slots=True)
class RslLicense:
    """One ``<license>``: usage permitted and prohibited (as written), payment, and the XML."""

    permits: tuple[str, ...]
    prohibits: tuple[str, ...]
    payment: str | None
    amounts: tuple[tuple[str, str], ...]
    xml: str
    terms: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready form."""
        return {
            "permits": list(self.permits),
            "prohibits": list(self.prohibits),
            "payment": self.payment,
            "amounts": [list(a) for a in self.amounts],
            "terms": list(self.terms),
            "xml": self.xml,
        }


@dataclass(frozen=True, slots=True)
class RslContent:
    """One ``<content url=...>`` and its licences."""

    url: str
    server: str | None
    licenses: tuple[RslLicense, ...]

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready form."""
        return {
            "url": self.url,
            "server": self.server,
            "licenses": [lic.to_dict() for lic in self.licenses],
        }


@dataclass(frozen=True)
class RslDocument:
    """An RSL document as fetched: outcome, observation status and its ``<content>`` entries.

    Build it with :meth:`from_fetch`; it never raises on content.
    """

    url: str
    fetched_at: datetime | None
    http_status: int | None
    error: str | None
    status: Status
    reason: str
    size: int = 0
    sha256: str | None = None
    truncated: bool = False
    contents: tuple[RslContent, ...] = field(default=())
    discovered_by: str = "robots.txt License"

    @classmethod
    def from_fetch(
        cls,
        url: str,
        http_status: int | None,
        body: bytes | None,
        error: str | None,
        fetched_at: datetime | None = None,
        *,
        discovered_by: str = "robots.txt License",
    ) -> RslDocument:
        """Read an RSL document fetch; unreachable, missing and unreadable all say nothing."""
        common = fetch_facts(url, http_status, body, error, fetched_at)
        common["discovered_by"] = discovered_by
        fetched = classify_fetch(http_status, error)
        if fetched.fetch_class is not FetchClass.SUCCESS:
            status = (
                Status.FETCH_FAILED
                if fetched.fetch_class is FetchClass.UNREACHABLE
                else Status.ABSENT
            )
            return cls(status=status, reason=f"{fetched.reason}: no licence terms read", **common)
        capped, truncated = cap_body(body or b"", RSL_MAX_BYTES)
        if truncated:
            return cls(
                status=Status.TOO_LARGE,
                reason=f"larger than {RSL_MAX_BYTES} bytes: not read (a cut XML cannot be parsed)",
                truncated=True,
                **common,
            )
        try:
            root = SafeET.fromstring(capped)
        except DefusedXmlException as err:
            return cls(
                status=Status.UNPARSEABLE,
                reason=f"hostile XML refused ({type(err).__name__}): no licence terms read",
                **common,
            )
        except SafeET.ParseError as err:
            return cls(status=Status.UNPARSEABLE, reason=f"not XML: {err}", **common)
        if root.tag != f"{_NS}rsl":
            return cls(
                status=Status.UNPARSEABLE,
                reason=f"root element is {root.tag!r}, not <rsl> in the RSL namespace",
                **common,
            )
        contents = tuple(_content(el) for el in root.iter(f"{_NS}content"))
        return cls(
            status=Status.OK,
            reason=f"{fetched.reason}: {len(contents)} content element(s)",
            contents=contents,
            **common,
        )

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready form for the snapshot's ``parsed`` field."""
        return {
            "url": self.url,
            "status": self.status.value,
            "reason": self.reason,
            "discovered_by": self.discovered_by,
            "contents": [c.to_dict() for c in self.contents],
        }

    def content_for(self, url: str) -> RslContent | None:
        """The ``<content>`` that applies to ``url``: the most specific matching one."""
        target = urlsplit(url)
        path = normalize_path(url)
        best: tuple[int, RslContent] | None = None
        for content in self.contents:
            raw = content.url.strip()
            if "://" in raw:
                absolute = urlsplit(urljoin(self.url, raw))
                if (absolute.scheme, absolute.netloc.lower()) != (
                    target.scheme,
                    target.netloc.lower(),
                ):
                    continue
                raw = absolute.path or "/"
                if absolute.query:
                    raw += "?" + absolute.query
            pattern = compile_pattern(raw or "/")
            if pattern is None or not pattern.matches(path):
                continue
            if best is None or pattern.priority > best[0]:
                best = (pattern.priority, content)
        return best[1] if best else None

    def signals_for(self, url: str, usages: Iterable[str] | None = None) -> list[Signal]:
        """The RSL signals for ``url`` and a crawl falling under ``usages`` (RSL tokens).

        One signal per ``<license>`` of the applying ``<content>``: ``prohibits <tokens>``
        restricting when a prohibited token covers one of the usages; else ``licence offered,
        not taken`` when a permitted one does with payment terms; else ``permits <tokens>``.
        """
        content = self.content_for(url) if self.status is Status.OK else None
        if content is None:
            return []
        wanted = default_tokens() if usages is None else frozenset(usages)
        needs = {current_token(t) for t in wanted}
        signals: list[Signal] = []
        for lic in content.licenses:
            prohibited = [t for t in lic.prohibits if needs & _covered_by(t)]
            permitted = [t for t in lic.permits if needs & _covered_by(t)]
            extra: dict[str, Any] = {
                "target": url,
                "content_url": content.url,
                "document": self.url,
                "discovered_by": self.discovered_by,
                "permits": list(lic.permits),
                "prohibits": list(lic.prohibits),
                "payment": lic.payment,
                "amounts": [list(a) for a in lic.amounts],
            }
            if any(current_token(t) != t.strip().lower() for t in (*lic.permits, *lic.prohibits)):
                extra["draft_tokens"] = True
            if prohibited:
                value, restricts = "prohibits " + ",".join(prohibited), True
            elif permitted and (lic.payment or "free") not in FREE_PAYMENTS:
                value, restricts = "licence offered, not taken", False
            elif permitted:
                value, restricts = "permits " + ",".join(permitted), False
            else:
                value = "silent" if not (lic.permits or lic.prohibits) else "other usages"
                restricts = False
            signals.append(
                Signal(
                    SignalKind.RSL,
                    value,
                    "rsl",
                    lic.xml,
                    Level.HOST,
                    restricts=restricts,
                    url=self.url,
                    extra=extra,
                )
            )
        return signals


def _covered_by(token: str) -> frozenset[str]:
    """The usages a written token covers: itself and, for a parent, its children."""
    current = current_token(token)
    out = {current}
    changed = True
    while changed:
        changed = False
        for child, parent in USAGE_PARENTS.items():
            if parent in out and child not in out:
                out.add(child)
                changed = True
    return frozenset(out)


def _values(el: Element, tag: str) -> tuple[str, ...]:
    return tuple(
        v.strip()
        for child in el.findall(f"{_NS}{tag}")
        if (child.get("type") or "usage").strip().lower() == "usage"
        for v in (child.text or "").split(",")
        if v.strip()
    )


def _license(el: Element) -> RslLicense:
    payment = el.find(f"{_NS}payment")
    amounts: tuple[tuple[str, str], ...] = ()
    kind: str | None = None
    terms: list[str] = []
    if payment is not None:
        kind = (payment.get("type") or "free").strip().lower()
        amounts = tuple(
            ((a.text or "").strip(), (a.get("currency") or "").strip())
            for a in payment.findall(f"{_NS}amount")
        )
        terms += [
            (t.text or "").strip()
            for tag in ("standard", "custom")
            for t in payment.findall(f"{_NS}{tag}")
            if (t.text or "").strip()
        ]
    xml = _as_served(el)
    return RslLicense(
        _values(el, "permits"), _values(el, "prohibits"), kind, amounts, xml, tuple(terms)
    )


def _as_served(el: Element) -> str:
    """The element as XML with the RSL namespace as the default one (no ``ns0:`` prefixes).

    ElementTree names the first namespace ``ns0``; when that is RSL's, the prefix is dropped
    (unprefixed attributes stay unqualified, as written). Other namespaces keep theirs.
    """
    text = tostring(el, encoding="unicode").strip()
    declared = f'xmlns:ns0="{RSL_NAMESPACE}"'
    if declared in text:
        text = text.replace(declared, f'xmlns="{RSL_NAMESPACE}"')
        text = text.replace("<ns0:", "<").replace("</ns0:", "</")
    return text


def _content(el: Element) -> RslContent:
    return RslContent(
        (el.get("url") or "").strip(),
        el.get("server"),
        tuple(_license(lic) for lic in el.findall(f"{_NS}license")),
    )


def robots_license_urls(robots_text: str, base: str) -> list[str]:
    """The ``License:`` URLs of a robots.txt, in order, resolved against ``base``.

    The line is global (RSL's robots.txt guide), so it is read wherever it stands; a relative
    URL is resolved rather than dropped, leniently.
    """
    urls: list[str] = []
    for line in robots_text.splitlines():
        head, sep, value = line.split("#", 1)[0].partition(":")
        if sep and head.strip().lower() == "license" and value.strip():
            url = urljoin(base, value.strip())
            if url not in urls:
                urls.append(url)
    return urls
