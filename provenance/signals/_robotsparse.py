"""A line-keeping robots.txt parser whose grouping and rules mirror Protego's.

Protego answers allow or disallow but not *which line* decided. This parser reads the same text
the same way (same lenient directive spelling, same group boundaries, same merging of groups
that name the same agent, same user-agent scoring, same rule order) and keeps, for every rule,
the physical line it came from and the group it was written in. It also keeps the lines Protego
ignores but provtrack needs: ``Content-Signal`` and ``Content-Usage``.

Used by robots.txt and, with case-insensitive matching, by ai.txt. It never raises on content.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from urllib.parse import urlparse

from provenance.signals._patterns import PathPattern, normalize_pattern

_DISALLOW = frozenset({"disallow", "dissallow", "dissalow", "disalow", "diasllow", "disallaw"})
_ALLOW = frozenset({"allow"})
_USER_AGENT = frozenset({"user-agent", "useragent", "user agent"})
_SITEMAP = frozenset({"sitemap", "sitemaps", "site-map"})
_CRAWL_DELAY = frozenset({"crawl-delay", "crawl delay"})
_REQUEST_RATE = frozenset({"request-rate", "request rate"})
_VISIT_TIME = frozenset({"visit-time", "visit time"})
_HOST = frozenset({"host"})
_SITE_WIDE = _SITEMAP | _HOST
_KNOWN = (
    _DISALLOW | _ALLOW | _USER_AGENT | _SITEMAP | _CRAWL_DELAY | _REQUEST_RATE | _VISIT_TIME | _HOST
)
_MAX_WORDS = max(len(alias.split()) for alias in _KNOWN)
CONTENT_FIELDS = frozenset({"content-signal", "content-usage"})
_PHYSICAL_LINE = re.compile(r"\r\n|\r|\n")
_AGENT_PIECES = re.compile(r"[\s,;()]+")
_INVISIBLE = "\ufeff\u200b\u2060"
_PRODUCT_TOKEN = re.compile(r"[a-z][a-z0-9_-]*")
_QUOTES = "\"'`“”‘’"


def _extract_directive(line: str) -> tuple[str, str] | None:
    """Split a line into (lower-cased field, value) exactly as Protego does, or ``None``."""
    found: str | None = None
    value = ""
    if ":" in line:
        found, raw_value = line.split(":", 1)
        found = found.strip().lower()
        value = raw_value.strip()
        if found in _KNOWN:
            return found, value
        if not raw_value or raw_value[0].isspace():
            return found, value
    words = line.split()
    for count in range(1, _MAX_WORDS + 1):
        candidate = " ".join(words[:count]).lower()
        if candidate in _KNOWN:
            return candidate, " ".join(words[count:])
    if found is None:
        return None
    return found, value


@dataclass(slots=True)
class Record:
    """A group as written: its consecutive user-agent lines and the line where it starts."""

    index: int
    start_line: int
    agents: tuple[str, ...] = ()
    implicit: bool = False

    def label(self) -> str:
        """``User-agent: a, b`` as a short human label."""
        if self.implicit:
            return "(rules before any User-agent line, read as User-agent: *)"
        return "User-agent: " + ", ".join(self.agents) if self.agents else "(no user-agent)"


@dataclass(frozen=True, slots=True)
class Line:
    """One directive line: its 1-based physical line number and its text as written."""

    number: int
    text: str


@dataclass(frozen=True, slots=True)
class Rule:
    """An allow/disallow rule with the line it came from.

    ``note`` explains a rule Protego derives from a written one: every ``$`` also read as a
    literal character, and ``Allow: /dir/index.html`` also allowing ``/dir/``.
    """

    field: str
    raw: str
    pattern: PathPattern
    line: Line
    record: Record
    note: str | None = None


@dataclass(frozen=True, slots=True)
class Extra:
    """A group member other than allow/disallow (crawl-delay, Content-Signal, Content-Usage)."""

    field: str
    value: str
    line: Line
    record: Record | None


@dataclass(slots=True)
class RuleSet:
    """All rules for one lower-cased user-agent token, merged across the groups naming it."""

    name: str
    rules: list[Rule] = field(default_factory=list)
    extras: list[Extra] = field(default_factory=list)
    crawl_delay: float | None = None
    crawl_delay_line: Line | None = None

    def score(self, robotname: str) -> int:
        """Protego's matching score: 1 for ``*``, the token length at a token boundary, else 0."""
        if self.name == "*":
            return 1
        index = robotname.find(self.name)
        while index != -1:
            if index == 0 or not (robotname[index - 1].isalnum() or robotname[index - 1] in "-_"):
                return len(self.name)
            index = robotname.find(self.name, index + 1)
        return 0

    def decide(self, path: str) -> Rule | None:
        """The first rule in priority order that matches ``path`` (normalised), or ``None``."""
        for rule in self.rules:
            if rule.pattern.matches(path):
                return rule
        return None


