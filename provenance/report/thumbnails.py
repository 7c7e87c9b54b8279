"""Small JPEG thumbnails, as ``data:`` URIs, of collected images read back from the crawl's WARC.

A thumbnail is only ever made from the bytes the crawl kept as evidence: the image's WARC
response record, whose digests warcio checks on reading, and whose body must hash to the
sha256 on the record. Images whose bytes were discarded (skipped after download, failed) or
purged get none; the caller decides that from the record, and this module never fetches.
Decoding never raises on content: a file Pillow cannot read gives a ``Thumbnail`` with no
URI and the reason.
"""

from __future__ import annotations

import base64
import hashlib
import io
import warnings
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageOps

from provenance.errors import IntegrityError
from provenance.warc import read_response

MAX_SIDE = 96
_QUALITY = 70
_MAX_PIXELS = 50_000_000  # a collected image is already capped; this guards the report alone


@dataclass(frozen=True, slots=True)
class Thumbnail:
    """A ``data:image/jpeg;base64,...`` URI, or ``None`` with the reason there is none."""

    uri: str | None
    note: str = ""


def thumbnail_from_bytes(body: bytes, max_side: int = MAX_SIDE) -> Thumbnail:
    """A JPEG thumbnail no larger than ``max_side`` pixels on either side, as a data URI."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(body)) as img:
                if img.width * img.height > _MAX_PIXELS:
                    return Thumbnail(None, f"{img.width}×{img.height} is too large to decode")
                # draft() lets the JPEG decoder scale down by 1/2..1/8 while decoding
                img.draft("RGB", (max_side * 2, max_side * 2))
                frame = ImageOps.exif_transpose(img).convert("RGB")
        frame.thumbnail((max_side, max_side))
        out = io.BytesIO()
        frame.save(out, "JPEG", quality=_QUALITY, optimize=True)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as err:
        return Thumbnail(None, f"not decoded: {err}")
    except Exception as err:  # Pillow raises many types on hostile bytes; none may escape
        return Thumbnail(None, f"not decodable: {type(err).__name__}: {err}")
    return Thumbnail("data:image/jpeg;base64," + base64.b64encode(out.getvalue()).decode("ascii"))


def thumbnail_from_warc(
    warc_dir: Path, warc_file: str, warc_offset: int, sha256: str | None
) -> Thumbnail:
    """The thumbnail of the response body at ``warc_file:warc_offset``, checked against sha256."""
    try:
        stored = read_response(warc_dir, warc_file, warc_offset)
    except IntegrityError as err:
        return Thumbnail(None, str(err))
    digest = hashlib.sha256(stored.body).hexdigest()
    if sha256 and digest != sha256:
        return Thumbnail(
            None, f"WARC body sha256 {digest[:16]}… differs from the record's {sha256[:16]}…"
        )
    return thumbnail_from_bytes(stored.body)
