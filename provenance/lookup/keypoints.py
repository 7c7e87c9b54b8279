"""The first stage that finds what whole-image hashes cannot: crops off one side or corner and
rotations.

A whole-image hash (pHash, PDQ, or the pHash of a stored centred crop) only meets a re-post
whose frame lines up with one stored window. A crop that takes 20-30 % off one side or corner,
or a photo rotated by a few degrees, lines up with none: the stored crops are centred, and
their distances then look like unrelated photographs'. Keypoints do not depend on the frame:
OpenCV's ORB (oriented FAST corners with rotated BRIEF descriptors, 256 bits each) finds the
same corners again after a crop, a resize, a re-encode or a rotation.

Each stored image keeps its :data:`STORED_FEATURES` strongest keypoints: the descriptor and
the position (in a frame whose longer side is 1). The descriptors are indexed like PDQ codes
(:class:`~provenance.lookup._multiindex.BandIndex`: 12 bands of 21-22 bits, probed exactly,
radius 0): a query descriptor whose true partner is within :data:`MATCH_BITS` usually shares
at least one band with it (at 24 bits apart, 12 bands of 21 bits miss all with probability
about 0.1). A band hit is checked by its full Hamming distance; each stored image collects the
query keypoints that met one of its own; an image with :data:`MIN_VOTES` votes whose matched
positions fit one similarity transform (rotation, scale, translation: what a crop, a resize or
a tilt does) with :data:`MIN_INLIERS` RANSAC inliers is a candidate.

A candidate is only that: :func:`provenance.lookup.geometry.confirm` decides on the full
photographs (1,500 keypoints each). Whole-photo corners only: never face landmarks or
embeddings, and a match must be one rigid placement of the query inside the stored photo, which
two different photographs of one person do not have.
"""

from __future__ import annotations

import json
import shutil
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import cv2
import numpy as np
import numpy.typing as npt
from PIL import Image

from provenance.errors import StoreError
from provenance.lookup._multiindex import Band, BandIndex
from provenance.lookup.geometry import Features, grey

WORK_SIDE = 384
"""Keypoints are found on a grey copy whose longer side is this (upscaled when smaller, so a
small thumbnail and its source are looked at on the same scale)."""
STORED_FEATURES = 64
QUERY_FEATURES = 500
FAST_THRESHOLD = 8
"""ORB's FAST corner threshold. OpenCV's default (20) finds 7-45 corners on the demo web's
smooth, upscaled LFW portraits; 8 after CLAHE finds hundreds."""
OVERSAMPLE = 4
"""Corners detected per corner kept; the kept ones are spread over the frame."""
GRID = 4
MATCH_BITS = 40
"""Hamming distance (of 256) at which two descriptors count as the same corner. Measured on
the demo photographs' crops and rotations: true partners mostly within 20-40."""
NEAR_TIE_BITS = 2
"""Stored descriptors this close to a query keypoint's nearest one share its vote: the same
pixels stored twice (a photograph and a collage built from it) must both be found."""
MIN_VOTES = 4
MIN_INLIERS = 4
RANSAC_FRACTION = 0.02
"""RANSAC reprojection error, as a fraction of the stored frame's longer side."""
MAX_CANDIDATES = 6
RELAXED_VOTES, RELAXED_INLIERS, RELAXED_LIMIT = 3, 4, 12
"""The second look, when nothing matched a query at all: fewer votes suffice (a texture among
textures, a face among faces loses votes to look-alike corners of other images). Only more
candidates, never a looser check: each still needs the placement rule."""
RELAXED_KEY_BITS = 19
"""The second look also probes with shorter band keys. Band keys grow with the index (about
log2 of the descriptors, up to the 21-22-bit segments): a true pair must agree exactly on
one band, so a larger index finds fewer of a texture's true pairs (the suite's ``gravel``
crop: 4 votes among 71k descriptors with 19-bit keys, 2 among 64M with 21-22-bit keys, and
missed). Rows are sorted by key, so a 19-bit prefix is one run of 4-8 buckets: the recall of
a small index, for 4-8 times the rows, only when nothing else matched."""

FORMAT = "provtrack-keypoints"
FORMAT_VERSION = 1

Method = Literal["index", "scan"]


