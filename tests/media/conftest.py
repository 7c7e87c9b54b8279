"""Shared helpers for the media tests: fixture paths and images built from package photos."""

from __future__ import annotations

import io
import struct
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

FIXTURES = Path(__file__).resolve().parents[2] / ".." / "shared" / "fixtures"


@pytest.fixture(scope="session")
def fixtures() -> Path:
    """The shared fixture folder, or a skip when this checkout has none beside it."""
    if not FIXTURES.is_dir():
        pytest.skip(f"shared fixtures not found at {FIXTURES.resolve()} (../shared/fixtures)")
    return FIXTURES


@pytest.fixture(scope="session")
def fixture_bytes(fixtures: Path) -> Callable[[str], bytes]:
    """Read one fixture file, e.g. ``fixture_bytes("c2pa/XCA.jpg")``."""

    def read(relative: str) -> bytes:
        return (fixtures / relative).read_bytes()

    return read


def to_jpeg(im: Image.Image, quality: int = 90) -> bytes:
    """Encode an image as baseline JPEG bytes."""
    buf = io.BytesIO()
    im.convert("RGB").save(buf, "JPEG", quality=quality)
    return buf.getvalue()


def to_png(im: Image.Image) -> bytes:
    """Encode an image as PNG bytes."""
    buf = io.BytesIO()
    im.save(buf, "PNG")
    return buf.getvalue()


def photo(name: str) -> Image.Image:
    """A photograph shipped with scikit-image, scikit-learn or matplotlib."""
    if name == "grace_hopper":
        from matplotlib import cbook

        with cbook.get_sample_data("grace_hopper.jpg") as fh:
            return Image.open(fh).convert("RGB")
    if name in ("china", "flower"):
        from sklearn.datasets import load_sample_image

        return Image.fromarray(load_sample_image(f"{name}.jpg"))
    from skimage import data

    return Image.fromarray(np.asarray(getattr(data, name)())).convert("RGB")


def with_segments(jpeg: bytes, segments: list[tuple[int, bytes]]) -> bytes:
    """Insert marker segments (e.g. APP1 XMP) right after the SOI of a JPEG."""
    out = bytearray(jpeg[:2])
    for marker, payload in segments:
        out += bytes((0xFF, marker)) + struct.pack(">H", len(payload) + 2) + payload
    out += jpeg[2:]
    return bytes(out)


XMP_HEADER = b"http://ns.adobe.com/xap/1.0/\x00"
XMP_EXT_HEADER = b"http://ns.adobe.com/xmp/extension/\x00"


def xmp_packet(description_body: str, attributes: str = "") -> bytes:
    """A complete XMP packet with one rdf:Description."""
    return (
        '<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>'
        '<x:xmpmeta xmlns:x="adobe:ns:meta/">'
        '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
        '<rdf:Description rdf:about="" '
        'xmlns:dc="http://purl.org/dc/elements/1.1/" '
        'xmlns:plus="http://ns.useplus.org/ldf/xmp/1.0/" '
        'xmlns:xmpNote="http://ns.adobe.com/xmp/note/" '
        f"{attributes}>"
        f"{description_body}"
        "</rdf:Description></rdf:RDF></x:xmpmeta>"
        '<?xpacket end="w"?>'
    ).encode()


@pytest.fixture(scope="session")
def small_jpeg() -> bytes:
    """A 64x48 JPEG with some texture, the carrier for synthetic metadata."""
    rng = np.random.default_rng(7)
    arr = rng.integers(0, 255, (48, 64, 3), dtype=np.uint8)
    return to_jpeg(Image.fromarray(arr))
