"""Is this the same photograph? Hash comparison shared by lookup, opt-out purges and the crawler.

An image is described by a :class:`HashSet`: its sha256, its PDQ (with quality) and the pHash
of the whole image and of its centred crops (5, 10 and 15 % off each side; the media pipeline
stores these as ``media["phash_crops"]``). A query (:class:`QueryImage`) carries the hash set of
the image and of its left-right mirror.

Match rule between a query and one stored hash set, with the thresholds calibrated on the demo
web (the figures are in the README's lookup section):

- **sha256** equal: the same bytes;
- **PDQ** at Hamming distance <= :data:`PDQ_THRESHOLD` (31, Meta's recommended threshold),
  counted only when both PDQ qualities are at least :data:`PDQ_MIN_QUALITY` (50);
- **pHash** at distance <= :data:`PHASH_THRESHOLD` (6) between any part of the query (whole or
  one crop) and any part of the stored image: a crop of a re-post meets the stored image's own
  crop of about the same extent, which is what makes crops findable (whole-image hashes of a
  10 % crop are 10-30 bits away). Same photograph measured at <= 2, different ones at >= 8.

Both orientations of the query are tried (a mirrored re-post is a different raster to every
perceptual hash). The reported distances are the smallest over orientations and parts, whether
or not that hash decided, so a reader sees how close the other hash came.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from PIL import Image as PILImage

from provenance.errors import ConfigError, StoreError
from provenance.lookup import HashEntry, HashIndex, QueryHashes
from provenance.lookup.index import Method
from provenance.media.hashes import CROP_FRACTIONS, compute, crop_phashes, hamming, working_raster
from provenance.store import Store
from provenance.store.queries.images import chain_seq, hash_rows, ids_with_sha256

PDQ_THRESHOLD = 31
PHASH_THRESHOLD = 6
PDQ_MIN_QUALITY = 50
STORED_CROPS = CROP_FRACTIONS
"""Crops the media pipeline stores for every image (5, 10, 15 % off each side)."""
QUERY_CROPS = (0.02, 0.04, 0.06, 0.08, 0.10, 0.12, 0.15)
"""Crops hashed of a query file: denser than the stored ones, so that whatever crop the query
already is, one of its further crops lines up with a stored crop to within about 1 %."""


@dataclass(frozen=True, slots=True)
class HashSet:
    """One image's hashes as hex strings; any of them may be missing."""

    sha256: str | None = None
    pdq: str | None = None
    pdq_quality: int | None = None
    phash: str | None = None
    phash_crops: tuple[str, ...] = ()
    crop_fractions: tuple[float, ...] = STORED_CROPS

    def parts(self) -> list[tuple[str, str]]:
        """``(part name, pHash)`` for the whole image and each crop present (``crop10``...)."""
        out = [("whole", self.phash)] if self.phash else []
        out.extend(
            (f"crop{round(f * 100)}", h)
            for f, h in zip(self.crop_fractions, self.phash_crops, strict=False)
        )
        return out

    @property
    def pdq_usable(self) -> bool:
        """PDQ present and of known quality >= :data:`PDQ_MIN_QUALITY`."""
        return bool(self.pdq) and (self.pdq_quality or 0) >= PDQ_MIN_QUALITY

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (as stored in opt-out requests)."""
        return {
            "sha256": self.sha256,
            "pdq": self.pdq,
            "pdq_quality": self.pdq_quality,
            "phash": self.phash,
            "phash_crops": list(self.phash_crops),
            "crop_fractions": list(self.crop_fractions),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> HashSet:
        """Inverse of :meth:`to_dict`; also reads a media-facts dict (``analyze().to_dict()``)."""
        quality = data.get("pdq_quality")
        return cls(
            sha256=data.get("sha256") or None,
            pdq=data.get("pdq") or None,
            pdq_quality=int(quality) if quality is not None else None,
            phash=data.get("phash") or None,
            phash_crops=tuple(str(h) for h in data.get("phash_crops") or ()),
            crop_fractions=tuple(float(f) for f in data.get("crop_fractions") or STORED_CROPS),
        )


@dataclass(frozen=True, slots=True)
class QueryImage:
    """A query photograph: the hash set of the image and, when computed, of its mirror."""

    original: HashSet
    mirror: HashSet | None = None

    def orientations(self) -> list[tuple[str, HashSet]]:
        """``(name, hash set)`` for the image and its mirror (when present)."""
        out = [("original", self.original)]
        if self.mirror is not None:
            out.append(("mirror", self.mirror))
        return out


def hash_raster(
    luma: PILImage.Image, sha256: str | None, crops: tuple[float, ...] = STORED_CROPS
) -> HashSet:
    digest = compute(luma)
    return HashSet(
        sha256=sha256,
        pdq=digest.pdq,
        pdq_quality=digest.pdq_quality,
        phash=digest.phash,
        phash_crops=crop_phashes(luma, crops),
        crop_fractions=crops,
    )


def query_from_bytes(data: bytes, crops: tuple[float, ...] = QUERY_CROPS) -> QueryImage:
    """Hash an image file and its mirror from the raster the media pipeline hashes.

    Raises :class:`ConfigError` when the bytes are not an image that decodes within the media
    caps (a query file is the user's input: refusing it with a reason is the useful answer).
    """
    luma = working_raster(data)
    if luma is None:
        raise ConfigError("the file is not an image provtrack can decode within its caps")
    sha = hashlib.sha256(data).hexdigest()
    mirrored = luma.transpose(PILImage.Transpose.FLIP_LEFT_RIGHT)
    return QueryImage(
        original=hash_raster(luma, sha, crops),
        mirror=hash_raster(mirrored, None, crops),
    )


def mirror_hashes(data: bytes) -> HashSet | None:
    """The hash set of an image's left-right mirror, or ``None`` if it does not decode.

    A top-level function so the crawler can run it in its media worker processes.
    """
    luma = working_raster(data)
    if luma is None:
        return None
    return hash_raster(luma.transpose(PILImage.Transpose.FLIP_LEFT_RIGHT), None)


@dataclass(frozen=True, slots=True)
class Comparison:
    """How close a query came to one stored hash set, and which hash(es) matched.

    ``pdq_distance`` and ``phash_distance`` are the smallest over the query's orientations (and,
    for pHash, over all pairs of parts); ``None`` when a side lacks that hash. ``via`` says
    where the best pHash distance was found (``mirror: query crop10 ~ stored whole``).
    """

    key: int
    sha256_equal: bool
    pdq_distance: int | None
    phash_distance: int | None
    matched_by: tuple[str, ...]
    orientation: str | None = None
    via: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def matched(self) -> bool:
        """Whether any rule matched."""
        return bool(self.matched_by)

    @property
    def score(self) -> float:
        """Fractional distance of the closest matching hash (0 = identical), for ordering."""
        scores = [0.0] if self.sha256_equal else []
        if "pdq" in self.matched_by and self.pdq_distance is not None:
            scores.append(self.pdq_distance / 256)
        if "phash" in self.matched_by and self.phash_distance is not None:
            scores.append(self.phash_distance / 64)
        return min(scores, default=1.0)

    def describe(self) -> str:
        """One line: the distances and which hash matched."""
        pdq = "-" if self.pdq_distance is None else str(self.pdq_distance)
        phash = "-" if self.phash_distance is None else str(self.phash_distance)
        by = "+".join(self.matched_by) or "no match"
        via = f" ({self.via})" if self.via else ""
        return f"matched by {by}: PDQ {pdq}/256, pHash {phash}/64{via}"

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (stored in opt-out requests, printed by lookup --json)."""
        return {
            "sha256_equal": self.sha256_equal,
            "pdq_distance": self.pdq_distance,
            "phash_distance": self.phash_distance,
            "matched_by": list(self.matched_by),
            "orientation": self.orientation,
            "via": self.via,
            "thresholds": {"pdq": PDQ_THRESHOLD, "phash": PHASH_THRESHOLD},
            "part": self.extra.get("part", "whole"),
            "geometry": self.extra.get("geometry"),
        }


