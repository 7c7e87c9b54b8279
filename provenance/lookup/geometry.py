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
from PIL import Image, ImageOps

WORK_SIDE = 512
"""Both rasters are reduced so their longer side is at most this (ORB is scale-limited)."""
FEATURES = 1500
RATIO = 0.75
"""Lowe's ratio: a keypoint match counts only if clearly better than the second best."""
RANSAC_PIXELS = 6.0
MIN_INLIERS = 12
"""Inliers of the fitted similarity needed to confirm. Measured on the demo photographs:
screenshots of re-posts tilted 6 degrees kept 14-400 inliers, different photographs 4-8
(a third of the demo library; tests/ops/test_reposts.py holds the suite)."""


@dataclass(frozen=True, slots=True)
class Geometry:
    """The keypoint check of one candidate: matches, RANSAC inliers and the verdict."""

    matches: int
    inliers: int
    confirmed: bool
    scale: float | None = None
    rotation: float | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (printed with each match)."""
        return {
            "matches": self.matches,
            "inliers": self.inliers,
            "confirmed": self.confirmed,
            "scale": None if self.scale is None else round(self.scale, 3),
            "rotation": None if self.rotation is None else round(self.rotation, 1),
            "min_inliers": MIN_INLIERS,
        }


def _gray(image: Image.Image) -> np.ndarray:
    im = ImageOps.exif_transpose(image).convert("L")
    scale = WORK_SIDE / max(im.size)
    if scale < 1:
        im = im.resize((max(1, round(im.width * scale)), max(1, round(im.height * scale))))
    return np.asarray(im)


def decode(data: bytes) -> Image.Image | None:
    """The stored bytes as an image, or ``None`` when they do not decode."""
    try:
        with Image.open(io.BytesIO(data)) as im:
            im.load()
            return im.copy()
    except (OSError, ValueError, Image.DecompressionBombError):
        return None


def confirm(query: Image.Image, stored: Image.Image, *, mirror: bool = False) -> Geometry:
    """Fit a similarity between the query (mirrored first if ``mirror``) and the stored image."""
    if mirror:
        query = ImageOps.mirror(query)
    orb = cv2.ORB_create(nfeatures=FEATURES)  # type: ignore[attr-defined]  # cv2 stubs lag
    kq, dq = orb.detectAndCompute(_gray(query), None)
    ks, ds = orb.detectAndCompute(_gray(stored), None)
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
    return Geometry(len(good), inliers, inliers >= MIN_INLIERS, scale, rotation)
