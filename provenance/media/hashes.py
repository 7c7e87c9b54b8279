"""Perceptual hashes of the working luma raster: imagehash pHash and dHash, and PDQ.

All three read the reduced luma raster from :mod:`provenance.media.decode` (shorter side
240-479 px, never above the original). PDQ's reference tool resizes anything over 512 px to
512x512 before hashing and then reduces to 64x64 itself; pHash reduces to 32x32 and dHash to
9x8, so hashing a reduced decode changes few bits (``python -m bench.media`` reports the
distances to full-decode hashes: pHash/dHash 0-2 bits, PDQ at most about 10).
PDQ gets the luma replicated into three channels: its RGB-to-luma weights sum to one, so the
luma it computes is the raster itself.

PDQ hex strings use the bit order of Meta's python-threatexchange (first vector element is the
most significant bit), so they compare with hashes from that ecosystem.
"""

from __future__ import annotations

from dataclasses import dataclass

import imagehash
import numpy as np
import pdqhash
from numpy.lib.stride_tricks import as_strided
from PIL import Image

from provenance.media import _resample
from provenance.media.decode import decode_luma, open_image, orient
from provenance.media.facts import DEFAULT_LIMITS, MediaLimits
from provenance.observation import Status

DIHEDRAL_NAMES = (
    "original",
    "rotate90",
    "rotate180",
    "rotate270",
    "flipX",  # upside down: flipped about the horizontal axis
    "flipY",  # mirrored left-right: flipped about the vertical axis
    "flipPlus1",  # transposed
    "flipMinus1",  # anti-transposed
)
_DIHEDRAL_OPS = (
    None,
    Image.Transpose.ROTATE_90,  # counter-clockwise, as pdqhash's rotate90
    Image.Transpose.ROTATE_180,
    Image.Transpose.ROTATE_270,
    Image.Transpose.FLIP_TOP_BOTTOM,
    Image.Transpose.FLIP_LEFT_RIGHT,
    Image.Transpose.TRANSPOSE,
    Image.Transpose.TRANSVERSE,
)


@dataclass(frozen=True, slots=True)
class Hashes:
    """pHash and dHash (16 hex chars each), PDQ (64 hex chars) and PDQ quality (0-100)."""

    phash: str
    dhash: str
    pdq: str
    pdq_quality: int


def _pdq_input(luma: Image.Image) -> np.ndarray:
    """The luma as an H x W x 3 view (zero-stride channel axis); pdqhash only reads it."""
    arr = np.array(luma, dtype=np.uint8)
    return as_strided(arr, shape=(*arr.shape, 3), strides=(*arr.strides, 0), writeable=True)


def _prereduce(luma: Image.Image, target: int, gap: int) -> Image.Image:
    """Box-reduce by an integer factor while staying >= ``gap`` x ``target`` on the short side.

    This is Pillow's ``resize(..., reducing_gap=...)`` done before imagehash's own LANCZOS
    resize, whose cost grows with the source size: pHash (32x32) gets gap 3, which Pillow's
    documentation calls indistinguishable from a direct resample, and costs half; dHash (9x8)
    compares neighbouring pixels and is touchier, so it gets gap 6 and costs a tenth. Measured
    against imagehash on the full-size decode: pHash within 2 bits, dHash within 3 (mean 0.3).
    """
    factor = min(luma.size) // (gap * target)
    return luma.reduce(factor) if factor >= 2 else luma


_DCT_LOW = 2.0 * np.cos(np.pi * np.outer(np.arange(8), 2 * np.arange(32) + 1) / 64)
"""The first 8 rows of scipy's unnormalised DCT-II for 32 points (imagehash's pHash DCT)."""
_TIE = 1e-6
"""A coefficient this close to the median could compare differently with scipy's FFT DCT
(their rounding differs by ~1e-9 here); such a raster is hashed by imagehash itself."""


def _bits_hex(bits: np.ndarray) -> str:
    """A boolean array as imagehash's hex string (row-major, first bit most significant)."""
    return np.packbits(bits.ravel()).tobytes().hex()


def phash(image: Image.Image) -> str:
    """``str(imagehash.phash(image))`` for a luma raster, bit for bit, at a third of the cost.

    imagehash resizes to 32x32 with Pillow's LANCZOS, takes scipy's DCT of both axes and
    compares the top-left 8x8 coefficients with their median. Here the resize is Pillow's own
    integer arithmetic reproduced exactly (:mod:`provenance.media._resample`) and the 8x8
    coefficients are two small matrix products; when a coefficient lies within ``_TIE`` of
    the median (flat images: ties) the hash is imagehash's own.
    """
    if image.mode != "L" or not _resample.pillow_order_is_known():
        return str(imagehash.phash(image))
    pixels = _resample.resize(np.asarray(image), 32, 32)
    low = _DCT_LOW @ pixels @ _DCT_LOW.T
    ranked = np.sort(low, axis=None)
    median = (ranked[31] + ranked[32]) / 2
    if np.abs(low - median).min() < _TIE:
        return str(imagehash.phash(image))
    return _bits_hex(low > median)