def compare(
    query: QueryImage,
    stored: HashSet,
    key: int = 0,
    *,
    pdq_threshold: int = PDQ_THRESHOLD,
    phash_threshold: int = PHASH_THRESHOLD,
) -> Comparison:
    """Compare a query with one stored hash set under the module's match rule."""
    sha_equal = bool(stored.sha256) and query.original.sha256 == stored.sha256
    best_pdq: tuple[int, str] | None = None
    best_phash: tuple[int, str, str] | None = None
    stored_parts = stored.parts()
    for orientation, q in query.orientations():
        if q.pdq and stored.pdq and q.pdq_usable and stored.pdq_usable:
            d = hamming(q.pdq, stored.pdq)
            if best_pdq is None or d < best_pdq[0]:
                best_pdq = (d, orientation)
        for q_part, q_hash in q.parts():
            for s_part, s_hash in stored_parts:
                d = hamming(q_hash, s_hash)
                if best_phash is None or d < best_phash[0]:
                    best_phash = (d, orientation, f"query {q_part} ~ stored {s_part}")
    matched: list[str] = []
    if sha_equal:
        matched.append("sha256")
    if best_pdq is not None and best_pdq[0] <= pdq_threshold:
        matched.append("pdq")
    if best_phash is not None and best_phash[0] <= phash_threshold:
        matched.append("phash")
    best_orientation: str | None = None
    via: str | None = None
    if best_phash is not None:
        best_orientation = best_phash[1]
        via = f"{best_phash[1]}: {best_phash[2]}"
    if "pdq" in matched and "phash" not in matched and best_pdq is not None:
        best_orientation = best_pdq[1]
        via = f"{best_pdq[1]}: PDQ"
    return Comparison(
        key=key,
        sha256_equal=sha_equal,
        pdq_distance=best_pdq[0] if best_pdq else None,
        phash_distance=best_phash[0] if best_phash else None,
        matched_by=tuple(matched),
        orientation=best_orientation,
        via=via,
    )


