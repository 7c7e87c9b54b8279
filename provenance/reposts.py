"""Is this file a re-post of a stored photograph? The whole query, as lookup, opt-outs and the
explorer run it.

A query file is read as it is and through every photo region found in it (a screenshot's
photo, a tilted photo set upright: :func:`provenance.lookup.regions.photo_regions`). Three
ways find a stored image, from the strictest:

1. **Hashes of the file as it is** (sha256, PDQ, pHash of the whole and of its crops, each
   orientation; :mod:`provenance.matching`): the calibrated rule.
2. **Hashes of a region**, or of the file itself when they are not conclusive: conclusive
   when PDQ matched or pHash is within :data:`STRONG_PHASH`; otherwise, when the stored
   bytes are at hand, confirmed on keypoints of both photographs
   (:func:`provenance.lookup.geometry.confirm`) and dropped when the geometry disagrees
   (measured: two different LFW portraits of the demo web meet at pHash 6 through their
   crops; the keypoint check tells them apart).
3. **Keypoints** (:mod:`provenance.lookup.keypoints`) for what no whole-image hash reaches: a
   crop off one side or corner, a rotated photo. The keypoint index proposes candidates; each
   must pass the keypoint check with the query's frame placed inside the stored photograph.

The keypoint stages look at whole-photo corners only, never face landmarks or embeddings,
and a match is one rigid placement of the query in the stored photo. :func:`match_photo` is
the rule over plain inputs (an index, a way to read hash sets and pixels); :func:`find_photo`
runs it over a store.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from pathlib import Path

from PIL import Image as PILImage

from provenance.errors import StoreError
from provenance.lookup import HashIndex
from provenance.lookup.geometry import confirm
from provenance.lookup.geometry import decode as decode_image
from provenance.lookup.index import Method
from provenance.lookup.keypoints import (
    QUERY_FEATURES,
    RELAXED_INLIERS,
    RELAXED_LIMIT,
    RELAXED_VOTES,
    Candidate,
    KeypointIndex,
    Keypoints,
    describe,
)
from provenance.lookup.regions import photo_regions
from provenance.matching import (
    QUERY_CROPS,
    STORED_CROPS,
    Comparison,
    HashSet,
    PhotoIndex,
    QueryImage,
    candidate_ids,
    compare,
    hash_raster,
    matches,
    query_from_bytes,
    store_index,
    stored_hashsets,
)
from provenance.media.decode import decode_luma
from provenance.store import Store
from provenance.store.queries.images import collected_with_bytes, ids_with_sha256

PixelSource = Callable[[int], bytes | None]
"""The stored bytes of an image id (its WARC payload), or ``None`` when not kept."""
HashSource = Callable[[Iterable[int]], dict[int, HashSet]]
"""The hash sets of those image ids that may match (collected, unpurged...)."""


def _region_query(image: PILImage.Image, crops: tuple[float, ...]) -> QueryImage | None:
    """A region's hashes from the same reduced luma raster the pipeline hashes (no sha256:
    a region's pixels are not the file's bytes)."""
    luma, _ = decode_luma(image.convert("RGB"))
    if luma is None or min(luma.size) < 16:
        return None
    mirrored = luma.transpose(PILImage.Transpose.FLIP_LEFT_RIGHT)
    return QueryImage(
        original=hash_raster(luma, None, crops), mirror=hash_raster(mirrored, None, crops)
    )


@dataclass(frozen=True, slots=True)
class QueryPart:
    """One way of reading a query file: as it is, or a photo region found inside it."""

    name: str
    query: QueryImage
    image: PILImage.Image | None


def query_parts(data: bytes, crops: tuple[float, ...] = QUERY_CROPS) -> list[QueryPart]:
    """The query as it is, then each photograph region found inside it.

    Raises :class:`~provenance.errors.ConfigError` when the bytes are not a decodable image.
    """
    whole = query_from_bytes(data, crops)
    picture = decode_image(data)
    parts = [QueryPart("whole", whole, picture)]
    if picture is None:
        return parts
    for region in photo_regions(picture):
        query = _region_query(region.image, REGION_CROPS)
        if query is not None:
            parts.append(QueryPart(region.name, query, region.image))
    return parts


REGION_CROPS = STORED_CROPS
"""Crops hashed of a photo region: a region is the photo as the screenshot shows it, so the
stored crops' own steps suffice (the file as it is gets the denser :data:`QUERY_CROPS`)."""

STRONG_PHASH = 2
"""A pHash this close (re-posts of one photograph measured at <= 2, different ones at >= 8)
or a PDQ match needs no keypoint confirmation."""


