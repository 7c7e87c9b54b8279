"""Image bytes: encoding with EXIF, hand-built XMP (standard and Extended) and hostile files.

Everything is deterministic: the same inputs give the same bytes, so the manifest's sha256
values hold from one build to the next.
"""

from __future__ import annotations

import hashlib
import io
import struct
import zlib
from fractions import Fraction
from xml.sax.saxutils import escape, quoteattr

import numpy as np
from PIL import Image
from PIL.TiffImagePlugin import IFDRational

from demoweb.model import Exif, Xmp

XMP_STANDARD_HEADER = b"http://ns.adobe.com/xap/1.0/\x00"
XMP_EXTENDED_HEADER = b"http://ns.adobe.com/xmp/extension/\x00"
XMP_EXTENDED_CHUNK = 65400
"""Bytes of extended packet per APP1 segment (the limit is 65,458 after the 75-byte header)."""

PLUS_VOCAB = "http://ns.useplus.org/ldf/vocab/"

_TAG_MAKE, _TAG_MODEL, _TAG_DESCRIPTION, _TAG_ARTIST = 0x010F, 0x0110, 0x010E, 0x013B
_IFD_EXIF, _IFD_GPS, _TAG_DATETIME_ORIGINAL = 0x8769, 0x8825, 0x9003


def _dms_parts(value: float) -> tuple[int, int, int]:
    """Whole degrees, whole minutes and hundredths of seconds of ``abs(value)``."""
    value = abs(value)
    degrees = int(value)
    minutes_full = (value - degrees) * 60
    minutes = int(minutes_full)
    return degrees, minutes, round((minutes_full - minutes) * 60 * 100)


def _dms(value: float) -> tuple[IFDRational, IFDRational, IFDRational]:
    """Degrees, minutes and seconds (to the hundredth) as EXIF rationals."""
    degrees, minutes, hundredths = _dms_parts(value)
    return IFDRational(degrees, 1), IFDRational(minutes, 1), IFDRational(hundredths, 100)


def gps_decimal(value: float) -> float:
    """The decimal degrees a reader gets back from the rationals written for ``value``."""
    degrees, minutes, hundredths = _dms_parts(value)
    total = degrees + Fraction(minutes, 60) + Fraction(hundredths, 360000)
    return round(float(total) * (1 if value >= 0 else -1), 6)


def exif_block(exif: Exif) -> Image.Exif:
    """A Pillow Exif with IFD0, the Exif IFD and a GPS IFD (rationals and Ref tags)."""
    block = Image.Exif()
    if exif.make:
        block[_TAG_MAKE] = exif.make
    if exif.model:
        block[_TAG_MODEL] = exif.model
    if exif.image_description:
        block[_TAG_DESCRIPTION] = exif.image_description
    if exif.artist:
        block[_TAG_ARTIST] = exif.artist
    if exif.datetime_original:
        block.get_ifd(_IFD_EXIF)[_TAG_DATETIME_ORIGINAL] = exif.datetime_original
    if exif.gps:
        lat, lon = exif.gps
        gps = block.get_ifd(_IFD_GPS)
        gps[0] = b"\x02\x03\x00\x00"  # GPSVersionID 2.3.0.0
        gps[1] = "N" if lat >= 0 else "S"
        gps[2] = _dms(lat)
        gps[3] = "E" if lon >= 0 else "W"
        gps[4] = _dms(lon)
    return block


def encode(image: Image.Image, fmt: str, quality: int = 85, exif: Exif | None = None) -> bytes:
    """Encode deterministically (baseline JPEG, no optimisation passes) with optional EXIF."""
    out = io.BytesIO()
    if fmt == "JPEG":
        kwargs: dict[str, object] = {"quality": quality, "optimize": False, "progressive": False}
        if exif:
            kwargs["exif"] = exif_block(exif)
        image.save(out, "JPEG", **kwargs)
    else:
        image.save(out, "PNG", compress_level=6)
    return out.getvalue()


def _segment(marker: int, payload: bytes) -> bytes:
    if len(payload) > 65533:
        raise ValueError(f"JPEG segment payload too long: {len(payload)}")
    return struct.pack(">BBH", 0xFF, marker, len(payload) + 2) + payload


