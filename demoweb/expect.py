"""What provtrack's compliant gate must decide for each page and image, and what reproduce does.

These are the rules stated in MANIFEST.md, applied to the demo web's declarations. The
crawler implements the same rules; a crawl is then checked against these expectations.
Reasons are listed in the gate's order (``REASON_ORDER``); compare them as sets.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from protego import Protego

from demoweb import rsl as rsl_reading
from demoweb.model import Host, Img
from demoweb.optouts import (
    USER_AGENT,
    Signal,
    group_for_us,
    robots_usage_value,
    usage_restricting,
)

REASON_ORDER = (
    "robots",
    "terms",
    "meta-robots",
    "x-robots-tag",
    "tdm-reservation",
    "ai-txt",
    "content-usage",
    "content-signal",
    "rsl",
    "iptc-data-mining",
    "c2pa-training-mining",
)

AGENT_PANEL = (
    USER_AGENT,
    "*",
    "GPTBot",
    "CCBot",
    "Googlebot",
    "Google-Extended",
    "ClaudeBot",
    "PerplexityBot",
)
"""User agents whose robots.txt outcome for "/" the manifest records per host."""

_PAGE_LEVEL_KINDS = frozenset(
    {"meta-robots", "x-robots-tag", "tdm-reservation", "content-usage", "content-signal"}
)
_IMAGE_LEVEL_KINDS = frozenset(
    {"x-robots-tag", "tdm-reservation", "iptc-data-mining", "c2pa-training-mining"}
)

FAILURES: dict[str, str | None] = {
    "truncated": "unparseable",
    "corrupt": "unparseable",
    "not_an_image": "unparseable",
    "decompression_bomb": "too_large",
    "too_large": "too_large",
    "redirect_loop": "redirect_loop",
    "link_local": "refused_address",
    "wrong_content_type": None,  # bytes are sniffed: collected
    "script_in_text": None,  # text is stored as text: collected
}
"""How each hostile image ends, in both modes (None: it is collected like any other)."""

_NOBODY = "demoweb-unlisted-bot"
"""A user agent named in no group: its outcome is the ``*`` group's."""


def ordered(reasons: set[str]) -> list[str]:
    """Reasons in the gate's evaluation order."""
    return [r for r in REASON_ORDER if r in reasons] + sorted(reasons - set(REASON_ORDER))


def _pattern(location: str) -> re.Pattern[str]:
    anchored = location.endswith("$")
    body = re.escape(location.removesuffix("$")).replace(r"\*", ".*")
    return re.compile(body + ("$" if anchored else ""))


@dataclass(frozen=True, slots=True)
class RslDoc:
    """The host's RSL licence document as served: where robots.txt or the home page names it."""

    url: str
    content_type: str
    body: bytes


def _rsl_of(host: Host) -> RslDoc | None:
    """The RSL document robots.txt's first License line names, when the host serves it."""
    urls = host.robots.licenses if host.robots and host.robots.status == 200 else ()
    for url in urls[:1]:
        path = url.split(host.name, 1)[-1] if f"//{host.name}/" in url else None
        for res in host.resources:
            if path is not None and res.path == path:
                return RslDoc(url, res.content_type, res.body)
    return None


