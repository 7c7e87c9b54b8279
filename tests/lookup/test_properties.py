"""Property: for any small collection and query, the index returns what the rule says."""

# ruff: noqa: S311  # seeded pseudo-random numbers make test data, not secrets

from __future__ import annotations

import random

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from provenance.lookup import HashEntry, HashIndex
from tests.lookup.reference import ref_query

FAST = settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
WEIGHTS = (0, 1, 2, 5, 10, 11, 15, 30, 31, 32, 33, 60, 128)
QUALITIES = (None, 0, 49, 50, 51, 100)


def flipped(rnd: random.Random, value: int, bits: int) -> int:
    """``value`` with a chosen number of distinct bits flipped: near, borderline or far."""
    for position in rnd.sample(range(bits), min(bits, rnd.choice(WEIGHTS))):
        value ^= 1 << position
    return value


@st.composite
def collections(draw: st.DrawFn) -> tuple[list[HashEntry], str | None, str | None, int | None]:
    """Entries clustered around 1-3 base hashes so that matches, near misses and far ones mix.

    Per-entry choices come from a ``Random`` seeded by a drawn integer (cheap in bulk);
    sizes, bases and the query's shape are drawn directly.
    """
    rnd = random.Random(draw(st.integers(0, 2**32)))
    base_pdq = draw(st.lists(st.integers(0, 2**256 - 1), min_size=1, max_size=3))
    base_phash = draw(st.lists(st.integers(0, 2**64 - 1), min_size=1, max_size=3))
    entries = []
    for i in range(draw(st.integers(0, 60))):
        pdq = flipped(rnd, rnd.choice(base_pdq), 256)
        phash = flipped(rnd, rnd.choice(base_phash), 64)
        entries.append(
            HashEntry(
                rnd.randint(-(2**40), 2**40) * 64 + i,  # unique; negative ids allowed
                None if rnd.random() < 0.15 else f"{pdq:064x}",
                None if rnd.random() < 0.15 else f"{phash:016x}",
                rnd.choice(QUALITIES),
            )
        )
    q_pdq = flipped(rnd, rnd.choice(base_pdq), 256)
    q_phash = flipped(rnd, rnd.choice(base_phash), 64)
    return (
        entries,
        draw(st.sampled_from([None, f"{q_pdq:064x}"])),
        draw(st.sampled_from([None, f"{q_phash:016x}"])),
        draw(st.sampled_from([None, 10, 49, 50, 90])),
    )


@FAST
@given(
    collections(),
    st.integers(0, 64),
    st.integers(0, 20),
    st.sampled_from(["auto", "index", "scan"]),
)
def test_index_answer_equals_the_rule(case, pdq_threshold, phash_threshold, method) -> None:
    entries, q_pdq, q_phash, quality = case
    index = HashIndex.from_records(entries)
    got = index.query(
        q_pdq,
        q_phash,
        pdq_quality=quality,
        pdq_threshold=pdq_threshold,
        phash_threshold=phash_threshold,
        limit=None,
        method=method,
    )
    want = ref_query(
        entries,
        q_pdq,
        q_phash,
        pdq_quality=quality,
        pdq_threshold=pdq_threshold,
        phash_threshold=phash_threshold,
    )
    assert got == want
