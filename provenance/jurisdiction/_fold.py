"""Case- and accent-insensitive text folding that remembers where each character came from.

Place names are matched on folded text (``Montréal`` and ``MONTREAL`` fold alike), but the
evidence must quote the original words, so every folded character maps back to an offset
in the original string.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass


def fold(text: str) -> str:
    """Casefold ``text`` and strip combining accents (``Québec`` → ``quebec``)."""
    return Folded.of(text).text


@dataclass(frozen=True, slots=True)
class Folded:
    """A folded string and, for each of its characters, the index it came from."""

    original: str
    text: str
    origin: tuple[int, ...]

    @classmethod
    def of(cls, original: str) -> Folded:
        """Fold ``original`` character by character so offsets survive ``ß`` → ``ss``."""
        out: list[str] = []
        origin: list[int] = []
        for i, ch in enumerate(original):
            decomposed = unicodedata.normalize("NFKD", ch.casefold())
            for piece in decomposed:
                if unicodedata.combining(piece):
                    continue
                # Apostrophes and dashes vary between keyboards; fold them to ASCII.
                if piece in "\u2019\u2018\u02bc":
                    piece = "'"
                elif piece in "\u2010\u2011\u2012\u2013\u2014":
                    piece = "-"
                out.append(piece)
                origin.append(i)
        return cls(original, "".join(out), tuple(origin))

    def span(self, start: int, end: int) -> tuple[int, int]:
        """Map a ``[start, end)`` span of the folded text back to the original text."""
        if start >= end or not self.origin:
            return (0, 0)
        return (self.origin[start], self.origin[end - 1] + 1)

    def quote(self, start: int, end: int) -> str:
        """The original text behind a folded span."""
        a, b = self.span(start, end)
        return self.original[a:b]