@dataclass(slots=True)
class ParsedRobots:
    """What :func:`parse` read, with enough bookkeeping to explain every answer."""

    rulesets: dict[str, RuleSet] = field(default_factory=dict)
    records: list[Record] = field(default_factory=list)
    sitemaps: list[tuple[str, Line]] = field(default_factory=list)
    host: str | None = None
    orphans: list[Extra] = field(default_factory=list)
    lines_seen: int = 0
    directives_seen: int = 0
    unknown_directives: int = 0
    aliases: dict[str, list[RuleSet]] = field(default_factory=dict)
    _memo: dict[str, RuleSet | None] = field(default_factory=dict)

    def ruleset_for(self, agent: str) -> RuleSet | None:
        """The rule set for ``agent``: Protego's pick (longest token wins, first on ties), merged
        with the groups whose user-agent line names ``agent``'s product token in a longer
        spelling (``provtrack/1.0``, ``Mozilla/5.0 (compatible; provtrack/0.1)``, ``"provtrack"``,
        ``GPTBot, provtrack``).

        RFC 9309 §2.2.1 matches the product token; Protego compares the whole line, so such a
        group fell back to ``*`` and a host's block aimed at provtrack read as the ``*`` group's
        allow. Aliases are matched exactly (never as substrings), so a stray ``pro/1.0`` line
        does not bind provtrack.
        """
        robotname = agent.strip().lower()
        if robotname in self._memo:
            return self._memo[robotname]
        best: RuleSet | None = None
        best_score = 0
        for ruleset in self.rulesets.values():
            score = ruleset.score(robotname)
            if score > best_score:
                best, best_score = ruleset, score
        token = _PRODUCT_TOKEN.match(robotname)
        named = self.aliases.get(token.group(0), []) if token else []
        if best is not None and best.name != "*":
            named = [r for r in named if r is not best]
            if named:
                best = _merged([best, *named])
        elif named:
            best = named[0] if len(named) == 1 else _merged(named)
        self._memo[robotname] = best
        return best


def _merged(rulesets: list[RuleSet]) -> RuleSet:
    """One rule set holding the rules of several (groups naming the same agent are combined)."""
    merged = RuleSet(rulesets[0].name)
    for ruleset in rulesets:
        merged.rules.extend(ruleset.rules)
        merged.extras.extend(ruleset.extras)
        if merged.crawl_delay is None and ruleset.crawl_delay is not None:
            merged.crawl_delay = ruleset.crawl_delay
            merged.crawl_delay_line = ruleset.crawl_delay_line
    merged.rules.sort(key=lambda r: (r.pattern.priority, r.field == "allow"), reverse=True)
    return merged


def _add_rule(
    ruleset: RuleSet,
    field_name: str,
    raw: str,
    line: Line,
    record: Record,
    case_insensitive: bool,
    note: str | None = None,
) -> None:
    # Protego reads every "$" both as the end anchor and, in an extra rule, as a literal "$".
    if "$" in raw:
        _add_rule(
            ruleset,
            field_name,
            raw.replace("$", "%24"),
            line,
            record,
            case_insensitive,
            "'$' also read as a literal character",
        )
    normalized = normalize_pattern(raw)
    if case_insensitive:
        normalized = normalized.lower()
    if not normalized:
        return
    ruleset.rules.append(
        Rule(field_name, raw, PathPattern.from_normalized(normalized), line, record, note)
    )
    if field_name == "allow" and normalized.endswith("/index.html"):
        directory = normalized.removesuffix("index.html") + "$"
        ruleset.rules.append(
            Rule(
                "allow",
                raw,
                PathPattern.from_normalized(directory),
                line,
                record,
                "allowing index.html also allows its directory",
            )
        )


