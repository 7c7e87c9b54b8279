"""WARC 1.1 output with warcio: every HTTP exchange as a request and a response record.

Records point back here by file name and offset. Files are gzip-per-record (what replay tools
and ``warcio check`` expect) and rotate at a size cap. Each writer owns its files (the name
carries the run id and a writer id), so several crawler processes never share a file.
"""

from __future__ import annotations

import base64
import hashlib
import io
import os
import uuid
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http import HTTPStatus
from pathlib import Path
from typing import Any, BinaryIO
from urllib.parse import urlsplit

from warcio.archiveiterator import ArchiveIterator
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from provenance import __version__
from provenance.errors import IntegrityError

GZIP_LEVEL = 1
# Payloads already compressed by their format (JPEG, PNG, GIF, WebP, AVIF/HEIF, gzip, zip):
# deflate at level 1 still searches them for matches and saved 1.5 % of the scale web's
# JPEGs for ~0.4 ms of the crawler's CPU per image (bench/README.md); level 0 writes stored
# deflate blocks, the same valid gzip member (the record reads back byte for byte).
STORED_GZIP_LEVEL = 0
_COMPRESSED_MAGIC = (b"\xff\xd8\xff", b"\x89PNG", b"GIF8", b"\x1f\x8b", b"PK\x03\x04")


def already_compressed(body: bytes) -> bool:
    """Whether a payload's own format compressed it (by its leading bytes, not its headers)."""
    if body.startswith(_COMPRESSED_MAGIC):
        return True
    if body[:4] == b"RIFF" and body[8:12] == b"WEBP":
        return True
    return body[4:8] == b"ftyp"  # AVIF, HEIF (ISO base media)


# Headers describing a transfer encoding the crawler already undid; keeping them would make
# replay tools try to decode the stored body a second time. Content-Encoding is dropped only
# with a body the crawler decoded (an image after Scrapy's decompression, a browser's
# subresource): a body stored as sent keeps it, or replay would serve gzip bytes as text.
_HOP_HEADERS = frozenset({"transfer-encoding", "content-encoding"})
_TRANSFER_HEADERS = frozenset({"transfer-encoding"})


@dataclass(frozen=True, slots=True)
class WarcPointer:
    """Where a response record lives: file name (relative to the WARC folder) and byte offset.

    ``payload_sha256`` is computed when asked: the crawler keeps only the file and offset
    of each pointer (the media facts hash the image), so hashing every payload here was ~25 us
    of its CPU per image for nothing."""

    file: str
    offset: int
    record_id: str
    payload: bytes = field(default=b"", repr=False, compare=False)

    @property
    def payload_sha256(self) -> str:
        """sha256 (hex) of the record's payload."""
        return hashlib.sha256(self.payload).hexdigest()


def standard_phrase(status: int) -> str:
    """The reason phrase RFC 9110 gives a status code ("" for an unregistered code).

    Used when the fetcher did not report the phrase the server sent: Scrapy's HTTP/1.1
    handler keeps only the code (the browser reports the phrase, and it is kept as served).
    """
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return ""


def _warc_date(when: datetime) -> str:
    return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _sha1(*parts: bytes) -> str:
    """A WARC digest as warcio writes it (``sha1:`` and the base32 of the SHA-1)."""
    digest = hashlib.sha1()  # noqa: S324 - the WARC digest warcio and replay tools expect
    for part in parts:
        digest.update(part)
    return "sha1:" + base64.b32encode(digest.digest()).decode("ascii")


_SHA1_EMPTY = _sha1()
_CONTENT_TYPE = {
    "response": "application/http; msgtype=response",
    "request": "application/http; msgtype=request",
}


def _http_block(protocol: str, statusline: str, headers: list[tuple[str, str]]) -> bytes | None:
    """The HTTP head of a record, byte for byte as warcio's ``compute_headers_buffer`` writes
    it; None when warcio would do something else with it (a header that is not ASCII, which
    it percent-encodes; a name or value that is not a string), so that warcio writes it."""
    first = protocol
    if first and statusline:
        first += " "
    first += statusline
    lines = [first + "\r\n"] if first else []
    for name, value in headers:
        if type(name) is not str or type(value) is not str:
            return None
        lines.append(f"{name}: {value}\r\n")
    lines.append("\r\n")
    try:
        return "".join(lines).encode("ascii")
    except UnicodeEncodeError:
        return None


