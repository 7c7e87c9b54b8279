"""Open an image under the byte and pixel caps and decode it once, small, for hashes and faces.

Decoding is the expensive step, so it happens once per image and at reduced size: JPEGs use
libjpeg's DCT scaling (``Image.draft``) straight to luma, other formats are decoded and then
box-reduced by an integer factor. The result is a luma raster whose shorter side is between
``WORK_SHORT_SIDE`` and twice that (or the original size when smaller), displayed the right way
up (EXIF orientation applied). pHash, dHash and PDQ read this raster; face detection reads a
smaller copy of it.

Why 240 px: PDQ filters with a window derived from the raster size before sampling 64x64, so
its result depends on the raster more than pHash's does. From a 240-px raster PDQ stays within
about 10 bits (at most 14 seen) of hashing the full-size decode, the same range as Meta's own
command-line hasher, which resizes to 512x512 first; from 120 px it drifts by up to 24 bits
(``python -m bench.media`` measures it).

Only the first frame of a multi-frame image is decoded; later frames are never sought, so a
bomb hidden in frame 2 is never allocated.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass
from io import BytesIO

from PIL import Image, UnidentifiedImageError

from provenance.media.facts import MediaLimits
from provenance.observation import Status

WORK_SHORT_SIDE = 240

_TRANSPOSE = {
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}


@dataclass(frozen=True)
class Outcome:
    """A status and its reason, for a step that can fail on content."""

    status: Status
    reason: str | None = None


BOMB = "decompression bomb"


def open_image(data: bytes, limits: MediaLimits) -> tuple[Image.Image | None, Outcome]:
    """Open (identify, not decode) an image; refuse it before allocation if over the pixel cap.

    Pillow raises ``DecompressionBombError`` above twice ``MAX_IMAGE_PIXELS`` and only warns
    above it; the warning is turned into an error here and the cap re-checked explicitly, so
    the outcome does not depend on the process's warning filters (``catch_warnings`` is
    process-wide before Python 3.14, so a concurrent thread could see or undo it).
    """
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            im = Image.open(BytesIO(data))
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        return None, Outcome(Status.TOO_LARGE, BOMB)
    except UnidentifiedImageError:
        return None, Outcome(Status.UNPARSEABLE, "not an image Pillow can identify")
    except Exception as err:  # Pillow raises OSError, SyntaxError, ValueError... on bad headers
        return None, Outcome(Status.UNPARSEABLE, f"{type(err).__name__}: {err}")
    width, height = im.size
    if width <= 0 or height <= 0:
        return im, Outcome(Status.UNPARSEABLE, f"invalid dimensions {width}x{height}")
    if width * height > limits.pixel_cap():
        return im, Outcome(Status.TOO_LARGE, BOMB)
    return im, Outcome(Status.OK)


def frame_count(im: Image.Image) -> int | None:
    """Number of frames, counted without decoding any frame after the first.

    Counting walks the frame headers; if that walk trips Pillow's bomb check or fails, the
    count is unknown (``None``) rather than an error, because only frame 1 is ever decoded.
    """
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            count = int(getattr(im, "n_frames", 1))
    except Exception:  # bomb frame headers, truncated frame chains
        count = None
    try:
        if im.tell() != 0:
            im.seek(0)
    except Exception:  # seeking back to frame 0 cannot bring a bomb, but may fail on junk
        return None
    return count


def decode_luma(im: Image.Image) -> tuple[Image.Image | None, Outcome]:
    """Decode frame 1 to a reduced luma raster (see module docstring) or say why it failed.

    The raster is as stored; :func:`orient` turns it the way it is displayed.
    """
    width, height = im.size
    short = min(width, height)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            if im.format == "JPEG" and short >= 2 * WORK_SHORT_SIDE:
                scale = WORK_SHORT_SIDE / short
                im.draft("L", (math.ceil(width * scale), math.ceil(height * scale)))
            im.load()
            luma = im if im.mode == "L" else _to_luma(im)
            factor = min(luma.size) // WORK_SHORT_SIDE
            if factor >= 2:
                luma = luma.reduce(factor)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        return None, Outcome(Status.TOO_LARGE, BOMB)
    except Exception as err:  # truncated data, corrupt streams, unsupported modes
        return None, Outcome(Status.UNPARSEABLE, f"{type(err).__name__}: {err}")
    return luma, Outcome(Status.OK)


def orient(luma: Image.Image, orientation: int | None) -> Image.Image:
    """The raster turned as EXIF ``Orientation`` says it is displayed."""
    transpose = _TRANSPOSE.get(orientation or 1)
    return luma.transpose(transpose) if transpose is not None else luma


def _to_luma(im: Image.Image) -> Image.Image:
    """Luma of any mode; alpha is dropped, 16-bit and float rasters are rescaled to 8 bits."""
    if im.mode in ("I;16", "I;16B", "I;16L", "I", "F"):
        return im.convert("F").point(lambda v: v / 256).convert("L")
    if im.mode in ("P", "PA"):
        return im.convert("RGBA").convert("L")
    return im.convert("L")


def displayed_size(width: int, height: int, orientation: int | None) -> tuple[int, int]:
    """Width and height as displayed once EXIF orientation is applied."""
    if orientation in (5, 6, 7, 8):
        return height, width
    return width, height
