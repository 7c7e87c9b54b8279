"""robots.txt (RFC 9309): one snapshot per host, decisions per URL and user agent, with the line.

The fetch outcome is kept apart from the rules, because RFC 9309 gives each its own meaning:

- 2xx: the body is parsed (``parsed``);
- 4xx: ``unavailable``, the crawler may access anything, recorded as such rather than as a
  file that allows everything;
- 5xx, 429, network error or timeout: ``unreachable``, complete disallow (§2.3.1.4).

Decisions come from a line-keeping parser that mirrors Protego step for step (see
``_robotsparse``); Protego itself is run on the same text as a cross-check, and where the two
ever disagree the more restrictive answer is kept and the disagreement said in the reason.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from functools import cache
from importlib import resources
from typing import Any

from protego import Protego

from provenance.observation import Status
from provenance.signals import _robotsparse
from provenance.signals._fetch import (
    FetchClass,
    classify_fetch,
    fetch_facts,
    looks_binary,
    read_text_body,
)
from provenance.signals._patterns import compile_pattern, normalize_path
from provenance.signals._vocab import PROVTRACK_AGENT, applies_to_provtrack
from provenance.signals.contentusage import preference_signals, split_robots_value
from provenance.signals.model import Level, Signal, SignalKind
from provenance.vocab import NOT_CAPTURED

ROBOTS_MAX_BYTES = 512 * 1024
"""Bytes of robots.txt parsed; RFC 9309 §2.5 asks parsers to handle at least 500 KiB."""


REFUSED_STATUSES = frozenset({401, 403, 451})
"""robots.txt answers that refuse the crawler: read as a complete disallow, not "no file".
451 (unavailable for legal reasons: sites that shut out a region) refuses as 403 does."""


class RobotsOutcome(StrEnum):
    """What the robots.txt fetch amounted to (RFC 9309 §2.3.1)."""

    PARSED = "parsed"
    UNAVAILABLE = "unavailable"
    UNREACHABLE = "unreachable"
    NOT_CAPTURED = "not_captured"  # audited from an archive that does not hold robots.txt


class Verdict(StrEnum):
    """The answer for one URL and agent; ``unavailable`` is "no robots.txt", not "allowed"."""

    ALLOW = "allow"
    DISALLOW = "disallow"
    UNREACHABLE = "unreachable"
    UNAVAILABLE = "unavailable"
    NOT_CAPTURED = NOT_CAPTURED  # unknown: treated as a disallow, never as "no robots.txt"


@dataclass(frozen=True, slots=True)
class Decision:
    """robots.txt's answer for one URL and agent, with the line (or fetch outcome) behind it.

    ``evidence`` is the robots.txt line as written (``Disallow: /private/``) when a rule
    decided, else the fetch outcome or the absence of a rule. ``line`` and ``group_line`` are
    1-based line numbers; ``group`` is the user-agent lines of the group the rule is written in
    (groups naming the same agent are merged, so rules may come from several groups);
    ``matched_agent`` is the robots.txt token the agent matched (``*`` for the fallback group).
    """

    url: str
    agent: str
    verdict: Verdict
    reason: str
    evidence: str
    line: int | None = None
    group: tuple[str, ...] | None = None
    group_line: int | None = None
    matched_agent: str | None = None
    pattern: str | None = None
    protego_allowed: bool | None = None

    @property
    def restricts(self) -> bool:
        """Whether the answer forbids fetching (disallow, or robots.txt unreachable)."""
        return self.verdict in (Verdict.DISALLOW, Verdict.UNREACHABLE, Verdict.NOT_CAPTURED)

    @property
    def allowed(self) -> bool:
        """The opposite of :attr:`restricts`; ``unavailable`` is allowed but stays visible."""
        return not self.restricts


@cache
def ai_agent_panel() -> dict[str, dict[str, Any]]:
    """The pinned AI/scraper agent list shipped in ``data/ai_agents.json`` (name -> facts)."""
    text = resources.files("provenance.signals.data").joinpath("ai_agents.json").read_text("utf-8")
    agents: dict[str, dict[str, Any]] = json.loads(text)["agents"]
    return agents


@dataclass(frozen=True)
class RobotsSnapshot:
    """One robots.txt as fetched: fetch outcome, observation status and the parsed rules.

    Build it with :meth:`from_fetch`. ``text`` is what was parsed (decoded, capped at
    :data:`ROBOTS_MAX_BYTES`); ``sha256`` and ``size`` describe the bytes received.
    """

    url: str
    fetched_at: datetime | None
    http_status: int | None
    error: str | None
    outcome: RobotsOutcome
    status: Status
    reason: str
    size: int = 0
    sha256: str | None = None
    encoding: str | None = None
    truncated: bool = False
    text: str = ""
    _parsed: _robotsparse.ParsedRobots = field(
        default_factory=_robotsparse.ParsedRobots, repr=False, compare=False
    )
    _protego: Protego | None = field(default=None, repr=False, compare=False)

    @classmethod
    def from_fetch(
        cls,
        url: str,
        http_status: int | None,
        body: bytes | None,
        error: str | None,
        fetched_at: datetime | None = None,
        *,
        truncated: bool = False,
    ) -> RobotsSnapshot:
        """Read a robots.txt fetch result; never raises on content.

        ``http_status`` is the final status after the crawler's redirects (a 3xx here means it
        gave up); ``error`` is the network error or timeout message, if any; ``truncated``
        that ``body`` is only the start of the file (the download was cut).
        """
        fetched = classify_fetch(http_status, error)
        raw = body or b""
        common = fetch_facts(url, http_status, body, error, fetched_at)
        if fetched.fetch_class is FetchClass.NOT_CAPTURED:
            return cls(
                outcome=RobotsOutcome.NOT_CAPTURED,
                status=Status.NOT_CAPTURED,
                reason=f"{fetched.reason}: unknown, read as a complete disallow",
                **common,
            )
        if fetched.fetch_class is FetchClass.UNREACHABLE:
            return cls(
                outcome=RobotsOutcome.UNREACHABLE,
                status=Status.FETCH_FAILED,
                reason=f"{fetched.reason}: complete disallow (RFC 9309 §2.3.1.4)",
                **common,
            )
        if http_status in REFUSED_STATUSES:
            # RFC 9309 §2.3.1.3 lets a crawler access everything after a 4xx (MAY); a server
            # that refuses robots.txt with 401/403 refuses the crawler, and a compliance tool
            # does not read a refusal as permission: complete disallow (fail closed).
            return cls(
                outcome=RobotsOutcome.UNREACHABLE,
                status=Status.FETCH_FAILED,
                reason=f"HTTP {http_status}: robots.txt refused to the crawler; read as a "
                "complete disallow (RFC 9309 §2.3.1.3 permits access, it does not require it)",
                **common,
            )
        if fetched.fetch_class is FetchClass.UNAVAILABLE:
            return cls(
                outcome=RobotsOutcome.UNAVAILABLE,
                status=Status.ABSENT,
                reason=f"{fetched.reason}: robots.txt unavailable, no restriction "
                "(RFC 9309 §2.3.1.3)",
                **common,
            )
        read = read_text_body(raw, ROBOTS_MAX_BYTES, cut=truncated)
        text, encoding, truncated = read.text, read.encoding, read.truncated
        if read.gzip:
            encoding = f"gzip+{encoding}"
        parsed = _robotsparse.parse(text)
        try:
            protego: Protego | None = Protego.parse(text)
        except Exception:  # the cross-check must not turn a readable file into an error
            protego = None
        status, reason = Status.OK, f"{fetched.reason}: parsed"
        from_page = _rules_of_html_page(text, parsed)
        if from_page is not None:
            # robots.txt served inside an HTML page (<pre>, a <br> or <p> per line, a CMS
            # template): read as markup, its first User-agent line is not one, every rule falls
            # outside a group and a block read as "allow all". The page's text is read instead
            # (only when the markup gave no rule at all, so it can only add restrictions).
            text, parsed = from_page
            try:
                protego = Protego.parse(text)
            except Exception:
                protego = None
        if truncated:
            status = Status.TOO_LARGE
            reason = (
                f"{fetched.reason}: parsed the first {read.parsed_bytes} bytes of a larger "
                f"file ({len(raw)} bytes kept; RFC 9309 §2.5)"
            )
        elif from_page is not None:
            status = Status.UNPARSEABLE
            reason = (
                f"{fetched.reason}: an HTML page holding robots.txt lines; its text was read "
                f"({_rule_count(parsed)} rule(s))"
            )
        elif raw.strip() and parsed.directives_seen == 0:
            status = Status.UNPARSEABLE
            kind = _unreadable_kind(raw, text)
            reason = f"{fetched.reason}: {kind}; no rule applies"
        return cls(
            outcome=RobotsOutcome.PARSED,
            status=status,
            reason=reason,
            encoding=encoding,
            truncated=truncated,
            text=text,
            _parsed=parsed,
            _protego=protego,
            **common,
        )

    @property
    def sitemaps(self) -> tuple[str, ...]:
        """Sitemap URLs as listed."""
        return tuple(url for url, _ in self._parsed.sitemaps)

    @property
    def agents_named(self) -> tuple[str, ...]:
        """Every user-agent token the file has a group for (lower-cased, in file order)."""
        return tuple(self._parsed.rulesets)

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready form for the store (the parsed text included, rules re-derivable)."""
        return {
            "url": self.url,
            "fetched_at": self.fetched_at.isoformat() if self.fetched_at else None,
            "http_status": self.http_status,
            "error": self.error,
            "outcome": self.outcome.value,
            "status": self.status.value,
            "reason": self.reason,
            "size": self.size,
            "sha256": self.sha256,
            "encoding": self.encoding,
            "truncated": self.truncated,
            "text": self.text,
        }

    def crawl_delay(self, agent: str = PROVTRACK_AGENT) -> float | None:
        """The crawl-delay of the group ``agent`` falls in, if any."""
        ruleset = self._parsed.ruleset_for(_robotsparse.query_name(agent))
        return ruleset.crawl_delay if ruleset else None

    def can_fetch(self, url: str, agent: str = PROVTRACK_AGENT) -> Decision:
        """robots.txt's decision for ``url`` and ``agent`` (a product token or full UA string)."""
        name = _robotsparse.query_name(agent)
        if self.outcome is RobotsOutcome.UNREACHABLE:
            return Decision(url, agent, Verdict.UNREACHABLE, self.reason, self._fetch_evidence())
        if self.outcome is RobotsOutcome.NOT_CAPTURED:
            return Decision(url, agent, Verdict.NOT_CAPTURED, self.reason, self._fetch_evidence())
        if self.outcome is RobotsOutcome.UNAVAILABLE:
            return Decision(url, agent, Verdict.UNAVAILABLE, self.reason, self._fetch_evidence())
        protego_allowed = self._protego_can_fetch(url, name)
        if _robotsparse.is_robots_path(url):
            return Decision(
                url,
                agent,
                Verdict.ALLOW,
                "/robots.txt is implicitly allowed (RFC 9309 §2.2.2)",
                "/robots.txt",
                protego_allowed=protego_allowed,
            )
        ruleset = self._parsed.ruleset_for(name)
        if ruleset is None:
            decision = Decision(
                url,
                agent,
                Verdict.ALLOW,
                f"no group for {name!r} and no '*' group: no rule applies",
                "(no matching user-agent group)",
                protego_allowed=protego_allowed,
            )
            return _cross_checked(decision)
        rule = ruleset.decide(normalize_path(url))
        if rule is None:
            decision = Decision(
                url,
                agent,
                Verdict.ALLOW,
                f"no rule in the group for {ruleset.name!r} matches",
                f"(no rule matches in group for {ruleset.name!r})",
                matched_agent=ruleset.name,
                protego_allowed=protego_allowed,
            )
            return _cross_checked(decision)
        verdict = Verdict.ALLOW if rule.field == "allow" else Verdict.DISALLOW
        reason = (
            f"{verdict.value}ed by line {rule.line.number} in group "
            f"'{rule.record.label()}' (line {rule.record.start_line})"
        )
        if rule.note:
            reason += f"; {rule.note}"
        decision = Decision(
            url,
            agent,
            verdict,
            reason,
            rule.line.text,
            line=rule.line.number,
            group=rule.record.agents,
            group_line=rule.record.start_line,
            matched_agent=ruleset.name,
            pattern=rule.pattern.normalized,
            protego_allowed=protego_allowed,
        )
        return _cross_checked(decision)

    def evaluate_panel(self, url: str, agents: Iterable[str] | None = None) -> dict[str, Decision]:
        """Decisions for provtrack, ``*`` and each agent of the pinned AI panel (or ``agents``)."""
        names = list(agents) if agents is not None else [PROVTRACK_AGENT, "*", *ai_agent_panel()]
        return {name: self.can_fetch(url, name) for name in names}

    def signals_for(self, url: str, agent: str = PROVTRACK_AGENT) -> list[Signal]:
        """The ROBOTS signal for ``url`` and ``agent``, then the group's Content-Signal/Usage ones.

        ``restricts`` is set only for provtrack's own answer: other agents' answers are facts
        about the site, not rules for provtrack.
        """
        decision = self.can_fetch(url, agent)
        extra: dict[str, Any] = {
            "target": url,
            "reason": decision.reason,
            "outcome": self.outcome.value,
            "status": self.status.value,
            "http_status": self.http_status,
        }
        if decision.line is not None:
            extra.update(
                line=decision.line,
                group=list(decision.group or ()),
                group_line=decision.group_line,
                pattern=decision.pattern,
            )
        if decision.matched_agent is not None:
            extra["matched_agent"] = decision.matched_agent
        robots = Signal(
            SignalKind.ROBOTS,
            decision.verdict.value,
            "robots.txt",
            decision.evidence,
            Level.HOST,
            agent=agent,
            restricts=decision.restricts and applies_to_provtrack(agent),
            url=self.url,
            extra=extra,
        )
        return [robots, *self.preference_signals(url, agent)]

    def preference_signals(self, url: str, agent: str = PROVTRACK_AGENT) -> list[Signal]:
        """``Content-Signal`` and ``Content-Usage`` lines that apply to ``url`` for ``agent``.

        Within the agent's group the line with the longest matching path wins (a line without
        a path covers ``/``). Lines written outside any group are read as applying to every
        agent, in favour of the stated preference, and marked ``outside_group``.
        """
        if self.outcome is not RobotsOutcome.PARSED:
            return []
        name = _robotsparse.query_name(agent)
        ruleset = self._parsed.ruleset_for(name)
        provtrack_set = self._parsed.ruleset_for(PROVTRACK_AGENT)
        path = normalize_path(url)
        signals: list[Signal] = []
        for field_name, kind in (
            ("content-signal", SignalKind.CONTENT_SIGNAL),
            ("content-usage", SignalKind.CONTENT_USAGE),
        ):
            in_group = [e for e in ruleset.extras if e.field == field_name] if ruleset else []
            chosen = _applicable(in_group, path)
            outside = not chosen
            if outside:
                orphans = [e for e in self._parsed.orphans if e.field == field_name]
                chosen = _applicable(orphans, path)
            for extra_line, prefs in chosen:
                scoped = None if outside or (ruleset and ruleset.name == "*") else agent
                binds = outside or (ruleset is not None and ruleset is provtrack_set)
                info: dict[str, Any] = {"target": url, "line": extra_line.line.number}
                if outside:
                    info["outside_group"] = True
                elif extra_line.record is not None:
                    info["group"] = list(extra_line.record.agents)
                    info["group_line"] = extra_line.record.start_line
                signals.extend(
                    preference_signals(
                        prefs,
                        kind,
                        source="robots.txt",
                        level=Level.HOST,
                        url=self.url,
                        agent=scoped,
                        evidence=extra_line.line.text,
                        extra=info,
                        binds_provtrack=binds,
                    )
                )
        return signals

    def _fetch_evidence(self) -> str:
        if self.error and self.outcome is RobotsOutcome.NOT_CAPTURED:
            return f"robots.txt {self.error}"
        if self.error:
            return f"robots.txt fetch error: {self.error}"
        if self.http_status is None:
            return "robots.txt: no HTTP response"
        return f"robots.txt: HTTP {self.http_status}"

    def _protego_can_fetch(self, url: str, name: str) -> bool | None:
        if self._protego is None:
            return None
        try:
            return bool(self._protego.can_fetch(url, name))
        except Exception:  # a URL Protego cannot split leaves only our own answer
            return None