def hashes_conclusive(c: Comparison) -> bool:
    """Whether the hashes alone are conclusive (a region matching as a plain re-post does)."""
    close = c.phash_distance is not None and c.phash_distance <= STRONG_PHASH
    return c.sha256_equal or "pdq" in c.matched_by or close


def _mirrored(image: PILImage.Image) -> PILImage.Image:
    return image.transpose(PILImage.Transpose.FLIP_LEFT_RIGHT)


def match_photo(
    parts: list[QueryPart],
    *,
    index: HashIndex,
    hashsets: HashSource,
    pixels: PixelSource | None = None,
    keypoints: KeypointIndex | None = None,
    same_bytes: Iterable[int] = (),
    method: Method = "auto",
) -> list[Comparison]:
    """The stored images that are the same photograph as the query parts, best first.

    ``index`` holds the stored hashes (:func:`provenance.matching.build_index`), ``hashsets``
    reads the hash sets of candidate ids (and leaves out those that may not match),
    ``pixels`` the stored bytes for the keypoint checks (without it, stages 2 and 3 of the
    module docstring are skipped and region matches stand on their hashes), ``keypoints`` the
    keypoint index (stage 3), ``same_bytes`` ids known to hold the file's sha256. ``method``
    is passed to the hash index (``"scan"``: the brute-force baseline). Each comparison's
    ``extra`` says which part matched and, when checked, the geometry.
    """
    best: dict[int, Comparison] = {}
    same = set(same_bytes)
    for part in parts:
        ids = candidate_ids(index, part.query, method=method)
        if part.name == "whole":
            ids |= same
        if not ids:
            continue
        for c in matches(part.query, hashsets(sorted(ids)).items()):
            c = replace(c, extra={**c.extra, "part": part.name})
            if part.name != "whole":
                c = replace(c, via=f"{part.name} {c.via}")
            known = best.get(c.key)
            if known is None or (known.extra.get("part") != "whole" and c.score < known.score):
                best[c.key] = c
    out: list[Comparison] = []
    by_name = {p.name: p for p in parts}
    for c in best.values():
        part = by_name[c.extra["part"]]
        if not hashes_conclusive(c) and pixels is not None and part.image is not None:
            stored_bytes = pixels(c.key)
            stored = decode_image(stored_bytes) if stored_bytes else None
            if stored is not None:
                geometry = confirm(part.image, stored, mirror=c.orientation == "mirror")
                if not geometry.confirmed:
                    continue
                c = replace(c, extra={**c.extra, "geometry": geometry.to_dict()})
        out.append(c)
    if keypoints is not None and pixels is not None:
        out += _keypoint_matches(parts, keypoints, hashsets, pixels, set(best))
    out.sort(key=lambda c: (c.score, c.key))
    return out


def _keypoint_matches(
    parts: list[QueryPart],
    keypoints: KeypointIndex,
    hashsets: HashSource,
    pixels: PixelSource,
    known: set[int],
) -> list[Comparison]:
    """Stage 3: matches no hash found, proposed by the keypoint index and confirmed with the
    query's frame placed inside the stored photo.

    The file as it is is described in both orientations; its photo regions only when nothing
    matched at all (a region is what a screenshot needs, and the hashes of a screenshot's
    region already find its photo: describing every region of every query would double the
    cost of a lookup for nothing).
    """
    found: dict[int, Comparison] = {}
    looked: list[tuple[QueryPart, str, PILImage.Image, Keypoints]] = []
    for part in parts:
        if part.image is None or (part.name != "whole" and (known or found)):
            continue
        for orientation in ("original", "mirror"):
            if orientation == "mirror" and found:
                break  # the photograph is found; its mirrored copies are only looked for
                # when nothing else matched (describing the mirror costs another third)
            shown = part.image if orientation == "original" else _mirrored(part.image)
            described = describe(shown, QUERY_FEATURES)
            looked.append((part, orientation, shown, described))
            cands = keypoints.candidates(described)
            _confirm(cands, part, orientation, shown, hashsets, pixels, known, found)
    if not known and not found:  # nothing at all: a second look with more candidates
        for part, orientation, shown, described in looked:
            cands = keypoints.candidates(
                described,
                min_votes=RELAXED_VOTES,
                min_inliers=RELAXED_INLIERS,
                limit=RELAXED_LIMIT,
            )
            _confirm(cands, part, orientation, shown, hashsets, pixels, known, found)
    return list(found.values())


