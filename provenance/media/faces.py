"""Face *detection* (count and boxes) on the working luma raster. Never embeddings or identity.

Detector: OpenCV's LBP frontal-face cascade (scikit-image's package copy; opencv-python ships
only Haar cascades, several times slower) on the reduced working raster, with two guards
measured on the demo web's ground truth and the LFW subset (bench/media.py):

- when LBP finds nothing, Haar ``frontalface_default`` looks again for large faces only (cheap
  on the reduced copy): LBP alone missed a tight mugshot;
- every candidate box is confirmed by a second cascade (Haar ``frontalface_alt2``) on the box
  and its margins: LBP alone took a cat for a face, Haar alone a flower.

The LBP copy misspells one XML tag (``featuhreParams``), which is corrected in memory before
loading. Nothing is downloaded.

Two passes keep the cost bounded whatever the image size:

1. small and medium faces: the raster is scaled so its shorter side is ``work_short_side``
   pixels and scanned for faces from ``min_size`` up to ``large_fraction`` of that side;
2. large faces (portraits, avatars, tight crops): a further-reduced copy, padded by
   replicating its border, is scanned for the rest. Cascade windows cannot extend past the
   image edge, so a face that fills the frame is otherwise missed; the padding lets the
   window include the forehead and chin margins the cascade was trained with.

Boxes from both passes are merged (overlapping boxes keep the larger) and mapped back to
full-size pixels by the caller. The smallest face found is ``min_size / work_short_side`` of
the image's shorter side (15 % with the defaults: 72 px in a 640x480 photo). The defaults were
chosen with ``python -m bench.media --tune``: LFW recall and false positives, the named photos,
and cost; smaller working sizes or a coarser ``scale_factor`` are cheaper but miss
medium-sized faces (see bench/README.md).
"""

from __future__ import annotations

import importlib.util
import threading
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import cv2
import numpy as np

LBP_FILE = "lbpcascade_frontalface_opencv.xml"
HAAR_FALLBACK = "haarcascade_frontalface_alt2.xml"

Box = tuple[int, int, int, int]


@dataclass(frozen=True, slots=True)
class FaceSettings:
    """Tuning of the two-pass cascade detector (see module docstring); measured in bench.media."""

    cascade: str = "lbp"  # lbp | haar-default | haar-alt2
    # run on the large-face pass when the first cascade found nothing
    fallback_cascade: str | None = "haar-default"
    fallback_scale_factor: float = 1.2
    work_short_side: int = 160
    scale_factor: float = 1.15
    min_neighbors: int = 2
    min_size: int = 24
    large_fraction: float = 0.5
    large_target: int = 32
    large_pad: float = 0.2
    large_scale_factor: float = 1.1
    large_min_neighbors: int = 2
    merge_iou: float = 0.3
    # Each candidate box is confirmed by a second cascade on the box and its margins, which
    # removes the large-pass false positives (textured petals, a cat) at a small cost.
    verify_cascade: str | None = "haar-alt2"
    verify_min_neighbors: int = 2
    verify_margin: float = 0.25
    verify_size: int = 64


def _skimage_lbp_text() -> str | None:
    spec = importlib.util.find_spec("skimage")
    if spec is None or not spec.submodule_search_locations:
        return None
    for location in spec.submodule_search_locations:
        path = Path(location) / "data" / LBP_FILE
        if path.is_file():
            return path.read_text(encoding="utf-8").replace("featuhreParams", "featureParams")
    return None


HAAR_FILES = {
    "haar-default": "haarcascade_frontalface_default.xml",
    "haar-alt2": HAAR_FALLBACK,
}


def _load_cascade(name: str = "haar-default") -> tuple[Any, str]:
    haar_dir = Path(cv2.__file__).parent / "data"
    if name == "lbp":
        text = _skimage_lbp_text()
        if text is not None:
            storage = cv2.FileStorage(text, cv2.FILE_STORAGE_READ | cv2.FILE_STORAGE_MEMORY)
            classifier = cv2.CascadeClassifier()
            if classifier.read(storage.getFirstTopLevelNode()) and not classifier.empty():
                return classifier, "opencv-lbp-frontalface (scikit-image package data)"
    elif name in HAAR_FILES:
        classifier = cv2.CascadeClassifier(str(haar_dir / HAAR_FILES[name]))
        if not classifier.empty():
            return classifier, f"opencv-{HAAR_FILES[name].removesuffix('.xml')}"
    classifier = cv2.CascadeClassifier(str(haar_dir / HAAR_FALLBACK))
    if classifier.empty():
        raise RuntimeError("no face cascade could be loaded from the installed packages")
    return classifier, f"opencv-haar-{HAAR_FALLBACK.removesuffix('.xml')}"


def _resize(gray: np.ndarray, scale: float) -> np.ndarray:
    height, width = gray.shape
    size = (max(1, round(width * scale)), max(1, round(height * scale)))
    return np.asarray(cv2.resize(gray, size, interpolation=cv2.INTER_AREA))


def _iou(a: Box, b: Box) -> float:
    ax2, ay2, bx2, by2 = a[0] + a[2], a[1] + a[3], b[0] + b[2], b[1] + b[3]
    iw = max(0, min(ax2, bx2) - max(a[0], b[0]))
    ih = max(0, min(ay2, by2) - max(a[1], b[1]))
    inter = iw * ih
    union = a[2] * a[3] + b[2] * b[3] - inter
    smaller = min(a[2] * a[3], b[2] * b[3])
    if union <= 0 or smaller <= 0:
        return 0.0
    # A box nested inside another counts as full overlap: both passes may find one face.
    return 1.0 if inter == smaller else inter / union


