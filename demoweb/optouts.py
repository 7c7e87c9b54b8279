"""Signal objects for the manifest, derived from what the demo web serves.

The vocabulary is provtrack's ``SignalKind`` values (copied as strings, never imported: the
demo web knows nothing of the rest of provtrack). One object per directive: a
``noai, noimageai`` meta tag gives two. ``restricts`` says whether the signal forbids
collection by provtrack under the compliant gate's rules (see MANIFEST.md).
"""

from __future__ import annotations

import json
from typing import Any

from demoweb.htmlscan import Scan
from demoweb.model import Headers, Host, Robots, RobotsGroup

USER_AGENT = "provtrack"

PAGE_RESTRICTING = frozenset({"noimageindex", "noai", "noimageai", "noml", "none"})
"""Page-level robots directives that stop provtrack collecting the page's images."""

IMAGE_RESTRICTING = PAGE_RESTRICTING | {"noindex"}
"""Directives on an image response that stop provtrack keeping that image."""

ROBOTS_META_NAMES = frozenset(
    {"robots", "googlebot", "gptbot", "ccbot", "bingbot", "google-extended", USER_AGENT}
)

Signal = dict[str, Any]

# AIPREF labels across the vocabulary drafts and what they mean now (MANIFEST.md, "Content-Usage
# labels"); the roots mean all automated processing. provtrack's demo crawl (a face-search
# database) falls under train-ai and ai-use.
_AIPREF_CURRENT = {
    "train-ai": "train-ai",
    "ai-use": "ai-use",
    "search": "search",
    "ai": "train-ai",
    "genai": "train-ai",
    "train-genai": "train-ai",
    "inference": "ai-use",
    "ai-output": "ai-use",
    "tdm": "root",
    "all": "root",
    "bots": "root",
}
_CRAWL_CATEGORIES = ("ai-use", "train-ai")


def usage_restricting(value: str) -> set[str]:
    """The ``label=n`` members of a Content-Usage value that forbid provtrack's demo crawl.

    A category the value names is decided by those labels; one it does not name takes the
    older drafts' root (``tdm``/``all``/``bots``). Values here are valid lowercase dictionaries.
    """
    prefs = {}
    for member in value.split(","):
        key, _, val = member.strip().partition("=")
        prefs[key.strip()] = val.strip()
    roots = [k for k in prefs if _AIPREF_CURRENT.get(k) == "root"]
    out: set[str] = set()
    for category in _CRAWL_CATEGORIES:
        named = [k for k in prefs if _AIPREF_CURRENT.get(k) == category] or roots
        out |= {f"{k}=n" for k in named if prefs[k] == "n"}
    return out


def signal(
    kind: str,
    value: str,
    where: str,
    evidence: str,
    *,
    agent: str | None = None,
    restricts: bool = False,
) -> Signal:
    """One signal object in the manifest's shape."""
    return {
        "kind": kind,
        "value": value,
        "where": where,
        "agent": agent,
        "restricts": restricts,
        "evidence": evidence,
    }


def applies_to_us(agent: str | None) -> bool:
    """Whether a directive scoped to ``agent`` (None: everyone) binds provtrack."""
    return agent is None or agent.lower() == USER_AGENT


def robots_directives(value: str) -> tuple[str | None, list[str]]:
    """Split an X-Robots-Tag / meta value into (agent scope, lower-cased directives)."""
    agent: str | None = None
    head, sep, rest = value.partition(":")
    if sep and head.strip() and " " not in head.strip() and "," not in head:
        agent, value = head.strip(), rest
    return agent, [d.strip().lower() for d in value.split(",") if d.strip()]


def header_signals(headers: Headers, *, image: bool) -> list[Signal]:
    """Signals carried by response headers of a page (``image=False``) or an image."""
    restricting = IMAGE_RESTRICTING if image else PAGE_RESTRICTING
    out: list[Signal] = []
    for name, value in headers:
        line = f"{name}: {value}"
        low = name.lower()
        if low == "x-robots-tag":
            agent, directives = robots_directives(value)
            out.extend(
                signal(
                    "x-robots-tag",
                    d,
                    "header",
                    line,
                    agent=agent,
                    restricts=d in restricting and applies_to_us(agent),
                )
                for d in directives
            )
        elif low == "tdm-reservation":
            out.append(signal("tdm-reservation", value, "header", line, restricts=value == "1"))
        elif low == "tdm-policy":
            out.append(signal("tdm-policy", value, "header", line))
        elif low == "content-usage":
            bad = usage_restricting(value)
            out.extend(
                signal("content-usage", d, "header", line, restricts=d in bad)
                for d in (p.strip() for p in value.split(","))
            )
        elif low == "content-signal":
            out.extend(
                signal("content-signal", d, "header", line, restricts=d == "ai-train=no")
                for d in (p.strip() for p in value.split(","))
            )
    return out


def _licences_in(data: object) -> list[str]:
    if isinstance(data, dict):
        found = [str(data["license"])] if "license" in data else []
        for key, value in data.items():
            if key != "license":
                found.extend(_licences_in(value))
        return found
    if isinstance(data, list):
        return [lic for item in data for lic in _licences_in(item)]
    return []


