"""Find the terms-of-service page among a page's links, in English, French and German.

Each link is scored from its anchor text and its URL path, and the reasons are kept:
``Terms of Service``/``Conditions d'utilisation``/``Nutzungsbedingungen``/``AGB`` score
highest, ``Legal`` lower, ``Mentions légales`` and ``Impressum`` (legal notices, not terms)
lower still; privacy, cookie and contact links are excluded. Returns nothing rather than a
guess when no link looks like terms.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import urldefrag, urljoin, urlsplit

from provenance.jurisdiction._fold import fold
from provenance.terms.model import TermsLink

# (pattern on folded anchor text, score, label); the first match wins.
_ANCHOR_RULES: tuple[tuple[str, float, str], ...] = (
    (r"\bterms\s+(?:of\s+)?(?:service|use|usage)\b|\bterms\s*(?:&|and)\s*conditions\b", 1.0, "en"),
    (r"\buser\s+agreement\b|\bterms\s+of\s+(?:sale|business)\b", 0.85, "en"),
    (r"\bconditions\s+(?:generales\s+)?d'utilisation\b|\bcgu\b", 1.0, "fr"),
    (r"\bconditions\s+generales\b|\bcgv\b|\bconditions\s+d'usage\b", 0.9, "fr"),
    (r"\bnutzungsbedingungen\b|\bagb\b|\ballgemeine\s+geschaftsbedingungen\b", 1.0, "de"),
    (r"\bgeschaftsbedingungen\b|\bnutzungsordnung\b", 0.9, "de"),
    (r"^\s*(?:the\s+)?terms\s*$|\bour\s+terms\b|\bsite\s+terms\b", 0.85, "en"),
    (r"^\s*conditions\s*$|\bconditions\b", 0.6, "fr/en"),
    (
        r"\blegal\s+(?:terms|information)\b|^\s*legal\s*$|\bjuridique\b|\brechtliches\b",
        0.5,
        "legal",
    ),
    (r"\bmentions\s+legales\b|\bavis\s+juridique\b|\blegal\s+notice\b", 0.35, "legal notice"),
    (r"\bimpressum\b|\bimprint\b", 0.2, "imprint"),
)
_PATH_RULES: tuple[tuple[str, float], ...] = (
    (
        r"/(?:terms[-_]?of[-_]?(?:service|use)|terms[-_]?and[-_]?conditions|tos|terms|tou|eula)(?:[/.?#-]|$)",
        0.9,
    ),
    (
        r"/(?:conditions[-_]?(?:generales[-_]?)?d?[-_]?utilisation|cgu|cgv|conditions)(?:[/.?#-]|$)",
        0.85,
    ),
    (r"/(?:nutzungsbedingungen|agb|allgemeine[-_]geschaeftsbedingungen)(?:[/.?#-]|$)", 0.9),
    (r"/(?:user[-_]?agreement|legal/terms)(?:[/.?#-]|$)", 0.85),
    (r"/legal(?:[/.?#-]|$)", 0.45),
    (r"/(?:mentions[-_]?legales|legal[-_]?notice)(?:[/.?#-]|$)", 0.3),
    (r"/(?:impressum|imprint)(?:[/.?#-]|$)", 0.2),
)
_EXCLUDE_RE = re.compile(
    r"privacy|confidentialite|datenschutz|cookie|contact|kontakt|nous\s+joindre|accessibilit|"
    r"sitemap|careers|emplois|presse|press\b|login|sign\s*in|connexion|anmelden"
)
_EXCLUDE_PATH_RE = re.compile(r"privacy|confidentialite|datenschutz|cookie")
_ANCHOR_RES = tuple((re.compile(p), s, label) for p, s, label in _ANCHOR_RULES)
_PATH_RES = tuple((re.compile(p), s) for p, s in _PATH_RULES)
OFFSITE_PENALTY = 0.1
MIN_SCORE = 0.15

Link = tuple[str, str] | Mapping[str, Any]


def find_terms_links(links: Iterable[Link], base_url: str | None = None) -> list[TermsLink]:
    """Candidate terms URLs, best first, each with its score and the reasons for it.

    ``links`` are ``(href, anchor_text)`` pairs or mappings with ``href`` / ``url`` and
    ``text`` / ``anchor``. Relative hrefs resolve against ``base_url``; fragments are
    dropped and duplicates keep their best score. ``mailto:``, ``tel:`` and ``javascript:``
    links are ignored.
    """
    best: dict[str, TermsLink] = {}
    base_host = _host(base_url) if base_url else None
    for link in links:
        href, anchor = _unpack(link)
        if not href or href.strip().lower().startswith(("mailto:", "tel:", "javascript:", "data:")):
            continue
        url = urldefrag(urljoin(base_url or "", href.strip()))[0]
        if not url:
            continue
        scored = _score(url, anchor, base_host)
        if scored is None:
            continue
        previous = best.get(url)
        if previous is None or scored.score > previous.score:
            best[url] = scored
    return sorted(best.values(), key=lambda t: (-t.score, len(t.url), t.url))


def _unpack(link: Link) -> tuple[str, str]:
    if isinstance(link, Mapping):
        href = link.get("href") or link.get("url") or ""
        text = link.get("text") or link.get("anchor") or link.get("anchor_text") or ""
        return str(href), str(text)
    href, text = link
    return str(href or ""), str(text or "")


def _score(url: str, anchor: str, base_host: str | None) -> TermsLink | None:
    text = " ".join(fold(anchor).split())
    path = fold(urlsplit(url).path or "/")
    if _EXCLUDE_RE.search(text) or _EXCLUDE_PATH_RE.search(path):
        return None
    reasons: list[str] = []
    anchor_score = 0.0
    for rx, score, label in _ANCHOR_RES:
        if rx.search(text):
            anchor_score = score
            reasons.append(f"anchor {anchor.strip()!r} ({label}, {score:.2f})")
            break
    path_score = 0.0
    for rx, score in _PATH_RES:
        m = rx.search(path)
        if m is not None:
            path_score = score
            reasons.append(f"path {m.group(0).rstrip('/.?#-')!r} ({score:.2f})")
            break
    if not reasons:
        return None
    total = max(anchor_score, path_score)
    if anchor_score and path_score:
        total = min(1.0, total + 0.1 * min(anchor_score, path_score))
    if base_host and _host(url) and _host(url) != base_host:
        total -= OFFSITE_PENALTY
        reasons.append(f"off-site host {_host(url)} (-{OFFSITE_PENALTY:.2f})")
    if total < MIN_SCORE:
        return None
    return TermsLink(url=url, score=round(total, 3), anchor=anchor.strip(), reasons=tuple(reasons))


def _host(url: str | None) -> str:
    try:
        host = urlsplit(url or "").hostname or ""
    except ValueError:
        return ""
    return host.removeprefix("www.")