@dataclass(frozen=True, slots=True)
class Keypoints:
    """One image's keypoints: descriptors (``k`` x 4 uint64) and positions (``k`` x 2, the
    longer side of the image being 1)."""

    codes: npt.NDArray[np.uint64]
    xy: npt.NDArray[np.float32]

    def __len__(self) -> int:
        return int(self.codes.shape[0])

    @classmethod
    def empty(cls) -> Keypoints:
        """No keypoints (a plain image, or bytes that no longer decode)."""
        return cls(np.zeros((0, 4), np.uint64), np.zeros((0, 2), np.float32))


@dataclass(frozen=True, slots=True)
class Candidate:
    """A stored image the query's keypoints point at: votes, RANSAC inliers, transform."""

    image_id: int
    votes: int
    inliers: int
    scale: float
    rotation: float


def _spread(found: Any, shape: tuple[int, ...], features: int) -> list[Any]:
    """The ``features`` keypoints to keep, taken round-robin from a :data:`GRID` of cells
    (strongest first in each): the strongest corners of a photo often sit together (a chin, a
    collar), and a crop that removes that part must leave some stored keypoints behind."""
    h, w = shape[:2]
    pts = np.array([k.pt for k in found], dtype=np.float32).reshape(-1, 2)
    response = np.array([k.response for k in found], dtype=np.float32)
    cell_x = np.minimum(GRID - 1, (GRID * pts[:, 0] / w).astype(np.int64))
    cell_y = np.minimum(GRID - 1, (GRID * pts[:, 1] / h).astype(np.int64))
    cell = cell_y * GRID + cell_x
    order = np.lexsort((-response, cell))  # by cell, strongest first within each
    sorted_cell = cell[order]
    first = np.searchsorted(sorted_cell, sorted_cell, side="left")
    depth = np.empty_like(order)
    depth[order] = np.arange(order.size) - first  # rank of each keypoint within its cell
    chosen = np.lexsort((-response, depth))[:features]  # round-robin over cells
    return [found[i] for i in chosen]


def describe(image: Image.Image, features: int = STORED_FEATURES) -> Keypoints:
    """The ``features`` strongest ORB keypoints of ``image`` (fewer on a plain image)."""
    return describe_query(image, features)[0]


def describe_query(
    image: Image.Image, features: int = QUERY_FEATURES
) -> tuple[Keypoints, Features]:
    """A query's keypoints for the index and, from the same detection, the features its
    keypoint checks match (:func:`provenance.lookup.geometry.confirm`): one ORB pass on the
    query instead of two."""
    gray = grey(image, WORK_SIDE)
    orb = cv2.ORB_create(  # type: ignore[attr-defined]  # cv2 stubs lag
        nfeatures=features * OVERSAMPLE, fastThreshold=FAST_THRESHOLD, edgeThreshold=15
    )
    detected = orb.detect(gray, None)
    found, descriptors = (
        orb.compute(gray, _spread(detected, gray.shape, features)) if detected else ((), None)
    )
    if descriptors is None or not found:
        return Keypoints.empty(), Features(gray.shape, np.zeros((0, 2), np.float32), None)
    descriptors = np.ascontiguousarray(descriptors)
    codes = np.frombuffer(descriptors.tobytes(), dtype=">u8")
    points = np.array([k.pt for k in found], dtype=np.float32).reshape(-1, 2)
    xy = points / float(max(gray.shape))
    kept = Keypoints(codes.astype(np.uint64).reshape(-1, 4), xy)
    return kept, Features(gray.shape, points, descriptors)