@dataclass(slots=True)
class HostPolicy:
    """A host's policy files read once: robots.txt, ai.txt, tdmrep.json and terms."""

    host: Host
    outcome: str  # parsed | unavailable | unreachable
    _robots: Protego | None
    _ai: Protego | None
    rsl: RslDoc | None = None

    @classmethod
    def of(cls, host: Host) -> HostPolicy:
        """Read the host's declared policy files."""
        robots = host.robots
        if robots is None:
            outcome, parser = "unavailable", None
        elif robots.status == 200 and not robots.gives_up:
            outcome, parser = "parsed", Protego.parse(robots.body() or "")
        else:
            outcome, parser = "unreachable", None
        ai = Protego.parse(host.ai_txt) if host.ai_txt else None
        return cls(host, outcome, parser, ai, _rsl_of(host))

    def rsl_prohibits(self, path: str) -> bool:
        """Whether the host's RSL licence prohibits the demo crawl's usages for ``path``."""
        if self.rsl is None:
            return False
        return any(lic.restricts for lic in rsl_reading.applying(self.rsl.body, path))

    def _url(self, path: str) -> str:
        return f"http://{self.host.name}{path}"

    def allows(self, path: str, agent: str = USER_AGENT) -> bool:
        """robots.txt's answer for ``agent`` (4xx: allowed; 5xx or no answer: disallowed)."""
        if self.outcome == "unavailable":
            return True
        if self._robots is None:
            return False
        return bool(self._robots.can_fetch(self._url(path), agent))

    def agent_outcomes(self) -> dict[str, str]:
        """allow/disallow for "/" for each agent of the panel and each agent the file names."""
        named = [a for g in (self.host.robots.groups if self.host.robots else ()) for a in g.agents]
        agents = dict.fromkeys([*AGENT_PANEL, *named])
        return {
            agent: "allow" if self.allows("/", _NOBODY if agent == "*" else agent) else "disallow"
            for agent in agents
        }

    @property
    def terms_ban(self) -> bool:
        """Whether the terms prohibit scraping or automated access."""
        terms = self.host.terms
        return terms is not None and any(c.kind == "prohibits-scraping" for c in terms.clauses)

    def policy_documents(self) -> frozenset[str]:
        """Pages fetched only to read the terms: the home page and the terms page."""
        if not self.terms_ban or self.host.terms is None:
            return frozenset()
        return frozenset({"/", self.host.terms.path})

    def ai_txt_disallows(self, path: str) -> bool:
        """Whether ai.txt disallows ``path`` for provtrack (or ``*``)."""
        return self._ai is not None and not self._ai.can_fetch(self._url(path), USER_AGENT)

    def tdm_reserved(self, path: str) -> bool:
        """Whether the first tdmrep.json rule matching ``path`` reserves TDM rights."""
        for rule in self.host.tdmrep or ():
            if _pattern(str(rule["location"])).match(path):
                return str(rule.get("tdm-reservation")) == "1"
        return False

    def robots_usage_reasons(self, *paths: str) -> set[str]:
        """content-usage / content-signal restrictions in the robots group that binds us.

        For each of ``paths`` (the image's and its page's), the lines of each field whose path
        is the longest prefix of it apply (plain prefixes here; a line without a path is ``/``).
        """
        if self.outcome != "parsed" or self.host.robots is None:
            return set()
        group = group_for_us(self.host.robots)
        reasons: set[str] = set()
        for field in ("content-signal", "content-usage"):
            lines = [
                robots_usage_value(v)
                for k, v in (group.rules if group else ())
                if k.lower() == field
            ]
            for path in paths or ("/",):
                matching = [(p, prefs) for p, prefs in lines if path.startswith(p)]
                longest = max((len(p) for p, _ in matching), default=-1)
                for p, prefs in matching:
                    if len(p) != longest:
                        continue
                    parts = {x.strip() for x in prefs.split(",")}
                    if field == "content-signal" and "ai-train=no" in parts:
                        reasons.add(field)
                    if field == "content-usage" and usage_restricting(prefs):
                        reasons.add(field)
        return reasons


def page_expect(policy: HostPolicy, path: str) -> dict[str, Any]:
    """The compliant decision for fetching a page."""
    if not policy.allows(path):
        return {"decision": "skip", "reasons": ["robots"], "policy_document": False}
    if policy.terms_ban:
        if path in policy.policy_documents():
            return {"decision": "fetch", "reasons": [], "policy_document": True}
        return {"decision": "skip", "reasons": ["terms"], "policy_document": False}
    return {"decision": "fetch", "reasons": [], "policy_document": False}


def image_expect(
    policy: HostPolicy,
    img: Img,
    page: dict[str, Any],
    page_signals: list[Signal],
    image_signals: list[Signal],
    page_paths: tuple[str, ...] = (),
) -> dict[str, Any]:
    """Compliant and reproduce expectations for one image shown on pages deciding ``page``."""
    compliant = _compliant(policy, img, page, page_signals, image_signals, page_paths)
    failure = FAILURES.get(img.hostile or "")
    if failure:
        reproduce = {"decision": "fail", "reasons": [failure]}
    else:
        reproduce = {"decision": "collect", "reasons": []}
    overrides = compliant["reasons"] if compliant["decision"] in ("skip", "unseen") else []
    reproduce["overrides"] = list(overrides)
    return {"compliant": compliant, "reproduce": reproduce}