def matches(
    query: QueryImage,
    entries: Iterable[tuple[int, HashSet]],
    *,
    pdq_threshold: int = PDQ_THRESHOLD,
    phash_threshold: int = PHASH_THRESHOLD,
) -> list[Comparison]:
    """Every entry that matches the query, best first (then by key): an exact scan."""
    found = [
        c
        for key, stored in entries
        if (
            c := compare(
                query, stored, key, pdq_threshold=pdq_threshold, phash_threshold=phash_threshold
            )
        ).matched
    ]
    found.sort(key=lambda c: (c.score, c.key))
    return found


def stored_hashsets(
    store: Store, *, collected_only: bool = True, ids: Iterable[int] | None = None
) -> Iterator[tuple[int, HashSet]]:
    """``(image id, hash set)`` of stored images that still have hashes (purged ones do not).

    ``collected_only`` limits the rows to collected images (lookup); opt-out purges also take
    skipped ones, whose record keeps the sha256 of the bytes that were discarded.
    """
    rows = hash_rows(store, collected_only=collected_only, ids=ids)
    for image_id, sha, pdq, quality, phash, crop_list in rows:
        assert image_id is not None
        yield (
            image_id,
            HashSet(
                sha256=sha,
                pdq=pdq,
                pdq_quality=quality,
                phash=phash,
                phash_crops=tuple(str(h) for h in crop_list or ()),
            ),
        )


PARTS_PER_IMAGE = 1 + len(STORED_CROPS)
"""Index entries per stored image: the whole image (PDQ and pHash), then each stored crop
(pHash only). Entry id ``image_id * PARTS_PER_IMAGE + part`` names the image and the part."""


def index_entries(entries: Iterable[tuple[int, HashSet]]) -> Iterator[HashEntry]:
    """The :class:`~provenance.lookup.HashIndex` entries of stored hash sets (crops included)."""
    for image_id, hashes in entries:
        base = image_id * PARTS_PER_IMAGE
        if hashes.pdq or hashes.phash:
            yield HashEntry(base, hashes.pdq, hashes.phash, hashes.pdq_quality)
        for part, crop in enumerate(hashes.phash_crops[: PARTS_PER_IMAGE - 1], start=1):
            yield HashEntry(base + part, None, crop, None)


def build_index(entries: Iterable[tuple[int, HashSet]]) -> HashIndex:
    """A multi-index over stored hash sets, each crop an extra entry of the same image."""
    return HashIndex.from_records(index_entries(entries))


