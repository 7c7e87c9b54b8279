"""An archived HTTP payload decoded as a client would have read it: de-chunked, then decoded.

Archivers store the payload differently: wget and pywb as it came off the wire (still
``Transfer-Encoding: chunked``, still ``Content-Encoding: gzip`` or ``br``), browsertrix-style
tools often already decoded but with the original headers kept. warcio's own decoding reads
a body that does not decompress as if it were plain, silently stops at a broken chunk or
gzip stream, and fails on brotli 1.2 and on ``gzip, br``: a robots.txt read that way is
garbage or empty, which reads as "no rules" (allow all). This module decodes strictly:

- ``Transfer-Encoding: chunked``: a body that does not start with a chunk-size line is taken
  as already de-chunked; a chunked body that ends before its last chunk is *cut*;
- every ``Content-Encoding`` in the header (``gzip, br`` is undone right to left): ``gzip`` /
  ``x-gzip`` and ``deflate`` by zlib, ``br`` by brotli; a body without the gzip magic, or one
  brotli cannot read that is already text or an image, is taken as stored decoded (only for
  the encoding applied last, the outermost); ``identity`` is nothing;
- an encoding with no decoder here (``zstd``, ``compress``, anything unknown) or a stream that
  fails mid-way is an error: the payload is *unreadable*, never read as plain bytes;
- decoding is bounded: nothing inflates past ``max_bytes + 1`` bytes (a bomb stays small).
"""

from __future__ import annotations

import zlib
from collections.abc import Iterable
from dataclasses import dataclass

GZIP_MAGIC = b"\x1f\x8b"
_IMAGE_MAGIC = (
    b"\x89PNG",
    b"\xff\xd8\xff",
    b"GIF8",
    b"RIFF",
    b"BM",
    b"II*\x00",
    b"MM\x00*",
    b"\x00\x00\x00",  # ISO BMFF (AVIF, HEIC): a box size then ftyp
    b"<svg",
    b"<?xml",
)


@dataclass(frozen=True, slots=True)
class Decoded:
    """A payload as a client would have read it, or why it cannot be.

    ``cut`` says the bytes are the start of a longer payload (a chunked body or a compressed
    stream that ends early); ``stored_decoded`` names an encoding the header claims that the
    archiver had already undone.
    """

    data: bytes | None
    error: str | None = None
    cut: bool = False
    stored_decoded: str | None = None


def header_tokens(headers: Iterable[tuple[str, str]], name: str) -> list[str]:
    """Every comma-separated token of every ``name`` header (duplicated headers joined)."""
    tokens: list[str] = []
    for key, value in headers:
        if key.strip().lower() == name:
            tokens.extend(t.strip().lower() for t in value.split(",") if t.strip())
    return tokens


def dechunk(raw: bytes) -> tuple[bytes, bool] | None:
    """The body of a chunked payload and whether it was cut; None when it is not chunked."""
    out: list[bytes] = []
    pos = 0
    first = True
    while True:
        end = raw.find(b"\r\n", pos, pos + 1024)
        if end < 0:
            if first:
                return None
            return b"".join(out), True
        size_text = raw[pos:end].split(b";", 1)[0].strip()
        try:
            size = int(size_text, 16)
        except ValueError:
            if first:
                return None
            return b"".join(out), True
        if size < 0:
            return None if first else (b"".join(out), True)
        first = False
        start = end + 2
        if size == 0:
            return b"".join(out), False
        chunk = raw[start : start + size]
        out.append(chunk)
        if len(chunk) < size:
            return b"".join(out), True
        pos = start + size
        if raw[pos : pos + 2] != b"\r\n":
            return b"".join(out), True
        pos += 2


def _looks_decoded(data: bytes) -> bool:
    """Whether bytes a decoder refused are already plain: an image, or UTF-8 text."""
    if data.startswith(_IMAGE_MAGIC):
        return True
    head = data[:4096]
    try:
        text = head.decode("utf-8")
    except UnicodeDecodeError as err:
        if err.start < len(head) - 4:  # a character cut at the sample's end is fine
            return False
        text = head[: err.start].decode("utf-8")
    return all(ch.isprintable() or ch in "\t\r\n\f" for ch in text)


def _inflate(data: bytes, wbits: int, limit: int) -> tuple[bytes, bool]:
    """zlib-decode ``data`` (gzip members one after another), at most ``limit`` bytes out;
    returns the bytes and whether the stream ended early (cut). Raises zlib.error."""
    out = bytearray()
    rest = data
    while rest and len(out) < limit:
        engine = zlib.decompressobj(wbits)
        out += engine.decompress(rest, limit - len(out))
        if len(out) >= limit:
            return bytes(out), False
        if not engine.eof:
            return bytes(out), True
        rest = engine.unused_data
        if wbits != 16 + zlib.MAX_WBITS or not rest.startswith(GZIP_MAGIC):
            break  # trailing bytes after a deflate stream or a last gzip member: ignored
    return bytes(out), False


def _unbrotli(data: bytes, limit: int) -> tuple[bytes, bool]:
    import brotli

    engine = brotli.Decompressor()
    out = engine.process(data, output_buffer_limit=limit)
    return out[:limit], not engine.is_finished() and len(out) < limit


def _decode_one(coding: str, data: bytes, limit: int, outermost: bool) -> Decoded:
    if coding in ("identity", ""):
        return Decoded(data)
    try:
        if coding in ("gzip", "x-gzip"):
            if not data.startswith(GZIP_MAGIC):
                if outermost:
                    return Decoded(data, stored_decoded=coding)
                return Decoded(None, f"Content-Encoding {coding}: not a gzip stream")
            out, cut = _inflate(data, 16 + zlib.MAX_WBITS, limit)
        elif coding == "deflate":
            try:
                out, cut = _inflate(data, zlib.MAX_WBITS, limit)
            except zlib.error:
                out, cut = _inflate(data, -zlib.MAX_WBITS, limit)
        elif coding == "br":
            try:
                out, cut = _unbrotli(data, limit)
            except Exception:  # brotli.error: not a brotli stream
                if outermost and _looks_decoded(data):
                    return Decoded(data, stored_decoded=coding)
                raise
        else:
            return Decoded(None, f"Content-Encoding {coding!r}: no decoder for it here")
    except Exception as err:  # zlib.error, brotli.error: a corrupt stream is no payload
        return Decoded(None, f"Content-Encoding {coding}: corrupt stream ({err})")
    return Decoded(out, cut=cut)


def decode_payload(headers: Iterable[tuple[str, str]], raw: bytes, max_bytes: int) -> Decoded:
    """``raw`` (the record's HTTP payload as stored) as a client would have read it (module
    docstring); at most ``max_bytes + 1`` bytes, so a caller can tell "over the cap"."""
    pairs = list(headers)
    data, cut = raw, False
    if "chunked" in header_tokens(pairs, "transfer-encoding"):
        body = dechunk(raw)
        if body is not None:
            data, cut = body
    codings = header_tokens(pairs, "content-encoding")
    stored = None
    limit = max_bytes + 1
    for number, coding in enumerate(reversed(codings)):
        step = _decode_one(coding, data, limit, outermost=number == 0)
        if step.data is None:
            return Decoded(None, step.error, cut)
        if step.stored_decoded:
            stored = step.stored_decoded
            # an archiver that undid the outermost encoding undid them all
            break
        data, cut = step.data, cut or step.cut
    return Decoded(data[:limit], None, cut, stored)