def dhash(image: Image.Image) -> str:
    """``str(imagehash.dhash(image))`` for a luma raster, bit for bit (see :func:`phash`)."""
    if image.mode != "L" or not _resample.pillow_order_is_known():
        return str(imagehash.dhash(image))
    pixels = _resample.resize(np.asarray(image), 9, 8)
    return _bits_hex(pixels[:, 1:] > pixels[:, :-1])


def pdq_hex(vector: np.ndarray) -> str:
    """A PDQ bit vector as 64 hex characters."""
    return np.packbits(np.asarray(vector, dtype=np.uint8)).tobytes().hex()


def compute(luma: Image.Image) -> Hashes:
    """All hashes of one luma raster."""
    vector, quality = pdqhash.compute(_pdq_input(luma))
    return Hashes(
        phash=phash(_prereduce(luma, 32, 3)),
        dhash=dhash(_prereduce(luma, 9, 6)),
        pdq=pdq_hex(vector),
        pdq_quality=int(quality),
    )


CROP_FRACTIONS = (0.05, 0.10, 0.15)
"""Fractions of each side removed for the crop pHashes; pHash tolerates about ±3 % between
neighbouring steps, so centred crops up to ~18 % per side meet one of them."""


def crop_phashes(
    luma: Image.Image, fractions: tuple[float, ...] = CROP_FRACTIONS
) -> tuple[str, ...]:
    """pHash of the centred crops of ``luma`` that remove each fraction of every side."""
    w, h = luma.size
    out: list[str] = []
    for f in fractions:
        dx, dy = round(w * f), round(h * f)
        crop = luma.crop((dx, dy, w - dx, h - dy))
        out.append(phash(_prereduce(crop, 32, 3)))
    return tuple(out)


def hamming(a: str, b: str) -> int:
    """Hamming distance between two hex hashes of equal length."""
    if len(a) != len(b):
        raise ValueError("hashes of different lengths")
    return (int(a, 16) ^ int(b, 16)).bit_count()


def working_raster(data: bytes, limits: MediaLimits = DEFAULT_LIMITS) -> Image.Image | None:
    """The oriented, reduced luma raster :func:`~provenance.media.analyze` hashes, or ``None``.

    Other modules (near-duplicate lookup of a query image) should hash this raster rather than
    decode on their own, so query and stored hashes come from the same pixels.
    """
    if len(data) > limits.max_bytes:
        return None
    im, outcome = open_image(data, limits)
    if im is None or outcome.status is not Status.OK:
        return None
    luma, outcome = decode_luma(im)
    if luma is None:
        return None
    try:
        orientation = im.getexif().get(0x0112)
    except Exception:  # unreadable EXIF just means no orientation
        orientation = None
    return orient(luma, orientation if isinstance(orientation, int) else None)


def variant_hashes(data: bytes, limits: MediaLimits = DEFAULT_LIMITS) -> dict[str, Hashes] | None:
    """pHash, dHash and PDQ of the eight rotations/flips of an image, keyed by DIHEDRAL_NAMES.

    Each variant is hashed from the transposed raster itself, which is what analyze() stores
    for a rotated or mirrored re-post. (pdqhash's one-DCT dihedral shortcut lands 6-24 bits
    away from that on the bundled photographs, most of PDQ's 31-bit match budget.)
    Returns ``None`` when the bytes cannot be decoded within the limits.
    """
    luma = working_raster(data, limits)
    if luma is None:
        return None
    return {
        name: compute(luma if op is None else luma.transpose(op))
        for name, op in zip(DIHEDRAL_NAMES, _DIHEDRAL_OPS, strict=True)
    }


def pdq_dihedral(data: bytes, limits: MediaLimits = DEFAULT_LIMITS) -> dict[str, str] | None:
    """PDQ hashes of the eight rotations/flips of an image, keyed by :data:`DIHEDRAL_NAMES`.

    Near-duplicate lookup compares a stored PDQ against all eight to find rotated or mirrored
    re-posts. Returns ``None`` when the bytes cannot be decoded within the limits.
    """
    variants = variant_hashes(data, limits)
    if variants is None:
        return None
    return {name: h.pdq for name, h in variants.items()}


def min_pdq_distance(query: str, dihedral: dict[str, str]) -> tuple[str, int]:
    """The dihedral variant closest to ``query`` and its distance."""
    best = min(dihedral.items(), key=lambda kv: hamming(query, kv[1]))
    return best[0], hamming(query, best[1])