def _record(
    record_type: str, url: str, warc_headers: list[tuple[str, str]], http: bytes, payload: bytes
) -> tuple[bytes, str]:
    """One request or response record serialised exactly as warcio's ``create_warc_record``
    and ``write_record`` do (the same headers in the same order, the same digests), without
    its header objects, streams and generator loops: ~0.2 ms of the crawler's CPU per image.
    Returns the record's bytes (before gzip) and its record ID."""
    record_id = f"<urn:uuid:{uuid.uuid4()}>"
    fields = [*warc_headers, ("WARC-Type", record_type), ("WARC-Record-ID", record_id)]
    if url:
        fields.append(("WARC-Target-URI", url))
    fields += [
        ("WARC-Payload-Digest", _sha1(payload) if payload else _SHA1_EMPTY),
        ("WARC-Block-Digest", _sha1(http, payload)),
        ("Content-Type", _CONTENT_TYPE[record_type]),
        ("Content-Length", str(len(http) + len(payload))),
    ]
    head = "WARC/1.1\r\n" + "".join(f"{k}: {v}\r\n" for k, v in fields) + "\r\n"
    return b"".join((head.encode("utf-8"), http, payload, b"\r\n\r\n")), record_id


class WarcWriter:
    """Append-only WARC writer for one process; not thread-safe (the crawler is single-threaded)."""

    def __init__(
        self,
        directory: Path,
        *,
        run_id: str,
        writer_id: str | None = None,
        max_bytes: int = 512 * 1024 * 1024,
        operator: str = "provtrack",
    ) -> None:
        self.directory = directory
        self.directory.mkdir(parents=True, exist_ok=True)
        self.run_id = run_id
        self.writer_id = writer_id or f"{os.getpid()}-{uuid.uuid4().hex[:6]}"
        self.max_bytes = max_bytes
        self.operator = operator
        self._serial = 0
        self._fh: BinaryIO | None = None
        self._writer: WARCWriter | None = None
        self._name = ""
        self._buffer = io.BytesIO()

    def _open_next(self) -> None:
        self.close()
        self._serial += 1
        stamp = datetime.now(UTC).strftime("%Y%m%d%H%M%S")
        self._name = f"provtrack-{self.run_id}-{stamp}-{self.writer_id}-{self._serial:05d}.warc.gz"
        self._fh = (self.directory / self._name).open("ab")
        self._buffer = io.BytesIO()
        self._writer = WARCWriter(self._buffer, gzip=False, warc_version="WARC/1.1")
        info = self._writer.create_warcinfo_record(
            self._name,
            {
                "software": f"provtrack/{__version__} (Scrapy, warcio)",
                "operator": self.operator,
                "isPartOf": self.run_id,
                "format": "WARC File Format 1.1",
                "conformsTo": "https://iipc.github.io/warc-specifications/specifications/warc-format/warc-1.1/",
                "robots": "checked per RFC 9309; see provtrack host snapshots",
            },
        )
        self._emit(info)

    def _emit(self, record: Any, level: int = GZIP_LEVEL) -> None:
        """Write one record as its own gzip member (what replay tools and warcio expect).

        warcio compresses at level 9, which costs a crawl of JPEGs (incompressible) most of
        its WARC time for nothing; each record is serialised plain and gzipped at ``level``
        (1; 0 for a payload its format compressed already).
        """
        assert self._fh is not None
        assert self._writer is not None
        self._buffer.seek(0)
        self._buffer.truncate()
        self._writer.write_record(record)
        self._emit_bytes(self._buffer.getvalue(), level)

    def _emit_bytes(self, data: bytes, level: int = GZIP_LEVEL) -> None:
        """Write one serialised record as its own gzip member at ``level``."""
        assert self._fh is not None
        compressor = zlib.compressobj(level, zlib.DEFLATED, zlib.MAX_WBITS + 16)
        self._fh.write(compressor.compress(data) + compressor.flush())

    def _ensure_open(self) -> tuple[BinaryIO, WARCWriter]:
        if self._fh is None or self._fh.tell() >= self.max_bytes:
            self._open_next()
        assert self._fh is not None
        assert self._writer is not None
        return self._fh, self._writer

    def write_exchange(
        self,
        *,
        url: str,
        method: str,
        request_headers: Iterable[tuple[str, str]],
        status: int,
        reason: str,
        response_headers: Iterable[tuple[str, str]],
        body: bytes,
        ip: str | None,
        fetched_at: datetime,
        protocol: str = "HTTP/1.1",
        truncated: str | None = None,
        as_sent: bool = False,
    ) -> WarcPointer:
        """Write a response record and its request record; return where the response is.

        ``truncated`` (a ``WARC-Truncated`` reason) marks a record written without its payload:
        an audit keeps every exchange's headers and, unless asked, none of the bytes.
        ``as_sent``: ``body`` is the payload as the server sent it (still content-encoded, as
        the downloader hands it over), so its ``Content-Encoding`` header is kept; otherwise
        the body was decoded and the header, which no longer describes it, is dropped.
        """
        fh, _ = self._ensure_open()
        date = _warc_date(fetched_at)
        dropped = _TRANSFER_HEADERS if as_sent else _HOP_HEADERS
        resp_headers = [(k, v) for k, v in response_headers if k.lower() not in dropped]
        statusline = f"{status} {reason or standard_phrase(status)}".strip()
        warc_headers = [("WARC-Date", date)]
        if ip:
            warc_headers.append(("WARC-IP-Address", ip))
        if truncated:
            warc_headers.append(("WARC-Truncated", truncated))
        parts = urlsplit(url)
        target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        sent = list(request_headers)
        if parts.netloc and not any(k.lower() == "host" for k, _ in sent):
            # the HTTP client adds Host below the headers it reports; replay tools need it
            sent.insert(0, ("Host", parts.netloc))
        request_line = f"{method} {target} {protocol}"
        offset = fh.tell()
        level = STORED_GZIP_LEVEL if already_compressed(body) else GZIP_LEVEL
        response_http = _http_block(protocol, statusline, resp_headers)
        request_http = _http_block(method, f"{target} {protocol}", sent)
        if response_http is not None and request_http is not None:
            data, record_id = _record("response", url, warc_headers, response_http, body)
            self._emit_bytes(data, level)
            data, _ = _record(
                "request",
                url,
                [("WARC-Date", date), ("WARC-Concurrent-To", record_id)],
                request_http,
                b"",
            )
            self._emit_bytes(data)
        else:  # headers warcio percent-encodes (not ASCII): its own record building
            record_id = self._warcio_exchange(
                url,
                warc_headers,
                protocol,
                statusline,
                resp_headers,
                body,
                level,
                request_line,
                sent,
            )
        return WarcPointer(self._name, offset, record_id, body)

    def _warcio_exchange(
        self,
        url: str,
        warc_headers: list[tuple[str, str]],
        protocol: str,
        statusline: str,
        resp_headers: list[tuple[str, str]],
        body: bytes,
        level: int,
        request_line: str,
        sent: list[tuple[str, str]],
    ) -> str:
        """The exchange's two records built by warcio (what :func:`_record` reproduces)."""
        writer = self._writer
        assert writer is not None
        http_headers = StatusAndHeaders(statusline, resp_headers, protocol=protocol)
        response = writer.create_warc_record(
            url,
            "response",
            payload=io.BytesIO(body),
            length=len(body),
            http_headers=http_headers,
            warc_headers_dict=dict(warc_headers),
        )
        self._emit(response, level)
        record_id: str = response.rec_headers.get_header("WARC-Record-ID")
        req_headers = StatusAndHeaders(request_line, sent, is_http_request=True)
        request = writer.create_warc_record(
            url,
            "request",
            http_headers=req_headers,
            warc_headers_dict={"WARC-Date": warc_headers[0][1], "WARC-Concurrent-To": record_id},
        )
        self._emit(request)
        return record_id

    def write_metadata(
        self,
        url: str,
        fields: dict[str, str],
        fetched_at: datetime,
        concurrent_to: str | None = None,
    ) -> WarcPointer:
        """Write a metadata record (e.g. why an image's payload was discarded)."""
        fh, writer = self._ensure_open()
        body = "".join(f"{k}: {v}\n" for k, v in fields.items()).encode()
        headers = {"WARC-Date": _warc_date(fetched_at)}
        if concurrent_to:
            headers["WARC-Concurrent-To"] = concurrent_to
        record = writer.create_warc_record(
            url,
            "metadata",
            payload=io.BytesIO(body),
            length=len(body),
            warc_content_type="application/warc-fields",
            warc_headers_dict=headers,
        )
        offset = fh.tell()
        self._emit(record)
        rid = record.rec_headers.get_header("WARC-Record-ID")
        return WarcPointer(self._name, offset, rid, body)

    def flush(self) -> None:
        """Push written records to the file; done before the rows pointing at them are stored."""
        if self._fh is not None:
            self._fh.flush()

    def close(self) -> None:
        """Flush and close the current file."""
        if self._fh is not None:
            self._fh.close()
        self._fh = None
        self._writer = None


