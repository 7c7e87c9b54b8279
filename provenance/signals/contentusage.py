"""AI usage preferences: IETF AIPREF ``Content-Usage`` and Cloudflare ``Content-Signal``.

``Content-Usage`` (draft-ietf-aipref-attach, vocabulary draft-ietf-aipref-vocab) is an RFC 9651
dictionary such as ``train-ai=n, search=y``; it is sent as an HTTP header or as a robots.txt
group rule (``Content-Usage: [path] prefs``). ``Content-Signal`` (contentsignals.org) is
``search=yes, ai-train=no, ai-input=no`` in a robots.txt group or a header.

Both are parsed leniently: members that do not parse are kept in ``unknown`` rather than failing
the whole value, since a half-readable opt-out is still an opt-out.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from provenance.observation import Status
from provenance.signals._headers import Headers, header_values
from provenance.signals._vocab import applies_to_provtrack
from provenance.signals.model import Level, Signal, SignalKind

_KEY = re.compile(r"[a-z*][a-z0-9_.*-]*")
_YES = frozenset({"y", "yes", "?1", "true", "1"})
_NO = frozenset({"n", "no", "?0", "false", "0"})

# AIPREF vocabulary: a category without its own preference takes its parent's. "bots" is the
# current name of the root category ("automated processing"); earlier drafts called it "all".
_PARENT = {"train-genai": "train-ai", "train-ai": "bots", "search": "bots", "ai-use": "bots"}
_ROOT_ALIASES = ("bots", "all")


@dataclass(frozen=True, slots=True)
class UsagePreferences:
    """A parsed preference value: ``prefs`` maps a lower-cased key to ``y`` or ``n``.

    ``raw_values`` keeps each key's value as written (``yes``, ``"n"``...); ``unknown`` lists
    members that are not ``key=yes/no``; ``status`` is ``unparseable`` when nothing was read.
    """

    raw: str
    status: Status
    reason: str
    prefs: dict[str, str] = field(default_factory=dict)
    raw_values: dict[str, str] = field(default_factory=dict)
    unknown: tuple[str, ...] = ()

    def effective(self, key: str) -> str | None:
        """``y``/``n`` for ``key`` after inheriting from parent categories, else ``None``."""
        seen: set[str] = set()
        current: str | None = key
        while current is not None and current not in seen:
            seen.add(current)
            if current in self.prefs:
                return self.prefs[current]
            if current == "bots":
                for alias in _ROOT_ALIASES:
                    if alias in self.prefs:
                        return self.prefs[alias]
            current = _PARENT.get(current)
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

    Accepts ``y/n`` (AIPREF) and ``yes/no`` (Content-Signal) alike, ignores RFC 9651 parameters
    (``;foo``) and quotes; a bare key is an RFC 9651 boolean true.
    """
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
        # RFC 9651: a later duplicate key overrides an earlier one.
        prefs[key] = norm
        raw_values[key] = raw_val if sep else ""
    if prefs:
        reason = "parsed" if not unknown else f"parsed; {len(unknown)} member(s) not understood"
        return UsagePreferences(value, Status.OK, reason, prefs, raw_values, tuple(unknown))
    if not value.strip():
        return UsagePreferences(value, Status.ABSENT, "empty value")
    return UsagePreferences(
        value, Status.UNPARSEABLE, "no key=yes/no member", unknown=tuple(unknown)
    )


def training_denied(prefs: UsagePreferences, kind: SignalKind) -> list[str]:
    """Keys whose value forbids AI training: any ``train-*=n`` (AIPREF, with inheritance from
    ``bots``/``all``) or ``ai-train=no`` (Content-Signal)."""
    if kind is SignalKind.CONTENT_SIGNAL:
        return ["ai-train"] if prefs.prefs.get("ai-train") == "n" else []
    denied = [k for k, v in prefs.prefs.items() if k.startswith("train-") and v == "n"]
    if not denied and prefs.effective("train-ai") == "n":
        denied = [k for k in _ROOT_ALIASES if prefs.prefs.get(k) == "n"]
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
) -> list[Signal]:
    """One Signal per key of a ``Content-Usage``/``Content-Signal`` value.

    ``restricts`` is set on the keys that forbid training, and only when the value binds
    provtrack: ``binds_provtrack`` when given (robots.txt knows which group provtrack falls
    in), else ``agent`` is ``None`` or provtrack. A value with no readable key still yields one
    signal (value ``unparseable``) so the ledger shows it was there.
    """
    parsed = parse_preferences(value)
    label = "Content-Usage" if kind is SignalKind.CONTENT_USAGE else "Content-Signal"
    shown = evidence if evidence is not None else f"{label}: {value}"
    binding = applies_to_provtrack(agent) if binds_provtrack is None else binds_provtrack
    denied = set(training_denied(parsed, kind)) if binding else set()
    base: dict[str, object] = dict(extra or {})
    if parsed.unknown:
        base["not_understood"] = list(parsed.unknown)
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
        if restricts and key in _ROOT_ALIASES:
            info["inherited_by"] = "train-ai"
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


def split_robots_value(value: str) -> tuple[str | None, str]:
    """Split a robots.txt ``Content-Usage: [path] prefs`` value into (path or ``None``, prefs)."""
    words = value.strip().split(None, 1)
    if words and words[0].startswith(("/", "*")) and "=" not in words[0]:
        return words[0], words[1].strip() if len(words) > 1 else ""
    return None, value.strip()
