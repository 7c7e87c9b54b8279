"""Walk JPEG markers and PNG chunks to find XMP (with Extended XMP), JUMBF and IPTC blocks.

These walkers read lengths from the file and therefore bound every slice by the buffer; a
malformed or truncated container ends the walk with a reason instead of raising. Pillow does
not reassemble Extended XMP and does not expose C2PA boxes, hence our own walk.
"""

from __future__ import annotations

import struct
import zlib
from dataclasses import dataclass, field

XMP_HEADER = b"http://ns.adobe.com/xap/1.0/\x00"
XMP_EXT_HEADER = b"http://ns.adobe.com/xmp/extension/\x00"
_EXT_PREFIX = len(XMP_EXT_HEADER) + 32 + 4 + 4

_STANDALONE = {0x01, *range(0xD0, 0xD8)}


@dataclass
class ExtendedXmp:
    """Chunks of one Extended XMP document, keyed by offset, and its declared full length."""

    full_length: int
    chunks: dict[int, bytes] = field(default_factory=dict)

    def assemble(self) -> bytes | None:
        """The reassembled document, or ``None`` if chunks are missing or overlap badly."""
        out = bytearray(self.full_length)
        covered = 0
        for offset in sorted(self.chunks):
            piece = self.chunks[offset]
            if offset != covered or offset + len(piece) > self.full_length:
                return None
            out[offset : offset + len(piece)] = piece
            covered += len(piece)
        if covered != self.full_length:
            return None
        return bytes(out)


@dataclass
class Segments:
    """What a container walk found before the image data."""

    xmp: bytes | None = None
    extended: dict[str, ExtendedXmp] = field(default_factory=dict)
    jumbf: bool = False
    jumbf_bytes: int = 0
    error: str | None = None


def walk_jpeg(data: bytes, max_xmp_bytes: int) -> Segments:
    """Walk JPEG markers from SOI to SOS, collecting APP1 XMP / Extended XMP and APP11 JUMBF."""
    seg = Segments()
    if not data.startswith(b"\xff\xd8"):
        seg.error = "no JPEG SOI marker"
        return seg
    pos = 2
    size = len(data)
    ext_total = 0
    while pos < size:
        if data[pos] != 0xFF:
            seg.error = f"expected a marker at byte {pos}"
            return seg
        while pos < size and data[pos] == 0xFF:
            pos += 1
        if pos >= size:
            break
        marker = data[pos]
        pos += 1
        if marker in _STANDALONE:
            continue
        if marker in (0xDA, 0xD9):
            return seg
        if pos + 2 > size:
            seg.error = "truncated marker segment"
            return seg
        (length,) = struct.unpack_from(">H", data, pos)
        if length < 2 or pos + length > size:
            seg.error = f"marker 0xFF{marker:02X} length {length} runs past the end of the file"
            return seg
        payload = data[pos + 2 : pos + length]
        pos += length
        if marker == 0xE1:
            if payload.startswith(XMP_HEADER) and seg.xmp is None:
                seg.xmp = payload[len(XMP_HEADER) :]
            elif payload.startswith(XMP_EXT_HEADER) and len(payload) >= _EXT_PREFIX:
                start = len(XMP_EXT_HEADER)
                guid = payload[start : start + 32].decode("ascii", errors="replace")
                full_length, offset = struct.unpack_from(">II", payload, start + 32)
                chunk = payload[_EXT_PREFIX:]
                ext_total += len(chunk)
                if full_length > max_xmp_bytes or ext_total > max_xmp_bytes:
                    seg.error = "Extended XMP over the size cap"
                    continue
                ext = seg.extended.setdefault(guid, ExtendedXmp(full_length))
                if ext.full_length == full_length:
                    ext.chunks[offset] = chunk
        elif marker == 0xEB and payload[:2] == b"JP" and b"jumb" in payload[:64]:
            seg.jumbf = True
            seg.jumbf_bytes += len(payload)
    seg.error = seg.error or "no SOS marker before the end of the file"
    return seg


def walk_png(data: bytes, max_xmp_bytes: int) -> Segments:
    """Walk PNG chunks to IEND, noting a ``caBX`` (C2PA JUMBF) chunk and the XMP iTXt chunk.

    Chunk CRCs are not checked: a bad CRC does not make a provenance signal disappear.
    """
    seg = Segments()
    if not data.startswith(b"\x89PNG\r\n\x1a\n"):
        seg.error = "no PNG signature"
        return seg
    pos = 8
    size = len(data)
    while pos + 8 <= size:
        length, ctype = struct.unpack_from(">I4s", data, pos)
        body_start = pos + 8
        body_end = body_start + length
        if body_end + 4 > size:
            seg.error = f"chunk {ctype!r} runs past the end of the file"
            return seg
        if ctype == b"caBX":
            seg.jumbf = True
            seg.jumbf_bytes += length
        elif ctype == b"iTXt" and seg.xmp is None:
            body = data[body_start:body_end]
            if body.startswith(b"XML:com.adobe.xmp\x00"):
                seg.xmp = _itxt_text(body, max_xmp_bytes)
        elif ctype == b"IEND":
            return seg
        pos = body_end + 4
    seg.error = "no IEND chunk"
    return seg


def _itxt_text(body: bytes, max_bytes: int) -> bytes | None:
    """The text of an iTXt chunk body (keyword, flags, language, translated keyword, text)."""
    try:
        keyword_end = body.index(b"\x00")
        compressed = body[keyword_end + 1]
        rest = body[keyword_end + 3 :]
        lang_end = rest.index(b"\x00")
        rest = rest[lang_end + 1 :]
        tkey_end = rest.index(b"\x00")
        text = rest[tkey_end + 1 :]
    except (ValueError, IndexError):
        return None
    if compressed:
        decomp = zlib.decompressobj()
        try:
            text = decomp.decompress(text, max_bytes)
        except zlib.error:
            return None
    return text
