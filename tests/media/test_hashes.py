"""Perceptual hashes: stable, near for re-encoded/resized/cropped copies, mirror found by PDQ."""

from __future__ import annotations

import io
from collections.abc import Callable

import imagehash
import numpy as np
import pdqhash
import pytest
from PIL import Image

from provenance.media import (
    _resample,
    analyze,
    hamming,
    hashes,
    min_pdq_distance,
    pdq_dihedral,
    variant_hashes,
    working_raster,
)
from provenance.media.hashes import DIHEDRAL_NAMES, compute, pdq_hex

from .conftest import photo, to_jpeg, to_png

# PDQ's recommended match threshold (ThreatExchange pdq/README.md) and a folk pHash cut-off.
PDQ_MATCH = 31
PHASH_NEAR = 10


def test_hash_formats() -> None:
    facts = analyze(to_jpeg(photo("astronaut")))
    assert facts.phash is not None
    assert facts.dhash is not None
    assert facts.pdq is not None
    assert len(facts.phash) == 16
    assert len(facts.dhash) == 16
    assert len(facts.pdq) == 64
    int(facts.phash + facts.dhash + facts.pdq, 16)
    assert facts.pdq_quality == 100
    assert facts.hash_basis is not None


def test_hashes_are_stable(fixture_bytes: Callable[[str], bytes]) -> None:
    # Golden values: a change here means every stored hash would stop matching.
    facts = analyze(fixture_bytes("exif-gps/DSCN0010.jpg"))
    again = analyze(fixture_bytes("exif-gps/DSCN0010.jpg"))
    assert (facts.phash, facts.dhash, facts.pdq) == (again.phash, again.dhash, again.pdq)
    assert facts.phash == "cedbd88c49eaf808"
    assert facts.dhash == "313c1d66e2e4e595"
    assert facts.pdq == "564e785eb0c31ac72b4b8e9450e68dc3dfb04b4975cfd1eb8f59a11c038f806d"


@pytest.mark.parametrize("name", ["astronaut", "coffee", "chelsea", "grace_hopper", "china"])
def test_reduced_decode_stays_close_to_full_decode_hashes(
    name: str, record_property: Callable[[str, object], None]
) -> None:
    data = to_jpeg(photo(name))
    full = Image.open(io.BytesIO(data)).convert("RGB")
    vector, _ = pdqhash.compute(np.asarray(full))
    facts = analyze(data, detect_faces=False)
    assert facts.phash
    assert facts.dhash
    assert facts.pdq
    d = {
        "phash": hamming(facts.phash, str(imagehash.phash(full))),
        "dhash": hamming(facts.dhash, str(imagehash.dhash(full))),
        "pdq": hamming(facts.pdq, pdq_hex(vector)),
    }
    record_property(f"{name}/full-decode", d)
    assert d["phash"] <= 3
    assert d["dhash"] <= 4
    # Meta's own CLI resizes to 512x512 first, which moves PDQ by up to 12 bits on these
    # images; the reduced decode stays in the same range.
    assert d["pdq"] <= 16


