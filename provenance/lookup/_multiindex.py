"""Multi-index hashing over binary codes held as uint64 columns, answered exactly.

The scheme is Norouzi, Punjani and Fleet's multi-index hashing (CVPR 2012) with the
generalised pigeonhole principle of Qin, Wang and Xiao (ICDE 2018): split the code into ``m``
disjoint bands; if band ``i`` is probed up to radius ``t_i`` (``t_i = -1`` means "not probed")
and ``sum(t_i + 1) >= r + 1``, then every code within Hamming distance ``r`` of the query lies
within ``t_i`` of the query on at least one band ``i`` (otherwise the distance would be at least
``sum(t_i + 1) > r``). Probing every band key within its radius therefore yields a superset of
the true answers; the caller verifies each candidate with an exact popcount, so results equal a
brute-force scan's, never an approximation.

Bands do not have to cover every bit: the distance on a subset of bits never exceeds the
distance on all bits, so the guarantee holds for narrower bands too. That lets a small index use
short band keys (small bucket tables) and a large one long keys (near-empty buckets).

Each 64-bit word is cut into segments of 22, 21 and 21 bits (a 256-bit PDQ gives 12 bands, a
64-bit pHash 3). A band's key is the top ``bits`` bits of its segment, ``bits`` being one more
than log2 of the number of indexed codes (at most the segment width), so buckets hold about
half a code each while the index is under ~4M codes. Buckets are a counting-sort layout: per
band, the indexed row numbers sorted by key and an offsets table of ``2**bits + 1`` entries,
so a probe is two array reads, no binary search.

Why 12 bands of ~21 bits for PDQ at threshold 31 (uniform codes, 10M indexed):

- 32 bands of 8 bits, exact probes only: 32 probes, but buckets of 10M/256 = 39k codes, so
  about 1.25M candidates to verify per query, a quarter of a scan.
- 16 bands of 16 bits with 1-bit flips (python-threatexchange's faiss layout): 272 probes,
  buckets of 153 codes, about 41k candidates.
- 12 bands of 21-22 bits with radii 2 on eight and 1 on four (``sum(t_i + 1) = 32``): about 2k
  probes of two reads each and about 8k candidates.

Verifying a candidate (random reads of its words plus popcounts) costs more than a probe, so
the last wins; at 1M codes (21-bit keys) it is about 1.8k probes and 1.8k candidates.
"""

from __future__ import annotations

import math
import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import combinations
from typing import Any

import numpy as np
import numpy.typing as npt

U64 = npt.NDArray[np.uint64]
Rows = npt.NDArray[np.int64]

SEGMENTS = ((42, 22), (21, 21), (0, 21))
"""(lowest bit, width) of the segments each uint64 word is cut into, most significant first."""

MIN_BAND_BITS = 8
KEY_BITS_OVER_LOG2 = 2  # measured at 1M codes: +2 beats +1, +0 and -1 (bench/README.md)
MAX_PROBES = 1 << 20

# Relative costs used to choose radii and to decide when a scan is cheaper than probing. They
# only affect speed, never the answer: every plan satisfies the pigeonhole condition.
_PROBE_COST = 2.0  # reading one bucket's bounds (two random reads into the offsets table)
_CANDIDATE_COST = 1.0  # gathering and popcounting one candidate's code
_SCAN_COST_PER_ROW = 0.1  # one row of a sequential numpy XOR + popcount scan


@dataclass(frozen=True, slots=True)
class Band:
    """One band: bits ``[shift, shift + bits)`` of word ``word``."""

    word: int
    shift: int
    bits: int


def band_layout(words: int, n_indexed: int) -> tuple[Band, ...]:
    """The bands for ``words`` uint64 words when ``n_indexed`` codes are indexed.

    Key width is ``ceil(log2(n_indexed)) + 1`` clamped to [MIN_BAND_BITS, segment width]: about
    half a code per bucket, so a probe mostly costs two reads and rarely a candidate; the
    offsets tables stay within a few times the row arrays.
    """
    want = max(MIN_BAND_BITS, math.ceil(math.log2(max(n_indexed, 2))) + KEY_BITS_OVER_LOG2)
    bands = []
    for w in range(words):
        for low, width in SEGMENTS:
            bits = min(width, want)
            bands.append(Band(word=w, shift=low + width - bits, bits=bits))
    return tuple(bands)


