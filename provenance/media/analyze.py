"""The media pipeline's single entry point: bytes of one image in, every recorded fact out.

:func:`analyze` never raises on content. The order is chosen so that cheap checks guard the
expensive ones: byte cap, SHA-256 and format sniffing; container walks (XMP, JUMBF) that need
no decoding; Pillow identification with the pixel cap; metadata; one reduced decode; then
hashes and faces from that single raster.
"""

from __future__ import annotations

import dataclasses
import hashlib
from typing import Any

import numpy as np
from PIL import Image

from provenance.media import decode, hashes
from provenance.media._text import TextLog
from provenance.media.containers import Segments, walk_jpeg, walk_png
from provenance.media.credentials import read_c2pa
from provenance.media.exif import read_exif
from provenance.media.faces import FaceDetector, default_detector
from provenance.media.facts import (
    DEFAULT_LIMITS,
    ExifFacts,
    FaceFacts,
    IptcFacts,
    MediaFacts,
    MediaLimits,
)
from provenance.media.iptc import read_iptc
from provenance.media.rights import reconcile
from provenance.media.sniff import content_type_mismatch, mime_for, sniff
from provenance.media.xmp import extended_guid, parse_packet, read_xmp
from provenance.observation import Status

HASH_BASIS = (
    f"luma, first frame, reduced decode (shorter side {decode.WORK_SHORT_SIDE}"
    f"-{2 * decode.WORK_SHORT_SIDE - 1} px, or the original when smaller), "
    "EXIF orientation applied"
)


def _segments(data: bytes, fmt: str | None, limits: MediaLimits) -> Segments | None:
    if fmt == "jpeg":
        return walk_jpeg(data, limits.max_xmp_bytes)
    if fmt == "png":
        return walk_png(data, limits.max_xmp_bytes)
    return None


def _extended_xmp(seg: Segments, main: bytes | None) -> tuple[bytes | None, str | None]:
    """Reassemble the Extended XMP document the main packet points to (or the only one present)."""
    if not seg.extended:
        return None, None
    guid = None
    if main is not None:
        try:
            root = parse_packet(main)
        except ValueError:
            root = None
        if root is not None:
            guid = extended_guid([root])
    if guid is None and len(seg.extended) == 1:
        guid = next(iter(seg.extended))
    if guid is None or guid not in seg.extended:
        return None, "Extended XMP segments found but none matches xmpNote:HasExtendedXMP"
    document = seg.extended[guid].assemble()
    if document is None:
        return None, "Extended XMP chunks incomplete"
    digest = hashlib.md5(document).hexdigest().upper()  # noqa: S324 - the GUID is defined as MD5
    reason = None if digest == guid.upper() else "Extended XMP GUID does not match its MD5"
    return document, reason


def _pillow_xmp(im: Image.Image | None) -> bytes | None:
    if im is None:
        return None
    for key in ("xmp", "XML:com.adobe.xmp"):
        value = im.info.get(key)
        if isinstance(value, bytes | bytearray) and value:
            return bytes(value)
        if isinstance(value, str) and value:
            return value.encode("utf-8")
    return None


def analyze(
    data: bytes,
    *,
    content_type: str | None = None,
    url: str | None = None,
    limits: MediaLimits = DEFAULT_LIMITS,
    detect_faces: bool = True,
    detector: FaceDetector | None = None,
) -> MediaFacts:
    """Every fact provtrack records about one image; never raises on content.

    ``status`` is ``ok`` when the pixels were decoded, ``too_large`` over a byte or pixel cap
    (including decompression bombs, refused before allocation) and ``unparseable`` otherwise,
    with Pillow's reason. Metadata that can be read without decoding is reported whatever the
    status. ``detector`` overrides the default face detector (settings are recorded).
    """
    data = bytes(data)
    base: dict[str, Any] = {
        "sha256": hashlib.sha256(data).hexdigest(),
        "byte_size": len(data),
        "content_type": content_type,
        "url": url,
    }
    fmt = sniff(data)
    base["format"] = fmt
    base["content_type_mismatch"] = content_type_mismatch(content_type, fmt)
    if len(data) > limits.max_bytes:
        return MediaFacts(
            status=Status.TOO_LARGE,
            reason=f"{len(data)} bytes is over the {limits.max_bytes}-byte cap",
            **base,
        )
    try:
        return _analyze(data, fmt, base, limits, detect_faces, detector)
    except Exception as err:  # last line of the never-raise guarantee; the reason names the bug
        return MediaFacts(
            status=Status.UNPARSEABLE,
            reason=f"internal error while analysing: {type(err).__name__}: {err}",
            **base,
        )


