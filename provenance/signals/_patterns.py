"""robots.txt path patterns (RFC 9309 §2.2.2-2.2.3), shared by robots.txt, ai.txt and TDMRep.

The normalisation and matching follow Protego (Scrapy's parser) step for step, so that the rule
provtrack names as evidence is the rule Protego obeys:

- percent-escapes are decoded, except ``%2F`` (``/``) and ``%25`` (``%``) which keep their
  meaning as escapes, then everything outside ``A-Za-z0-9_.-~/%=`` is re-encoded as UTF-8;
- ``*`` matches any run of characters, a trailing ``$`` anchors the end of the URL;
- the priority of a pattern is its normalised length (longest match wins).

Nothing here raises on content: a URL that ``urlsplit`` rejects is split by hand instead.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import quote, urlsplit

_ESCAPE = re.compile(rb"%([0-9A-Fa-f]{2})")
_PATH_KEPT = frozenset({"2F", "25"})
_PATTERN_KEPT = frozenset({"2F", "25", "2A"})
_PATH_SAFE = "/%="
_PATTERN_SAFE = "/%*="
_ALREADY_QUOTED_PATTERN = re.compile(r"[A-Za-z0-9_.~/=*-]+\$?")
_SCHEME_AUTHORITY = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://[^/?#]*")


def _unquote(value: str, kept: frozenset[str]) -> str:
    """Decode ``%xy`` escapes except those of ``kept`` characters (whose hex is upper-cased)."""
    if "%" not in value:
        return value

    def replace(match: re.Match[bytes]) -> bytes:
        hexcode = match.group(1).upper()
        if hexcode.decode("ascii") in kept:
            return b"%" + hexcode
        return bytes.fromhex(hexcode.decode("ascii"))

    raw = value.encode("utf-8", "replace")
    return _ESCAPE.sub(replace, raw).decode("utf-8", "replace")


def _quote(value: str, kept: frozenset[str], safe: str) -> str:
    # Encoding with "replace" keeps lone surrogates (never produced by our own decoding, but
    # possible in a caller's URL string) from raising.
    return quote(_unquote(value, kept).encode("utf-8", "replace"), safe=safe)


def normalize_path(url: str) -> str:
    """Return the path and query of ``url`` (or of a bare path) normalised for matching.

    The scheme, authority and fragment are dropped; the result always starts with ``/``.
    """
    url = url.partition("#")[0]
    try:
        parts = urlsplit(url)
        path, query = parts.path, parts.query
    except ValueError:
        # urlsplit rejects e.g. an unbalanced "[" in the authority; strip it by hand.
        rest = _SCHEME_AUTHORITY.sub("", url, count=1)
        path, _, query = rest.partition("?")
    if "?" in url:
        path += f"?{query}"
    path = _quote(path, _PATH_KEPT, _PATH_SAFE)
    return path if path.startswith("/") else f"/{path}"


def normalize_pattern(pattern: str) -> str:
    """Return a robots.txt pattern normalised like :func:`normalize_path`.

    ``*`` and a final ``$`` keep their special meaning.
    """
    if _ALREADY_QUOTED_PATTERN.fullmatch(pattern):
        return pattern
    # A rule written as an absolute URL matches a path containing that URL, as in Protego.
    if pattern.startswith(("https://", "http://")):
        pattern = f"/{pattern}"
    anchor = ""
    if pattern.endswith("$"):
        anchor = "$"
        pattern = pattern[:-1]
    return _quote(pattern, _PATTERN_KEPT, _PATTERN_SAFE) + anchor


@dataclass(frozen=True, slots=True)
class PathPattern:
    """One normalised pattern; :meth:`matches` takes a path from :func:`normalize_path`."""

    normalized: str
    priority: int
    parts: tuple[str, ...]
    anchored: bool
    wildcard: bool

    @classmethod
    def from_normalized(cls, normalized: str) -> PathPattern:
        """Build a matcher for an already normalised pattern."""
        anchored = normalized.endswith("$")
        wildcard = "*" in normalized
        body = normalized[:-1] if anchored else normalized
        parts = tuple(re.sub(r"\*+", "*", body).split("*")) if wildcard else (body,)
        return cls(normalized, len(normalized), parts, anchored, wildcard)

    def matches(self, path: str) -> bool:
        """Whether the normalised ``path`` matches this pattern."""
        if not self.wildcard:
            return path == self.parts[0] if self.anchored else path.startswith(self.parts[0])
        first = self.parts[0]
        if not path.startswith(first):
            return False
        pos = len(first)
        for part in self.parts[1:-1]:
            idx = path.find(part, pos)
            if idx == -1:
                return False
            pos = idx + len(part)
        last = self.parts[-1]
        if self.anchored:
            end = len(path) - len(last)
            return end >= pos and path[end:] == last
        return not last or path.find(last, pos) != -1


def compile_pattern(raw: str) -> PathPattern | None:
    """Compile a pattern as written; ``None`` when it normalises to nothing."""
    normalized = normalize_pattern(raw)
    return PathPattern.from_normalized(normalized) if normalized else None