def insert_segments(jpeg: bytes, segments: list[bytes], *, after_app: bool = True) -> bytes:
    """Insert marker segments after SOI and (with ``after_app``) after the existing APPn run."""
    if jpeg[:2] != b"\xff\xd8":
        raise ValueError("not a JPEG")
    pos = 2
    while after_app and jpeg[pos] == 0xFF and 0xE0 <= jpeg[pos + 1] <= 0xEF:
        (length,) = struct.unpack(">H", jpeg[pos + 2 : pos + 4])
        pos += 2 + length
    return jpeg[:pos] + b"".join(segments) + jpeg[pos:]


def comment_segment(text: bytes) -> bytes:
    """A JPEG COM segment; the scale web makes every image's bytes unique with one."""
    return _segment(0xFE, text)


_NAMESPACES = (
    ('xmlns:dc="http://purl.org/dc/elements/1.1/"'),
    ('xmlns:plus="http://ns.useplus.org/ldf/xmp/1.0/"'),
    ('xmlns:photoshop="http://ns.adobe.com/photoshop/1.0/"'),
    ('xmlns:Iptc4xmpCore="http://iptc.org/std/Iptc4xmpCore/1.0/xmlns/"'),
    ('xmlns:Iptc4xmpExt="http://iptc.org/std/Iptc4xmpExt/2008-02-29/"'),
    ('xmlns:xmpNote="http://ns.adobe.com/xmp/note/"'),
)


UNSAFE_DTD = '<!DOCTYPE x:xmpmeta [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;">]>\n'
"""A DTD with nested entities (a small billion-laughs): safe XML parsers refuse the packet."""


def _packet(
    attributes: list[str], elements: list[str], *, wrapper: bool = True, dtd: bool = False
) -> bytes:
    desc_attrs = " ".join(['rdf:about=""', *_NAMESPACES, *attributes])
    body = (UNSAFE_DTD if dtd else "") + (
        '<x:xmpmeta xmlns:x="adobe:ns:meta/" x:xmptk="demoweb">\n'
        ' <rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">\n'
        f"  <rdf:Description {desc_attrs}>\n"
        + "".join(f"   {e}\n" for e in elements)
        + "  </rdf:Description>\n </rdf:RDF>\n</x:xmpmeta>\n"
    )
    if wrapper:
        body = (
            '<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>\n'
            + body
            + '<?xpacket end="w"?>'
        )
    return body.encode("utf-8")


def data_mining_xml(xmp: Xmp) -> tuple[list[str], list[str]]:
    """The plus:DataMining property as (attributes, elements) in the spelling ``xmp`` asks for."""
    if not xmp.data_mining:
        return [], []
    uri = PLUS_VOCAB + xmp.data_mining
    if xmp.data_mining_form == "attribute":
        return [f"plus:DataMining={quoteattr(uri)}"], []
    if xmp.data_mining_form == "resource":
        return [], [f"<plus:DataMining rdf:resource={quoteattr(uri)}/>"]
    if xmp.data_mining_form == "about":
        return [], [
            f"<plus:DataMining><rdf:Description rdf:about={quoteattr(uri)}/></plus:DataMining>"
        ]
    if xmp.data_mining_form == "bag":
        return [], [
            f"<plus:DataMining><rdf:Bag><rdf:li>{escape(uri)}</rdf:li></rdf:Bag></plus:DataMining>"
        ]
    if xmp.data_mining_form == "parse-type":
        return [], [
            '<plus:DataMining rdf:parseType="Resource">'
            f"<rdf:value>{escape(uri)}</rdf:value></plus:DataMining>"
        ]
    return [], [f"<plus:DataMining>{escape(uri)}</plus:DataMining>"]


def _history(lines: int) -> str:
    steps = ("Imported", "Cropped", "Adjusted exposure", "Converted to sRGB", "Exported")
    return "\n".join(
        f"2024-06-{(n % 28) + 1:02d}T10:{n % 60:02d}:00-04:00 step {n}: {steps[n % len(steps)]}"
        for n in range(lines)
    )


