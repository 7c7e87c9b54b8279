"""Hashes of a query image and of its mirror (or all eight rotations/flips), decoded once.

The image is decoded the way provtrack's media pipeline decodes collected images, so query and
stored hashes are comparable: EXIF orientation applied, luma only, reduced so that the shorter
side is between 120 and 239 px (JPEG via libjpeg DCT scaling, others by box reduction); pHash
is imagehash's on that raster and PDQ is pdqhash's on it (luma replicated to three channels,
whose PDQ luma is the raster itself), hex-encoded most significant bit first.

pHash changes by about half its bits under a mirror, and PDQ likewise, so a mirrored re-post is
found only by querying with the mirrored image's hashes. Each variant is hashed from the
transformed raster itself: ``pdqhash.compute_dihedral`` derives the eight variants from one DCT,
but on the bundled test photographs those differ by 18-24 bits from hashing the transformed
image (what the pipeline stores for a mirrored re-post), most of the 31-bit PDQ budget. Hashing
a 128-240 px raster costs about 0.4 ms for PDQ and 2 ms for pHash, so exactness is cheap.
"""

from __future__ import annotations

import math
import warnings
from io import BytesIO

import imagehash
import numpy as np
import pdqhash
from PIL import Image, UnidentifiedImageError

from provenance.errors import ConfigError
from provenance.lookup.index import QueryHashes

WORK_SHORT_SIDE = 120
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

_ORIENTATION = {
    2: _T.FLIP_LEFT_RIGHT,
    3: _T.ROTATE_180,
    4: _T.FLIP_TOP_BOTTOM,
    5: _T.TRANSPOSE,
    6: _T.ROTATE_270,
    7: _T.TRANSVERSE,
    8: _T.ROTATE_90,
}


def hashes_of(
    image_bytes: bytes, *, dihedral: bool = False, max_pixels: int | None = None
) -> list[QueryHashes]:
    """Query hashes for the image and its mirror, or for all eight dihedral variants.

    Returns ``[original, mirror]`` (or the eight of :data:`DIHEDRAL_VARIANTS` in that order),
    each with pHash, PDQ and PDQ quality, ready for :meth:`HashIndex.query_variants`.
    Raises :class:`ConfigError` when the bytes are not a decodable image within the caps
    (``max_pixels`` defaults to Pillow's ``MAX_IMAGE_PIXELS``; a query image is the user's
    input, so refusing it with a reason is the useful answer).
    """
    luma = _decode_luma(image_bytes, max_pixels)
    wanted = DIHEDRAL_VARIANTS if dihedral else (DIHEDRAL_VARIANTS[0], DIHEDRAL_VARIANTS[5])
    out = []
    for name, op in wanted:
        raster = luma if op is None else luma.transpose(op)
        pixels = np.asarray(raster, dtype=np.uint8)
        vector, quality = pdqhash.compute(np.ascontiguousarray(np.repeat(pixels[:, :, None], 3, 2)))
        out.append(
            QueryHashes(
                variant=name,
                pdq=np.packbits(np.asarray(vector, dtype=np.uint8)).tobytes().hex(),
                phash=str(imagehash.phash(raster)),
                pdq_quality=int(quality),
            )
        )
    return out


def _decode_luma(data: bytes, max_pixels: int | None) -> Image.Image:
    """The oriented, reduced luma raster of ``data`` (see the module docstring)."""
    if len(data) > MAX_QUERY_BYTES:
        raise ConfigError(f"query image is {len(data)} bytes, over {MAX_QUERY_BYTES}")
    cap = max_pixels if max_pixels is not None else int(Image.MAX_IMAGE_PIXELS or 89_478_485)
    try:
        with warnings.catch_warnings():
            # Pillow only warns between MAX_IMAGE_PIXELS and twice that; refuse those too.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            im = Image.open(BytesIO(data))
            width, height = im.size
            if width <= 0 or height <= 0 or width * height > cap:
                raise ConfigError(f"query image of {width}x{height} pixels is outside the caps")
            orientation = _orientation(im)
            short = min(width, height)
            if im.format == "JPEG" and short >= 2 * WORK_SHORT_SIDE:
                scale = WORK_SHORT_SIDE / short
                im.draft("L", (math.ceil(width * scale), math.ceil(height * scale)))
            im.load()
            luma = _to_luma(im)
            factor = min(luma.size) // WORK_SHORT_SIDE
            if factor >= 2:
                luma = luma.reduce(factor)
    except ConfigError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as err:
        raise ConfigError("query image exceeds the pixel cap (decompression bomb)") from err
    except UnidentifiedImageError as err:
        raise ConfigError("query bytes are not an image Pillow can identify") from err
    except Exception as err:  # Pillow raises OSError, SyntaxError, ValueError... on bad data
        raise ConfigError(f"query image cannot be decoded: {type(err).__name__}: {err}") from err
    transpose = _ORIENTATION.get(orientation) if orientation is not None else None
    return luma.transpose(transpose) if transpose is not None else luma


def _orientation(im: Image.Image) -> int | None:
    """EXIF Orientation, or ``None`` when absent or unreadable (then the raster is as stored)."""
    try:
        value = im.getexif().get(0x0112)
    except Exception:  # a broken EXIF block must not make the picture itself unusable
        return None
    return value if isinstance(value, int) else None


def _to_luma(im: Image.Image) -> Image.Image:
    """Luma of any mode; alpha dropped, 16-bit and float rasters rescaled to 8 bits."""
    if im.mode == "L":
        return im
    if im.mode in ("I;16", "I;16B", "I;16L", "I", "F"):
        return im.convert("F").point(lambda v: v / 256).convert("L")
    if im.mode in ("P", "PA"):
        return im.convert("RGBA").convert("L")
    return im.convert("L")