_HTML_HIDDEN = re.compile(r"(?i)<!--|<(script|style|head)\b")
_HTML_BREAK = re.compile(
    r"(?i)<br\s*/?>|</?(p|div|pre|li|tr|td|h[1-6]|blockquote|code|table|ul|ol|body)\b[^<>]*>"
)
_HTML_TAG = re.compile(r"<[^<>]*>")


_HTML_CLOSERS = {
    name: re.compile(rf"(?i)</{name}\b[^<>]*>?") for name in ("script", "style", "head")
}


def _drop_hidden(text: str) -> str:
    """``text`` without comments and ``<script>``, ``<style>``, ``<head>`` elements, in one
    pass (an unclosed one hides the rest, as in a browser); linear on hostile input, where a
    lazy ``<script.*?</script>`` regex rescans the rest of the file at every ``<script``."""
    out: list[str] = []
    pos = 0
    while (found := _HTML_HIDDEN.search(text, pos)) is not None:
        out.append(text[pos : found.start()])
        if found.group(1) is None:
            end = text.find("-->", found.end())
            after = end + 3 if end != -1 else -1
        else:
            closing = _HTML_CLOSERS[found.group(1).lower()].search(text, found.end())
            after = closing.end() if closing is not None else -1
        if after == -1:
            return "".join(out)
        out.append("\n")
        pos = after
    out.append(text[pos:])
    return "".join(out)


