"""Real photographs: edited re-posts are found with their distances; other photos are not.

The photographs ship inside scikit-image and scikit-learn (nothing is downloaded).
"""

from __future__ import annotations

import io
from collections.abc import Callable

import pytest
from PIL import Image, ImageOps

from provenance.errors import ConfigError
from provenance.lookup import DIHEDRAL_VARIANTS, HashEntry, HashIndex, hashes_of

skdata = pytest.importorskip("skimage.data")
sklearn_datasets = pytest.importorskip("sklearn.datasets")

STORED = ("astronaut", "chelsea", "china", "rocket", "camera")
OTHER = "coffee"  # never stored: the "different photo"


def photo(name: str) -> Image.Image:
    """A bundled photograph as an RGB image."""
    if name in ("china", "flower"):
        images = sklearn_datasets.load_sample_images()
        index = [f.endswith(f"{name}.jpg") for f in images.filenames].index(True)
        return Image.fromarray(images.images[index])
    return Image.fromarray(getattr(skdata, name)()).convert("RGB")


def encode(im: Image.Image, fmt: str = "JPEG", quality: int = 85, **kw: object) -> bytes:
    buf = io.BytesIO()
    if fmt == "JPEG":
        im.convert("RGB").save(buf, fmt, quality=quality, **kw)
    else:
        im.save(buf, fmt, **kw)
    return buf.getvalue()


def distance(a: str | None, b: str | None) -> int:
    """Hamming distance of two hex hashes (both must be present)."""
    assert a is not None
    assert b is not None
    return (int(a, 16) ^ int(b, 16)).bit_count()


def centre_crop(im: Image.Image, area: float) -> Image.Image:
    """Remove ``area`` of the picture's area evenly from all four sides."""
    w, h = im.size
    s = (1 - (1 - area) ** 0.5) / 2
    return im.crop((round(w * s), round(h * s), round(w * (1 - s)), round(h * (1 - s))))


EDITS: dict[str, Callable[[Image.Image], bytes]] = {
    "resized_x0.5": lambda im: encode(im.resize((im.width // 2, im.height // 2))),
    "cropped_10pct": lambda im: encode(centre_crop(im, 0.10)),
    "jpeg_q40": lambda im: encode(im, quality=40),
    "mirrored": lambda im: encode(ImageOps.mirror(im)),
}


@pytest.fixture(scope="module")
def index() -> HashIndex:
    """The stored photographs, hashed as collected (lossless originals)."""
    entries = []
    for ident, name in enumerate(STORED):
        h = hashes_of(encode(photo(name), "PNG"))[0]
        entries.append(HashEntry(ident, h.pdq, h.phash, h.pdq_quality))
    return HashIndex.from_records(entries)


@pytest.mark.parametrize("name", ["astronaut", "chelsea", "china"])
@pytest.mark.parametrize("edit", sorted(EDITS))
def test_edited_repost_finds_its_original_only(index, name, edit) -> None:
    variants = hashes_of(EDITS[edit](photo(name)))
    assert [v.variant for v in variants] == ["original", "mirror"]
    matches = index.query_variants(variants)
    assert [m.id for m in matches] == [STORED.index(name)], matches
    match = matches[0]
    assert match.pdq_distance is not None
    assert match.phash_distance is not None
    assert match.variant == ("mirror" if edit == "mirrored" else "original")
    # The distances are the evidence: small under the rule that matched.
    if "pdq" in match.matched_by:
        assert match.pdq_distance <= 31
    if "phash" in match.matched_by:
        assert match.phash_distance <= 10
    print(f"{name} {edit}: {match}")


def test_mirror_is_not_found_without_the_mirror_variant(index) -> None:
    original, _mirror = hashes_of(encode(ImageOps.mirror(photo("chelsea"))))
    assert index.query(original.pdq, original.phash, pdq_quality=original.pdq_quality) == []


def test_a_different_photo_is_not_matched(index) -> None:
    variants = hashes_of(encode(photo(OTHER)))
    assert index.query_variants(variants) == []
    assert index.query_variants(hashes_of(encode(photo(OTHER)), dihedral=True)) == []


def test_dihedral_variants_find_a_rotated_repost(index) -> None:
    rotated = encode(photo("astronaut").transpose(Image.Transpose.ROTATE_90))
    assert index.query_variants(hashes_of(rotated)) == []
    variants = hashes_of(rotated, dihedral=True)
    assert [v.variant for v in variants] == [name for name, _ in DIHEDRAL_VARIANTS]
    matches = index.query_variants(variants)
    assert [(m.id, m.variant) for m in matches] == [(STORED.index("astronaut"), "rotate270")]


def test_exif_orientation_is_applied_before_hashing() -> None:
    upright = photo("chelsea")
    stored = upright.transpose(Image.Transpose.ROTATE_90)  # displayed after a 90° clockwise turn
    exif = Image.Exif()
    exif[0x0112] = 6
    tagged = hashes_of(encode(stored, exif=exif.tobytes()))[0]
    plain = hashes_of(encode(upright))[0]
    assert distance(tagged.pdq, plain.pdq) <= 16
    assert distance(tagged.phash, plain.phash) <= 4


def test_hashes_have_the_stored_formats() -> None:
    (original, mirror) = hashes_of(encode(photo("rocket"), "PNG"))
    for h in (original, mirror):
        assert len(h.pdq or "") == 64
        assert len(h.phash or "") == 16
        assert 50 <= (h.pdq_quality or 0) <= 100
        assert distance(h.pdq, h.pdq) == 0
    assert original.phash != mirror.phash


@pytest.mark.parametrize(
    ("data", "kwargs", "reason"),
    [
        (b"not an image", {}, "not an image"),
        (encode(Image.new("RGB", (64, 64)))[:200], {}, "cannot be decoded"),
        (encode(Image.new("RGB", (64, 64))), {"max_pixels": 1000}, "outside the caps"),
    ],
)
def test_unusable_query_images_are_refused_with_a_reason(data, kwargs, reason) -> None:
    with pytest.raises(ConfigError, match=reason):
        hashes_of(data, **kwargs)


def test_flat_image_has_low_quality_and_does_not_match_by_pdq() -> None:
    flat = encode(Image.new("RGB", (300, 200), (120, 120, 120)), "PNG")
    (h, _) = hashes_of(flat)
    assert (h.pdq_quality or 0) < 50
    index = HashIndex.from_records([HashEntry(1, h.pdq, None, h.pdq_quality)])
    assert index.query(h.pdq, None, pdq_quality=h.pdq_quality) == []


@pytest.mark.filterwarnings("ignore:Corrupt EXIF data:UserWarning")
def test_broken_exif_block_does_not_stop_hashing(index) -> None:
    """An EXIF block with an IFD offset past its end: the picture is still hashed and found."""
    jpeg = encode(photo("chelsea"))
    app1 = b"Exif\x00\x00MM\x00\x2a\x00\x00\xff\xff\xff\xf0" + b"\x00" * 10
    broken = jpeg[:2] + b"\xff\xe1" + (len(app1) + 2).to_bytes(2, "big") + app1 + jpeg[2:]
    matches = index.query_variants(hashes_of(broken))
    assert [m.id for m in matches] == [STORED.index("chelsea")]
