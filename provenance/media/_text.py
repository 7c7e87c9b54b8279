"""Turn text found inside an image file into bounded plain text, flagging markup.

Metadata is attacker-controlled: an XMP creator or an EXIF description can carry ``<script>``.
provtrack keeps such text verbatim as plain data (never interprets it) and lists where it was
found, so a report renderer knows which fields need escaping and an investigator sees the attempt.
"""

from __future__ import annotations

import re

_MARKUP = re.compile(r"<\s*[a-zA-Z!/?]|javascript\s*:|\bon[a-z]+\s*=", re.IGNORECASE)
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


class TextLog:
    """Cleans extracted strings and remembers the paths of those that contained markup."""

    def __init__(self, max_chars: int) -> None:
        self.max_chars = max_chars
        self.flagged: list[str] = []

    def take(self, path: str, raw: object) -> str | None:
        """Return ``raw`` as clean text (``None`` when empty), flagging ``path`` if it holds markup.

        Bytes are decoded as UTF-8 with replacement; NULs and other control characters are
        dropped (EXIF strings are often NUL-padded); the result is capped at ``max_chars``.
        """
        if raw is None:
            return None
        if isinstance(raw, bytes | bytearray):
            text = bytes(raw).decode("utf-8", errors="replace")
        else:
            text = str(raw)
        text = _CONTROL.sub("", text).strip()
        if not text:
            return None
        if len(text) > self.max_chars:
            text = text[: self.max_chars]
        if _MARKUP.search(text) and path not in self.flagged:
            self.flagged.append(path)
        return text

    def take_all(self, path: str, values: list[object] | tuple[object, ...]) -> tuple[str, ...]:
        """Clean each value of a list, dropping empty ones; paths are ``path[i]``."""
        out: list[str] = []
        for raw in values:
            text = self.take(f"{path}[{len(out)}]", raw)
            if text is not None:
                out.append(text)
        return tuple(out)
