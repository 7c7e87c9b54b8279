"""The status every content parser returns instead of raising on content.

A consent ledger must keep "allowed", "denied" and "unknown" apart, so a parser that cannot
read something says so with a status and a reason rather than defaulting to "allowed".
"""

from __future__ import annotations

from provenance.vocab import Status

__all__ = ["Status"]
