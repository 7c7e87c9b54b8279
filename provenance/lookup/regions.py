"""Where the photograph is inside a screenshot: its region, cut out and set upright.

People re-post a photo as a screenshot: the photo sits on a canvas (a white or dark page),
under an app bar, above a caption and a like count. Whole-image hashes of the screenshot are
22-28 pHash bits from the photo, further than unrelated photos, so lookup first finds the
photo's region and hashes that. The canvas colour is the commonest colour along the border;
every pixel that differs from it belongs to the page's content; the largest connected blob
of content is the photo (captions and bars are thin, text is small). A photo pasted at an
angle is a tilted rectangle: its minimum-area rectangle is warped upright.

Whole-photo geometry only: nothing here looks for faces or people.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import cv2
import numpy as np
from PIL import Image

MIN_AREA = 0.04
"""A region must cover at least this fraction of the screenshot (smaller blobs are text,
icons or avatars next to the photo)."""
MIN_SIDE = 32
CANVAS_TOLERANCES = (24, 10)
"""Largest channel difference (0-255) still counted as the canvas, tried in turn: at 24 JPEG
ringing and anti-aliasing around text stay canvas and a photo stands out; at 10 a photo with
a pale sky next to a white page stays whole (a sky at 230-250 is canvas at 24)."""
MIN_FILL = 0.8
"""A blob filling at least this much of its minimum-area rectangle is a (possibly tilted)
rectangle, worth warping upright."""
MAX_REGIONS = 2
MAX_ASPECT = 5
WORK_SIDE = 640
"""Regions are found on a copy reduced by an integer factor to about this longer side."""


@dataclass(frozen=True, slots=True)
class Region:
    """A candidate photo region: how it was found and the pixels."""

    name: str
    image: Image.Image
    box: tuple[int, int, int, int]
    angle: float = 0.0


def _canvas_colour(arr: np.ndarray) -> np.ndarray:
    border = np.concatenate([arr[0], arr[-1], arr[:, 0], arr[:, -1]])
    q = (border // 8).astype(np.int32)
    keys = q[:, 0] * 1024 + q[:, 1] * 32 + q[:, 2]
    values, counts = np.unique(keys, return_counts=True)
    k = int(values[counts.argmax()])
    return np.array([k // 1024, (k // 32) % 32, k % 32]) * 8 + 4


def _upright(
    rgb: np.ndarray, rect: tuple[Sequence[float], Sequence[float], float]
) -> Image.Image | None:
    """The tilted rectangle ``rect`` (OpenCV's minimum-area rectangle) warped upright."""
    box = cv2.boxPoints(rect).astype(np.float32)
    sums, diffs = box.sum(axis=1), np.diff(box, axis=1).ravel()
    tl, br = box[sums.argmin()], box[sums.argmax()]
    tr, bl = box[diffs.argmin()], box[diffs.argmax()]
    width = round(float(np.linalg.norm(tr - tl)))
    height = round(float(np.linalg.norm(bl - tl)))
    if width < MIN_SIDE or height < MIN_SIDE:
        return None
    target = np.array(
        [[0, 0], [width - 1, 0], [width - 1, height - 1], [0, height - 1]], np.float32
    )
    matrix = cv2.getPerspectiveTransform(np.array([tl, tr, br, bl]), target)
    warped = cv2.warpPerspective(rgb, matrix, (width, height), flags=cv2.INTER_LINEAR)
    return Image.fromarray(warped)


def photo_regions(image: Image.Image) -> list[Region]:
    """The regions of ``image`` that may be a photograph pasted into it, largest first.

    Returns an empty list when nothing but the whole image is a candidate (a plain photo
    fills its frame: its border is not one canvas colour).
    """
    full = image.convert("RGB")
    if min(full.size) < MIN_SIDE:
        return []
    # the regions are found on a reduced copy (the mask needs no detail) and cut from the file
    factor = max(1.0, max(full.size) / WORK_SIDE)
    small = full.reduce(int(factor)) if factor >= 2 else full
    factor = full.width / small.width
    arr = np.asarray(small)
    canvas = _canvas_colour(arr.astype(np.int16))
    # the largest channel difference from the canvas, once for every tolerance (uint8 channel
    # planes: a max over a last axis of three is slow in numpy)
    diff = cv2.absdiff(arr, np.broadcast_to(canvas.astype(np.uint8), arr.shape).copy())
    off = np.maximum(np.maximum(diff[:, :, 0], diff[:, :, 1]), diff[:, :, 2])
    out: list[Region] = []
    for tolerance in CANVAS_TOLERANCES:
        for region in _blobs(full, off, tolerance, factor, len(out)):
            upright = region.name.endswith("-upright")
            if not any(
                _same_box(region.box, known.box) and upright == known.name.endswith("-upright")
                for known in out
            ):
                out.append(region)
    return out


def _same_box(a: tuple[int, int, int, int], b: tuple[int, int, int, int]) -> bool:
    """Boxes within 3 % of their size (hashes and keypoints of the two would agree)."""
    slack = max(3, round(0.03 * max(a[2], a[3], b[2], b[3])))
    return all(abs(x - y) <= slack for x, y in zip(a, b, strict=True))


def _blobs(
    full: Image.Image,
    off: np.ndarray,
    tolerance: int,
    factor: float,
    numbered: int,
) -> list[Region]:
    """The large blobs of content (pixels whose channels are off the canvas colour, ``off``,
    by more than ``tolerance``), each cut from the full image, and set upright when it is a
    tilted rectangle."""
    h, w = off.shape
    mask = (off > tolerance).astype(np.uint8)
    content = cv2.morphologyEx(mask, cv2.MORPH_OPEN, np.ones((3, 3), np.uint8))
    _, labels, stats, _ = cv2.connectedComponentsWithStats(content, connectivity=8)
    out: list[Region] = []
    for i in np.argsort(-stats[1:, cv2.CC_STAT_AREA])[:MAX_REGIONS] + 1:
        x, y, bw, bh, area = (int(v) for v in stats[i])
        if bw * bh < MIN_AREA * w * h or min(bw, bh) * factor < MIN_SIDE:
            continue
        if bw * bh > 0.98 * w * h:
            continue  # the whole frame: already queried as it is
        if max(bw, bh) > MAX_ASPECT * min(bw, bh):
            continue  # an app bar or a caption strip, not a photo
        n = numbered + len([r for r in out if not r.name.endswith("-upright")]) + 1
        box = (round(x * factor), round(y * factor), round(bw * factor), round(bh * factor))
        fx, fy, fw, fh = box
        out.append(Region(f"region{n}", full.crop((fx, fy, fx + fw, fy + fh)), box))
        contours, _ = cv2.findContours(
            (labels == i).astype(np.uint8), cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE
        )
        rect = cv2.minAreaRect(max(contours, key=cv2.contourArea))
        (cx, cy), (rw, rh), angle = rect
        tilt = min(abs(angle) % 90, 90 - abs(angle) % 90)
        if tilt >= 1 and rw * rh > 0 and area / (rw * rh) >= MIN_FILL:
            scaled = ((cx * factor, cy * factor), (rw * factor, rh * factor), angle)
            upright = _upright(np.asarray(full), scaled)
            if upright is not None:
                out.append(Region(f"region{n}-upright", upright, box, float(angle)))
    return out