@lru_cache(maxsize=256)
def flip_masks(bits: int, weight: int) -> npt.NDArray[np.uint32]:
    """Every ``bits``-bit mask with exactly ``weight`` bits set, ascending."""
    masks = [sum(1 << i for i in combo) for combo in combinations(range(bits), weight)]
    return np.array(sorted(masks), dtype=np.uint32)


@dataclass(frozen=True, slots=True)
class ProbePlan:
    """The radii chosen for one threshold, flattened into arrays for one vectorised probe."""

    radii: tuple[int, ...]
    probe_band: npt.NDArray[np.intp]
    probe_mask: npt.NDArray[np.uint32]
    slot_base: npt.NDArray[np.int64]
    cost: float


def plan_radii(bands: tuple[Band, ...], counts: tuple[int, ...], threshold: int) -> list[int]:
    """Per-band radii with ``sum(t_i + 1) >= threshold + 1``, greedily cheapest.

    The marginal cost of raising band ``i`` from radius ``t`` to ``t + 1`` is the number of
    new keys, ``C(bits, t + 1)``, times (probe cost + expected bucket size); it grows with ``t``
    while ``t < bits / 2``, so the greedy choice is the cheapest allocation of that form.
    """
    radii = [-1] * len(bands)
    for _ in range(threshold + 1):
        best, best_cost = -1, math.inf
        for i, band in enumerate(bands):
            t = radii[i] + 1
            if t > band.bits:
                continue
            per_key = _PROBE_COST + _CANDIDATE_COST * counts[i] / 2**band.bits
            cost = math.comb(band.bits, t) * per_key
            if cost < best_cost:
                best, best_cost = i, cost
        if best < 0:
            break
        radii[best] += 1
    return radii


def plan_cost(bands: tuple[Band, ...], counts: tuple[int, ...], radii: list[int]) -> float:
    """Expected work of probing with ``radii`` (same units as ``_SCAN_COST_PER_ROW``)."""
    total = 0.0
    for band, count, t in zip(bands, counts, radii, strict=True):
        keys = sum(math.comb(band.bits, k) for k in range(t + 1))
        total += keys * (_PROBE_COST + _CANDIDATE_COST * count / 2**band.bits)
    return total