def page_signals(headers: Headers, page: Scan) -> list[Signal]:
    """Signals of one page: its headers, robots/TDM meta tags and licences."""
    out = header_signals(headers, image=False)
    for meta in page.metas:
        name = meta.name.lower()
        if name in ROBOTS_META_NAMES:
            agent = None if name == "robots" else meta.name
            out.extend(
                signal(
                    "meta-robots",
                    d,
                    "meta",
                    meta.tag,
                    agent=agent,
                    restricts=d in PAGE_RESTRICTING and applies_to_us(agent),
                )
                for d in robots_directives(meta.content)[1]
            )
        elif name == "tdm-reservation":
            out.append(
                signal(
                    "tdm-reservation", meta.content, "meta", meta.tag, restricts=meta.content == "1"
                )
            )
        elif name == "tdm-policy":
            out.append(signal("tdm-policy", meta.content, "meta", meta.tag))
        elif name == "content-usage":
            bad = usage_restricting(meta.content)
            out.extend(
                signal("content-usage", d, "meta", meta.tag, restricts=d in bad)
                for d in (p.strip() for p in meta.content.split(","))
            )
    out.extend(signal("license", href, "link", tag) for href, tag in page.licences)
    for block in page.json_ld:
        out.extend(
            signal("license", lic, "json-ld", json.dumps({"license": lic})[1:-1])
            for lic in _licences_in(block)
        )
    return out


def robots_usage_value(value: str) -> tuple[str, str]:
    """A robots.txt ``Content-Usage: [path] prefs`` value as (path, prefs); no path is ``/``."""
    words = value.strip().split(None, 1)
    if words and words[0].startswith("/") and "=" not in words[0]:
        return words[0], words[1] if len(words) > 1 else ""
    return "/", value.strip()


def group_for_us(robots: Robots) -> RobotsGroup | None:
    """The robots.txt group that binds provtrack: its own, else ``*``, else none."""
    for token in (USER_AGENT, "*"):
        for group in robots.groups:
            if any(a.lower() == token for a in group.agents):
                return group
    return None


def robots_signals(host: Host, outcomes: dict[str, str]) -> list[Signal]:
    """Host signals from robots.txt: one per group (outcome for "/"), plus its usage lines."""
    robots = host.robots
    if robots is None:
        return [signal("robots", "unavailable", "robots.txt", "HTTP 404 Not Found")]
    if robots.status == "timeout":
        return [
            signal(
                "robots",
                "unreachable",
                "robots.txt",
                "no response: the connection is held open without an answer",
                restricts=True,
            )
        ]
    if robots.status != 200:
        return [
            signal("robots", "unreachable", "robots.txt", f"HTTP {robots.status}", restricts=True)
        ]
    if robots.gives_up:
        return [signal("robots", "unreachable", "robots.txt", robots.gives_up, restricts=True)]
    ours = group_for_us(robots)
    out: list[Signal] = []
    for group in robots.groups:
        lines = [f"User-agent: {a}" for a in group.agents]
        lines += [f"{k}: {v}" for k, v in group.rules]
        agent = None if group.agents == ("*",) else ", ".join(group.agents)
        token = "*" if agent is None else group.agents[0]
        outcome = outcomes.get(token) or outcomes["*"]
        binds = group is ours
        disallows = any(k.lower() == "disallow" and v for k, v in group.rules)
        out.append(
            signal(
                "robots",
                outcome,
                "robots.txt",
                "\n".join(lines),
                agent=agent,
                restricts=binds and disallows,
            )
        )
        for key, value in group.rules:
            if key.lower() in ("content-signal", "content-usage"):
                kind = key.lower()
                _, prefs = robots_usage_value(value)
                bad = {"ai-train=no"} if kind == "content-signal" else usage_restricting(prefs)
                out.extend(
                    signal(
                        kind,
                        d,
                        "robots.txt",
                        f"{key}: {value}",
                        agent=agent,
                        restricts=binds and d in bad,
                    )
                    for d in (p.strip() for p in prefs.split(","))
                )
    return out


def ai_txt_signals(body: str) -> list[Signal]:
    """One signal per Allow/Disallow line of the group that binds provtrack in ai.txt."""
    out: list[Signal] = []
    agent: str | None = None
    for raw in body.splitlines():
        line = raw.split("#", 1)[0].strip()
        key, sep, value = line.partition(":")
        if not sep:
            continue
        key, value = key.strip().lower(), value.strip()
        if key == "user-agent":
            agent = None if value == "*" else value
        elif key in ("allow", "disallow"):
            out.append(
                signal(
                    "ai-txt",
                    f"{key} {value}",
                    "ai.txt",
                    line,
                    agent=agent,
                    restricts=key == "disallow" and applies_to_us(agent),
                )
            )
    return out


def tdmrep_signals(rules: tuple[dict[str, object], ...]) -> list[Signal]:
    """Signals of /.well-known/tdmrep.json: a reservation per rule, and its policy if any."""
    out: list[Signal] = []
    for rule in rules:
        evidence = json.dumps(rule, ensure_ascii=False)
        reservation = str(rule.get("tdm-reservation"))
        out.append(
            signal(
                "tdm-reservation",
                reservation,
                "/.well-known/tdmrep.json",
                evidence,
                restricts=reservation == "1",
            )
        )
        if "tdm-policy" in rule:
            out.append(
                signal("tdm-policy", str(rule["tdm-policy"]), "/.well-known/tdmrep.json", evidence)
            )
    return out


def terms_signals(host: Host) -> list[Signal]:
    """One signal per classified terms clause; only a scraping ban restricts the crawl."""
    if host.terms is None:
        return []
    return [
        signal(
            "terms",
            clause.kind,
            "terms",
            clause.sentence,
            restricts=clause.kind == "prohibits-scraping",
        )
        for clause in host.terms.clauses
    ]