def _confirm(
    candidates: list[Candidate],
    part: QueryPart,
    orientation: str,
    shown: PILImage.Image,
    hashsets: HashSource,
    pixels: PixelSource,
    known: set[int],
    found: dict[int, Comparison],
) -> None:
    """Check the keypoint candidates of one part in one orientation; add the confirmed."""
    for cand in candidates:
        key = cand.image_id
        if key in known or key in found:
            continue
        rows = hashsets([key])
        if key not in rows:
            continue  # purged, or not an image that may match
        stored_bytes = pixels(key)
        stored = decode_image(stored_bytes) if stored_bytes else None
        if stored is None:
            continue
        geometry = confirm(shown, stored, placed=True)
        if not geometry.confirmed:
            continue
        c = compare(part.query, rows[key], key)
        found[key] = replace(
            c,
            matched_by=(*c.matched_by, "keypoints"),
            orientation=orientation,
            via=f"{part.name} {orientation}: keypoints ({cand.votes} votes)",
            extra={"part": part.name, "geometry": geometry.to_dict()},
        )


def find_photo(
    store: Store,
    data: bytes,
    *,
    collected_only: bool = True,
    index: PhotoIndex | None = None,
    pixels: PixelSource | None = None,
    parts: list[QueryPart] | None = None,
    keypoints: KeypointIndex | None = None,
) -> list[Comparison]:
    """Stored images that are the same photograph as the file ``data``, best first
    (:func:`match_photo` over the store).

    ``index`` defaults to :func:`~provenance.matching.store_index`; with ``pixels`` (the
    stored bytes: :func:`provenance.trace.warc_pixels`) the keypoint index defaults to
    :func:`keypoint_index`, built from the WARC.
    """
    photo_index = index or store_index(store)
    parts = parts if parts is not None else query_parts(data)
    if keypoints is None and pixels is not None:
        keypoints = keypoint_index(store, pixels)
    same: list[int] = []
    sha = parts[0].query.original.sha256 if parts else None
    if sha:
        same = ids_with_sha256(store, sha)

    def hashsets(ids: Iterable[int]) -> dict[int, HashSet]:
        return dict(stored_hashsets(store, collected_only=collected_only, ids=list(ids)))

    return match_photo(
        parts,
        index=photo_index.index,
        hashsets=hashsets,
        pixels=pixels,
        keypoints=keypoints,
        same_bytes=same,
    )


def keypoint_index(
    store: Store,
    pixels: PixelSource,
    cache_dir: Path | None = None,
    base: KeypointIndex | None = None,
) -> KeypointIndex:
    """The keypoints of every collected image whose bytes are kept, described from the WARC.

    Incremental: images already in ``base`` (or in the index cached in ``cache_dir``) are not
    read again, so a refresh after a crawl describes only the new images. Purged images may
    stay in the index: a candidate is only confirmed with bytes that are still kept.
    """
    target = cache_dir / "keypoints" if cache_dir is not None else None
    if base is None and target is not None and (target / "meta.json").is_file():
        try:
            base = KeypointIndex.load(target)
        except StoreError:
            base = None  # a damaged cache is rebuilt
    described = set(base.images.tolist()) if base is not None else set()
    new: list[tuple[int, Keypoints]] = []
    for image_id in collected_with_bytes(store):
        if image_id in described:
            continue
        data = pixels(image_id)
        picture = decode_image(data) if data else None
        new.append((image_id, describe(picture) if picture is not None else _NONE))
    if base is not None and not new:
        return base
    index = KeypointIndex.build(new, base)
    if target is not None:
        try:
            index.save(target)
        except StoreError:
            pass  # a cache that cannot be written only costs time
    return index


_NONE = Keypoints.empty()


def nearest_non_matches(
    store: Store, parts: list[QueryPart], matched: set[int], n: int, *, collected_only: bool = True
) -> list[Comparison]:
    """The ``n`` stored images closest to the query that did not match, closest first.

    A full comparison with every stored hash set (the index answers only within thresholds):
    meant for an investigator's near-miss list, not for the crawler's hot path.
    """
    if n <= 0:
        return []

    def rank(c: Comparison) -> tuple[int, int, int]:
        phash = c.phash_distance if c.phash_distance is not None else 65
        return (phash, c.pdq_distance if c.pdq_distance is not None else 257, c.key)

    closest: dict[int, Comparison] = {}
    for key, stored in stored_hashsets(store, collected_only=collected_only):
        if key in matched:
            continue
        for part in parts:
            c = compare(part.query, stored, key)
            c = replace(c, extra={**c.extra, "part": part.name})
            known = closest.get(key)
            if known is None or rank(c) < rank(known):
                closest[key] = c
    ranked = sorted(closest.values(), key=rank)
    return ranked[:n]
