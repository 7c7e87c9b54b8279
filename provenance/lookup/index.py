"""Near-duplicate lookup over stored PDQ and pHash values, exact and fast.

Match rule (one entry against one query hash set):

- **PDQ** decides when both sides have a usable PDQ: the entry's ``pdq_quality`` is known and at
  least :data:`PDQ_MIN_QUALITY` (50, ThreatExchange's ``QUALITY_THRESHOLD``; Meta's PDQ README
  says to discard hashes of quality 49 or less), and the query's quality, if the caller gives
  it, is too. It matches at Hamming distance ``<= pdq_threshold`` (default 31, Meta's
  recommended match threshold, ``PDQ_CONFIDENT_MATCH_THRESHOLD`` in python-threatexchange).
- **pHash** matches at distance ``<= phash_threshold`` (default 10, the folk cut-off for 64-bit
  imagehash values; see ``bench/README.md`` for the calibration on bundled photographs). It is
  consulted for every entry that has one, so entries whose PDQ is missing, of unknown quality
  or below 50 fall back to pHash only. It is not restricted to those entries because PDQ does
  not survive crops: on 21 bundled photographs a centred crop of 10 % of the area moved PDQ by
  30-106 bits (1 photograph within 31) while pHash stayed within 10 for 17 (calibration in
  ``bench/README.md``).
- An entry matches when either rule does. :class:`Match` reports both distances whenever both
  sides have the hash, whether or not that hash decided, and says which rule(s) matched.

Results are ordered by the smaller fractional distance among the rules that matched
(``pdq_distance / 256`` or ``phash_distance / 64``), then by id, so the order is deterministic
and the same for the index and for a scan.

The index answers exactly what a full scan answers (``method="scan"``); see
:mod:`provenance.lookup._multiindex` for why. It is immutable: rebuild it from the store (as
Meta's HMA matchers periodically rebuild theirs) rather than adding entries.
"""

from __future__ import annotations

import json
import math
import os
import shutil
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, NamedTuple

import numpy as np
import numpy.typing as npt

from provenance.errors import ConfigError, StoreError
from provenance.lookup._multiindex import Band, BandIndex
from provenance.lookup.codes import PDQ_HEX_CHARS, PHASH_HEX_CHARS, hex_to_words

PDQ_THRESHOLD = 31
PHASH_THRESHOLD = 10
PDQ_MIN_QUALITY = 50
PDQ_BITS = 256
PHASH_BITS = 64
DEFAULT_LIMIT = 50

FORMAT = "provtrack-hashindex"
FORMAT_VERSION = 1
_SCAN_CHUNK = 1 << 16

MatchedBy = Literal["pdq", "phash", "pdq+phash"]
Method = Literal["auto", "index", "scan"]
Rows = npt.NDArray[np.int64]


@dataclass(frozen=True, slots=True)
class Match:
    """One stored entry that matched, with the evidence: both distances where computable.

    ``pdq_distance`` is ``None`` when the entry or the query has no PDQ; ``phash_distance`` the
    same for pHash. ``variant`` names the query variant that matched best (``query_variants``),
    ``None`` for a plain :meth:`HashIndex.query`.
    """

    id: int
    pdq_distance: int | None
    phash_distance: int | None
    matched_by: MatchedBy
    variant: str | None = None


@dataclass(frozen=True, slots=True)
class QueryHashes:
    """The hashes of one query image variant (the image itself, its mirror...)."""

    variant: str
    pdq: str | None
    phash: str | None
    pdq_quality: int | None = None


class HashEntry(NamedTuple):
    """One stored image's hashes as the store keeps them (hex strings; any may be missing)."""

    id: int
    pdq: str | None
    phash: str | None
    pdq_quality: int | None


@dataclass(frozen=True, slots=True)
class _Query:
    pdq: npt.NDArray[np.uint64] | None
    phash: np.uint64 | None
    pdq_usable: bool


@dataclass(frozen=True, slots=True)
class _Found:
    """Rows matched by each rule for one query variant (in any order, possibly repeated)."""

    pdq_rows: npt.NDArray[np.integer[Any]]
    phash_rows: npt.NDArray[np.integer[Any]]