@dataclass
class BandIndex:
    """Band tables over the eligible rows of a column-major code array (``words`` x ``n``)."""

    bands: tuple[Band, ...]
    rows: npt.NDArray[np.uint32]
    offsets: npt.NDArray[np.unsignedinteger[Any]]
    table_base: npt.NDArray[np.int64]
    n_rows: int
    n_indexed: int
    _plans: dict[tuple[int, bool], ProbePlan | None] = field(default_factory=dict, repr=False)
    _word: npt.NDArray[np.intp] = field(init=False, repr=False)
    _shift: U64 = field(init=False, repr=False)
    _mask: U64 = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self._word = np.array([b.word for b in self.bands], dtype=np.intp)
        self._shift = np.array([b.shift for b in self.bands], dtype=np.uint64)
        self._mask = np.array([(1 << b.bits) - 1 for b in self.bands], dtype=np.uint64)

    def keys(self, codes: U64) -> npt.NDArray[np.uint64]:
        """Each band's key of every code in ``codes`` (``(n, words)``): ``(n, bands)``."""
        return (codes[:, self._word] >> self._shift) & self._mask

    @classmethod
    def build(cls, codes: U64, eligible: npt.NDArray[np.bool_]) -> BandIndex:
        """Index the rows of ``codes`` (shape ``(words, n)``) where ``eligible`` is true."""
        words, n_rows = codes.shape
        if n_rows >= 2**32:
            raise ValueError("a band index holds fewer than 2**32 rows")
        members = np.flatnonzero(eligible).astype(np.uint64)
        n_indexed = int(members.size)
        bands = band_layout(words, n_indexed)
        rows = np.empty(n_indexed * len(bands), dtype=np.uint32)
        sizes = [2**band.bits + 1 for band in bands]
        table_base = np.concatenate([[0], np.cumsum(sizes[:-1])]).astype(np.int64)
        # Offsets are positions in ``rows``; 32 bits suffice below 2**32 positions.
        wide = n_indexed * len(bands) >= 2**32
        offsets = np.empty(sum(sizes), dtype=np.uint64 if wide else np.uint32)
        every_row = n_indexed == n_rows
        member_index = members.astype(np.intp)

        def fill(i: int) -> None:
            band = bands[i]
            column = codes[band.word] if every_row else codes[band.word][member_index]
            keys = band_keys(column, band)
            # One sort of (key << 32 | row) gives rows grouped by key and ascending within a
            # bucket, deterministically and faster than a stable argsort.
            order = np.sort((keys.astype(np.uint64) << np.uint64(32)) | members)
            start = i * n_indexed
            rows[start : start + n_indexed] = order.astype(np.uint32)  # keeps the low 32 bits
            table = offsets[table_base[i] : table_base[i] + sizes[i]]
            table[0] = start
            np.cumsum(np.bincount(keys, minlength=2**band.bits), out=table[1:])
            table[1:] += start

        # numpy releases the GIL while sorting, so bands build in parallel; each thread writes
        # its own slices of ``rows`` and ``offsets``.
        with ThreadPoolExecutor(max_workers=max(1, min(4, os.cpu_count() or 1))) as pool:
            list(pool.map(fill, range(len(bands))))
        return cls(bands, rows, offsets, table_base, n_rows, n_indexed)

    def plan(self, threshold: int, *, force: bool = False) -> ProbePlan | None:
        """The probe plan for ``threshold``, or ``None`` when a full scan is the better way.

        Without ``force`` a scan is chosen when its estimated cost is lower; with ``force`` only
        when no plan can cover the threshold or it would exceed ``MAX_PROBES`` keys.
        """
        key = (threshold, force)
        if key not in self._plans:
            self._plans[key] = self._make_plan(threshold, force)
        return self._plans[key]

    def _make_plan(self, threshold: int, force: bool) -> ProbePlan | None:
        counts = tuple(self.n_indexed for _ in self.bands)
        radii = plan_radii(self.bands, counts, threshold)
        if sum(t + 1 for t in radii) < threshold + 1:
            return None
        cost = plan_cost(self.bands, counts, radii)
        words = len(self.bands) // len(SEGMENTS)
        if not force and cost >= _SCAN_COST_PER_ROW * self.n_rows * words:
            return None
        n_probes = sum(
            math.comb(b.bits, k)
            for b, t in zip(self.bands, radii, strict=True)
            for k in range(t + 1)
        )
        if n_probes > MAX_PROBES:
            return None
        band_ids: list[npt.NDArray[np.intp]] = []
        masks: list[npt.NDArray[np.uint32]] = []
        for i, (band, t) in enumerate(zip(self.bands, radii, strict=True)):
            for weight in range(t + 1):
                m = flip_masks(band.bits, weight)
                masks.append(m)
                band_ids.append(np.full(m.size, i, dtype=np.intp))
        probe_band = np.concatenate(band_ids)
        return ProbePlan(
            radii=tuple(radii),
            probe_band=probe_band,
            probe_mask=np.concatenate(masks),
            slot_base=self.table_base[probe_band],
            cost=cost,
        )

    def candidates(self, query: U64, plan: ProbePlan) -> npt.NDArray[np.uint32]:
        """Rows sharing a probed bucket with ``query`` (a superset of the answers; may repeat)."""
        qkeys = ((query[self._word] >> self._shift) & self._mask).astype(np.uint32)
        slots = plan.slot_base + (qkeys[plan.probe_band] ^ plan.probe_mask)
        bucket_starts = self.offsets[slots]
        bucket_sizes = self.offsets[slots + 1] - bucket_starts
        nonempty = np.flatnonzero(bucket_sizes)
        if nonempty.size == 0:
            return np.empty(0, dtype=np.uint32)
        starts: npt.NDArray[np.int64] = bucket_starts[nonempty].astype(np.int64)
        lengths: npt.NDArray[np.int64] = bucket_sizes[nonempty].astype(np.int64)
        total = int(lengths.sum())
        positions = starts
        if total != nonempty.size:  # some bucket holds several rows: expand the ranges
            ends = np.cumsum(lengths)
            positions = np.repeat(starts - (ends - lengths), lengths) + np.arange(total)
        found: npt.NDArray[np.uint32] = self.rows[positions]
        return found


def band_keys(column: U64, band: Band) -> npt.NDArray[np.uint32]:
    """The band's key for each code of one word column."""
    mask = np.uint64((1 << band.bits) - 1)
    return ((column >> np.uint64(band.shift)) & mask).astype(np.uint32)
