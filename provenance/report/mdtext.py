"""Text made inert for Markdown, code spans and GFM tables: the Markdown report's bricks."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

# inline metacharacters: text never starts a line here, so list/heading marks cannot trigger
_MD_SPECIAL = re.compile(r"([\\`*_\[\]|~])")
_WS = re.compile(r"\s+")


def text(value: object) -> str:
    """Web or record text made inert for Markdown: one line, HTML and Markdown escaped."""
    s = _WS.sub(" ", "" if value is None else str(value)).strip()
    s = s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return _MD_SPECIAL.sub(r"\\\1", s)


def code(value: object) -> str:
    """A code span holding ``value`` verbatim (on one line); ``text`` if it holds a backtick."""
    s = _WS.sub(" ", "" if value is None else str(value)).strip()
    if not s:
        return ""
    if "`" in s:
        return text(s)
    # a pipe ends a table cell even inside a code span in GFM tables
    return "`" + s.replace("|", "\\|") + "`"


def table(header: Sequence[str], rows: Iterable[Sequence[object]], right: int = 0) -> list[str]:
    """A GFM table; the last ``right`` columns are right-aligned numbers."""
    aligns = ["---"] * (len(header) - right) + ["---:"] * right
    out = ["| " + " | ".join(header) + " |", "| " + " | ".join(aligns) + " |"]
    out += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return [*out, ""]