def query_variants(query: QueryImage) -> list[QueryHashes]:
    """The query as index variants: per orientation, the whole image (PDQ and pHash), then
    each of its crops (pHash only)."""
    out = []
    for orientation, hashes in query.orientations():
        for name, phash in hashes.parts():
            whole = name == "whole"
            out.append(
                QueryHashes(
                    f"{orientation}:{name}",
                    hashes.pdq if whole else None,
                    phash,
                    hashes.pdq_quality if whole else None,
                )
            )
        if not hashes.phash and hashes.pdq:
            out.append(QueryHashes(f"{orientation}:whole", hashes.pdq, None, hashes.pdq_quality))
    return out


def candidate_ids(
    index: HashIndex,
    query: QueryImage,
    *,
    pdq_threshold: int = PDQ_THRESHOLD,
    phash_threshold: int = PHASH_THRESHOLD,
    method: Method = "auto",
) -> set[int]:
    """Image ids with at least one part within the thresholds of one part of the query.

    The index answers exactly what a scan would (see :mod:`provenance.lookup.index`), under the
    same rule as :func:`compare`: these are exactly the images :func:`compare` matches by PDQ
    or pHash. Matches by sha256 alone (rows without perceptual hashes) are found separately.
    """
    found = index.query_variants(
        query_variants(query),
        pdq_threshold=pdq_threshold,
        phash_threshold=phash_threshold,
        limit=None,
        method=method,
    )
    return {m.id // PARTS_PER_IMAGE for m in found}


@dataclass(frozen=True, slots=True)
class PhotoIndex:
    """The hash index of a store's images, and the evidence-chain position it was built at."""

    index: HashIndex
    images: int
    chain_seq: int


_INDEX_FORMAT = "provtrack-photo-index"


def store_index(store: Store, cache_dir: Path | None = None) -> PhotoIndex:
    """The index of every unpurged image with perceptual hashes, built or read from a cache.

    With ``cache_dir`` the index is saved there (memory-mapped on later loads) and reused for
    as long as the evidence chain has not grown: every write to the store, a purge included,
    appends to the chain, so a cached index is never older than the records it answers for.
    """
    seq = chain_seq(store)
    meta_path = cache_dir / "photo-index.json" if cache_dir else None
    if cache_dir is not None and meta_path is not None and meta_path.is_file():
        try:
            meta = json.loads(meta_path.read_text(encoding="utf-8"))
            if meta.get("format") == _INDEX_FORMAT and meta.get("chain_seq") == seq:
                index = HashIndex.load(cache_dir / "photo-index")
                return PhotoIndex(index, int(meta["images"]), seq)
        except (OSError, ValueError, KeyError, StoreError):
            pass  # a damaged cache is rebuilt
    entries = [
        (image_id, hashes)
        for image_id, hashes in stored_hashsets(store, collected_only=False)
        if hashes.pdq or hashes.phash
    ]
    index = build_index(entries)
    if cache_dir is not None and meta_path is not None:
        try:
            index.save(cache_dir / "photo-index")
            meta_path.write_text(
                json.dumps({"format": _INDEX_FORMAT, "chain_seq": seq, "images": len(entries)}),
                encoding="utf-8",
            )
        except (OSError, StoreError):
            pass  # a cache that cannot be written only costs time
    return PhotoIndex(index, len(entries), seq)


def find_matches(
    store: Store,
    query: QueryImage,
    *,
    collected_only: bool = True,
    index: PhotoIndex | None = None,
    pdq_threshold: int = PDQ_THRESHOLD,
    phash_threshold: int = PHASH_THRESHOLD,
) -> list[Comparison]:
    """Stored images that are the same photograph as the query, best first.

    Candidates come from the hash index (:func:`candidate_ids`) plus rows with the same sha256;
    each is then compared in full (:func:`compare`) for the reported distances, so the result
    is the same as :func:`matches` over every stored hash set.
    """
    photo_index = index or store_index(store)
    ids = candidate_ids(
        photo_index.index, query, pdq_threshold=pdq_threshold, phash_threshold=phash_threshold
    )
    if query.original.sha256:
        ids.update(ids_with_sha256(store, query.original.sha256))
    if not ids:
        return []
    entries = stored_hashsets(store, collected_only=collected_only, ids=sorted(ids))
    return matches(query, entries, pdq_threshold=pdq_threshold, phash_threshold=phash_threshold)