def xmp_packets(xmp: Xmp) -> tuple[bytes, bytes | None]:
    """The main XMP packet and, with ``extended``, the Extended XMP packet it points to."""
    attributes: list[str] = []
    elements: list[str] = []
    if xmp.creator:
        elements.append(
            f"<dc:creator><rdf:Seq><rdf:li>{escape(xmp.creator)}</rdf:li></rdf:Seq></dc:creator>"
        )
    if xmp.rights:
        elements.append(
            '<dc:rights><rdf:Alt><rdf:li xml:lang="x-default">'
            f"{escape(xmp.rights)}</rdf:li></rdf:Alt></dc:rights>"
        )
    if xmp.city:
        attributes.append(f"photoshop:City={quoteattr(xmp.city)}")
    if xmp.state:
        attributes.append(f"photoshop:State={quoteattr(xmp.state)}")
    if xmp.country_code:
        elements.append(f"<Iptc4xmpCore:CountryCode>{xmp.country_code}</Iptc4xmpCore:CountryCode>")
    if xmp.digital_source_type:
        elements.append(
            "<Iptc4xmpExt:DigitalSourceType>"
            f"{escape(xmp.digital_source_type)}</Iptc4xmpExt:DigitalSourceType>"
        )
    dm_attrs, dm_elements = data_mining_xml(xmp)
    if not xmp.extended:
        packet = _packet(attributes + dm_attrs, elements + dm_elements, dtd=xmp.unsafe_dtd)
        return packet, None
    # Extended XMP carries what does not fit a 64 KB segment: here a long editing history,
    # and the DataMining prohibition with it, so a reader that ignores Extended XMP misses it.
    history = f"<photoshop:History>{escape(_history(1800))}</photoshop:History>"
    extended = _packet(dm_attrs, [*dm_elements, history], wrapper=False)
    guid = hashlib.md5(extended, usedforsecurity=False).hexdigest().upper()
    attributes.append(f'xmpNote:HasExtendedXMP="{guid}"')
    return _packet(attributes, elements), extended


def xmp_segments(xmp: Xmp) -> list[bytes]:
    """APP1 segments: the standard packet, then Extended XMP chunks (GUID, length, offset)."""
    main, extended = xmp_packets(xmp)
    segments = [_segment(0xE1, XMP_STANDARD_HEADER + main)]
    if extended is not None:
        guid = hashlib.md5(extended, usedforsecurity=False).hexdigest().upper().encode("ascii")
        for offset in range(0, len(extended), XMP_EXTENDED_CHUNK):
            chunk = extended[offset : offset + XMP_EXTENDED_CHUNK]
            header = XMP_EXTENDED_HEADER + guid + struct.pack(">II", len(extended), offset)
            segments.append(_segment(0xE1, header + chunk))
    return segments


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def truncated(data: bytes) -> bytes:
    """The first half of a valid file: decoders stop with 'truncated'."""
    return data[: len(data) // 2]


def corrupt_png(png: bytes) -> bytes:
    """A PNG whose IDAT payload is not a zlib stream; chunk CRCs are valid, so only zlib fails."""
    out = bytearray(png[:8])
    pos = 8
    while pos < len(png):
        (length,) = struct.unpack(">I", png[pos : pos + 4])
        kind = png[pos + 4 : pos + 8]
        data = png[pos + 8 : pos + 8 + length]
        if kind == b"IDAT":
            data = bytes((b * 31 + 7) & 0xFF for b in data[:2]) + b"\xff" * (len(data) - 2)
        out += _png_chunk(kind, data)
        pos += 12 + length
    return bytes(out)


def decompression_bomb_png(side: int = 100_000) -> bytes:
    """A few hundred bytes of PNG declaring a side x side 1-bit canvas (10^10 pixels)."""
    ihdr = struct.pack(">IIBBBBB", side, side, 1, 0, 0, 0, 0)
    row = b"\x00" + b"\x00" * (side // 8)
    idat = zlib.compress(row * 4, 9)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _png_chunk(b"IHDR", ihdr)
        + _png_chunk(b"IDAT", idat)
        + _png_chunk(b"IEND", b"")
    )


def huge_png(side: int = 3650) -> bytes:
    """A valid RGB PNG of about 40 MB (stored deflate blocks): only its size is hostile."""
    x = np.arange(side, dtype=np.uint16)
    rows = np.empty((side, 1 + side * 3), dtype=np.uint8)
    rows[:, 0] = 0  # filter type None
    pixels = rows[:, 1:].reshape(side, side, 3)
    pixels[:, :, 0] = (x[None, :] * 255 // side).astype(np.uint8)
    pixels[:, :, 1] = (x[:, None] * 255 // side).astype(np.uint8)
    pixels[:, :, 2] = 128
    idat = zlib.compress(rows.tobytes(), 0)
    ihdr = struct.pack(">IIBBBBB", side, side, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _png_chunk(b"IHDR", ihdr)
        + _png_chunk(b"IDAT", idat)
        + _png_chunk(b"IEND", b"")
    )
