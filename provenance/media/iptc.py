"""Read IPTC IIM (Information Interchange Model) record 2 from Photoshop or TIFF blocks.

IIM is a flat list of ``0x1C record dataset length value`` entries. Values are UTF-8 when
dataset 1:90 announces it (``ESC % G``) and otherwise decoded as UTF-8 with a Windows-1252
fallback, the common practice of IIM writers.
"""

from __future__ import annotations

import hashlib
import struct
from typing import Any

from PIL import Image

from provenance.media._text import TextLog
from provenance.media.facts import IptcFacts
from provenance.observation import Status

_PHOTOSHOP_IIM = 0x0404
_PHOTOSHOP_DIGEST = 0x0425
_TIFF_IPTC = 33723

_SINGLE = {
    5: "object_name",
    40: "special_instructions",
    55: "date_created",
    85: "by_line_title",
    90: "city",
    92: "sub_location",
    95: "province_state",
    100: "country_code",
    101: "country",
    105: "headline",
    110: "credit",
    115: "source",
    116: "copyright_notice",
    120: "caption",
}
_REPEATED = {25: "keywords", 80: "by_line"}


def parse_iim(block: bytes) -> tuple[dict[tuple[int, int], list[bytes]], str | None]:
    """Datasets by (record, dataset); the second item says why parsing stopped early, if it did."""
    out: dict[tuple[int, int], list[bytes]] = {}
    pos = 0
    size = len(block)
    while pos + 5 <= size:
        if block[pos] != 0x1C:
            if all(b == 0 for b in block[pos:]):
                return out, None
            return out, f"unexpected byte 0x{block[pos]:02x} at offset {pos}"
        record, dataset, length = struct.unpack_from(">BBH", block, pos + 1)
        pos += 5
        if length & 0x8000:
            count = length & 0x7FFF
            if count > 4 or pos + count > size:
                return out, "bad extended dataset length"
            length = int.from_bytes(block[pos : pos + count], "big")
            pos += count
        if pos + length > size:
            return out, f"dataset {record}:{dataset} runs past the end of the block"
        out.setdefault((record, dataset), []).append(block[pos : pos + length])
        pos += length
    return out, None


def _decoder(datasets: dict[tuple[int, int], list[bytes]]) -> Any:
    charset = datasets.get((1, 90), [b""])[0]
    utf8 = b"\x1b%G" in charset

    def decode(raw: bytes) -> str:
        if utf8:
            return raw.decode("utf-8", errors="replace")
        try:
            return raw.decode("utf-8")
        except UnicodeDecodeError:
            return raw.decode("cp1252", errors="replace")

    return decode


def iim_block(im: Image.Image) -> tuple[bytes | None, bytes | None]:
    """The raw IIM block and the stored IPTCDigest (Photoshop 0x0425) of an opened image."""
    photoshop = im.info.get("photoshop")
    if isinstance(photoshop, dict):
        block = photoshop.get(_PHOTOSHOP_IIM)
        digest = photoshop.get(_PHOTOSHOP_DIGEST)
        return (
            bytes(block) if isinstance(block, bytes | bytearray) else None,
            bytes(digest) if isinstance(digest, bytes | bytearray) else None,
        )
    tags = getattr(im, "tag_v2", None)
    if tags is not None:
        try:
            raw = tags.get(_TIFF_IPTC)
        except Exception:  # TIFF tag parsing is lazy and may fail on hostile files
            return None, None
        if isinstance(raw, bytes | bytearray):
            return bytes(raw), None
        if isinstance(raw, tuple) and all(isinstance(v, int) for v in raw):
            # Some writers store IPTC as LONG values; the bytes are the same.
            return b"".join(struct.pack(">I", v & 0xFFFFFFFF) for v in raw), None
    return None, None


def read_iptc(im: Image.Image, log: TextLog) -> IptcFacts:
    """IIM facts from an opened Pillow image."""
    try:
        block, stored = iim_block(im)
    except Exception as err:  # never let a Photoshop block take the record down
        return IptcFacts(status=Status.UNPARSEABLE, reason=f"IPTC block unreadable: {err}")
    if not block:
        return IptcFacts(status=Status.ABSENT, reason="no IPTC IIM block")
    datasets, problem = parse_iim(block)
    if not datasets:
        return IptcFacts(status=Status.UNPARSEABLE, reason=problem or "IIM block has no datasets")
    decode = _decoder(datasets)
    single: dict[str, str | None] = {}
    for number, name in _SINGLE.items():
        raws = datasets.get((2, number))
        single[name] = log.take(f"iptc_iim.{name}", decode(raws[0])) if raws else None
    repeated = {
        name: log.take_all(f"iptc_iim.{name}", [decode(r) for r in datasets.get((2, number), [])])
        for number, name in _REPEATED.items()
    }
    if stored is None:
        digest = "absent"
    else:
        digest = "match" if hashlib.md5(block).digest() == stored else "mismatch"  # noqa: S324 - IPTCDigest is MD5 by definition
    return IptcFacts(
        status=Status.OK,
        reason=problem,
        digest=digest,
        keywords=repeated["keywords"],
        by_line=repeated["by_line"],
        **single,
    )