class HashIndex:
    """Entries (id, PDQ, PDQ quality, pHash) with band indexes for exact near-duplicate search.

    Arrays (``n`` entries): ``ids`` int64; ``pdq`` uint64 of shape ``(4, n)`` (one column per
    64-bit word, most significant word first: the layout a numpy scan is fastest on);
    ``has_pdq`` bool; ``pdq_quality`` int16 (-1 when unknown); ``phash`` uint64; ``has_phash``
    bool. Build with :meth:`from_records` or :meth:`from_arrays`, or :meth:`load` a saved one.
    Ids are returned as given; they need not be unique (each entry is reported on its own).
    """

    def __init__(
        self,
        ids: npt.NDArray[np.int64],
        pdq: npt.NDArray[np.uint64],
        has_pdq: npt.NDArray[np.bool_],
        pdq_quality: npt.NDArray[np.int16],
        phash: npt.NDArray[np.uint64],
        has_phash: npt.NDArray[np.bool_],
        *,
        pdq_bands: BandIndex | None = None,
        phash_bands: BandIndex | None = None,
        stats: dict[str, int] | None = None,
    ) -> None:
        n = ids.shape[0]
        if pdq.shape != (4, n) or any(
            a.shape != (n,) for a in (has_pdq, pdq_quality, phash, has_phash)
        ):
            raise ValueError("hash index arrays disagree in shape")
        self.ids = ids
        self.pdq = pdq
        self.has_pdq = has_pdq
        self.pdq_quality = pdq_quality
        self.phash = phash
        self._phash_codes = phash.reshape(1, n)  # one word per code, like ``pdq``
        self.has_phash = has_phash
        self.pdq_usable = has_pdq & (pdq_quality >= PDQ_MIN_QUALITY)
        self._pdq_bands = pdq_bands or BandIndex.build(pdq, self.pdq_usable)
        self._phash_bands = phash_bands or BandIndex.build(self._phash_codes, has_phash)
        self._stats = dict(stats or {})

    def __len__(self) -> int:
        return int(self.ids.shape[0])

    @property
    def stats(self) -> dict[str, int]:
        """Counts: entries, PDQ-indexed, pHash-indexed, low/unknown quality, malformed input."""
        return {
            "entries": len(self),
            "pdq_indexed": self._pdq_bands.n_indexed,
            "pdq_low_or_unknown_quality": int(np.count_nonzero(self.has_pdq & ~self.pdq_usable)),
            "pdq_missing": int(np.count_nonzero(~self.has_pdq)),
            "phash_indexed": self._phash_bands.n_indexed,
            "phash_missing": int(np.count_nonzero(~self.has_phash)),
            "malformed_pdq": self._stats.get("malformed_pdq", 0),
            "malformed_phash": self._stats.get("malformed_phash", 0),
        }

    def nbytes(self) -> int:
        """Bytes held by the arrays (entries plus band tables), mapped or resident."""
        arrays = [self.ids, self.pdq, self.has_pdq, self.pdq_quality, self.phash, self.has_phash]
        for bands in (self._pdq_bands, self._phash_bands):
            arrays += [bands.rows, bands.offsets]
        return sum(int(a.nbytes) for a in arrays)

    @classmethod
    def from_arrays(
        cls,
        ids: npt.ArrayLike,
        pdq: npt.ArrayLike,
        pdq_quality: npt.ArrayLike,
        phash: npt.ArrayLike,
        *,
        has_pdq: npt.ArrayLike | None = None,
        has_phash: npt.ArrayLike | None = None,
    ) -> HashIndex:
        """Index ``n`` entries given as arrays; ``pdq`` has one row of 4 words per entry.

        ``pdq_quality`` below 0 means unknown. ``has_pdq``/``has_phash`` default to all true.
        """
        ids_a = np.asarray(ids, dtype=np.int64).reshape(-1)
        n = ids_a.shape[0]
        pdq_a = np.asarray(pdq, dtype=np.uint64).reshape(n, 4)
        quality = np.clip(np.asarray(pdq_quality, dtype=np.int64), -1, 100).astype(np.int16)
        return cls(
            ids_a,
            np.ascontiguousarray(pdq_a.T),
            _mask(has_pdq, n),
            quality.reshape(n),
            np.asarray(phash, dtype=np.uint64).reshape(n).copy(),
            _mask(has_phash, n),
        )

    @classmethod
    def from_records(cls, entries: Iterable[HashEntry | tuple[Any, ...]]) -> HashIndex:
        """Index store rows ``(id, pdq_hex, phash_hex, pdq_quality)``.

        A missing or malformed hash leaves that entry unmatchable by that hash (never an error:
        one bad row must not stop an index of millions); malformed ones are counted in
        :attr:`stats`. A missing quality is unknown, so that entry's PDQ is not trusted.
        """
        ids: list[int] = []
        quality: list[int] = []
        has_pdq: list[bool] = []
        has_phash: list[bool] = []
        pdq_raw = bytearray()
        phash_raw = bytearray()
        malformed = {"malformed_pdq": 0, "malformed_phash": 0}
        for entry in entries:
            ident, pdq_hex, phash_hex, q = entry
            ids.append(int(ident))
            raw = _hex_bytes(pdq_hex, PDQ_HEX_CHARS)
            has_pdq.append(raw is not None)
            malformed["malformed_pdq"] += pdq_hex is not None and raw is None
            pdq_raw += raw if raw is not None else bytes(32)
            raw = _hex_bytes(phash_hex, PHASH_HEX_CHARS)
            has_phash.append(raw is not None)
            malformed["malformed_phash"] += phash_hex is not None and raw is None
            phash_raw += raw if raw is not None else bytes(8)
            quality.append(-1 if q is None else int(q))
        n = len(ids)
        pdq = np.frombuffer(bytes(pdq_raw), dtype=">u8").astype(np.uint64).reshape(n, 4)
        index = cls(
            np.array(ids, dtype=np.int64),
            np.ascontiguousarray(pdq.T),
            np.array(has_pdq, dtype=bool),
            np.clip(np.array(quality, dtype=np.int64), -1, 100).astype(np.int16),
            np.frombuffer(bytes(phash_raw), dtype=">u8").astype(np.uint64),
            np.array(has_phash, dtype=bool),
            stats=malformed,
        )
        return index

    def query(
        self,
        pdq_hex: str | None,
        phash_hex: str | None,
        *,
        pdq_quality: int | None = None,
        pdq_threshold: int = PDQ_THRESHOLD,
        phash_threshold: int = PHASH_THRESHOLD,
        limit: int | None = DEFAULT_LIMIT,
        method: Method = "auto",
    ) -> list[Match]:
        """Entries within the thresholds of this query, best first (see the module docstring).

        ``pdq_quality`` of the query, when given and below 50, keeps PDQ out of the decision.
        ``method``: ``"auto"`` probes the band index unless a scan is estimated cheaper (small
        indexes, very high thresholds); ``"index"`` probes whenever the threshold can be
        covered; ``"scan"`` compares every entry. All three return the same list.
        Raises :class:`ConfigError` for malformed hex or out-of-range thresholds.
        """
        variant = QueryHashes("original", pdq_hex, phash_hex, pdq_quality)
        return self._search([variant], pdq_threshold, phash_threshold, limit, method, named=False)

    def query_variants(
        self,
        variants: Iterable[QueryHashes],
        *,
        pdq_threshold: int = PDQ_THRESHOLD,
        phash_threshold: int = PHASH_THRESHOLD,
        limit: int | None = DEFAULT_LIMIT,
        method: Method = "auto",
    ) -> list[Match]:
        """Entries matching any variant (the image, its mirror...), each once, best first.

        An entry matched by several variants is reported with the variant that matched it best
        (smallest fractional distance; the earlier variant on a tie). Arguments and errors as
        for :meth:`query`.
        """
        return self._search(
            list(variants), pdq_threshold, phash_threshold, limit, method, named=True
        )

    def _search(
        self,
        variants: list[QueryHashes],
        pdq_threshold: int,
        phash_threshold: int,
        limit: int | None,
        method: Method,
        *,
        named: bool,
    ) -> list[Match]:
        if method not in ("auto", "index", "scan"):
            raise ConfigError(f"method must be 'auto', 'index' or 'scan', got {method!r}")
        _check_threshold("pdq_threshold", pdq_threshold, PDQ_BITS)
        _check_threshold("phash_threshold", phash_threshold, PHASH_BITS)
        if limit is not None and limit < 0:
            raise ConfigError(f"limit must be >= 0, got {limit}")
        best: dict[int, tuple[float, int, Match]] = {}
        for order, variant in enumerate(variants):
            q = _parse_query(variant)
            found = self._find(q, pdq_threshold, phash_threshold, method)
            for score, row, match in self._assemble(q, found, variant.variant if named else None):
                kept = best.get(row)
                if kept is None or (score, order) < kept[:2]:
                    best[row] = (score, order, match)
        ranked = sorted(best.items(), key=lambda kv: (kv[1][0], kv[1][2].id, kv[0]))
        matches = [match for _, (_, _, match) in ranked]
        return matches if limit is None else matches[:limit]

    def _find(self, q: _Query, pdq_threshold: int, phash_threshold: int, method: Method) -> _Found:
        empty = np.empty(0, dtype=np.int64)
        force = method == "index"
        pdq_rows: npt.NDArray[np.integer[Any]] = empty
        phash_rows: npt.NDArray[np.integer[Any]] = empty
        if q.pdq is not None and q.pdq_usable and self._pdq_bands.n_indexed:
            plan = None if method == "scan" else self._pdq_bands.plan(pdq_threshold, force=force)
            if plan is None:
                pdq_rows = self._scan(self.pdq, q.pdq, self.pdq_usable, pdq_threshold)
            else:
                cand = self._pdq_bands.candidates(q.pdq, plan)
                pdq_rows = _within(self.pdq, cand, q.pdq, pdq_threshold)
        if q.phash is not None and self._phash_bands.n_indexed:
            words = np.array([q.phash], dtype=np.uint64)
            plan = (
                None if method == "scan" else self._phash_bands.plan(phash_threshold, force=force)
            )
            if plan is None:
                phash_rows = self._scan(self._phash_codes, words, self.has_phash, phash_threshold)
            else:
                cand = self._phash_bands.candidates(words, plan)
                phash_rows = _within(self._phash_codes, cand, words, phash_threshold)
        return _Found(pdq_rows, phash_rows)

    @staticmethod
    def _scan(
        codes: npt.NDArray[np.uint64],
        query: npt.NDArray[np.uint64],
        eligible: npt.NDArray[np.bool_],
        threshold: int,
    ) -> Rows:
        """Every eligible row within ``threshold``: XOR + popcount over all rows, in chunks."""
        n = codes.shape[1]
        found: list[Rows] = []
        for start in range(0, n, _SCAN_CHUNK):
            stop = min(n, start + _SCAN_CHUNK)
            dist = np.bitwise_count(codes[0, start:stop] ^ query[0]).astype(np.uint16)
            for w in range(1, codes.shape[0]):
                dist += np.bitwise_count(codes[w, start:stop] ^ query[w])
            hit = (dist <= threshold) & eligible[start:stop]
            found.append(np.flatnonzero(hit).astype(np.int64) + start)
        return np.concatenate(found) if found else np.empty(0, dtype=np.int64)

    def _assemble(
        self, q: _Query, found: _Found, variant: str | None
    ) -> list[tuple[float, int, Match]]:
        """(score, row, match) for every matched row; score is the best fractional distance.

        Matched rows are few, so distances are recomputed here in plain integers (cheaper than
        numpy for a handful of rows) for both hashes, whichever rule matched.
        """
        pdq_set = set(found.pdq_rows.tolist())
        phash_set = set(found.phash_rows.tolist())
        row_list = sorted(pdq_set | phash_set)
        if not row_list:
            return []
        rows = np.array(row_list, dtype=np.int64)
        ids = self.ids[rows].tolist()
        pdq_codes = self.pdq[:, rows].T.tolist() if q.pdq is not None else None
        has_pdq = self.has_pdq[rows].tolist()
        phash_codes = self.phash[rows].tolist() if q.phash is not None else None
        has_phash = self.has_phash[rows].tolist()
        q_pdq = q.pdq.tolist() if q.pdq is not None else []
        q_phash = int(q.phash) if q.phash is not None else 0
        out: list[tuple[float, int, Match]] = []
        for i, row in enumerate(row_list):
            pdq_d = phash_d = None
            if pdq_codes is not None and has_pdq[i]:
                pdq_d = sum((a ^ b).bit_count() for a, b in zip(pdq_codes[i], q_pdq, strict=True))
            if phash_codes is not None and has_phash[i]:
                phash_d = (phash_codes[i] ^ q_phash).bit_count()
            by_pdq, by_phash = row in pdq_set, row in phash_set
            score = min(
                pdq_d / PDQ_BITS if by_pdq and pdq_d is not None else math.inf,
                phash_d / PHASH_BITS if by_phash and phash_d is not None else math.inf,
            )
            matched_by: MatchedBy = (
                "pdq+phash" if by_pdq and by_phash else "pdq" if by_pdq else "phash"
            )
            out.append((score, row, Match(ids[i], pdq_d, phash_d, matched_by, variant)))
        return out

    def save(self, path: str | os.PathLike[str]) -> Path:
        """Write the index as a directory of ``.npy`` files plus ``meta.json``; returns it.

        Raw ``.npy`` files (not ``.npz``) so :meth:`load` can memory-map them. The directory is
        written beside ``path`` and renamed into place; an existing index there is replaced.
        """
        target = Path(path)
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=target.parent))
        try:
            for name, array in self._arrays().items():
                np.save(tmp / f"{name}.npy", np.asarray(array), allow_pickle=False)
            meta = {
                "format": FORMAT,
                "version": FORMAT_VERSION,
                "entries": len(self),
                "pdq_min_quality": PDQ_MIN_QUALITY,
                "pdq_bands": _bands_json(self._pdq_bands),
                "phash_bands": _bands_json(self._phash_bands),
                "stats": self._stats,
            }
            (tmp / "meta.json").write_text(json.dumps(meta, indent=1), encoding="utf-8")
            if target.exists():
                if not (target / "meta.json").is_file():
                    raise StoreError(f"{target} exists and is not a saved hash index")
                old = target.with_name(f".{target.name}.old")
                shutil.rmtree(old, ignore_errors=True)
                target.rename(old)
                tmp.rename(target)
                shutil.rmtree(old)
            else:
                tmp.rename(target)
        except OSError as err:
            raise StoreError(f"cannot write hash index to {target}: {err}") from err
        finally:
            if tmp.exists():
                shutil.rmtree(tmp, ignore_errors=True)
        return target

    @classmethod
    def load(cls, path: str | os.PathLike[str], *, mmap: bool = True) -> HashIndex:
        """Open an index written by :meth:`save`; with ``mmap`` the arrays are mapped, not read.

        Raises :class:`StoreError` when the directory is missing, of another format or
        inconsistent (shapes, dtypes, band tables).
        """
        source = Path(path)
        try:
            meta = json.loads((source / "meta.json").read_text(encoding="utf-8"))
        except (OSError, ValueError) as err:
            raise StoreError(f"cannot read hash index at {source}: {err}") from err
        if meta.get("format") != FORMAT or meta.get("version") != FORMAT_VERSION:
            raise StoreError(f"{source} is not a {FORMAT} v{FORMAT_VERSION} index")
        if meta.get("pdq_min_quality") != PDQ_MIN_QUALITY:
            raise StoreError(f"{source} was built with another PDQ quality cut-off")
        mode: Literal["r"] | None = "r" if mmap else None
        arrays: dict[str, np.ndarray[Any, Any]] = {}
        try:
            for name, dtype in _DTYPES.items():
                a = np.load(source / f"{name}.npy", mmap_mode=mode, allow_pickle=False)
                if a.dtype not in dtype:
                    raise StoreError(f"{source}/{name}.npy has unexpected dtype {a.dtype}")
                arrays[name] = np.asarray(a)
            n = int(meta["entries"])
            if arrays["ids"].shape != (n,):
                raise StoreError(f"{source} holds {arrays['ids'].shape[0]} ids, meta says {n}")
            pdq_bands = _bands_from(meta["pdq_bands"], arrays, "pdq", n)
            phash_bands = _bands_from(meta["phash_bands"], arrays, "phash", n)
            return cls(
                arrays["ids"],
                arrays["pdq"],
                arrays["has_pdq"],
                arrays["pdq_quality"],
                arrays["phash"],
                arrays["has_phash"],
                pdq_bands=pdq_bands,
                phash_bands=phash_bands,
                stats={k: int(v) for k, v in meta.get("stats", {}).items()},
            )
        except (OSError, ValueError, KeyError, TypeError) as err:
            raise StoreError(f"hash index at {source} is unreadable: {err}") from err

    def _arrays(self) -> dict[str, np.ndarray[Any, Any]]:
        return {
            "ids": self.ids,
            "pdq": self.pdq,
            "has_pdq": self.has_pdq,
            "pdq_quality": self.pdq_quality,
            "phash": self.phash,
            "has_phash": self.has_phash,
            "pdq_rows": self._pdq_bands.rows,
            "pdq_offsets": self._pdq_bands.offsets,
            "phash_rows": self._phash_bands.rows,
            "phash_offsets": self._phash_bands.offsets,
        }