def html_page_text(text: str) -> str | None:
    """The text an HTML page shows, one line per ``<br>`` or block element, entities decoded;
    ``None`` if ``text`` holds no HTML tag. Linear time: every pattern stops at the next
    ``<``."""
    if not _HTML_TAG.search(text):
        return None
    shown = _HTML_BREAK.sub("\n", _drop_hidden(text))
    return html.unescape(_HTML_TAG.sub("", shown))


def _rule_count(parsed: _robotsparse.ParsedRobots) -> int:
    return sum(len(ruleset.rules) for ruleset in parsed.rulesets.values())


def _rules_of_html_page(
    text: str, parsed: _robotsparse.ParsedRobots
) -> tuple[str, _robotsparse.ParsedRobots] | None:
    """(page text, its parse) when ``text`` is HTML whose markup hid every rule, else None."""
    if "<" not in text or _rule_count(parsed):
        return None
    page_text = html_page_text(text)
    if page_text is None:
        return None
    from_page = _robotsparse.parse(page_text)
    return (page_text, from_page) if _rule_count(from_page) else None


def _unreadable_kind(raw: bytes, text: str) -> str:
    if looks_binary(raw):
        return "binary content"
    if text.lstrip().lower().startswith(("<!doctype html", "<html")):
        return "an HTML page, not a robots.txt"
    return "no robots.txt directive"


def _cross_checked(decision: Decision) -> Decision:
    """Keep the more restrictive answer if Protego ever disagrees, and say so."""
    if decision.protego_allowed is None or decision.protego_allowed == decision.allowed:
        return decision
    if decision.protego_allowed:
        return decision
    return Decision(
        decision.url,
        decision.agent,
        Verdict.DISALLOW,
        decision.reason + "; Protego disallows this URL: kept the more restrictive answer",
        decision.evidence,
        decision.line,
        decision.group,
        decision.group_line,
        decision.matched_agent,
        decision.pattern,
        decision.protego_allowed,
    )


def _applicable(lines: list[_robotsparse.Extra], path: str) -> list[tuple[_robotsparse.Extra, str]]:
    """The lines whose path matches ``path`` at the longest priority, with their preference text."""
    best = -1
    chosen: list[tuple[_robotsparse.Extra, str]] = []
    for line in lines:
        raw_path, prefs = split_robots_value(line.value)
        pattern = compile_pattern(raw_path or "/")
        if pattern is None or not pattern.matches(path):
            continue
        if pattern.priority > best:
            best, chosen = pattern.priority, [(line, prefs)]
        elif pattern.priority == best:
            chosen.append((line, prefs))
    return chosen
