"""The face ground truth holds against OpenCV's Haar frontal-face detector, image by image."""

from __future__ import annotations

import io
from typing import Any

import numpy as np
import pytest
from PIL import Image

from demoweb import photos, scale

from .conftest import Proxy

cv2 = pytest.importorskip("cv2")


@pytest.fixture(scope="module")
def detector() -> Any:
    cascade = cv2.CascadeClassifier(cv2.data.haarcascades + "haarcascade_frontalface_default.xml")
    assert not cascade.empty()
    return cascade


def _faces(detector: Any, data: bytes) -> int:
    with Image.open(io.BytesIO(data)) as im:
        grey = np.asarray(im.convert("L"))
    return len(detector.detectMultiScale(grey, scaleFactor=1.1, minNeighbors=5))


def test_every_served_photograph(detector: Any, proxy: Proxy, manifest: dict[str, Any]) -> None:
    checked = with_faces = 0
    for image in manifest["images"]:
        if image["status"] != 200 or image["hostile"] not in (
            None,
            "script_in_text",
            "wrong_content_type",
        ):
            continue
        found = _faces(detector, proxy.fetch(image["url"]).body)
        assert found == image["faces"], (image["url"], image["photo_id"], found)
        checked += 1
        with_faces += image["face"]
    assert checked >= 95
    assert with_faces >= 40
    assert max(i["faces"] for i in manifest["images"]) == 6  # the class photo


def test_face_counts_come_from_the_source(manifest: dict[str, Any]) -> None:
    for image in manifest["images"]:
        if image["photo_id"]:
            assert image["faces"] == photos.LIBRARY[image["photo_id"]].faces


def test_scale_pool(detector: Any) -> None:
    # Every third entry (faces and landscapes alike); all 256 were checked when the pool was
    # designed, which is how the clock crops (Haar saw faces in them) were found and dropped.
    pool = scale.pool()
    for k in range(0, scale.POOL_SIZE, 3):
        assert _faces(detector, pool[k]) == scale.pool_faces(k), k


def test_package_files_hold_the_loaders_pixels() -> None:
    skimage_data = pytest.importorskip("skimage.data")
    assert np.array_equal(np.asarray(photos.LIBRARY["astronaut"].load()), skimage_data.astronaut())
    assert np.array_equal(np.asarray(photos.LIBRARY["coffee"].load()), skimage_data.coffee())
