"""What a purge must also remove besides the photograph: the texts that describe the person.

A purged image was found with texts about the person it shows: its alt text and title, the
caption beside it, the nearby and profile texts the crawler read ("Lives in Montreal, QC"),
and the subject summary built from them. :class:`PersonTexts` gathers those texts from the
image rows and their occurrences *before* they are scrubbed, and then finds them wherever
else they were written down: in other records' snippets (a home page listing everyone's
name), in page titles, in host-snapshot bodies, and in the WARC responses of the pages and
of the JSON the pages fetched (:func:`visible_text` reads HTML, JSON and plain text).

Matching is deliberately generous in one direction: a text of at least :data:`MIN_TEXT`
characters found anywhere in a record takes the whole string (or record) with it, so a
purge may also remove another person's page that repeats the same sentence. For a deletion
that is the safer error; shorter texts ("Photo", "Home") are not matched at all, because
they say nothing about a person and would remove half a site.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

MIN_TEXT = 12
"""Shortest text (after collapsing whitespace) that a purge looks for elsewhere."""
REMOVED = "[removed by purge]"
"""What a redacted string of a kept record reads afterwards."""

_WS = re.compile(r"\s+")
_TAG = re.compile(r"<[^>]*>")
_TEXT_TYPES = ("text/", "json", "xml", "javascript")


def normalise(text: str) -> str:
    """One line, single spaces, case-folded: the form texts are compared in."""
    return _WS.sub(" ", text).strip().casefold()


def _json_strings(value: Any) -> Iterable[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _json_strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _json_strings(item)


def is_text(content_type: str | None) -> bool:
    """Whether a response's body is text a person's name could be read from."""
    kind = (content_type or "").lower()
    return not kind or any(t in kind for t in _TEXT_TYPES)


def visible_text(body: bytes, content_type: str | None = None) -> str:
    """The text a reader of ``body`` sees, normalised: tags dropped, entities and JSON
    escapes decoded, each JSON string and each HTML text run separated by a space."""
    raw = body.decode("utf-8", errors="replace")
    parts = [raw]
    if "json" in (content_type or "").lower() or raw.lstrip()[:1] in ("{", "["):
        try:
            parts = list(_json_strings(json.loads(raw)))
        except ValueError:
            pass  # not JSON after all: read it as text
    return normalise(" ".join(html.unescape(_TAG.sub(" ", p)) for p in parts))


@dataclass(frozen=True, slots=True)
class PersonTexts:
    """The normalised texts about the people in the purged images."""

    texts: frozenset[str]
    pattern: re.Pattern[str] | None = field(init=False, compare=False, repr=False)

    def __post_init__(self) -> None:
        # longest first, so that an alternation reports the most specific text
        alternatives = sorted(self.texts, key=lambda t: (-len(t), t))
        compiled = re.compile("|".join(map(re.escape, alternatives))) if alternatives else None
        object.__setattr__(self, "pattern", compiled)

    @classmethod
    def of(cls, strings: Iterable[str | None]) -> PersonTexts:
        """Keep the strings of at least :data:`MIN_TEXT` characters, normalised."""
        kept = {normalise(s) for s in strings if s}
        return cls(frozenset(t for t in kept if len(t) >= MIN_TEXT))

    @classmethod
    def gather(
        cls,
        subjects: Iterable[dict[str, Any]],
        occurrences: Iterable[tuple[str | None, str | None, str | None, Iterable[str]]],
    ) -> PersonTexts:
        """From the purged images' subject summaries and their occurrences'
        ``(alt, title, caption, snippets)``."""
        strings: list[str | None] = []
        for subject in subjects:
            strings += [subject.get("alt"), subject.get("caption")]
            strings += [str(s) for s in subject.get("snippets") or []]
        for alt, title, caption, snippets in occurrences:
            strings += [alt, title, caption, *snippets]
        return cls.of(strings)

    def __bool__(self) -> bool:
        return bool(self.texts)

    def found_in(self, text: str | None) -> bool:
        """Whether ``text`` (any form: it is normalised here) holds one of the texts."""
        if not text or self.pattern is None:
            return False
        return self.pattern.search(normalise(text)) is not None

    def in_body(self, body: bytes | None, content_type: str | None = None) -> bool:
        """Whether the visible text of a stored body holds one of the texts."""
        if not body or not self.texts or not is_text(content_type):
            return False
        pattern = self.pattern
        return pattern is not None and pattern.search(visible_text(body, content_type)) is not None

    def redact(self, value: Any) -> tuple[Any, bool]:
        """``value`` (a JSON value or a string) with every string holding a text removed:
        dropped from lists, replaced by :data:`REMOVED` elsewhere; and whether it changed."""
        pattern = self.pattern
        if pattern is None:
            return value, False
        return _redact(value, pattern)


def _redact(value: Any, pattern: re.Pattern[str]) -> tuple[Any, bool]:
    if isinstance(value, str):
        if pattern.search(normalise(value)):
            return REMOVED, True
        return value, False
    if isinstance(value, list):
        out: list[Any] = []
        changed = False
        for item in value:
            if isinstance(item, str) and pattern.search(normalise(item)):
                changed = True
                continue
            new, did = _redact(item, pattern)
            out.append(new)
            changed |= did
        return out, changed
    if isinstance(value, dict):
        result: dict[str, Any] = {}
        changed = False
        for key, item in value.items():
            result[key], did = _redact(item, pattern)
            changed |= did
        return result, changed
    return value, False