_DTYPES: dict[str, tuple[type[np.generic], ...]] = {
    "ids": (np.int64,),
    "pdq": (np.uint64,),
    "has_pdq": (np.bool_,),
    "pdq_quality": (np.int16,),
    "phash": (np.uint64,),
    "has_phash": (np.bool_,),
    "pdq_rows": (np.uint32,),
    "pdq_offsets": (np.uint32, np.uint64),
    "phash_rows": (np.uint32,),
    "phash_offsets": (np.uint32, np.uint64),
}


def _bands_json(bands: BandIndex) -> dict[str, Any]:
    return {
        "n_indexed": bands.n_indexed,
        "bands": [[b.word, b.shift, b.bits] for b in bands.bands],
    }


def _bands_from(
    meta: dict[str, Any], arrays: dict[str, np.ndarray[Any, Any]], prefix: str, n: int
) -> BandIndex:
    """Rebuild a :class:`BandIndex` from saved arrays, checking every size it implies."""
    bands = tuple(Band(int(w), int(s), int(b)) for w, s, b in meta["bands"])
    n_indexed = int(meta["n_indexed"])
    rows = arrays[f"{prefix}_rows"]
    offsets = arrays[f"{prefix}_offsets"]
    sizes = [2**band.bits + 1 for band in bands]
    if rows.shape != (n_indexed * len(bands),) or offsets.shape != (sum(sizes),):
        raise StoreError(f"{prefix} band tables do not match their metadata")
    if offsets.size and int(offsets[-1]) != rows.size:
        raise StoreError(f"{prefix} band offsets do not end at the row count")
    table_base = np.concatenate([[0], np.cumsum(sizes[:-1])]).astype(np.int64)
    return BandIndex(bands, rows, offsets, table_base, n, n_indexed)