@dataclass(frozen=True, slots=True)
class StoredResponse:
    """A response record read back from a WARC file."""

    url: str
    status: int
    headers: list[tuple[str, str]]
    body: bytes
    ip: str | None
    date: str
    record_id: str
    truncated: str | None = None
    rec_type: str = "response"

    def fields(self) -> dict[str, str]:
        """A metadata record's ``application/warc-fields`` body as a mapping."""
        out: dict[str, str] = {}
        for line in self.body.decode("utf-8", "replace").splitlines():
            name, sep, value = line.partition(":")
            if sep:
                out.setdefault(name.strip(), value.strip())
        return out


def read_response(directory: Path, file: str, offset: int) -> StoredResponse:
    """Read the record at ``file:offset``, checking its WARC digests."""
    path = directory / file
    try:
        with path.open("rb") as fh:
            fh.seek(offset)
            it: Iterator[object] = iter(ArchiveIterator(fh, check_digests="raise"))
            rec = next(it)
            body = rec.content_stream().read()  # type: ignore[attr-defined]
            headers = rec.rec_headers  # type: ignore[attr-defined]
            http = rec.http_headers  # type: ignore[attr-defined]
            status = int(http.get_statuscode()) if http is not None else 0
            return StoredResponse(
                url=headers.get_header("WARC-Target-URI"),
                status=status,
                headers=list(http.headers) if http is not None else [],
                body=body,
                ip=headers.get_header("WARC-IP-Address"),
                date=headers.get_header("WARC-Date"),
                record_id=headers.get_header("WARC-Record-ID"),
                truncated=headers.get_header("WARC-Truncated"),
                rec_type=str(rec.rec_type),  # type: ignore[attr-defined]
            )
    except (OSError, StopIteration, ValueError, Exception) as err:
        raise IntegrityError(f"WARC record {file}@{offset} is unreadable: {err}") from err


