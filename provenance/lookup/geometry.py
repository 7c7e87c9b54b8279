"""Second stage of lookup: is a candidate the same photograph, geometrically?

A looser first stage (a region cut out of a screenshot, a tilted photo set upright) must not
turn into a false match, so a candidate found that way is confirmed on keypoints of the whole
photo: OpenCV ORB keypoints of the query and of the stored image's bytes (from the WARC),
matched with Lowe's ratio test, and a similarity transform (rotation, scale, translation:
what a crop, resize, screenshot or tilt does) fitted by RANSAC. Enough inliers means the two
rasters show the same scene in the same arrangement. Whole-photo keypoints only: never face
landmarks or embeddings, never a person matched across different photographs.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import Any

import cv2
import numpy as np
import numpy.typing as npt
from PIL import Image, ImageOps

WORK_SIDE = 384
"""Both rasters are reduced so their longer side is at most this (ORB is scale-limited)."""
FEATURES = 500
FAST_THRESHOLD = 8
"""FAST corner threshold (OpenCV's default is 20, which finds a few dozen corners on the demo
web's smooth LFW portraits; after CLAHE, 8 finds hundreds)."""
RATIO = 0.75
"""Lowe's ratio: a keypoint match counts only if clearly better than the second best."""
RANSAC_PIXELS = 6.0
MIN_INLIERS = 25
"""Inliers of the fitted similarity needed to confirm. Measured on the demo photographs
(500 keypoints each, CLAHE, FAST 8; ``tests/lookup/test_reposts.py``): crops of 20-30 % and
rotations of 3-10 degrees kept 59-290 inliers, different photographs at most 10."""
MIN_INSIDE = 0.8
"""A placed re-post: this much of the query's frame maps inside the stored photograph (a crop
maps wholly inside; a photo rotated in its frame loses its corners; a screenshot's page does
not, which is why its photo region is what gets placed)."""
MIN_SPREAD = 0.05
"""A placed re-post: the inliers' bounding box covers this much of the query (a crop of a
landscape keeps its corners along the horizon: 157 inliers over 9 % of the frame)."""
SCALES = (0.2, 5.0)
"""The fitted scale (query to stored, both on the :data:`WORK_SIDE` raster) a confirmation
accepts. A re-post's lies near the share of the stored frame it shows (0.7-1.1 measured on the
suite); RANSAC can fit a degenerate similarity that maps the query onto a few pixels (scale
~0, "inside" everywhere), measured once as a false match of a portrait crop with a noise image."""


@dataclass(frozen=True, slots=True)
class Geometry:
    """The keypoint check of one candidate: matches, RANSAC inliers and the verdict."""

    matches: int
    inliers: int
    confirmed: bool
    scale: float | None = None
    rotation: float | None = None
    inside: float | None = None
    spread: float | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (printed with each match)."""
        return {
            "matches": self.matches,
            "inliers": self.inliers,
            "confirmed": self.confirmed,
            "scale": None if self.scale is None else round(self.scale, 3),
            "rotation": None if self.rotation is None else round(self.rotation, 1),
            "min_inliers": MIN_INLIERS,
            "inside": None if self.inside is None else round(self.inside, 2),
            "spread": None if self.spread is None else round(self.spread, 2),
        }


def grey(image: Image.Image, side: int = WORK_SIDE) -> npt.NDArray[np.uint8]:
    """Grey, longer side ``side`` (smaller images upscaled, so both sides of a check are
    looked at on one scale), contrast-equalised (CLAHE) so that smooth photographs show
    corners too."""
    im = ImageOps.exif_transpose(image).convert("L")
    scale = side / max(im.size)
    size = (max(1, round(im.width * scale)), max(1, round(im.height * scale)))
    resample = Image.Resampling.BOX if scale < 1 else Image.Resampling.BILINEAR
    arr = np.asarray(im.resize(size, resample), dtype=np.uint8)
    clahe = cv2.createCLAHE(clipLimit=2.0, tileGridSize=(4, 4))
    return np.asarray(clahe.apply(arr), dtype=np.uint8)


def decode(data: bytes) -> Image.Image | None:
    """The stored bytes as an image, or ``None`` when they do not decode."""
    try:
        with Image.open(io.BytesIO(data)) as im:
            im.load()
            return im.copy()
    except (OSError, ValueError, Image.DecompressionBombError):
        return None


@dataclass(frozen=True, slots=True)
class Features:
    """One side of a keypoint check: the grey raster's shape, keypoint positions and ORB
    descriptors. Computed once per query image and orientation and reused for every
    candidate (half of a check's cost is describing the query)."""

    shape: tuple[int, ...]
    points: npt.NDArray[np.float32]
    descriptors: npt.NDArray[np.uint8] | None


def features(image: Image.Image, *, mirror: bool = False) -> Features:
    """The keypoints :func:`confirm` matches: ORB on :func:`grey` (mirrored first if ``mirror``)."""
    if mirror:
        image = ImageOps.mirror(image)
    orb = cv2.ORB_create(  # type: ignore[attr-defined]  # cv2 stubs lag
        nfeatures=FEATURES, fastThreshold=FAST_THRESHOLD, edgeThreshold=15
    )
    gray = grey(image)
    keypoints, descriptors = orb.detectAndCompute(gray, None)
    points = np.array([k.pt for k in keypoints], dtype=np.float32).reshape(-1, 2)
    return Features(gray.shape, points, descriptors)


def confirm(
    query: Image.Image | Features,
    stored: Image.Image | Features,
    *,
    mirror: bool = False,
    placed: bool = False,
) -> Geometry:
    """Fit a similarity between the query (mirrored first if ``mirror``) and the stored image.

    Either side may be given as its :func:`features` (the query's are then already in the
    orientation wanted, and ``mirror`` is ignored). With ``placed`` (a candidate that no hash
    found) the fit must also place the query as a re-post of the stored photograph: at least
    :data:`MIN_INSIDE` of the query's frame lands inside the stored frame and the inliers
    spread over at least :data:`MIN_SPREAD` of the query, so two photographs that merely share
    an object (a logo, a face) are not one.
    """
    fq = query if isinstance(query, Features) else features(query, mirror=mirror)
    fs = stored if isinstance(stored, Features) else features(stored)
    dq, ds = fq.descriptors, fs.descriptors
    if dq is None or ds is None or len(fq.points) < 2 or len(fs.points) < 2:
        return Geometry(0, 0, False)
    pairs = cv2.BFMatcher(cv2.NORM_HAMMING).knnMatch(dq, ds, k=2)
    good = [p[0] for p in pairs if len(p) == 2 and p[0].distance < RATIO * p[1].distance]
    if len(good) < 3:
        return Geometry(len(good), 0, False)
    src = fq.points[[m.queryIdx for m in good]].reshape(-1, 1, 2)
    dst = fs.points[[m.trainIdx for m in good]].reshape(-1, 1, 2)
    matrix, inlier_mask = cv2.estimateAffinePartial2D(
        src, dst, method=cv2.RANSAC, ransacReprojThreshold=RANSAC_PIXELS
    )
    if matrix is None or inlier_mask is None:
        return Geometry(len(good), 0, False)
    inliers = int(inlier_mask.sum())
    scale = float(np.hypot(matrix[0, 0], matrix[1, 0]))
    rotation = float(np.degrees(np.arctan2(matrix[1, 0], matrix[0, 0])))
    confirmed = inliers >= MIN_INLIERS and SCALES[0] <= scale <= SCALES[1]
    inside = spread = None
    if placed:
        inside = _inside(matrix, fq.shape, fs.shape)
        spread = _spread(src.reshape(-1, 2)[inlier_mask.ravel() > 0], fq.shape)
        confirmed = confirmed and inside >= MIN_INSIDE and spread >= MIN_SPREAD
    return Geometry(len(good), inliers, confirmed, scale, rotation, inside, spread)


def _inside(
    matrix: np.ndarray, query_shape: tuple[int, ...], stored_shape: tuple[int, ...]
) -> float:
    """Fraction of a grid over the query's frame that the fit maps inside the stored frame."""
    h, w = query_shape[:2]
    xs, ys = np.meshgrid(np.linspace(0, w - 1, 12), np.linspace(0, h - 1, 12))
    pts = np.stack([xs.ravel(), ys.ravel(), np.ones(xs.size)], axis=1) @ matrix.T
    sh, sw = stored_shape[:2]
    margin = 0.03 * max(sh, sw)
    ok = (
        (pts[:, 0] >= -margin)
        & (pts[:, 0] <= sw - 1 + margin)
        & (pts[:, 1] >= -margin)
        & (pts[:, 1] <= sh - 1 + margin)
    )
    return float(ok.mean())


def _spread(points: np.ndarray, shape: tuple[int, ...]) -> float:
    """Area of the inliers' bounding box as a fraction of the query's frame."""
    if points.shape[0] < 2:
        return 0.0
    h, w = shape[:2]
    span = points.max(axis=0) - points.min(axis=0)
    return float(span[0] * span[1] / (w * h))