def _iter_lines(text: str) -> list[tuple[int, str, str]]:
    """(physical line number, logical line, physical line text) as Protego's splitlines sees them.

    Protego splits with ``str.splitlines`` (which also breaks on form feeds, NEL...); numbering
    counts only CR/LF breaks, as an editor shows them.
    """
    return [
        (number, logical, physical)
        for number, physical in enumerate(_PHYSICAL_LINE.split(text), start=1)
        for logical in physical.splitlines()
    ]


def parse(text: str, *, case_insensitive: bool = False, ai_txt: bool = False) -> ParsedRobots:
    """Parse robots.txt-style text; never raises.

    ``case_insensitive`` lower-cases patterns (matching must then lower-case paths too);
    ``ai_txt`` also lets patterns without a leading ``/`` or ``*`` start at the root, reads a
    pattern that starts with ``.`` as a file extension (``.jpg``: ``*.jpg``), and reads rules
    written before any User-agent line (``Disallow: /`` alone, a common minimal ai.txt) as a
    ``*`` group; of those, an ``Allow`` is dropped when the file also has a real ``*`` group,
    so that they can only add restrictions. ai.txt has no RFC; each leniency is in favour of
    the opt-out it plainly states.
    """
    parsed = ParsedRobots()
    current: list[RuleSet] = []
    record: Record | None = None
    previous_field: str | None = None
    for number, logical, physical in _iter_lines(text):
        parsed.lines_seen += 1
        line = logical
        hash_pos = line.find("#")
        if hash_pos != -1:
            line = line[:hash_pos]
        # A byte order mark or zero-width character inside the file (pieces of several UTF-8
        # files joined by a CMS or plugin, each with its BOM) would make the line's field
        # "\ufeffdisallow", an unknown directive, and drop the rule; Protego drops it so.
        line = line.strip().lstrip(_INVISIBLE).strip()
        if not line:
            continue
        where = Line(number, physical.strip())
        found = _extract_directive(line)
        if found is None:
            # Protego drops a colon-less unknown line; a colon-less Content-Signal still says
            # something, so keep it, without touching the grouping state Protego would keep.
            words = line.split(None, 1)
            if len(words) == 2 and words[0].lower() in CONTENT_FIELDS:
                extra = Extra(words[0].lower(), words[1].strip(), where, record)
                _attach_extra(parsed, current, extra)
            continue
        field_name, value = found
        starts_group = previous_field is not None and previous_field not in _USER_AGENT
        if field_name in _USER_AGENT and starts_group:
            current = []
            record = None
        if field_name not in _SITE_WIDE:
            previous_field = field_name
        if field_name in _USER_AGENT and record is None:
            record = Record(len(parsed.records), number)
            parsed.records.append(record)
        if not value:
            continue
        if (
            ai_txt
            and not current
            and record is None
            and (field_name in _ALLOW or field_name in _DISALLOW)
        ):
            record = Record(len(parsed.records), number, ("*",), implicit=True)
            parsed.records.append(record)
            _open_rulesets(parsed, current, "*")
        if not current and field_name not in _USER_AGENT and field_name not in _SITE_WIDE:
            if field_name in CONTENT_FIELDS:
                parsed.orphans.append(Extra(field_name, value, where, None))
            continue
        parsed.directives_seen += 1
        if field_name in _USER_AGENT:
            assert record is not None  # set just above for every user-agent line
            record.agents = (*record.agents, value)
            _open_rulesets(parsed, current, value)
        elif field_name in _ALLOW or field_name in _DISALLOW:
            assert record is not None  # rules are only kept while a group is open
            kind = "allow" if field_name in _ALLOW else "disallow"
            pattern = value
            if ai_txt and pattern.startswith("."):
                pattern = f"*{pattern}"
            elif ai_txt and not pattern.startswith(("/", "*")):
                pattern = f"/{pattern}"
            for ruleset in current:
                _add_rule(ruleset, kind, pattern, where, record, case_insensitive)
        elif field_name in _SITEMAP:
            parsed.sitemaps.append((value, where))
        elif field_name in _HOST:
            parsed.host = value
        elif field_name in _CRAWL_DELAY:
            delay = _parse_delay(value)
            for ruleset in current:
                if delay is not None:
                    ruleset.crawl_delay = delay
                    ruleset.crawl_delay_line = where
        elif field_name in _REQUEST_RATE or field_name in _VISIT_TIME:
            pass
        elif field_name in CONTENT_FIELDS:
            _attach_extra(parsed, current, Extra(field_name, value, where, record))
        else:
            parsed.unknown_directives += 1
    star = parsed.rulesets.get("*")
    if star is not None and any(r.record.implicit for r in star.rules):
        if any(not r.record.implicit for r in star.rules) or any(
            not rec.implicit and "*" in rec.agents for rec in parsed.records
        ):
            star.rules = [r for r in star.rules if not (r.record.implicit and r.field == "allow")]
    for ruleset in parsed.rulesets.values():
        # Longest pattern first, allow before disallow on a tie (RFC 9309 §2.2.2); stable, so
        # equal rules keep file order.
        ruleset.rules.sort(key=lambda r: (r.pattern.priority, r.field == "allow"), reverse=True)
    return parsed