def _compliant(
    policy: HostPolicy,
    img: Img,
    page: dict[str, Any],
    page_signals: list[Signal],
    image_signals: list[Signal],
    page_paths: tuple[str, ...] = (),
) -> dict[str, Any]:
    if page["decision"] == "skip":
        return {"decision": "unseen", "stage": None, "reasons": list(page["reasons"])}
    before: set[str] = set()
    same_host = img.hostile != "link_local"
    if same_host and not policy.allows(img.path):
        before.add("robots")
    if page["policy_document"]:
        before.add("terms")
    before |= {s["kind"] for s in page_signals if s["restricts"] and s["kind"] in _PAGE_LEVEL_KINDS}
    if same_host:
        if policy.tdm_reserved(img.path):
            before.add("tdm-reservation")
        if policy.ai_txt_disallows(img.path):
            before.add("ai-txt")
        before |= policy.robots_usage_reasons(img.path, *page_paths)
        if policy.rsl_prohibits(img.path):
            before.add("rsl")
    if before:
        return {"decision": "skip", "stage": "before-download", "reasons": ordered(before)}
    failure = FAILURES.get(img.hostile or "")
    if failure:
        stage = "before-download" if failure == "refused_address" else "after-download"
        return {"decision": "fail", "stage": stage, "reasons": [failure]}
    after = {s["kind"] for s in image_signals if s["restricts"] and s["kind"] in _IMAGE_LEVEL_KINDS}
    if after:
        return {"decision": "skip", "stage": "after-download", "reasons": ordered(after)}
    return {"decision": "collect", "stage": None, "reasons": []}


def audit_expect(
    policy: HostPolicy,
    img: Img,
    page: dict[str, Any],
    page_signals: list[Signal],
    image_signals: list[Signal],
    page_paths: tuple[str, ...] = (),
) -> dict[str, Any]:
    """What ``provtrack audit`` must decide for the image URL listed in a dataset manifest.

    ``url_only``: the manifest gives the image URL alone, so only what the image's host says
    about the image path counts (robots.txt, the terms, tdmrep.json, ai.txt, the robots group's
    usage lines) and, after download, the image's own headers and embedded signals.
    ``with_page``: the manifest also names the page it was found on (any of ``pages``); the
    page's own decision (robots.txt for the page path) and its page-level signals count too.
    """
    return {
        "url_only": _audit(policy, img, None, [], image_signals, ()),
        "with_page": _audit(policy, img, page, page_signals, image_signals, page_paths),
    }


def _audit(
    policy: HostPolicy,
    img: Img,
    page: dict[str, Any] | None,
    page_signals: list[Signal],
    image_signals: list[Signal],
    page_paths: tuple[str, ...],
) -> dict[str, Any]:
    before: set[str] = set()
    read_page = page is not None and page["decision"] != "skip"
    if page is not None:
        if page["decision"] == "skip":
            # the page is not fetched (robots.txt or terms forbid it): its own signals stay
            # unread, and what forbade fetching it forbids taking its images
            before |= set(page["reasons"])
        else:
            before |= {
                s["kind"] for s in page_signals if s["restricts"] and s["kind"] in _PAGE_LEVEL_KINDS
            }
    if img.hostile != "link_local":
        if not policy.allows(img.path):
            before.add("robots")
        if policy.terms_ban and policy.allows("/") and policy.host.terms is not None:
            if policy.allows(policy.host.terms.path):
                before.add("terms")
        if policy.tdm_reserved(img.path):
            before.add("tdm-reservation")
        if policy.ai_txt_disallows(img.path):
            before.add("ai-txt")
        # the robots group's usage lines for the image path, and for the page's once it is read
        before |= policy.robots_usage_reasons(img.path, *(page_paths if read_page else ()))
        if policy.rsl_prohibits(img.path):
            before.add("rsl")
    if before:
        return {"decision": "skip", "stage": "before-download", "reasons": ordered(before)}
    failure = FAILURES.get(img.hostile or "")
    if failure:
        stage = "before-download" if failure == "refused_address" else "after-download"
        return {"decision": "fail", "stage": stage, "reasons": [failure]}
    after = {s["kind"] for s in image_signals if s["restricts"] and s["kind"] in _IMAGE_LEVEL_KINDS}
    if after:
        return {"decision": "skip", "stage": "after-download", "reasons": ordered(after)}
    return {"decision": "collect", "stage": None, "reasons": []}
