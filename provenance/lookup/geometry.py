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


def confirm(
    query: Image.Image, stored: Image.Image, *, mirror: bool = False, placed: bool = False
) -> Geometry:
    """Fit a similarity between the query (mirrored first if ``mirror``) and the stored image.

    With ``placed`` (a candidate that no hash found) the fit must also place the query as a
    re-post of the stored photograph: at least :data:`MIN_INSIDE` of the query's frame lands
    inside the stored frame and the inliers spread over at least :data:`MIN_SPREAD` of the
    query, so two photographs that merely share an object (a logo, a face) are not one.
    """
    if mirror:
        query = ImageOps.mirror(query)
    orb = cv2.ORB_create(  # type: ignore[attr-defined]  # cv2 stubs lag
        nfeatures=FEATURES, fastThreshold=FAST_THRESHOLD, edgeThreshold=15
    )
    gq, gs = grey(query), grey(stored)
    kq, dq = orb.detectAndCompute(gq, None)
    ks, ds = orb.detectAndCompute(gs, None)
    if dq is None or ds is None or len(kq) < 2 or len(ks) < 2:
        return Geometry(0, 0, False)
    pairs = cv2.BFMatcher(cv2.NORM_HAMMING).knnMatch(dq, ds, k=2)
    good = [p[0] for p in pairs if len(p) == 2 and p[0].distance < RATIO * p[1].distance]
    if len(good) < 3:
        return Geometry(len(good), 0, False)
    src = np.array([kq[m.queryIdx].pt for m in good], dtype=np.float32).reshape(-1, 1, 2)
    dst = np.array([ks[m.trainIdx].pt for m in good], dtype=np.float32).reshape(-1, 1, 2)
    matrix, inlier_mask = cv2.estimateAffinePartial2D(
        src, dst, method=cv2.RANSAC, ransacReprojThreshold=RANSAC_PIXELS
    )
    if matrix is None or inlier_mask is None:
        return Geometry(len(good), 0, False)
    inliers = int(inlier_mask.sum())
    scale = float(np.hypot(matrix[0, 0], matrix[1, 0]))
    rotation = float(np.degrees(np.arctan2(matrix[1, 0], matrix[0, 0])))
    confirmed = inliers >= MIN_INLIERS
    inside = spread = None
    if placed:
        inside = _inside(matrix, gq.shape, gs.shape)
        spread = _spread(src.reshape(-1, 2)[inlier_mask.ravel() > 0], gq.shape)
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
