"""Hashes of a query image and of its mirror (or all eight rotations/flips), and its crops.

The query image is decoded and hashed by the same code that hashed every collected image
(:func:`provenance.media.hashes.working_raster` and :func:`~provenance.media.hashes.compute`),
so query and stored hashes are comparable bit for bit.

pHash changes by about half its bits under a mirror, and PDQ likewise, so a mirrored re-post is
found only by querying with the mirrored image's hashes. Each variant is hashed from the
transformed raster itself: ``pdqhash.compute_dihedral`` derives the eight variants from one DCT,
but on the bundled test photographs those differ by 18-24 bits from hashing the transformed
image (what the pipeline stores for a mirrored re-post), most of the 31-bit PDQ budget. Crops
defeat both whole-image hashes; the pHashes of centred crops (5, 10 and 15 % off each side, as
stored for every collected image) are added as pHash-only variants.
"""

from __future__ import annotations

from PIL import Image

from provenance.errors import ConfigError
from provenance.lookup.index import QueryHashes

MAX_QUERY_BYTES = 50 * 1024 * 1024

_T = Image.Transpose
DIHEDRAL_VARIANTS: tuple[tuple[str, _T | None], ...] = (
    ("original", None),
    ("rotate90", _T.ROTATE_90),  # counter-clockwise, pdqhash's "rotate90"
    ("rotate180", _T.ROTATE_180),
    ("rotate270", _T.ROTATE_270),
    ("flip_top_bottom", _T.FLIP_TOP_BOTTOM),  # pdqhash "flipX"
    ("mirror", _T.FLIP_LEFT_RIGHT),  # pdqhash "flipY": the usual mirrored re-post
    ("transpose", _T.TRANSPOSE),  # pdqhash "flipPlus1"
    ("transverse", _T.TRANSVERSE),  # pdqhash "flipMinus1"
)
"""Variant names and the Pillow transpose producing each, in pdqhash's dihedral order."""


def hashes_of(
    image_bytes: bytes,
    *,
    dihedral: bool = False,
    crops: bool = False,
    max_pixels: int | None = None,
) -> list[QueryHashes]:
    """Query hashes for the image and its mirror (or all eight dihedral variants).

    Returns ``[original, mirror]`` (or the eight of :data:`DIHEDRAL_VARIANTS`), then with
    ``crops`` the pHash-only ``crop5``, ``crop10``, ``crop15`` variants, ready for
    :meth:`HashIndex.query_variants`. Raises :class:`ConfigError` when the bytes are not a
    decodable image within the caps (a query image is the user's input, so refusing it with a
    reason is the useful answer).
    """
    # imported here: provenance.lookup stays light (no OpenCV) for index-only users
    from provenance.media.decode import decode_luma, open_image
    from provenance.media.facts import MediaLimits
    from provenance.media.hashes import CROP_FRACTIONS, compute, crop_phashes, working_raster
    from provenance.observation import Status

    if len(image_bytes) > MAX_QUERY_BYTES:
        raise ConfigError(f"query image is {len(image_bytes)} bytes, over {MAX_QUERY_BYTES}")
    limits = MediaLimits(max_bytes=MAX_QUERY_BYTES, max_pixels=max_pixels)
    im, opened = open_image(image_bytes, limits)
    if opened.status is Status.TOO_LARGE:
        raise ConfigError(f"the query image is outside the caps: {opened.reason}")
    if im is None and (opened.reason or "").startswith("not an image"):
        raise ConfigError(f"the query file is not an image: {opened.reason}")
    decoded, outcome = (
        decode_luma(im) if im is not None and opened.status is Status.OK else (None, opened)
    )
    if decoded is None:
        raise ConfigError(f"the query image cannot be decoded: {outcome.reason}")
    luma = working_raster(image_bytes, limits)
    if luma is None:
        raise ConfigError("the query image cannot be decoded")
    wanted = DIHEDRAL_VARIANTS if dihedral else (DIHEDRAL_VARIANTS[0], DIHEDRAL_VARIANTS[5])
    out = []
    for name, op in wanted:
        digest = compute(luma if op is None else luma.transpose(op))
        out.append(QueryHashes(name, digest.pdq, digest.phash, digest.pdq_quality))
    if crops:
        for fraction, phash in zip(CROP_FRACTIONS, crop_phashes(luma), strict=True):
            out.append(QueryHashes(f"crop{round(fraction * 100)}", None, phash, None))
    return out