def _attach_extra(parsed: ParsedRobots, current: list[RuleSet], extra: Extra) -> None:
    if not current:
        parsed.orphans.append(extra)
    for ruleset in current:
        ruleset.extras.append(extra)


def _open_rulesets(parsed: ParsedRobots, current: list[RuleSet], value: str) -> None:
    agent = value.strip().lower()
    tokens = [agent]
    # Wildcards are not allowed in agent names; Protego also files "foo*" under "foo".
    if agent != "*" and "*" in agent:
        tokens.append(agent.replace("*", ""))
    for token in tokens:
        if not token:
            continue
        ruleset = parsed.rulesets.get(token)
        if ruleset is None:
            ruleset = RuleSet(token)
            parsed.rulesets[token] = ruleset
            current.append(ruleset)
        elif ruleset not in current:
            current.append(ruleset)
        for alias in product_tokens(token):
            if alias != token:
                listed = parsed.aliases.setdefault(alias, [])
                if ruleset not in listed:
                    listed.append(ruleset)


def product_tokens(agent: str) -> list[str]:
    """The product tokens a user-agent line's value names, lower-cased: each comma-, space- or
    parenthesis-separated word, unquoted, cut at its first character a token cannot hold
    (``provtrack/1.0`` -> ``provtrack``). ``*`` names none."""
    out: list[str] = []
    for piece in _AGENT_PIECES.split(agent.lower()):
        found = _PRODUCT_TOKEN.match(piece.strip(_QUOTES))
        if found and found.group(0) not in out:
            out.append(found.group(0))
    return out


def _parse_delay(value: str) -> float | None:
    try:
        delay = float(value)
    except ValueError:
        return None
    return delay if math.isfinite(delay) and delay >= 0 else None


def is_robots_path(url: str) -> bool:
    """RFC 9309 §2.2.2 / Protego: ``/robots.txt`` itself is always allowed."""
    if "/robots.txt" not in url:
        return False
    try:
        return urlparse(url).path == "/robots.txt"
    except ValueError:
        return False


def query_name(agent: str) -> str:
    """What to match groups against, as Protego matches it (group token inside the name).

    A full User-Agent header (``provtrack/0.1 (+https://...; research)``) is cut to its first
    product (``provtrack/0.1``) so that words of its comment cannot select a group; names with
    a space but no version (``Brightbot 1.0``) and tokens with one (``iaskspider/2.0``) stay
    whole, since groups are written that way too.
    """
    name = agent.strip()
    first, _, rest = name.partition(" ")
    return first if rest and "/" in first else name