class KeypointIndex:
    """Stored keypoints of many images, searchable by descriptor (see the module docstring).

    Arrays (``n`` descriptors): ``owner`` int64 image id; ``codes`` uint64 ``(4, n)``
    (column-major, as :class:`~provenance.lookup.HashIndex` keeps PDQ); ``xy`` float32
    ``(n, 2)``. ``images`` lists the ids described (an image with no keypoint is listed too, so
    an incremental refresh does not describe it again).
    """

    def __init__(
        self,
        owner: npt.NDArray[np.int64],
        codes: npt.NDArray[np.uint64],
        xy: npt.NDArray[np.float32],
        images: npt.NDArray[np.int64],
        bands: BandIndex | None = None,
    ) -> None:
        n = owner.shape[0]
        if codes.shape != (4, n) or xy.shape != (n, 2):
            raise ValueError("keypoint index arrays disagree in shape")
        self.owner = owner
        self.codes = codes
        self.xy = xy
        self.images = images
        self._bands = bands or BandIndex.build(codes, np.ones(n, dtype=bool))

    def __len__(self) -> int:
        return int(self.owner.shape[0])

    @property
    def n_images(self) -> int:
        """How many images were described."""
        return int(self.images.shape[0])

    def band_arrays(self) -> tuple[npt.NDArray[Any], npt.NDArray[Any]]:
        """The band tables' row and offset arrays (to page a memory-mapped index in)."""
        return self._bands.rows, self._bands.offsets

    def nbytes(self) -> int:
        """Bytes held by the arrays, band tables included."""
        arrays: list[np.ndarray[Any, Any]] = [
            self.owner,
            self.codes,
            self.xy,
            self._bands.rows,
            self._bands.offsets,
        ]
        return sum(int(a.nbytes) for a in arrays)

    @classmethod
    def build(
        cls, entries: Iterable[tuple[int, Keypoints]], base: KeypointIndex | None = None
    ) -> KeypointIndex:
        """Index ``(image id, keypoints)`` pairs, after those of ``base`` when given."""
        owners: list[npt.NDArray[np.int64]] = []
        codes: list[npt.NDArray[np.uint64]] = []
        xys: list[npt.NDArray[np.float32]] = []
        images: list[int] = []
        if base is not None:
            owners.append(base.owner)
            codes.append(np.ascontiguousarray(base.codes.T))
            xys.append(base.xy)
            images.extend(int(i) for i in base.images)
        for image_id, kp in entries:
            images.append(int(image_id))
            owners.append(np.full(len(kp), image_id, dtype=np.int64))
            codes.append(kp.codes)
            xys.append(kp.xy)
        owner = np.concatenate(owners) if owners else np.zeros(0, np.int64)
        code = np.concatenate(codes) if codes else np.zeros((0, 4), np.uint64)
        xy = np.concatenate(xys) if xys else np.zeros((0, 2), np.float32)
        return cls(
            owner.astype(np.int64),
            np.ascontiguousarray(code.astype(np.uint64).T),
            xy.astype(np.float32),
            np.array(images, dtype=np.int64),
        )

    @classmethod
    def from_arrays(
        cls,
        owner: npt.ArrayLike,
        codes: npt.ArrayLike,
        xy: npt.ArrayLike,
        images: npt.ArrayLike,
    ) -> KeypointIndex:
        """Index arrays as they are (``codes`` with one row of 4 words per descriptor)."""
        owner_a = np.asarray(owner, dtype=np.int64).reshape(-1)
        n = owner_a.shape[0]
        code_a = np.asarray(codes, dtype=np.uint64).reshape(n, 4)
        return cls(
            owner_a,
            np.ascontiguousarray(code_a.T),
            np.asarray(xy, dtype=np.float32).reshape(n, 2),
            np.asarray(images, dtype=np.int64).reshape(-1),
        )

    def _pairs(
        self, query: Keypoints, method: Method, key_bits: int | None = None
    ) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
        """(query keypoint, stored row) pairs within :data:`MATCH_BITS`; with ``key_bits``,
        a band hit needs only the top ``key_bits`` bits of its key to agree."""
        nq = len(query)
        if nq == 0 or len(self) == 0:
            empty = np.zeros(0, np.int64)
            return empty, empty
        if method == "scan":
            qs: list[npt.NDArray[np.int64]] = []
            rs: list[npt.NDArray[np.int64]] = []
            for i in range(nq):
                dist = np.bitwise_count(self.codes[0] ^ query.codes[i, 0]).astype(np.uint16)
                for w in range(1, 4):
                    dist += np.bitwise_count(self.codes[w] ^ query.codes[i, w])
                best = int(dist.min())
                hit = np.flatnonzero(dist == best) if best <= MATCH_BITS else np.zeros(0, int)
                qs.append(np.full(hit.size, i, np.int64))
                rs.append(hit.astype(np.int64))
            return np.concatenate(qs), np.concatenate(rs)
        b = self._bands
        keys = b.keys(query.codes).astype(np.int64)  # (nq, bands)
        width = np.ones(len(b.bands), dtype=np.int64)
        if key_bits is not None:  # rows are sorted by key: a key prefix is one run of buckets
            drop = np.array([max(0, band.bits - key_bits) for band in b.bands], dtype=np.int64)
            keys = (keys >> drop) << drop
            width = np.left_shift(1, drop)
        slots = (b.table_base[None, :] + keys).ravel()
        starts = b.offsets[slots].astype(np.int64)
        lengths = b.offsets[slots + np.tile(width, nq)].astype(np.int64) - starts
        owner_q = np.repeat(np.arange(nq, dtype=np.int64), len(b.bands))
        keep = np.flatnonzero(lengths)
        starts, lengths, owner_q = starts[keep], lengths[keep], owner_q[keep]
        total = int(lengths.sum())
        if total == 0:
            empty = np.zeros(0, np.int64)
            return empty, empty
        ends = np.cumsum(lengths)
        positions = np.repeat(starts - (ends - lengths), lengths) + np.arange(total)
        rows = b.rows[positions].astype(np.intp)
        q_of = np.repeat(owner_q, lengths)
        # Two words first: a random stored descriptor is ~64 bits from the query on them, so
        # almost every bucket hit is dropped before the other two words are read (half the
        # random reads; the distance over four words is never below that over two).
        qc = query.codes
        dist = np.bitwise_count(self.codes[0][rows] ^ qc[q_of, 0])
        dist += np.bitwise_count(self.codes[1][rows] ^ qc[q_of, 1])
        ok = np.flatnonzero(dist <= MATCH_BITS)
        rows, q_of, near = rows[ok], q_of[ok], dist[ok].astype(np.uint16)
        for w in (2, 3):
            near += np.bitwise_count(self.codes[w][rows] ^ qc[q_of, w])
        q_of, rows = _nearest(q_of, rows.astype(np.int64), near)
        pair = np.unique(q_of * len(self) + rows)  # a pair found through several bands once
        return pair // len(self), pair % len(self)

    def candidates(
        self,
        query: Keypoints,
        *,
        method: Method = "index",
        limit: int = MAX_CANDIDATES,
        min_votes: int = MIN_VOTES,
        min_inliers: int = MIN_INLIERS,
        key_bits: int | None = None,
    ) -> list[Candidate]:
        """Stored images the query's keypoints place consistently, most inliers first.

        ``method="scan"`` compares every query descriptor with every stored one (the
        brute-force baseline); ``"index"`` probes the band tables. Both apply the same rule.
        ``key_bits`` widens each probe to every bucket sharing that many leading key bits
        (the second look: see :data:`RELAXED_KEY_BITS`).
        """
        q_of, rows = self._pairs(query, method, key_bits)
        if rows.size == 0:
            return []
        owners = self.owner[rows]
        order = np.lexsort((q_of, owners))
        owners, q_of, rows = owners[order], q_of[order], rows[order]
        bounds = np.flatnonzero(np.diff(owners)) + 1
        out: list[Candidate] = []
        for o, q, r in zip(
            np.split(owners, bounds), np.split(q_of, bounds), np.split(rows, bounds), strict=True
        ):
            if np.unique(q).size < min_votes:
                continue
            found = _fit(query.xy[q], self.xy[r])
            if found is not None and found[0] >= min_inliers:
                inliers, scale, rotation = found
                out.append(Candidate(int(o[0]), int(np.unique(q).size), inliers, scale, rotation))
        out.sort(key=lambda c: (-c.inliers, -c.votes, c.image_id))
        return out[:limit]

    def save(self, path: Path) -> Path:
        """Write the arrays and band tables as ``.npy`` files plus ``meta.json``."""
        target = Path(path)
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=target.parent))
        try:
            arrays = {
                "owner": self.owner,
                "codes": self.codes,
                "xy": self.xy,
                "images": self.images,
                "rows": self._bands.rows,
                "offsets": self._bands.offsets,
            }
            for name, array in arrays.items():
                np.save(tmp / f"{name}.npy", np.asarray(array), allow_pickle=False)
            meta = {
                "format": FORMAT,
                "version": FORMAT_VERSION,
                "descriptors": len(self),
                "bands": [[b.word, b.shift, b.bits] for b in self._bands.bands],
                "settings": _settings(),
            }
            (tmp / "meta.json").write_text(json.dumps(meta), encoding="utf-8")
            old = target.with_name(f".{target.name}.old")
            shutil.rmtree(old, ignore_errors=True)
            if target.exists():
                target.rename(old)
            tmp.rename(target)
            shutil.rmtree(old, ignore_errors=True)
        except OSError as err:
            raise StoreError(f"cannot write keypoint index to {target}: {err}") from err
        finally:
            if tmp.exists():
                shutil.rmtree(tmp, ignore_errors=True)
        return target

    @classmethod
    def load(cls, path: Path) -> KeypointIndex:
        """Open an index written by :meth:`save` (memory-mapped); :class:`StoreError` when it
        is missing, of another format or made with other settings."""
        source = Path(path)
        try:
            meta = json.loads((source / "meta.json").read_text(encoding="utf-8"))
            if meta.get("format") != FORMAT or meta.get("version") != FORMAT_VERSION:
                raise StoreError(f"{source} is not a {FORMAT} v{FORMAT_VERSION} index")
            if meta.get("settings") != _settings():
                raise StoreError(f"{source} was made with other keypoint settings")
            a = {
                name: np.load(source / f"{name}.npy", mmap_mode="r", allow_pickle=False)
                for name in ("owner", "codes", "xy", "images", "rows", "offsets")
            }
            n = int(meta["descriptors"])
            bands = tuple(Band(int(w), int(s), int(b)) for w, s, b in meta["bands"])
            sizes = [2**band.bits + 1 for band in bands]
            if a["rows"].shape != (n * len(bands),) or a["offsets"].shape != (sum(sizes),):
                raise StoreError(f"{source}: band tables do not match their metadata")
            base = np.concatenate([[0], np.cumsum(sizes[:-1])]).astype(np.int64)
            band_index = BandIndex(bands, a["rows"], a["offsets"], base, n, n)
            return cls(a["owner"], a["codes"], a["xy"], a["images"], band_index)
        except (OSError, ValueError, KeyError, TypeError) as err:
            raise StoreError(f"keypoint index at {source} is unreadable: {err}") from err