def _mask(values: npt.ArrayLike | None, n: int) -> npt.NDArray[np.bool_]:
    if values is None:
        return np.ones(n, dtype=bool)
    return np.asarray(values, dtype=bool).reshape(n).copy()


def _hex_bytes(value: object, hex_chars: int) -> bytes | None:
    """The bytes of a well-formed hex hash, or ``None`` (missing or malformed)."""
    if not isinstance(value, str) or len(value) != hex_chars:
        return None
    try:
        raw = bytes.fromhex(value)
    except ValueError:
        return None
    return raw if len(raw) * 2 == hex_chars else None


def _check_threshold(name: str, value: int, bits: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= bits:
        raise ConfigError(f"{name} must be an integer from 0 to {bits}, got {value!r}")


def _parse_query(variant: QueryHashes) -> _Query:
    """The variant's hashes as words; a PDQ whose stated quality is below 50 does not decide."""
    try:
        pdq = None if variant.pdq is None else hex_to_words(variant.pdq, PDQ_HEX_CHARS)
        phash = None
        if variant.phash is not None:
            phash = np.uint64(hex_to_words(variant.phash, PHASH_HEX_CHARS)[0])
    except ValueError as err:
        raise ConfigError(f"query variant {variant.variant!r}: {err}") from err
    usable = variant.pdq_quality is None or variant.pdq_quality >= PDQ_MIN_QUALITY
    return _Query(pdq, phash, usable)


def _within(
    codes: npt.NDArray[np.uint64],
    rows: npt.NDArray[np.uint32],
    query: npt.NDArray[np.uint64],
    threshold: int,
) -> npt.NDArray[np.uint32]:
    """The rows within ``threshold`` of ``query``, checked exactly.

    Distance only grows word by word, so rows already past the threshold after two words are
    dropped before the remaining words are gathered: random candidates differ in about 64 of
    the first 128 bits, so almost none survive, halving the random reads for PDQ.
    """
    dist: npt.NDArray[np.uint16] = np.bitwise_count(codes[0][rows] ^ query[0]).astype(np.uint16)
    for w in range(1, codes.shape[0]):
        dist += np.bitwise_count(codes[w][rows] ^ query[w])
        if w == 1 and codes.shape[0] > 2:
            keep = dist <= threshold
            rows, dist = rows[keep], dist[keep]
    kept: npt.NDArray[np.uint32] = rows[dist <= threshold]
    return kept
