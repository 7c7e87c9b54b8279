"""AI usage preferences: IETF AIPREF ``Content-Usage`` and Cloudflare ``Content-Signal``.

``Content-Usage`` (draft-ietf-aipref-attach, vocabulary draft-ietf-aipref-vocab) is an RFC 9651
Dictionary such as ``train-ai=n, search=y``, sent as an HTTP header, as a robots.txt group rule
(``Content-Usage: [path] prefs``, the longest matching path wins like Allow/Disallow) or, read
here as well, a page's ``<meta name="content-usage">``. ``Content-Signal`` (contentsignals.org)
is ``search=yes, ai-train=no, ai-input=no`` in a robots.txt group or a header.

What the vocabulary says, as read in the working group's editor's copy of the vocabulary
draft (checked through the search tools; draft numbers for each label from the issue and the
datatracker's version list):

- a statement assigns ``y`` (allow) or ``n`` (disallow), as RFC 9651 Tokens, to labels; every
  other value, a parameter, a key that is not a label, is no preference ("unknown"); a
  Dictionary that does not parse (uppercase keys included) states nothing; the last duplicate
  key wins;
- combining statements from several places: any ``n`` disallows, else any ``y`` allows, else
  unknown: the most restrictive wins;
- the labels were renamed across drafts: -01 ``tdm, ai, genai, search, inference``; -02
  ``all, train-ai, train-genai, ai-use, search``; -03/-04 ``bots`` (automated processing),
  ``train-ai``, ``train-genai``, ``ai-output``, ``search``; from -05 only ``train-ai`` (training a
  generative AI model) and ``search``; the editor's copy after -07 adds ``ai-use`` back.

provtrack reads every generation. Each label is recorded as written and mapped to the current
one (:data:`LEGACY_LABELS`); the old root categories (``tdm``, ``all``, ``bots``: "automated
processing") cover every current label. A key that is not a label of any draft is kept as
evidence (``not_understood``) and never read as permission.

Strictness: a value that is a valid Dictionary is read exactly as the vocabulary says. One that
is not (``Train-AI=N``, ``ai-train=no`` in a Content-Usage header) states nothing under the
draft, but a site that wrote it meant something: it is read leniently, and then only what it
forbids counts (``lenient`` is recorded); what it allows is never taken as permission.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache
from typing import Final

import http_sf

from provenance.observation import Status
from provenance.signals._headers import Headers, header_values
from provenance.signals._html import MetaTag
from provenance.signals._vocab import applies_to_provtrack
from provenance.signals.model import Level, Signal, SignalKind

_KEY = re.compile(r"[a-z*][a-z0-9_.*-]*")
_YES = frozenset({"y", "yes", "?1", "true", "1"})
_NO = frozenset({"n", "no", "?0", "false", "0"})

AUTOMATED_PROCESSING: Final = "automated-processing"
"""The root category of the older drafts, covering every other label."""

CURRENT_LABELS: Final = frozenset({"train-ai", "search", "ai-use"})
"""The labels of the vocabulary as it now stands (vocab-05 and the editor's copy after it)."""

LEGACY_LABELS: Final[dict[str, tuple[str, str]]] = {
    # written label: (current label, the draft that used it)
    "tdm": (AUTOMATED_PROCESSING, "vocab-01"),
    "ai": ("train-ai", "vocab-01"),
    "genai": ("train-ai", "vocab-01"),
    "inference": ("ai-use", "vocab-01"),
    "all": (AUTOMATED_PROCESSING, "vocab-02"),
    "train-genai": ("train-ai", "vocab-02..04"),
    "bots": (AUTOMATED_PROCESSING, "vocab-03..04"),
    "ai-output": ("ai-use", "vocab-03..04"),
}
"""Older labels and what they mean now. ``train-genai`` is exactly today's ``train-ai``
(generative training); the older, wider ``train-ai`` keeps its name."""


def current_label(written: str) -> tuple[str | None, str | None]:
    """``(current label, draft)`` for a label as written; ``(None, None)`` for a non-label."""
    if written in CURRENT_LABELS:
        return written, None
    return LEGACY_LABELS.get(written, (None, None))


@cache
def default_triggers() -> frozenset[str]:
    """The current labels the default purpose profile's collection falls under.

    Read from ``policies/purposes.yaml`` (``usage_labels.aipref``), where each profile names
    the categories its collection is; a face-recognition crawl is AI training and AI use.
    """
    from policies.purposes import profile

    return frozenset(profile().usage_labels.get("aipref", ()))


@dataclass(frozen=True, slots=True)
class UsagePreferences:
    """A parsed preference value: ``prefs`` maps a label as written to ``y`` or ``n``.

    ``raw_values`` keeps each value as written (``yes``, ``"n"``...); ``unknown`` lists members
    that state no preference (a non-label key, a value other than y/n); ``lenient`` says the
    value was not a valid RFC 9651 Dictionary and was read leniently (then only its ``n``
    count); ``status`` is ``unparseable`` when nothing was read.
    """

    raw: str
    status: Status
    reason: str
    prefs: dict[str, str] = field(default_factory=dict)
    raw_values: dict[str, str] = field(default_factory=dict)
    unknown: tuple[str, ...] = ()
    lenient: bool = False

    def effective(self, label: str) -> str | None:
        """``y``/``n`` for a current label after the older drafts' roots, else ``None``.

        Most restrictive first: any written label meaning ``label`` (or automated processing)
        that says ``n`` disallows; a ``y`` allows only in a valid Dictionary.
        """
        values = [
            v
            for written, v in self.prefs.items()
            if current_label(written)[0] in (label, AUTOMATED_PROCESSING)
        ]
        if "n" in values:
            return "n"
        if "y" in values and not self.lenient:
            return "y"
        return None


def _split_members(value: str) -> list[str]:
    """Split on commas outside double quotes (RFC 9651 strings may hold commas)."""
    members: list[str] = []
    buf: list[str] = []
    quoted = False
    for char in value:
        if char == '"':
            quoted = not quoted
        if char == "," and not quoted:
            members.append("".join(buf))
            buf = []
        else:
            buf.append(char)
    members.append("".join(buf))
    return [m.strip() for m in members if m.strip()]


def parse_preferences(value: str) -> UsagePreferences:
    """Parse a ``Content-Usage`` or ``Content-Signal`` value; never raises.

    An RFC 9651 Dictionary is read strictly (Token ``y``/``n``; Content-Signal's ``yes``/``no``
    Tokens too); anything else falls back to the lenient reading (see the module docstring).
    """
    if not value.strip():
        return UsagePreferences(value, Status.ABSENT, "empty value")
    try:
        parsed = http_sf.parse(value.encode("utf-8"), tltype="dictionary")
    except (http_sf.StructuredFieldError, UnicodeError, ValueError) as err:
        return _lenient(value, f"not an RFC 9651 dictionary ({err}); read leniently")
    prefs: dict[str, str] = {}
    raw_values: dict[str, str] = {}
    unknown: list[str] = []
    members: dict[str, object] = dict(parsed) if isinstance(parsed, dict) else {}
    for key, member in members.items():
        item = member[0] if isinstance(member, tuple) else member  # (value, parameters)
        token = str(item) if isinstance(item, http_sf.Token) else None
        if token in ("y", "yes"):
            prefs[key], raw_values[key] = "y", token
        elif token in ("n", "no"):
            prefs[key], raw_values[key] = "n", token
        else:
            unknown.append(f"{key}={_shown(item)}")
    if prefs:
        reason = "parsed" if not unknown else f"parsed; {len(unknown)} member(s) state nothing"
        return UsagePreferences(value, Status.OK, reason, prefs, raw_values, tuple(unknown))
    return UsagePreferences(value, Status.UNPARSEABLE, "no y/n preference", unknown=tuple(unknown))


def _shown(item: object) -> str:
    """An RFC 9651 bare item as written (booleans as ``?1``/``?0``, strings quoted)."""
    if isinstance(item, bool):
        return "?1" if item else "?0"
    if isinstance(item, str) and not isinstance(item, http_sf.Token):
        return f'"{item}"'
    if isinstance(item, list):
        return "(" + " ".join(_shown(i[0] if isinstance(i, tuple) else i) for i in item) + ")"
    return str(item)


def _lenient(value: str, reason: str) -> UsagePreferences:
    prefs: dict[str, str] = {}
    raw_values: dict[str, str] = {}
    unknown: list[str] = []
    for member in _split_members(value):
        head = member.split(";", 1)[0].strip()
        key, sep, raw_val = head.partition("=")
        key = key.strip().lower()
        raw_val = raw_val.strip()
        val = raw_val.strip('"').strip().lower() if sep else "?1"
        if not _KEY.fullmatch(key):
            unknown.append(member)
            continue
        if val in _YES:
            norm = "y"
        elif val in _NO:
            norm = "n"
        else:
            unknown.append(member)
            continue
        prefs[key] = norm  # a later duplicate key overrides an earlier one (RFC 9651)
        raw_values[key] = raw_val if sep else ""
    if prefs:
        return UsagePreferences(
            value, Status.OK, reason, prefs, raw_values, tuple(unknown), lenient=True
        )
    return UsagePreferences(
        value, Status.UNPARSEABLE, "no key=yes/no member", unknown=tuple(unknown), lenient=True
    )


def denied_labels(
    prefs: UsagePreferences, kind: SignalKind, triggers: frozenset[str] | None = None
) -> list[str]:
    """Labels (as written) whose ``n`` forbids a collection falling under ``triggers``.

    AIPREF: for each of ``triggers`` (the purpose profile's categories, :func:`default_triggers`
    when ``None``), the labels that name it say ``n``; a category the statement does not name
    takes the older drafts' root (``tdm``/``all``/``bots``), as those drafts said; a collection
    under no category (a classroom demo) is automated processing, which the root decides. A
    leniently read value's ``y`` never overrides its ``n``. Content-Signal: ``ai-train=no``.
    """
    if kind is SignalKind.CONTENT_SIGNAL:
        return ["ai-train"] if prefs.prefs.get("ai-train") == "n" else []
    wanted = default_triggers() if triggers is None else triggers
    roots = [k for k, v in prefs.prefs.items() if current_label(k)[0] == AUTOMATED_PROCESSING]
    denied: list[str] = []
    # A collection under none of the categories is still automated processing: roots decide.
    for category in sorted(wanted) or [AUTOMATED_PROCESSING]:
        named = [k for k in prefs.prefs if current_label(k)[0] == category]
        if prefs.lenient:
            named = [k for k in named if prefs.prefs[k] == "n"]
        said = named or roots
        denied += [k for k in said if prefs.prefs[k] == "n" and k not in denied]
    return denied


def preference_signals(
    value: str,
    kind: SignalKind,
    *,
    source: str,
    level: Level,
    url: str | None = None,
    agent: str | None = None,
    evidence: str | None = None,
    extra: dict[str, object] | None = None,
    binds_provtrack: bool | None = None,
    triggers: frozenset[str] | None = None,
) -> list[Signal]:
    """One Signal per key of a ``Content-Usage``/``Content-Signal`` value.

    ``restricts`` is set on the labels whose ``n`` forbids the crawl's collection
    (:func:`denied_labels`), and only when the value binds provtrack: ``binds_provtrack`` when
    given (robots.txt knows which group provtrack falls in), else ``agent`` is ``None`` or
    provtrack. AIPREF signals carry the label as written and its current meaning (``extra``:
    ``label``, ``written_as``, ``draft``); a key no draft defines is kept with ``label`` null.
    A value with no readable key still yields one signal (value ``unparseable``) so the ledger
    shows it was there.
    """
    parsed = parse_preferences(value)
    label = "Content-Usage" if kind is SignalKind.CONTENT_USAGE else "Content-Signal"
    shown = evidence if evidence is not None else f"{label}: {value}"
    binding = applies_to_provtrack(agent) if binds_provtrack is None else binds_provtrack
    denied = set(denied_labels(parsed, kind, triggers)) if binding else set()
    base: dict[str, object] = dict(extra or {})
    if parsed.unknown:
        base["not_understood"] = list(parsed.unknown)
    if parsed.lenient:
        base["lenient"] = parsed.reason
    if parsed.status is not Status.OK:
        return [
            Signal(
                kind,
                parsed.status.value,
                source,
                shown,
                level,
                agent=agent,
                url=url,
                extra={**base, "reason": parsed.reason},
            )
        ]
    signals = []
    for key, val in parsed.prefs.items():
        signal_value = (
            f"{key}={val}"
            if kind is SignalKind.CONTENT_USAGE
            else (f"{key}={'yes' if val == 'y' else 'no'}")
        )
        restricts = key in denied
        info = dict(base)
        if kind is SignalKind.CONTENT_USAGE:
            current, draft = current_label(key)
            info["label"] = current
            if current != key:
                info["written_as"] = key
            if draft is not None:
                info["draft"] = draft
        signals.append(
            Signal(kind, signal_value, source, shown, level, agent, restricts, url, info)
        )
    return signals


def signals_from_headers(
    headers: Headers | None, *, url: str | None = None, level: Level = Level.PAGE
) -> list[Signal]:
    """Signals for every ``Content-Usage`` and ``Content-Signal`` header line."""
    signals: list[Signal] = []
    for name, kind in (
        ("Content-Usage", SignalKind.CONTENT_USAGE),
        ("Content-Signal", SignalKind.CONTENT_SIGNAL),
    ):
        for value in header_values(headers, name):
            signals.extend(
                preference_signals(
                    value,
                    kind,
                    source=f"header:{name}",
                    level=level,
                    url=url,
                    evidence=f"{name}: {value}",
                )
            )
    return signals


def signals_from_meta(metas: Iterable[MetaTag], *, url: str | None = None) -> list[Signal]:
    """Signals for ``<meta name="content-usage" content="...">`` tags (page level).

    The attach draft defines the header and robots.txt; a page that states its preference in
    a meta tag means the same thing, so the tag is read too (source ``meta:content-usage``).
    """
    signals: list[Signal] = []
    for tag in metas:
        if tag.name == "content-usage":
            signals.extend(
                preference_signals(
                    tag.content,
                    SignalKind.CONTENT_USAGE,
                    source="meta:content-usage",
                    level=Level.PAGE,
                    url=url,
                    evidence=tag.html,
                )
            )
    return signals


def split_robots_value(value: str) -> tuple[str | None, str]:
    """Split a robots.txt ``Content-Usage: [path] prefs`` value into (path or ``None``, prefs)."""
    words = value.strip().split(None, 1)
    if words and words[0].startswith(("/", "*")) and "=" not in words[0]:
        return words[0], words[1].strip() if len(words) > 1 else ""
    return None, value.strip()
