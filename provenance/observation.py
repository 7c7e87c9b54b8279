"""The status every content parser returns instead of raising on content.

A consent ledger must keep "allowed", "denied" and "unknown" apart, so a parser that cannot
read something says so with a status and a reason rather than defaulting to "allowed".
"""

from __future__ import annotations

from enum import StrEnum


class Status(StrEnum):
    """Outcome of reading one piece of web content."""

    OK = "ok"
    ABSENT = "absent"  # the thing is not there (404, no XMP packet, no header)
    UNPARSEABLE = "unparseable"  # present but not readable as what it claims to be
    TOO_LARGE = "too_large"  # over a size, pixel or decompression cap
    FETCH_FAILED = "fetch_failed"  # network error, timeout, 5xx
    NOT_CAPTURED = "not_captured"  # read from a web archive that does not hold it: unknown