def repair_tail(path: Path) -> int:
    """Cut a WARC file back to its last complete record; return the bytes removed.

    A crawl killed while writing (kill -9) leaves half a gzip member at the end of its file.
    A resumed crawl repairs the run's files first, so they pass ``warcio check`` again; every
    record a stored row points at was complete (rows are stored after their record is written).
    """
    good = 0
    with path.open("rb") as fh:
        iterator = ArchiveIterator(fh)
        try:
            for record in iterator:
                record.content_stream().read()
                good = iterator.get_record_offset() + iterator.get_record_length()
        except Exception:  # noqa: S110 - the truncated tail: everything before ``good`` is whole
            pass
    size = path.stat().st_size
    if good < size:
        with path.open("r+b") as fh:
            fh.truncate(good)
    return size - good


def raw_record(directory: Path, file: str, offset: int) -> bytes:
    """The record at ``file:offset`` exactly as stored (one gzip member: a valid .warc.gz),
    after checking its digests."""
    path = directory / file
    try:
        with path.open("rb") as fh:
            fh.seek(offset)
            iterator = ArchiveIterator(fh, check_digests="raise")
            record = next(iter(iterator))
            record.content_stream().read()
            iterator.read_to_end()
            length = int(iterator.member_info[1])
            fh.seek(offset)
            return fh.read(length)
    except (OSError, StopIteration, ValueError, Exception) as err:
        raise IntegrityError(f"WARC record {file}@{offset} is unreadable: {err}") from err
