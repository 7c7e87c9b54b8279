"""Broken and hostile images never raise and get the right status (broken-images/SOURCES.md)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from PIL import Image

from provenance.media import MediaLimits, analyze
from provenance.observation import Status

from .conftest import photo, to_jpeg, to_png

Read = Callable[[str], bytes]


@pytest.mark.parametrize(
    ("name", "status", "reason_part"),
    [
        ("truncated_jpeg.jpg", Status.UNPARSEABLE, "image file is truncated"),
        ("truncated_image.png", Status.UNPARSEABLE, "image file is truncated"),
        ("truncated_end_chunk.png", Status.UNPARSEABLE, "Truncated File Read"),
        ("broken_data_stream.png", Status.UNPARSEABLE, "unrecognized data stream"),
        ("broken.png", Status.UNPARSEABLE, "not an image"),
        ("pngtest_bad.png.bin", Status.UNPARSEABLE, "not an image"),
        ("decompression_bomb.gif", Status.TOO_LARGE, "decompression bomb"),
        ("decompression_bomb.ico", Status.TOO_LARGE, "decompression bomb"),
    ],
)
def test_status_and_reason(
    fixture_bytes: Read, name: str, status: Status, reason_part: str
) -> None:
    facts = analyze(fixture_bytes(f"broken-images/{name}"))
    assert facts.status is status
    assert facts.reason is not None
    assert reason_part in facts.reason
    # Nothing is hashed or detected from pixels that were not decoded.
    assert facts.phash is None
    assert facts.dhash is None
    assert facts.pdq is None
    assert facts.faces is None
    assert len(facts.sha256) == 64


def test_libpng_bad_with_its_first_byte_restored(fixture_bytes: Read) -> None:
    facts = analyze(b"\x89" + fixture_bytes("broken-images/pngtest_bad.png.bin"))
    assert facts.format == "png"
    assert facts.status is Status.UNPARSEABLE


def test_truncated_files_keep_their_dimensions(fixture_bytes: Read) -> None:
    facts = analyze(fixture_bytes("broken-images/truncated_image.png"))
    assert (facts.width, facts.height) == (640, 480)
    assert facts.format == "png"


def test_bomb_in_second_frame_is_never_decoded(fixture_bytes: Read) -> None:
    facts = analyze(fixture_bytes("broken-images/decompression_bomb_extents.gif"))
    assert facts.status is Status.OK
    assert (facts.width, facts.height) == (100, 100)
    assert facts.frames in (2, None)
    assert facts.pdq is not None  # first frame hashed


def test_invalid_exif_fails_soft(fixture_bytes: Read) -> None:
    facts = analyze(fixture_bytes("broken-images/invalid-exif.jpg"))
    assert facts.status is Status.OK
    assert (facts.width, facts.height) == (200, 200)
    assert facts.exif.status is Status.UNPARSEABLE
    assert facts.phash is not None
    assert facts.xmp.status is Status.OK


def test_byte_cap() -> None:
    data = to_jpeg(photo("coffee"))
    facts = analyze(data, limits=MediaLimits(max_bytes=len(data) - 1))
    assert facts.status is Status.TOO_LARGE
    assert facts.byte_size == len(data)
    assert facts.format == "jpeg"
    assert facts.phash is None


def test_pixel_cap_refuses_before_decoding() -> None:
    data = to_jpeg(photo("coffee"))  # 600x400
    facts = analyze(data, limits=MediaLimits(max_pixels=600 * 400 - 1))
    assert facts.status is Status.TOO_LARGE
    assert facts.reason == "decompression bomb"
    assert facts.pdq is None
    assert (facts.width, facts.height) == (600, 400)


def test_pillow_warning_threshold_is_an_error(monkeypatch: pytest.MonkeyPatch) -> None:
    # Between MAX_IMAGE_PIXELS and twice that Pillow only warns; provtrack refuses.
    data = to_png(Image.new("L", (100, 100)))
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 6_000)
    facts = analyze(data)
    assert facts.status is Status.TOO_LARGE
    assert facts.reason == "decompression bomb"


def test_empty_and_garbage_input() -> None:
    for data in (b"", b"\xff\xd8", b"\x89PNG\r\n\x1a\n", b"GIF89a", b"<svg onload=alert(1)>"):
        facts = analyze(data)
        assert facts.status is Status.UNPARSEABLE
        assert facts.byte_size == len(data)


def test_content_type_mismatch() -> None:
    png = to_png(Image.new("RGB", (32, 32), (200, 10, 10)))
    assert analyze(png, content_type="image/jpeg").content_type_mismatch is True
    assert analyze(png, content_type="image/png; charset=binary").content_type_mismatch is False
    assert analyze(png, content_type="application/octet-stream").content_type_mismatch is False
    assert analyze(png).content_type_mismatch is False
    assert analyze(png, content_type="image/jpeg").format == "png"