def _settings() -> dict[str, Any]:
    return {
        "work_side": WORK_SIDE,
        "stored_features": STORED_FEATURES,
        "fast_threshold": FAST_THRESHOLD,
    }


def _nearest(
    q_of: npt.NDArray[np.int64], rows: npt.NDArray[np.int64], dist: npt.NDArray[np.uint16]
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """Each query keypoint's nearest stored descriptors (and those within
    :data:`NEAR_TIE_BITS` of it), if within
    :data:`MATCH_BITS`: a keypoint votes for the image it resembles most, not for every image
    with a vaguely similar corner (ORB descriptors of unrelated corners often lie 30-40 apart)."""
    ok = dist <= MATCH_BITS
    q_of, rows, dist = q_of[ok], rows[ok], dist[ok]
    if q_of.size == 0:
        return q_of, rows
    best = np.full(int(q_of.max()) + 1, np.iinfo(np.uint16).max, dtype=np.uint16)
    np.minimum.at(best, q_of, dist)
    keep = dist <= best[q_of] + NEAR_TIE_BITS
    return q_of[keep], rows[keep]


def _fit(
    query_xy: npt.NDArray[np.float32], stored_xy: npt.NDArray[np.float32]
) -> tuple[int, float, float] | None:
    """RANSAC similarity from query to stored positions: (inliers, scale, rotation degrees)."""
    if query_xy.shape[0] < 3:
        return None
    matrix, mask = cv2.estimateAffinePartial2D(
        query_xy.reshape(-1, 1, 2),
        stored_xy.reshape(-1, 1, 2),
        method=cv2.RANSAC,
        ransacReprojThreshold=RANSAC_FRACTION,
        maxIters=500,
    )
    if matrix is None or mask is None:
        return None
    scale = float(np.hypot(matrix[0, 0], matrix[1, 0]))
    if not 0.2 <= scale <= 5:
        return None
    # several query keypoints may have met the same stored one: count distinct stored points
    inlier_rows = {tuple(p) for p, m in zip(stored_xy.tolist(), mask.ravel(), strict=True) if m}
    rotation = float(np.degrees(np.arctan2(matrix[1, 0], matrix[0, 0])))
    return len(inlier_rows), scale, rotation
