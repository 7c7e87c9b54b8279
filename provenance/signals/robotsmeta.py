"""Meta robots tags and X-Robots-Tag headers, one Signal per directive.

Reading follows Google's robots meta tag documentation: names and directives are
case-insensitive; ``<meta name="robots">`` speaks to every crawler and ``<meta name="GPTBot">``
to one; an ``X-Robots-Tag`` value may scope directives with ``ua: directive``, and the scope
lasts to the end of that header line (``googlebot: noindex, nofollow`` scopes both). Each header
line is read on its own, so callers must pass header lines separately, not joined.

``unavailable_after: Wednesday, 03-Nov-2027 15:00:00 GMT`` holds both a colon and a comma: the
pieces after it that do not read as a directive are taken as the rest of its date.

Non-standard directives (``noai``, ``noimageai`` from DeviantArt, ``noml`` from Mojeek) are
first-class; unknown directives are kept too (``extra["known"] = False``).

Real pages and servers also separate directives with spaces or semicolons (``noindex
nofollow``, ``noai; noimageai``), quote the value (``"noai"``, from a web server setting that
kept its quotes) and scope with a versioned token (``provtrack/1.0: noai``). Each of those is
read as the directives it lists: read as one unknown directive, they restricted nothing.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from functools import cache

from provenance.signals._headers import Headers, header_values
from provenance.signals._html import MetaTag
from provenance.signals._vocab import (
    IMAGE_RESPONSE_OPTOUT_DIRECTIVES,
    PAGE_IMAGE_OPTOUT_DIRECTIVES,
    PROVTRACK_AGENT,
    applies_to_provtrack,
)
from provenance.signals.model import Level, Signal, SignalKind
from provenance.signals.robotstxt import ai_agent_panel

KNOWN_DIRECTIVES = frozenset(
    {
        "all",
        "index",
        "follow",
        "noindex",
        "nofollow",
        "none",
        "noarchive",
        "nocache",
        "nosnippet",
        "noimageindex",
        "notranslate",
        "indexifembedded",
        "noodp",
        "noydir",
        "noai",
        "noimageai",
        "noml",
        "max-snippet",
        "max-image-preview",
        "max-video-preview",
        "unavailable_after",
    }
)
VALUED_DIRECTIVES = frozenset(
    {"max-snippet", "max-image-preview", "max-video-preview", "unavailable_after"}
)
_WELL_KNOWN_BOTS = frozenset(
    {
        PROVTRACK_AGENT,
        "googlebot",
        "googlebot-news",
        "googlebot-image",
        "googlebot-video",
        "google-extended",
        "bingbot",
        "msnbot",
        "slurp",
        "yandex",
        "baiduspider",
        "duckduckbot",
        "applebot",
        "ccbot",
        "gptbot",
    }
)
_AGENT_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._*/-]*")
_SEPARATORS = re.compile(r"[,;]")
_QUOTES = "\"'`\u201c\u201d\u2018\u2019"
_BOTLIKE = re.compile(r"bot|crawl|spider|slurp")


@dataclass(frozen=True, slots=True)
class Directive:
    """One directive: lower-cased ``name``, its ``argument`` if valued, the ``agent`` it is
    scoped to (``None`` = every crawler) and the piece of text it was read from."""

    name: str
    argument: str | None
    agent: str | None
    raw: str

    @property
    def known(self) -> bool:
        """Whether the directive is one provtrack knows (standard or the AI opt-outs)."""
        return self.name in KNOWN_DIRECTIVES


def _words(text: str) -> list[str] | None:
    """The words of a space-separated list of directives (``noindex nofollow``), or ``None``
    when ``text`` is not one (a single word, or no word of it a known directive)."""
    words = text.split()
    if len(words) < 2 or not any(w.lower() in KNOWN_DIRECTIVES for w in words):
        return None
    return words


def _is_directive_text(text: str) -> bool:
    """Whether a comma-separated piece reads as a directive (possibly ``ua: directive``)."""
    low = text.strip().strip(_QUOTES).strip().lower()
    if low in KNOWN_DIRECTIVES or _words(low) is not None:
        return True
    head, sep, rest = low.partition(":")
    head = head.strip()
    if sep and head in VALUED_DIRECTIVES:
        return True
    if sep and _AGENT_NAME.fullmatch(head):
        return _is_directive_text(rest) if rest.strip() else True
    return False


def parse_directives(content: str, *, scoped: bool) -> list[Directive]:
    """Split one meta content or one X-Robots-Tag header line into directives; never raises.

    ``scoped`` enables the ``ua: directive`` form (X-Robots-Tag only).
    """
    directives: list[Directive] = []
    agent: str | None = None
    in_date = False
    for piece in _SEPARATORS.split(content):
        text = piece.strip().strip(_QUOTES).strip()
        if not text:
            continue
        if in_date and not _is_directive_text(text):
            last = directives[-1]
            argument = f"{last.argument}, {text}" if last.argument else text
            directives[-1] = Directive(last.name, argument, last.agent, f"{last.raw}, {text}")
            continue
        in_date = False
        head, sep, rest = text.partition(":")
        name = head.strip().lower()
        if sep and scoped and name not in VALUED_DIRECTIVES and _AGENT_NAME.fullmatch(head.strip()):
            agent = head.strip()
            text = rest.strip()
            if not text:
                continue
            head, sep, rest = text.partition(":")
            name = head.strip().lower()
        if sep and name in VALUED_DIRECTIVES:
            directives.append(Directive(name, rest.strip(), agent, text))
            in_date = name == "unavailable_after"
        elif text.lower() not in KNOWN_DIRECTIVES and (words := _words(text)) is not None:
            directives.extend(Directive(word.lower(), None, agent, word) for word in words)
        else:
            directives.append(Directive(text.lower(), None, agent, text))
    return directives


def unavailable_after_passed(argument: str | None, now: datetime | None = None) -> bool | None:
    """Whether an ``unavailable_after`` date has passed; ``None`` when it cannot be read.

    Google reads "RFC 822, RFC 850 and ISO 8601" dates (``Wed, 03 Nov 2027 15:00:00 GMT``,
    ``Wednesday, 03-Nov-27 15:00:00 GMT``, ``25 Jun 2010 15:00:00 PST``, ``2027-11-03``); a
    date without a zone is read as UTC.
    """
    text = (argument or "").strip()
    if not text:
        return None
    when: datetime | None = None
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        try:
            when = datetime.fromisoformat(text.replace("Z", "+00:00"))
        except ValueError:
            return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return when <= (now or datetime.now(UTC))


def _restricts(directive: Directive, level: Level) -> bool:
    blocking = (
        IMAGE_RESPONSE_OPTOUT_DIRECTIVES if level is Level.IMAGE else (PAGE_IMAGE_OPTOUT_DIRECTIVES)
    )
    if directive.name == "unavailable_after" and level is Level.IMAGE:
        # on the image's own response, a date that has passed asks what noindex asks
        return bool(unavailable_after_passed(directive.argument)) and applies_to_provtrack(
            directive.agent
        )
    return directive.name in blocking and applies_to_provtrack(directive.agent)


def _signal(
    directive: Directive,
    kind: SignalKind,
    source: str,
    evidence: str,
    level: Level,
    url: str | None,
) -> Signal:
    extra: dict[str, object] = {"known": directive.known, "directive": directive.raw}
    if directive.argument is not None:
        extra["argument"] = directive.argument
    if directive.name == "unavailable_after":
        extra["passed"] = unavailable_after_passed(directive.argument)
    return Signal(
        kind,
        directive.name,
        source,
        evidence,
        level,
        agent=directive.agent,
        restricts=_restricts(directive, level),
        url=url,
        extra=extra,
    )


def x_robots_tag_signals(
    headers: Headers | None, *, url: str | None = None, level: Level = Level.PAGE
) -> list[Signal]:
    """One X_ROBOTS_TAG signal per directive of every ``X-Robots-Tag`` header line.

    ``level`` is ``page`` for a page response (``restricts`` then means "forbids collecting
    this page's images") or ``image`` for an image response ("forbids keeping this image").
    """
    signals = []
    for value in header_values(headers, "X-Robots-Tag"):
        evidence = f"X-Robots-Tag: {value}"
        for directive in parse_directives(value, scoped=True):
            signals.append(
                _signal(
                    directive, SignalKind.X_ROBOTS_TAG, "header:X-Robots-Tag", evidence, level, url
                )
            )
    return signals


def robots_meta_agent(name: str, content: str) -> tuple[bool, str | None]:
    """Whether a meta ``name`` is a robots meta, and the agent it speaks to (``None`` = all).

    ``robots`` speaks to all; a known crawler name (provtrack, Googlebot, the AI panel) to that
    crawler; any other bot-like name only when its content reads as robots directives.
    """
    low = name.strip().lower()
    if low == "robots":
        return True, None
    if low in _WELL_KNOWN_BOTS or low in _panel_names():
        return True, name.strip()
    if _BOTLIKE.search(low) and any(d.known for d in parse_directives(content, scoped=False)):
        return True, name.strip()
    return False, None


def meta_robots_signals(metas: Iterable[MetaTag], *, url: str | None = None) -> list[Signal]:
    """One META_ROBOTS signal per directive of every robots or per-bot ``<meta>`` tag."""
    signals = []
    for tag in metas:
        is_robots, agent = robots_meta_agent(tag.name, tag.content)
        if not is_robots:
            continue
        for directive in parse_directives(tag.content, scoped=False):
            scoped = Directive(directive.name, directive.argument, agent, directive.raw)
            signals.append(
                _signal(
                    scoped, SignalKind.META_ROBOTS, f"meta:{tag.name}", tag.html, Level.PAGE, url
                )
            )
    return signals


def http_equiv_signals(metas: Iterable[MetaTag], *, url: str | None = None) -> list[Signal]:
    """META_ROBOTS signals for ``<meta http-equiv="X-Robots-Tag" content="...">``.

    No crawler documents this form, but pages carry it (a header the author could not set,
    written into the HTML instead); a compliance reader takes the opt-out it states rather
    than ignore it. ``metas`` are the page's http-equiv tags (name = the http-equiv value).
    Read like the header (``ua: directive`` scoping), at page level.
    """
    signals = []
    for tag in metas:
        if tag.name != "x-robots-tag":
            continue
        for directive in parse_directives(tag.content, scoped=True):
            signals.append(
                _signal(
                    directive,
                    SignalKind.META_ROBOTS,
                    "meta:http-equiv:x-robots-tag",
                    tag.html,
                    Level.PAGE,
                    url,
                )
            )
    return signals


@cache
def _panel_names() -> frozenset[str]:
    return frozenset(name.lower() for name in ai_agent_panel())
