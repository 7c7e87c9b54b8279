"""W3C TDMRep: ``/.well-known/tdmrep.json``, ``tdm-reservation``/``tdm-policy`` headers and metas.

Rules implemented from the TDMRep Final Community Group Report:

- ``tdm-reservation`` is ``1`` (rights reserved: the EU DSM Art. 4(3) opt-out) or ``0``; any
  other value is a protocol error and counts as unset.
- tdmrep.json is an array of ``{location, tdm-reservation, tdm-policy?}``; ``location`` uses
  robots.txt patterns (``*``, ``$``), matched case-sensitively against the path. The spec says
  "The most specific match found MUST be used. The most specific match is the first in
  sequence.": the publisher orders rules from most to least specific, so the first rule in
  file order that matches decides. No match means unset.
- Processing priority: the file, then the HTTP header overrides it, then HTML metadata
  overrides that. The absence of a value does not reset an earlier one; neither does a
  protocol error, which is unset rather than ``0`` (reading it as ``0`` would turn an attempt
  to reserve into a permission).
- ``tdm-policy`` is recorded but not followed when the reservation is ``0``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from provenance.observation import Status
from provenance.signals._fetch import FetchClass, classify_fetch, decode_text, fetch_facts
from provenance.signals._headers import Headers, header_values
from provenance.signals._html import MetaTag
from provenance.signals._patterns import PathPattern, compile_pattern, normalize_path
from provenance.signals.model import Level, Signal, SignalKind
from provenance.vocab import NOT_CAPTURED

TDMREP_MAX_BYTES = 512 * 1024
"""Largest tdmrep.json or policy document read; beyond it the file is ``too_large``."""

TDMREP_FILE_SOURCE = "/.well-known/tdmrep.json"
_TRAILING_COMMA = re.compile(r",(\s*[}\]])")
_STATES_ONE = re.compile(r"""(?i)tdm-reservation["']?\s*:\s*(?:["']\s*)?(?:1(?![\d.])|true\b)""")
"""Text that states a reservation, as a broken or cut tdmrep.json still shows it (no two
adjacent whitespace runs: linear on hostile runs of spaces)."""


_STATES_RESERVATION = "read as 1: it states a reservation, and unset would read it as allowed"


def parse_reservation(value: Any) -> tuple[int | None, str | None]:
    """``(0|1, None)`` for a valid value, else ``(None, problem)`` (protocol error = unset).

    JSON integers and the strings ``"0"``/``"1"`` are accepted (headers and metas are
    strings). Values real files and servers send that plainly mean a reservation are read as
    ``1`` with the problem named (fail closed): JSON ``true`` and ``1.0``, a quoted ``"1"``, a
    header whose lines an intermediary combined (``1, 1``; RFC 9110 §5.3), a value with
    parameters (``1;``). Nothing is ever read as ``0`` that is not exactly 0: a ``0`` overrides
    an earlier layer's 1, so ``false`` stays a protocol error (unset).
    """
    if isinstance(value, bool):
        if value:
            return 1, f"protocol error: tdm-reservation true is not 0 or 1; {_STATES_RESERVATION}"
        return None, "protocol error: tdm-reservation false is not 0 or 1"
    if isinstance(value, int) and value in (0, 1):
        return value, None
    if isinstance(value, float) and value == 1.0:
        return 1, f"protocol error: tdm-reservation 1.0 is not 0 or 1; {_STATES_RESERVATION}"
    if isinstance(value, str) and value.strip() in ("0", "1"):
        return int(value.strip()), None
    if isinstance(value, str):
        pieces = [p.split(";", 1)[0].strip().strip("\"'").strip() for p in value.split(",")]
        if "1" in pieces:
            return 1, f"protocol error: tdm-reservation {value!r} is not 0 or 1; " + (
                _STATES_RESERVATION
            )
    if value is None:
        return None, "tdm-reservation missing"
    shown = value if isinstance(value, str) else json.dumps(value, default=str)
    return None, f"protocol error: tdm-reservation {shown!r} is not 0 or 1"


def _reservation_value(reservation: int | None) -> str:
    return "unset" if reservation is None else str(reservation)


@dataclass(frozen=True, slots=True)
class TdmRule:
    """One rule of tdmrep.json: ``index`` is its 0-based position, ``raw`` the rule as JSON."""

    index: int
    location: str | None
    reservation: int | None
    policy: str | None
    raw: str
    problem: str | None = None
    pattern: PathPattern | None = field(default=None, repr=False, compare=False)

    def matches(self, url: str) -> bool:
        """Whether this rule's location matches ``url`` (robots.txt matching, case-sensitive)."""
        return self.pattern is not None and self.pattern.matches(normalize_path(url))


def _location_pattern(location: str) -> tuple[PathPattern | None, str | None]:
    note = None
    pattern_text = location.strip()
    if pattern_text.startswith(("http://", "https://")):
        after = pattern_text.split("://", 1)[1]
        pattern_text = "/" + after.split("/", 1)[1] if "/" in after else "/"
        note = "location written as an absolute URL; its path is used"
    elif not pattern_text.startswith(("/", "*")):
        pattern_text = "/" + pattern_text
        note = "location without a leading '/'; read from the root"
    return compile_pattern(pattern_text), note


def _field(item: dict[str, Any], name: str) -> tuple[Any, str | None]:
    """``item[name]``, else the value of a key that spells it otherwise (``tdm_reservation``,
    ``TDM-Reservation``, ``tdmReservation``), with a note saying so."""
    if name in item:
        return item[name], None
    wanted = name.replace("-", "")
    for key, value in item.items():
        if isinstance(key, str) and key.lower().replace("-", "").replace("_", "") == wanted:
            return value, f"{key!r} read as {name!r}"
    return None, None


def _rules_from(index: int, item: Any) -> list[TdmRule]:
    """The rule(s) of one array entry: one, or one per location of a location list."""
    try:
        raw = json.dumps(item, ensure_ascii=False, default=str)
    except (ValueError, RecursionError):
        raw = f"(rule {index}: too deeply nested to show)"
    if not isinstance(item, dict):
        return [TdmRule(index, None, None, None, raw, "rule is not a JSON object")]
    location, location_note = _field(item, "location")
    value, reservation_note = _field(item, "tdm-reservation")
    reservation, problem = parse_reservation(value)
    policy, _ = _field(item, "tdm-policy")
    policy = policy.strip() if isinstance(policy, str) and policy.strip() else None
    notes = [n for n in (location_note, reservation_note) if n]
    locations = [location]
    if isinstance(location, list) and location and all(isinstance(x, str) for x in location):
        # "location": ["/photos/", "/video/"]: each one a rule of the same entry
        locations = location
        notes.append("a list of locations, each read as a rule")
    rules = []
    for one in locations:
        if not isinstance(one, str) or not one.strip():
            why = "; ".join(["location missing or not a string", *notes])
            rules.append(TdmRule(index, None, reservation, policy, raw, why))
            continue
        pattern, note = _location_pattern(one)
        problems = "; ".join(p for p in (problem, note, *notes) if p) or None
        rules.append(TdmRule(index, one, reservation, policy, raw, problems, pattern))
    return rules


def _salvage_rules(text: str) -> tuple[list[Any], str]:
    """The complete values at the start of a JSON array that does not parse as a whole (a
    missing comma, a cut download), and the text after the last of them."""
    decoder = json.JSONDecoder()
    start = len(text) - len(text.lstrip())
    if not text.startswith("[", start):
        return [], text
    pos = start + 1
    items: list[Any] = []
    while True:
        while pos < len(text) and (text[pos].isspace() or text[pos] == ","):
            pos += 1
        try:
            item, end = decoder.raw_decode(text, pos)
        except (ValueError, RecursionError):
            return items, text[pos:]
        items.append(item)
        pos = end


def _nested_rules(data: dict[str, Any]) -> list[Any] | None:
    """The rule array of a file that wraps it in an object (``{"rules": [...]}``), if any."""
    for value in data.values():
        if isinstance(value, list) and any(isinstance(v, dict) and "location" in v for v in value):
            return value
    return None


def _loads_lenient(text: str) -> tuple[Any, str | None, bool]:
    """(value, error message, lenient): strict JSON first, then without trailing commas."""
    try:
        return json.loads(text), None, False
    except (ValueError, RecursionError) as err:
        message = str(err)
    try:
        return json.loads(_TRAILING_COMMA.sub(r"\1", text)), message, True
    except (ValueError, RecursionError):
        return None, message, False


@dataclass(frozen=True)
class TdmFile:
    """A site's ``/.well-known/tdmrep.json`` as fetched; build it with :meth:`from_fetch`.

    A non-2xx answer means the site does not implement the file technique (``absent``); a
    network error or 5xx is ``fetch_failed``. Either way every URL is unset by the file.
    """

    url: str
    fetched_at: datetime | None
    http_status: int | None
    error: str | None
    status: Status
    reason: str
    rules: tuple[TdmRule, ...] = ()
    size: int = 0
    sha256: str | None = None
    unread_reserves: bool = False

    @classmethod
    def from_fetch(
        cls,
        url: str,
        http_status: int | None,
        body: bytes | None,
        error: str | None,
        fetched_at: datetime | None = None,
    ) -> TdmFile:
        """Read a tdmrep.json fetch result; never raises on content."""
        fetched = classify_fetch(http_status, error)
        raw = body or b""
        common = fetch_facts(url, http_status, body, error, fetched_at)
        if fetched.fetch_class is FetchClass.NOT_CAPTURED:
            return cls(status=Status.NOT_CAPTURED, reason=fetched.reason, **common)
        if fetched.fetch_class is FetchClass.UNREACHABLE:
            return cls(status=Status.FETCH_FAILED, reason=fetched.reason, **common)
        if fetched.fetch_class is FetchClass.UNAVAILABLE:
            return cls(
                status=Status.ABSENT,
                reason=f"{fetched.reason}: no tdmrep.json (file technique not used)",
                **common,
            )
        too_large = len(raw) > TDMREP_MAX_BYTES
        text = decode_text(raw[:TDMREP_MAX_BYTES] if too_large else raw)[0]
        if not text.strip():
            return cls(status=Status.UNPARSEABLE, reason="empty tdmrep.json", **common)
        # A file that cannot be read whole (over the cap, cut, broken JSON, rules in the wrong
        # shape) keeps the rules that can be read, and where none of them decides a path but
        # the unread text states "tdm-reservation": 1, it reads as reserving (fail closed):
        # unreadable is never "not reserved".
        bad = Status.TOO_LARGE if too_large else Status.UNPARSEABLE
        notes = [f"{len(raw)} bytes, over the {TDMREP_MAX_BYTES}-byte cap"] if too_large else []
        data, error_message, lenient = _loads_lenient(text)
        unread = ""
        broken = too_large or lenient or data is None
        if data is None and error_message is not None:
            data, unread = _salvage_rules(text)
            notes.append(
                f"invalid JSON: {error_message}; read the {len(data)} complete rule(s) before it"
            )
        elif lenient:
            notes.append(f"invalid JSON ({error_message}); read without trailing commas")
        if isinstance(data, dict) and "location" in data:
            data = [data]
            notes.append("a single rule object instead of an array")
        elif isinstance(data, dict) and (nested := _nested_rules(data)) is not None:
            data = nested
            notes.append("the rule array is nested in an object")
            broken = True
        if not isinstance(data, list):
            notes.insert(0, f"expected a JSON array of rules, got {type(data).__name__}")
            unread, data, broken = text, [], True
        rules = tuple(rule for i, item in enumerate(data) for rule in _rules_from(i, item))
        status = bad if broken else Status.OK
        # a file cut at the cap may hold any rule after the cut: what it reserves before the cut
        # is the best evidence of what it says there
        cut = too_large or len(raw) >= TDMREP_MAX_BYTES
        unread_reserves = status is not Status.OK and bool(
            _STATES_ONE.search(text if cut else unread)
        )
        if unread_reserves:
            notes.append("the unread part states tdm-reservation 1")
        reason = f"{len(rules)} rule(s)" + (f"; {'; '.join(notes)}" if notes else "")
        if not rules and not unread_reserves and status is not Status.OK:
            reason = "; ".join(notes)
        return cls(
            status=status, reason=reason, rules=rules, unread_reserves=unread_reserves, **common
        )

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready form for the store, each rule with its raw JSON and problem."""
        return {
            "url": self.url,
            "fetched_at": self.fetched_at.isoformat() if self.fetched_at else None,
            "http_status": self.http_status,
            "error": self.error,
            "status": self.status.value,
            "reason": self.reason,
            "size": self.size,
            "sha256": self.sha256,
            "unread_reserves": self.unread_reserves,
            "rules": [
                {
                    "index": r.index,
                    "location": r.location,
                    "tdm-reservation": r.reservation,
                    "tdm-policy": r.policy,
                    "raw": r.raw,
                    "problem": r.problem,
                }
                for r in self.rules
            ],
        }

    def match(self, url: str) -> TdmRule | None:
        """The first rule in file order whose location matches ``url`` ("first in sequence")."""
        for rule in self.rules:
            if rule.matches(url):
                return rule
        return None

    def signals_for(self, url: str, level: Level = Level.HOST) -> list[Signal]:
        """The file's TDM_RESERVATION signal for ``url`` (``unset`` when nothing matches), and
        its TDM_POLICY signal when the matching rule names one."""
        base: dict[str, Any] = {"target": url, "status": self.status.value}
        if self.status is Status.NOT_CAPTURED:
            # audited from an archive without the file: whether it reserved the path is
            # unknown, and unknown is never read as "not reserved"
            return [
                Signal(
                    SignalKind.TDM_RESERVATION,
                    NOT_CAPTURED,
                    TDMREP_FILE_SOURCE,
                    f"tdmrep.json {self.reason}",
                    level,
                    restricts=True,
                    url=self.url,
                    extra={**base, "reason": self.reason},
                )
            ]
        readable = (Status.OK, Status.UNPARSEABLE, Status.TOO_LARGE)
        if self.status not in readable or not (self.rules or self.unread_reserves):
            evidence = f"tdmrep.json: {self.reason}"
            return [
                Signal(
                    SignalKind.TDM_RESERVATION,
                    "unset",
                    TDMREP_FILE_SOURCE,
                    evidence,
                    level,
                    url=self.url,
                    extra={**base, "reason": self.reason},
                )
            ]
        rule = self.match(url)
        if rule is None and self.unread_reserves:
            return [
                Signal(
                    SignalKind.TDM_RESERVATION,
                    "1",
                    TDMREP_FILE_SOURCE,
                    f"tdmrep.json: {self.reason}",
                    level,
                    restricts=True,
                    url=self.url,
                    extra={
                        **base,
                        "reason": "no readable rule matches; the unreadable part of the file "
                        "states tdm-reservation 1: read as reserved (fail closed)",
                        "unread_reserves": True,
                    },
                )
            ]
        if rule is None:
            return [
                Signal(
                    SignalKind.TDM_RESERVATION,
                    "unset",
                    TDMREP_FILE_SOURCE,
                    f"(no rule of tdmrep.json matches {normalize_path(url)})",
                    level,
                    url=self.url,
                    extra={**base, "reason": "no location matches"},
                )
            ]
        later = [r.index for r in self.rules if r.index > rule.index and r.matches(url)]
        info: dict[str, Any] = {**base, "rule_index": rule.index, "location": rule.location}
        if later:
            info["later_matches"] = later
        if rule.problem:
            info["problem"] = rule.problem
        signals = [
            Signal(
                SignalKind.TDM_RESERVATION,
                _reservation_value(rule.reservation),
                TDMREP_FILE_SOURCE,
                rule.raw,
                level,
                restricts=rule.reservation == 1,
                url=self.url,
                extra=info,
            )
        ]
        if rule.policy:
            signals.append(
                _policy_signal(
                    rule.policy,
                    TDMREP_FILE_SOURCE,
                    rule.raw,
                    level,
                    self.url,
                    rule.reservation,
                    info,
                )
            )
        return signals


def _policy_signal(
    policy: str,
    source: str,
    evidence: str,
    level: Level,
    url: str | None,
    reservation: int | None,
    extra: dict[str, Any],
) -> Signal:
    info = dict(extra)
    if reservation == 0:
        info["not_followed"] = "tdm-reservation is 0 (TDMRep: do not process the policy)"
    return Signal(SignalKind.TDM_POLICY, policy, source, evidence, level, url=url, extra=info)


def header_signals(
    headers: Headers | None, *, url: str | None = None, level: Level = Level.PAGE
) -> list[Signal]:
    """Signals for ``tdm-reservation`` and ``tdm-policy`` headers, one per header line."""
    signals: list[Signal] = []
    reservations = header_values(headers, "tdm-reservation")
    for value in reservations:
        reservation, problem = parse_reservation(value)
        extra: dict[str, Any] = {"problem": problem} if problem else {}
        signals.append(
            Signal(
                SignalKind.TDM_RESERVATION,
                _reservation_value(reservation),
                "header:tdm-reservation",
                f"tdm-reservation: {value}",
                level,
                restricts=reservation == 1,
                url=url,
                extra=extra,
            )
        )
    layer = resolve_layer(signals)
    for value in header_values(headers, "tdm-policy"):
        if value.strip():
            signals.append(
                _policy_signal(
                    value.strip(),
                    "header:tdm-policy",
                    f"tdm-policy: {value}",
                    level,
                    url,
                    layer,
                    {},
                )
            )
    return signals


def meta_signals(metas: Iterable[MetaTag], *, url: str | None = None) -> list[Signal]:
    """Signals for ``<meta name="tdm-reservation">`` and ``<meta name="tdm-policy">`` tags."""
    signals: list[Signal] = []
    tags = list(metas)
    for tag in tags:
        if tag.name != "tdm-reservation":
            continue
        reservation, problem = parse_reservation(tag.content)
        signals.append(
            Signal(
                SignalKind.TDM_RESERVATION,
                _reservation_value(reservation),
                "meta:tdm-reservation",
                tag.html,
                Level.PAGE,
                restricts=reservation == 1,
                url=url,
                extra={"problem": problem} if problem else {},
            )
        )
    layer = resolve_layer(signals)
    for tag in tags:
        if tag.name == "tdm-policy" and tag.content.strip():
            signals.append(
                _policy_signal(
                    tag.content.strip(), "meta:tdm-policy", tag.html, Level.PAGE, url, layer, {}
                )
            )
    return signals


def resolve_layer(signals: Sequence[Signal]) -> int | None:
    """The reservation one technique states: ``1`` if any valid value is 1, else ``0`` if any is
    0, else ``None``. Conflicting header lines keep the reservation, since one was expressed."""
    values = {
        s.value for s in signals if s.kind is SignalKind.TDM_RESERVATION and s.value in ("0", "1")
    }
    if "1" in values:
        return 1
    if "0" in values:
        return 0
    return None


@dataclass(frozen=True, slots=True)
class TdmState:
    """The resolved TDMRep state of one resource after the processing priority.

    ``reservation`` is 1, 0 or ``None`` (unset); ``decided_by`` is the signal that set it;
    ``policy`` is the policy URL in force (``None`` when the reservation is 0); ``layers``
    holds every TDMRep signal seen, file first.
    """

    reservation: int | None
    decided_by: Signal | None
    policy: str | None
    policy_signal: Signal | None
    layers: tuple[Signal, ...]

    @property
    def reserved(self) -> bool:
        """Whether TDM rights are reserved (``tdm-reservation: 1``)."""
        return self.reservation == 1


def resolve(*layers: Sequence[Signal]) -> TdmState:
    """Apply TDMRep processing priority: each layer (file, header, meta, in that order)
    overrides the previous one only where it states a valid value."""
    reservation: int | None = None
    decided_by: Signal | None = None
    policy_signal: Signal | None = None
    seen: list[Signal] = []
    for layer in layers:
        seen.extend(layer)
        value = resolve_layer(layer)
        if value is not None:
            reservation = value
            decided_by = next(
                s for s in layer if s.kind is SignalKind.TDM_RESERVATION and s.value == str(value)
            )
        policies = [s for s in layer if s.kind is SignalKind.TDM_POLICY]
        if policies:
            policy_signal = policies[0]
    policy = policy_signal.value if policy_signal is not None and reservation != 0 else None
    return TdmState(reservation, decided_by, policy, policy_signal, tuple(seen))


@dataclass(frozen=True)
class TdmPolicy:
    """A TDM policy document (ODRL profile) as fetched; never raises on content.

    ``machine_readable`` follows the content type (``application/json`` or
    ``application/ld+json``). ``data`` is the parsed JSON when it could be read, possibly
    leniently (then ``status`` is ``unparseable`` and ``reason`` says what was wrong).
    """

    url: str
    status: Status
    reason: str
    machine_readable: bool
    data: dict[str, Any] | None = None

    @classmethod
    def from_fetch(
        cls,
        url: str,
        http_status: int | None,
        body: bytes | None,
        error: str | None,
        content_type: str | None = None,
    ) -> TdmPolicy:
        """Read a policy fetch result; unreadable policies are recorded, not guessed."""
        fetched = classify_fetch(http_status, error)
        media = (content_type or "").split(";", 1)[0].strip().lower()
        machine = media in ("application/json", "application/ld+json")
        if fetched.fetch_class is FetchClass.NOT_CAPTURED:
            return cls(url, Status.NOT_CAPTURED, fetched.reason, machine)
        if fetched.fetch_class is FetchClass.UNREACHABLE:
            return cls(url, Status.FETCH_FAILED, fetched.reason, machine)
        if fetched.fetch_class is FetchClass.UNAVAILABLE:
            return cls(url, Status.ABSENT, fetched.reason, machine)
        raw = body or b""
        if len(raw) > TDMREP_MAX_BYTES:
            return cls(url, Status.TOO_LARGE, f"{len(raw)} bytes", machine)
        data, error_message, lenient = _loads_lenient(decode_text(raw)[0])
        if not isinstance(data, dict):
            why = f"invalid JSON: {error_message}" if error_message else "not a JSON object"
            return cls(url, Status.UNPARSEABLE, why, machine)
        if lenient:
            return cls(
                url,
                Status.UNPARSEABLE,
                f"invalid JSON ({error_message}); read without trailing commas",
                machine,
                data,
            )
        return cls(url, Status.OK, "parsed", machine, data)

    @property
    def permissions(self) -> list[dict[str, Any]]:
        """The ``permission`` entries, each with its ``action``, ``duty`` and ``constraint``."""
        if not self.data:
            return []
        value = self.data.get("permission")
        items = value if isinstance(value, list) else [value] if isinstance(value, dict) else []
        return [p for p in items if isinstance(p, dict)]
