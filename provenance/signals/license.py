"""Licence statements on a page: ``rel="license"``, JSON-LD ``license`` and Creative Commons marks.

A licence informs; it never restricts collection (``restricts`` is always ``False``), and a
missing licence is not a permission either. Creative Commons URLs (and their badge images) are
mapped to short ids such as ``CC-BY-SA-4.0``, ``CC0-1.0`` and ``PDM-1.0``.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from parsel import Selector

from provenance.observation import Status
from provenance.signals._html import join_url
from provenance.signals.model import Level, Signal, SignalKind

_CC_HOSTS = ("creativecommons.org", "licensebuttons.net")
_CC_PATH = re.compile(
    r"^/(?:licen[cs]es|l)/(?P<code>[a-z][a-z-]*)(?:/(?P<version>\d+(?:\.\d+)*))?"
    r"(?:/(?P<port>[a-z]{2,3}))?(?:/|$)",
    re.IGNORECASE,
)
_CC_PUBLIC = re.compile(
    r"^/(?:publicdomain|p)/(?P<kind>zero|mark)(?:/(?P<version>\d+(?:\.\d+)*))?", re.IGNORECASE
)
_LICENSE_KEYS = frozenset(
    {"license", "http://schema.org/license", "https://schema.org/license", "schema:license"}
)
_EVIDENCE_MAX = 500
_JSONLD_DEPTH = 64


def cc_short_id(url: str) -> str | None:
    """``CC-BY-SA-4.0`` for a Creative Commons licence or badge URL, ``CC0-1.0``, ``PDM-1.0``;
    ``None`` for anything else."""
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return None
    host = parts.hostname or ""
    if not any(host == h or host.endswith("." + h) for h in _CC_HOSTS):
        return None
    public = _CC_PUBLIC.match(parts.path)
    if public:
        prefix = "CC0" if public["kind"].lower() == "zero" else "PDM"
        return f"{prefix}-{public['version']}" if public["version"] else prefix
    match = _CC_PATH.match(parts.path)
    if not match:
        return None
    short = "CC-" + match["code"].upper()
    if match["version"]:
        short += "-" + match["version"]
    if match["port"]:
        short += "-" + match["port"].upper()
    return short


@dataclass(frozen=True, slots=True)
class LicenseFindings:
    """LICENSE signals found on a page, and how the JSON-LD blocks read."""

    signals: tuple[Signal, ...]
    jsonld_status: Status
    jsonld_reason: str


def _evidence(html: str) -> str:
    html = " ".join(html.split())
    return html if len(html) <= _EVIDENCE_MAX else html[: _EVIDENCE_MAX - 1] + "…"


def _license_values(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value.strip()] if value.strip() else []
    if isinstance(value, dict):
        for key in ("@id", "url", "name"):
            found = value.get(key)
            if isinstance(found, str) and found.strip():
                return [found.strip()]
        return []
    if isinstance(value, list):
        return [v for item in value for v in _license_values(item)]
    return []


def _walk_jsonld(node: Any, depth: int, found: list[tuple[str, dict[str, Any]]]) -> None:
    """Collect (licence, holding object) pairs anywhere in a JSON-LD tree (``@graph`` too)."""
    if depth > _JSONLD_DEPTH:
        return
    if isinstance(node, list):
        for item in node:
            _walk_jsonld(item, depth + 1, found)
        return
    if not isinstance(node, dict):
        return
    for key, value in node.items():
        if key in _LICENSE_KEYS:
            found.extend((lic, node) for lic in _license_values(value))
        elif isinstance(value, dict | list):
            _walk_jsonld(value, depth + 1, found)


def _load_jsonld(text: str) -> Any:
    text = text.strip()
    for wrapper in ("<!--", "//<![CDATA[", "<![CDATA["):
        text = text.removeprefix(wrapper)
    for wrapper in ("-->", "//]]>", "]]>"):
        text = text.removesuffix(wrapper)
    try:
        return json.loads(text)
    except (ValueError, RecursionError):
        return json.loads(re.sub(r",(\s*[}\]])", r"\1", text))


def license_signals(
    selector: Selector, *, base_url: str, url: str | None = None
) -> LicenseFindings:
    """Every licence statement in the page; never raises on content."""
    signals: list[Signal] = []
    seen: set[tuple[str, str]] = set()

    def add(value: str, source: str, evidence: str, extra: dict[str, Any]) -> None:
        short = cc_short_id(value)
        key = (source, value)
        if key in seen:
            return
        seen.add(key)
        if short:
            extra = {**extra, "cc": short}
        signals.append(
            Signal(
                SignalKind.LICENSE,
                short or value,
                source,
                _evidence(evidence),
                Level.PAGE,
                url=url,
                extra={**extra, "license": value},
            )
        )

    for node in selector.xpath("//link[@href] | //a[@href] | //area[@href]"):
        rel = (node.attrib.get("rel") or "").lower().split()
        if "license" in rel:
            href = join_url(base_url, node.attrib["href"]) or node.attrib["href"].strip()
            add(href, f"html:{node.root.tag}[rel=license]", node.get(), {})
    for name in ("license", "dc.rights", "dcterms.license", "dc.license", "dcterms.rights"):
        for node in selector.xpath(
            f"//meta[translate(@name, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ', "
            f"'abcdefghijklmnopqrstuvwxyz')='{name}'][@content]"
        ):
            content = node.attrib["content"].strip()
            if content:
                add(content, f"meta:{name}", node.get(), {})

    blocks = 0
    failures: list[str] = []
    for index, node in enumerate(selector.xpath("//script")):
        if (node.attrib.get("type") or "").strip().lower() != "application/ld+json":
            continue
        blocks += 1
        text = node.xpath("string()").get() or ""
        try:
            data = _load_jsonld(text)
        except (ValueError, RecursionError) as err:
            failures.append(f"block {index}: {err}")
            continue
        found: list[tuple[str, dict[str, Any]]] = []
        _walk_jsonld(data, 0, found)
        for value, holder in found:
            extra: dict[str, Any] = {}
            kind = holder.get("@type")
            if isinstance(kind, str | list):
                extra["object_type"] = kind
            for key in ("contentUrl", "url", "@id"):
                target = holder.get(key)
                if isinstance(target, str) and target.strip():
                    extra["applies_to"] = join_url(base_url, target) or target.strip()
                    break
            relative = value.startswith(("/", "./"))
            resolved = (join_url(base_url, value) or value) if relative else value
            snippet = json.dumps(
                {"license": value, **({"@type": kind} if kind else {})},
                ensure_ascii=False,
                default=str,
            )
            add(resolved, "json-ld:license", snippet, extra)

    for node in selector.xpath("//a[@href] | //img[@src]"):
        target = node.attrib.get("href") or node.attrib.get("src") or ""
        absolute = join_url(base_url, target) or ""
        if cc_short_id(absolute) and not any(s.extra.get("license") == absolute for s in signals):
            add(absolute, "html:cc-mark", node.get(), {})

    if blocks == 0:
        status, reason = Status.ABSENT, "no JSON-LD block"
    elif failures:
        status = Status.UNPARSEABLE
        reason = f"{len(failures)} of {blocks} JSON-LD block(s) unreadable: {failures[0]}"
    else:
        status, reason = Status.OK, f"{blocks} JSON-LD block(s) read"
    return LicenseFindings(tuple(signals), status, reason)