def merge(boxes: list[Box], threshold: float) -> list[Box]:
    """Drop boxes overlapping a larger kept box by more than ``threshold`` IoU."""
    kept: list[Box] = []
    for box in sorted(boxes, key=lambda b: b[2] * b[3], reverse=True):
        if all(_iou(box, k) <= threshold for k in kept):
            kept.append(box)
    return sorted(kept)


class FaceDetector:
    """A reusable, thread-safe detector; each thread lazily loads its own cascade."""

    def __init__(self, settings: FaceSettings | None = None) -> None:
        self.settings = settings or FaceSettings()
        self._local = threading.local()
        _, self.name = self._cascade()

    def _cascade(self) -> tuple[Any, str]:
        loaded = getattr(self._local, "cascade", None)
        if loaded is None:
            loaded = _load_cascade(self.settings.cascade)
            self._local.cascade = loaded
        return loaded

    def _verifier(self) -> Any:
        loaded = getattr(self._local, "verifier", None)
        if loaded is None and self.settings.verify_cascade:
            loaded = _load_cascade(self.settings.verify_cascade)[0]
            self._local.verifier = loaded
        return loaded

    def _confirmed(self, gray: np.ndarray, box: Box) -> bool:
        s = self.settings
        verifier = self._verifier()
        if verifier is None:
            return True
        x, y, w, h = box
        height, width = gray.shape
        m = int(s.verify_margin * w)
        roi = gray[max(0, y - m) : min(height, y + h + m), max(0, x - m) : min(width, x + w + m)]
        if roi.size == 0:
            return False
        roi = _resize(roi, s.verify_size / max(1, min(roi.shape)))
        pad = s.verify_size // 8
        roi = cv2.copyMakeBorder(roi, pad, pad, pad, pad, cv2.BORDER_REPLICATE)
        side = int(s.verify_size * 0.4)
        found = verifier.detectMultiScale(
            roi, scaleFactor=1.1, minNeighbors=s.verify_min_neighbors, minSize=(side, side)
        )
        return len(found) > 0

    def describe(self) -> dict[str, Any]:
        """Name and settings, stored with every result so figures can be compared later."""
        return {"name": self.name, "opencv": cv2.__version__, **asdict(self.settings)}

    def detect(self, gray: np.ndarray) -> list[Box]:
        """Face boxes (x, y, w, h) in the coordinates of ``gray`` (a 2-D uint8 array)."""
        s = self.settings
        height, width = gray.shape
        if min(height, width) < 8:
            return []
        scale = min(1.0, s.work_short_side / min(height, width))
        work = _resize(gray, scale) if scale < 1.0 else gray
        cascade, _ = self._cascade()
        boxes = self._small_pass(cascade, work, scale) + self._large_pass(cascade, work, scale)
        fallback = self._fallback()
        if not boxes and fallback is not None:
            # the fast cascade misses some tight portraits (mugshots, avatars): look again for
            # large faces only, which is cheap on the reduced copy
            boxes = self._large_pass(fallback, work, scale, s.fallback_scale_factor)
        clipped = [c for c in (_clip(b, width, height) for b in boxes) if c is not None]
        return [b for b in merge(clipped, s.merge_iou) if self._confirmed(gray, b)]

    def _small_pass(self, cascade: Any, work: np.ndarray, scale: float) -> list[Box]:
        s = self.settings
        large = int(min(work.shape) * s.large_fraction)
        if large <= s.min_size:
            return []
        found = cascade.detectMultiScale(
            work,
            scaleFactor=s.scale_factor,
            minNeighbors=s.min_neighbors,
            minSize=(s.min_size, s.min_size),
            maxSize=(large, large),
        )
        return [_scale_box(b, 1 / scale, 0) for b in found]

    def _large_pass(
        self, cascade: Any, work: np.ndarray, scale: float, scale_factor: float | None = None
    ) -> list[Box]:
        s = self.settings
        large = int(min(work.shape) * s.large_fraction)
        scale2 = min(1.0, s.large_target / max(1, large))
        small = _resize(work, scale2) if scale2 < 1.0 else work
        pad = max(1, round(min(small.shape) * s.large_pad))
        padded = cv2.copyMakeBorder(small, pad, pad, pad, pad, cv2.BORDER_REPLICATE)
        found = cascade.detectMultiScale(
            padded,
            scaleFactor=scale_factor or s.large_scale_factor,
            minNeighbors=s.large_min_neighbors,
            minSize=(s.min_size, s.min_size),
        )
        return [_scale_box(b, 1 / (scale * scale2), pad) for b in found]

    def _fallback(self) -> Any:
        if not self.settings.fallback_cascade:
            return None
        loaded = getattr(self._local, "fallback", None)
        if loaded is None:
            loaded = _load_cascade(self.settings.fallback_cascade)[0]
            self._local.fallback = loaded
        return loaded


def _scale_box(box: Any, factor: float, pad: int) -> Box:
    x, y, w, h = (int(v) for v in box)
    return (
        round((x - pad) * factor),
        round((y - pad) * factor),
        round(w * factor),
        round(h * factor),
    )


def _clip(box: Box, width: int, height: int) -> Box | None:
    x, y, w, h = box
    x2, y2 = min(width, x + w), min(height, y + h)
    x, y = max(0, x), max(0, y)
    if x2 - x < 2 or y2 - y < 2:
        return None
    return (x, y, x2 - x, y2 - y)


_default: FaceDetector | None = None
_default_lock = threading.Lock()


def default_detector() -> FaceDetector:
    """The process-wide detector with default settings."""
    global _default
    with _default_lock:
        if _default is None:
            _default = FaceDetector()
        return _default
