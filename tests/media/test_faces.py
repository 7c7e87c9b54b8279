"""Face detection finds the faces in the package portraits and none in the other photos."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

from provenance.media import FaceDetector, analyze

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
    assert facts.face_detector["name"].startswith("opencv-lbp-frontalface")
    assert facts.face_detector["fallback_cascade"] == "haar-default"
    assert facts.face_detector["verify_cascade"] == "haar-alt2"


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
    assert recall >= 0.95
    assert false_positives <= 3


def test_detection_can_be_switched_off() -> None:
    facts = analyze(to_jpeg(photo("astronaut")), detect_faces=False)
    assert facts.faces is None
    assert facts.face_detector is None
    assert facts.pdq is not None


def test_detector_records_its_settings() -> None:
    described = FaceDetector().describe()
    for key in ("name", "opencv", "work_short_side", "scale_factor", "min_neighbors"):
        assert key in described


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