def _analyze(
    data: bytes,
    fmt: str | None,
    base: dict[str, Any],
    limits: MediaLimits,
    detect_faces: bool,
    detector: FaceDetector | None,
) -> MediaFacts:
    log = TextLog(limits.max_text_chars)
    seg = _segments(data, fmt, limits)
    im, opened = decode.open_image(data, limits)
    if im is not None and im.format:
        base["format"] = fmt or im.format.lower()
        base["width"], base["height"] = im.size
        base["mode"] = im.mode

    main_xmp = seg.xmp if seg is not None and seg.xmp is not None else _pillow_xmp(im)
    ext_doc, ext_reason = _extended_xmp(seg, main_xmp) if seg is not None else (None, None)
    xmp = read_xmp(main_xmp, ext_doc, ext_reason, log)
    c2pa = read_c2pa(data, mime_for(fmt), seg.jumbf if seg is not None else None, log)
    pointer = xmp.provenance or ""
    if not c2pa.present and c2pa.remote_manifest_url is None and pointer.startswith("http"):
        # dcterms:provenance names a manifest kept elsewhere; it is recorded, never fetched.
        c2pa = dataclasses.replace(
            c2pa,
            remote_manifest_url=pointer,
            reason=f"{c2pa.reason}; XMP points to a remote manifest (not fetched)",
        )

    # Decode before reading EXIF: for PNG, Pillow's getexif() loads the pixels, and a second
    # load() after a failed one returns a partial raster without raising.
    luma = None
    decoded = opened
    if im is not None and opened.status is Status.OK:
        base["frames"] = decode.frame_count(im)
        luma, decoded = decode.decode_luma(im)

    exif = ExifFacts()
    iptc = IptcFacts()
    if im is not None and opened.status is Status.OK:
        exif = read_exif(im, log)
        iptc = read_iptc(im, log)
    else:
        # EXIF/IIM need Pillow (and, for PNG, a pixel load): not read for refused images.
        why = f"not read: {opened.reason}"
        exif = ExifFacts(status=opened.status, reason=why)
        iptc = IptcFacts(status=opened.status, reason=why)
    facts: dict[str, Any] = {
        "exif": exif,
        "xmp": xmp,
        "iptc_iim": iptc,
        "c2pa": c2pa,
        "rights": reconcile(exif, xmp, iptc),
    }
    if im is None or luma is None:
        return _finish(decoded.status, decoded.reason, base, facts, log)
    luma = decode.orient(luma, exif.orientation)

    digest = hashes.compute(luma)
    base.update(
        phash=digest.phash,
        dhash=digest.dhash,
        pdq=digest.pdq,
        pdq_quality=digest.pdq_quality,
        phash_crops=hashes.crop_phashes(luma),
        hash_basis=HASH_BASIS,
    )
    if detect_faces:
        det = detector or default_detector()
        gray = np.asarray(luma, dtype=np.uint8)
        shown_w, shown_h = decode.displayed_size(im.size[0], im.size[1], exif.orientation)
        sx = shown_w / luma.size[0]
        sy = shown_h / luma.size[1]
        boxes = tuple(
            (round(x * sx), round(y * sy), round(w * sx), round(h * sy))
            for x, y, w, h in det.detect(gray)
        )
        facts["faces"] = FaceFacts(count=len(boxes), boxes=boxes)
        facts["face_detector"] = det.describe()
    return _finish(Status.OK, None, base, facts, log)


def _finish(
    status: Status,
    reason: str | None,
    base: dict[str, Any],
    facts: dict[str, Any],
    log: TextLog,
) -> MediaFacts:
    return MediaFacts(
        status=status,
        reason=reason,
        text_fields=tuple(log.flagged),
        **base,
        **facts,
    )