def _variants(im: Image.Image) -> dict[str, bytes]:
    w, h = im.size
    return {
        "reencoded_q60": to_jpeg(im, 60),
        "resized_60pct": to_jpeg(im.resize((w * 3 // 5, h * 3 // 5), Image.Resampling.LANCZOS), 75),
        "upscaled_png": to_png(im.resize((w * 2, h * 2), Image.Resampling.BICUBIC)),
        "cropped_2pct": to_jpeg(im.crop((w // 50, h // 50, w - w // 50, h - h // 50)), 85),
    }


@pytest.mark.parametrize("name", ["astronaut", "coffee", "chelsea"])
def test_variants_are_near(name: str, record_property: Callable[[str, object], None]) -> None:
    im = photo(name)
    base = analyze(to_jpeg(im))
    other = analyze(to_jpeg(photo("rocket")))
    assert base.phash
    assert base.dhash
    assert base.pdq
    assert other.pdq
    assert other.phash
    for label, data in _variants(im).items():
        facts = analyze(data)
        assert facts.phash
        assert facts.dhash
        assert facts.pdq
        d = {
            "phash": hamming(base.phash, facts.phash),
            "dhash": hamming(base.dhash, facts.dhash),
            "pdq": hamming(base.pdq, facts.pdq),
        }
        record_property(f"{name}/{label}", d)
        print(f"{name}/{label}: {d}")
        assert d["phash"] <= PHASH_NEAR, (label, d)
        if label != "cropped_2pct":  # PDQ, like the reference, is not crop-tolerant
            assert d["pdq"] <= PDQ_MATCH, (label, d)
    assert hamming(base.pdq, other.pdq) > 2 * PDQ_MATCH
    assert hamming(base.phash, other.phash) > PHASH_NEAR


@pytest.mark.parametrize("name", ["astronaut", "coffee", "chelsea"])
def test_mirrored_copy_is_found_through_dihedral_pdq(
    name: str, record_property: Callable[[str, object], None]
) -> None:
    im = photo(name)
    original = to_jpeg(im)
    mirrored = analyze(to_jpeg(im.transpose(Image.Transpose.FLIP_LEFT_RIGHT)))
    dihedral = pdq_dihedral(original)
    assert dihedral is not None
    assert tuple(dihedral) == DIHEDRAL_NAMES
    assert mirrored.pdq is not None
    base_pdq = analyze(original).pdq
    assert base_pdq is not None
    assert dihedral["original"] == base_pdq
    plain = hamming(base_pdq, mirrored.pdq)
    variant, distance = min_pdq_distance(mirrored.pdq, dihedral)
    record_property(f"{name}/mirror", {"plain": plain, "dihedral": distance})
    print(f"{name}/mirror: plain {plain}, best dihedral {variant} {distance}")
    assert plain > PDQ_MATCH  # a plain comparison misses the mirror...
    assert variant == "flipY"  # ...the left-right flip of the original finds it
    assert distance <= PDQ_MATCH


def test_exif_orientation_is_applied_before_hashing() -> None:
    im = photo("coffee")
    upright = analyze(to_jpeg(im))
    stored = im.transpose(Image.Transpose.ROTATE_90)  # pixels stored turned counter-clockwise
    exif = Image.Exif()
    exif[0x0112] = 6  # "rotate 90 degrees clockwise to display"
    facts = analyze(_jpeg_with_exif(stored, exif))
    assert facts.exif.orientation == 6
    assert (facts.width, facts.height) == (400, 600)  # as stored
    assert upright.pdq
    assert facts.pdq
    assert upright.phash
    assert facts.phash
    assert hamming(upright.pdq, facts.pdq) <= PDQ_MATCH
    assert hamming(upright.phash, facts.phash) <= PHASH_NEAR


def _jpeg_with_exif(im: Image.Image, exif: Image.Exif) -> bytes:
    buf = io.BytesIO()
    im.save(buf, "JPEG", quality=90, exif=exif)
    return buf.getvalue()


def test_pdq_dihedral_of_undecodable_bytes_is_none() -> None:
    assert pdq_dihedral(b"not an image") is None


def test_rotated_repost_is_found_with_all_three_hashes() -> None:
    im = photo("chelsea")
    variants = variant_hashes(to_jpeg(im))
    assert variants is not None
    assert tuple(variants) == DIHEDRAL_NAMES
    for name, op in (
        ("rotate90", Image.Transpose.ROTATE_90),
        ("flipY", Image.Transpose.FLIP_LEFT_RIGHT),
    ):
        repost = analyze(to_jpeg(im.transpose(op), 80), detect_faces=False)
        assert repost.pdq
        assert repost.phash
        assert repost.dhash
        best, distance = min_pdq_distance(repost.pdq, {k: v.pdq for k, v in variants.items()})
        assert best == name
        assert distance <= 8
        assert hamming(repost.phash, variants[name].phash) <= 4
        assert hamming(repost.dhash, variants[name].dhash) <= 6


def test_working_raster_is_what_analyze_hashes() -> None:
    data = to_jpeg(photo("coffee"))
    raster = working_raster(data)
    assert raster is not None
    assert raster.mode == "L"
    assert min(raster.size) >= 240
    facts = analyze(data, detect_faces=False)
    assert compute(raster).pdq == facts.pdq


def _rasters() -> list[Image.Image]:
    """Luma rasters of many sizes and kinds: photos and their crops, noise, flat, gradients."""
    rng = np.random.default_rng(15)
    out = []
    for name in ("astronaut", "coffee", "chelsea", "grace_hopper", "china"):
        luma = working_raster(to_jpeg(photo(name)))
        assert luma is not None
        w, h = luma.size
        out += [luma, luma.crop((w // 7, h // 9, w - w // 5, h - h // 11))]
    for width, height in [(1, 1), (5, 3), (9, 8), (32, 32), (33, 31), (600, 7), (7, 600)]:
        out.append(Image.fromarray(np.full((height, width), 77, np.uint8), "L"))
        out.append(Image.fromarray(rng.integers(0, 256, (height, width), dtype=np.uint8), "L"))
    for _ in range(40):
        width, height = (int(v) for v in rng.integers(1, 500, 2))
        pixels = rng.integers(0, 256, (height, width), dtype=np.uint8)
        if rng.random() < 0.5:
            pixels = np.add.outer(np.arange(height), np.arange(width)).astype(np.uint8)
        out.append(Image.fromarray(pixels, "L"))
    return out


def test_fast_phash_and_dhash_are_imagehash_bit_for_bit() -> None:
    # Stored hashes (and the lookup index) compare these bits: the NumPy path must give
    # imagehash's exact strings, ties included (flat rasters take scipy's DCT).
    for luma in _rasters():
        assert hashes.phash(luma) == str(imagehash.phash(luma)), luma.size
        assert hashes.dhash(luma) == str(imagehash.dhash(luma)), luma.size


def test_resample_is_pillows_lanczos() -> None:
    assert _resample.pillow_order_is_known(), "Pillow changed: re-check _resample against it"
    rng = np.random.default_rng(7)
    for _ in range(150):
        width, height = (int(v) for v in rng.integers(1, 400, 2))
        pixels = rng.integers(0, 256, (height, width), dtype=np.uint8)
        for size in ((32, 32), (9, 8), tuple(int(v) for v in rng.integers(1, 80, 2))):
            expected = Image.fromarray(pixels, "L").resize(size, Image.Resampling.LANCZOS)
            assert np.array_equal(_resample.resize(pixels, *size), np.asarray(expected))
