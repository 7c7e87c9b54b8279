"""An independent, deliberately naive statement of the match rule, to test the index against.

Pure Python integers and ``int.bit_count``: nothing shared with the index but the rule itself
as the module docstring of ``provenance.lookup.index`` states it.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from provenance.lookup import HashEntry, Match


@dataclass(frozen=True)
class Planted:
    """An entry planted at a known distance from a query."""

    id: int
    pdq_distance: int


def ref_query(
    entries: list[HashEntry],
    pdq_hex: str | None,
    phash_hex: str | None,
    *,
    pdq_quality: int | None = None,
    pdq_threshold: int = 31,
    phash_threshold: int = 10,
) -> list[Match]:
    """Every entry matching by the documented rule, ordered as documented."""
    found: list[tuple[float, int, Match]] = []
    query_pdq_ok = pdq_quality is None or pdq_quality >= 50
    for e in entries:
        pdq_d = phash_d = None
        if pdq_hex is not None and _ok(e.pdq, 64):
            assert e.pdq is not None
            pdq_d = (int(pdq_hex, 16) ^ int(e.pdq, 16)).bit_count()
        if phash_hex is not None and _ok(e.phash, 16):
            assert e.phash is not None
            phash_d = (int(phash_hex, 16) ^ int(e.phash, 16)).bit_count()
        entry_pdq_ok = e.pdq_quality is not None and e.pdq_quality >= 50
        by_pdq = pdq_d is not None and query_pdq_ok and entry_pdq_ok and pdq_d <= pdq_threshold
        by_phash = phash_d is not None and phash_d <= phash_threshold
        if not (by_pdq or by_phash):
            continue
        scores = []
        if by_pdq:
            assert pdq_d is not None
            scores.append(pdq_d / 256)
        if by_phash:
            assert phash_d is not None
            scores.append(phash_d / 64)
        how = "pdq+phash" if by_pdq and by_phash else "pdq" if by_pdq else "phash"
        found.append((min(scores), e.id, Match(e.id, pdq_d, phash_d, how)))  # type: ignore[arg-type]
    found.sort(key=lambda t: (t[0], t[1]))
    return [m for _, _, m in found]


def _ok(value: str | None, chars: int) -> bool:
    if value is None or len(value) != chars:
        return False
    try:
        int(value, 16)
    except ValueError:
        return False
    return True


def rand_hex(rng: random.Random, bits: int) -> str:
    """A random hash of ``bits`` bits as hex."""
    return f"{rng.getrandbits(bits):0{bits // 4}x}"


def flip(value: str, count: int, rng: random.Random) -> str:
    """``value`` with ``count`` distinct random bits flipped (so at distance exactly ``count``)."""
    bits = len(value) * 4
    x = int(value, 16)
    for b in rng.sample(range(bits), count):
        x ^= 1 << b
    return f"{x:0{bits // 4}x}"
