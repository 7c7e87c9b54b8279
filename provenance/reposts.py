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

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import overload

from PIL import Image as PILImage

from provenance.errors import StoreError
from provenance.lookup import HashIndex
from provenance.lookup.geometry import Features, confirm
from provenance.lookup.geometry import decode as decode_image
from provenance.lookup.index import Method
from provenance.lookup.keypoints import (
    QUERY_FEATURES,
    RELAXED_INLIERS,
    RELAXED_KEY_BITS,
    RELAXED_LIMIT,
    RELAXED_VOTES,
    Candidate,
    KeypointIndex,
    Keypoints,
    describe,
    describe_query,
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


class QueryParts(Sequence[QueryPart]):
    """The query as it is (``parts[0]``), then each photograph region found inside it.

    The regions are found and hashed on first use: :func:`match_photo` looks at them only
    when the file as it is matched nothing (a plain re-post, crop or rotation is found without
    them; a screenshot is not), and finding and hashing them is a fifth of a lookup's work.
    Indexing past the first part, iterating or ``len`` find them.
    """

    def __init__(self, whole: QueryPart) -> None:
        self.whole = whole
        self._regions: list[QueryPart] | None = None

    def regions(self) -> list[QueryPart]:
        """The photo regions' parts (found on the first call)."""
        if self._regions is None:
            self._regions = []
            if self.whole.image is not None:
                for region in photo_regions(self.whole.image):
                    query = _region_query(region.image, REGION_CROPS)
                    if query is not None:
                        self._regions.append(QueryPart(region.name, query, region.image))
        return self._regions

    @overload
    def __getitem__(self, i: int) -> QueryPart: ...

    @overload
    def __getitem__(self, i: slice) -> list[QueryPart]: ...

    def __getitem__(self, i: int | slice) -> QueryPart | list[QueryPart]:
        if isinstance(i, int) and i == 0:
            return self.whole
        return [self.whole, *self.regions()][i]

    def __len__(self) -> int:
        return 1 + len(self.regions())

    def __bool__(self) -> bool:
        return True  # the file as it is is always a part (truth must not find the regions)


def query_parts(data: bytes, crops: tuple[float, ...] = QUERY_CROPS) -> QueryParts:
    """The query as it is, then each photograph region found inside it (:class:`QueryParts`).

    Raises :class:`~provenance.errors.ConfigError` when the bytes are not a decodable image.
    """
    return QueryParts(QueryPart("whole", query_from_bytes(data, crops), decode_image(data)))


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


class _QueryFeatures:
    """Each query part's keypoints, per orientation, described once however many candidates
    are checked against them (one ORB pass gives the index probe and the checks), and the
    checks already made (a candidate proposed again by the second look is not checked
    twice)."""

    def __init__(self) -> None:
        self._known: dict[tuple[str, str], tuple[Keypoints, Features]] = {}
        self.tried: set[tuple[str, str, int]] = set()

    def _described(self, part: QueryPart, orientation: str) -> tuple[Keypoints, Features]:
        key = (part.name, orientation)
        if key not in self._known:
            assert part.image is not None
            shown = part.image if orientation == "original" else _mirrored(part.image)
            self._known[key] = describe_query(shown, QUERY_FEATURES)
        return self._known[key]

    def of(self, part: QueryPart, orientation: str) -> Features | None:
        """The features a keypoint check of this part matches (``None``: no pixels)."""
        return None if part.image is None else self._described(part, orientation)[1]

    def keypoints(self, part: QueryPart, orientation: str) -> Keypoints:
        """The keypoints this part probes the keypoint index with."""
        return self._described(part, orientation)[0]


def match_photo(
    parts: Sequence[QueryPart],
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
    checked = _QueryFeatures()
    best: dict[int, Comparison] = {}  # every hash match, confirmed or not
    found: dict[int, Comparison] = {}
    looked: list[tuple[QueryPart, str, Keypoints]] = []

    def look(part: QueryPart, known: set[int]) -> None:
        if keypoints is not None and pixels is not None:
            _keypoint_matches(part, keypoints, hashsets, pixels, known, checked, found, looked)

    whole = parts[0]
    new = _hash_matches([whole], index, hashsets, set(same_bytes), method, best)
    _check_hash_matches(new, whole, pixels, checked, found)
    look(whole, set(best))
    if not found:  # nothing from the file as it is: the photo regions inside it (screenshots)
        for part in parts.regions() if isinstance(parts, QueryParts) else parts[1:]:
            new = _hash_matches([part], index, hashsets, set(), method, best)
            _check_hash_matches(new, part, pixels, checked, found)
            if not best and not found:
                look(part, set())
    if keypoints is not None and pixels is not None and not best and not found:
        for part, orientation, described in looked:  # nothing at all: a second look
            cands = keypoints.candidates(
                described,
                min_votes=RELAXED_VOTES,
                min_inliers=RELAXED_INLIERS,
                limit=RELAXED_LIMIT,
                key_bits=RELAXED_KEY_BITS,
            )
            _confirm(cands, part, orientation, checked, hashsets, pixels, set(), found)
    out = list(found.values())
    out.sort(key=lambda c: (c.score, c.key))
    return out


def _hash_matches(
    parts: Sequence[QueryPart],
    index: HashIndex,
    hashsets: HashSource,
    same: set[int],
    method: Method,
    best: dict[int, Comparison],
) -> list[Comparison]:
    """Stages 1 and 2: the stored images the hash rule matches for these parts, recorded in
    ``best`` (a region's match never replaces the file's own); returns the new ones."""
    new: dict[int, Comparison] = {}
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
                best[c.key] = new[c.key] = c
    return list(new.values())


def _check_hash_matches(
    new: list[Comparison],
    part: QueryPart,
    pixels: PixelSource | None,
    checked: _QueryFeatures,
    found: dict[int, Comparison],
) -> None:
    """Keep the hash matches that are conclusive or pass the keypoint check (stage 2)."""
    for c in new:
        if not hashes_conclusive(c) and pixels is not None and part.image is not None:
            stored_bytes = pixels(c.key)
            stored = decode_image(stored_bytes) if stored_bytes else None
            query = checked.of(part, "mirror" if c.orientation == "mirror" else "original")
            if stored is not None and query is not None:
                geometry = confirm(query, stored)
                if not geometry.confirmed:
                    found.pop(c.key, None)
                    continue
                c = replace(c, extra={**c.extra, "geometry": geometry.to_dict()})
        found[c.key] = c


def _keypoint_matches(
    part: QueryPart,
    keypoints: KeypointIndex,
    hashsets: HashSource,
    pixels: PixelSource,
    known: set[int],
    checked: _QueryFeatures,
    found: dict[int, Comparison],
    looked: list[tuple[QueryPart, str, Keypoints]],
) -> None:
    """Stage 3: matches no hash found, proposed by the keypoint index and confirmed with the
    query's frame placed inside the stored photo; added to ``found``, each description kept
    in ``looked`` for the second look.

    :func:`match_photo` describes the file as it is, and its photo regions only when nothing
    matched at all (a region is what a screenshot needs, and the hashes of a screenshot's
    region already find its photo). The mirror is described only when the original
    orientation found nothing (describing it costs another third).
    """
    if part.image is None:
        return
    for orientation in ("original", "mirror"):
        if orientation == "mirror" and found:
            break
        described = checked.keypoints(part, orientation)
        looked.append((part, orientation, described))
        cands = keypoints.candidates(described)
        _confirm(cands, part, orientation, checked, hashsets, pixels, known, found)


def _confirm(
    candidates: list[Candidate],
    part: QueryPart,
    orientation: str,
    checked: _QueryFeatures,
    hashsets: HashSource,
    pixels: PixelSource,
    known: set[int],
    found: dict[int, Comparison],
) -> None:
    """Check the keypoint candidates of one part in one orientation; add the confirmed."""
    for cand in candidates:
        key = cand.image_id
        if key in known or key in found or (part.name, orientation, key) in checked.tried:
            continue
        checked.tried.add((part.name, orientation, key))
        rows = hashsets([key])
        if key not in rows:
            continue  # purged, or not an image that may match
        stored_bytes = pixels(key)
        stored = decode_image(stored_bytes) if stored_bytes else None
        query = checked.of(part, orientation)
        if stored is None or query is None:
            continue
        geometry = confirm(query, stored, placed=True)
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
    parts: Sequence[QueryPart] | None = None,
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
    store: Store,
    parts: Sequence[QueryPart],
    matched: set[int],
    n: int,
    *,
    collected_only: bool = True,
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
