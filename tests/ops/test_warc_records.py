"""The WARC writer's own record serialisation is warcio's, byte for byte.

``provenance.warc`` builds request and response records itself (warcio's header objects,
streams and digest loops cost the crawler ~0.2 ms per image); warcio still writes the
warcinfo and metadata records, and any exchange whose headers it would percent-encode.
"""

from __future__ import annotations

import gzip
import itertools
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from warcio.archiveiterator import ArchiveIterator

import provenance.warc as warc
from provenance.warc import WarcWriter, read_response

WHEN = datetime(2024, 5, 1, 12, 30, 5, 123456, tzinfo=UTC)
JPEG = b"\xff\xd8\xff\xe0" + bytes(range(256)) * 40
HTML = b"<html><body>" + b"<p>text</p>" * 300 + b"</body></html>"

EXCHANGES: list[dict[str, Any]] = [
    {
        "url": "http://example.test/img/1.jpg",
        "request_headers": [("User-Agent", "provtrack"), ("Accept", "*/*")],
        "status": 200,
        "reason": "OK",
        "response_headers": [("Content-Type", "image/jpeg"), ("X-Robots-Tag", "noimageai")],
        "body": JPEG,
        "ip": "127.0.0.1",
    },
    {  # no reason phrase reported, a query, a Host header already sent, no IP
        "url": "http://example.test/page?x=1&y=2",
        "request_headers": [("Host", "example.test"), ("Referer", "http://example.test/")],
        "status": 404,
        "reason": "",
        "response_headers": [
            ("Content-Type", "text/html; charset=utf-8"),
            ("Transfer-Encoding", "chunked"),
            ("Content-Encoding", "gzip"),
        ],
        "body": HTML,
        "ip": None,
    },
    {  # an audit's headers-only record
        "url": "http://example.test/img/2.jpg",
        "request_headers": [],
        "status": 200,
        "reason": "OK",
        "response_headers": [("Content-Type", "image/jpeg")],
        "body": b"",
        "ip": "10.0.0.2",
        "truncated": "length",
    },
    {  # content-encoding kept for a body stored as sent; an unregistered status
        "url": "https://example.test/",
        "request_headers": [("Accept-Encoding", "gzip")],
        "status": 599,
        "reason": "",
        "response_headers": [("Content-Encoding", "gzip")],
        "body": gzip.compress(b"stored as sent", mtime=0),
        "ip": "::1",
        "as_sent": True,
    },
    {  # a percent-encoded path and an empty header value
        "url": "http://example.test/caf%C3%A9.jpg",
        "request_headers": [("X-Empty", "")],
        "status": 301,
        "reason": "Moved Permanently",
        "response_headers": [("Location", "http://example.test/cafe.jpg")],
        "body": b"moved",
        "ip": "127.0.0.1",
    },
]


def _write(directory: Path, monkeypatch: pytest.MonkeyPatch, exchanges: list[dict[str, Any]]):
    ids = (uuid.UUID(int=i) for i in itertools.count(1))
    monkeypatch.setattr(warc.uuid, "uuid4", lambda: next(ids))
    monkeypatch.setattr("warcio.statusandheaders.uuid.uuid4", lambda: next(ids))
    writer = WarcWriter(directory, run_id="unit", writer_id="w")
    pointers = [
        writer.write_exchange(method="GET", fetched_at=WHEN, **exchange) for exchange in exchanges
    ]
    writer.close()
    data = (directory / pointers[0].file).read_bytes()
    return pointers, data[pointers[0].offset :]


def test_exchange_records_are_warcio_s_byte_for_byte(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with monkeypatch.context() as patch:
        ours, ours_bytes = _write(tmp_path / "ours", patch, EXCHANGES)
    with monkeypatch.context() as patch:
        patch.setattr(warc, "_http_block", lambda *_: None)  # every exchange through warcio
        theirs, theirs_bytes = _write(tmp_path / "warcio", patch, EXCHANGES)
    assert ours_bytes == theirs_bytes
    assert [(p.record_id, p.payload_sha256) for p in ours] == [
        (p.record_id, p.payload_sha256) for p in theirs
    ]
    assert [p.offset - ours[0].offset for p in ours] == [
        p.offset - theirs[0].offset for p in theirs
    ]


def test_exchange_records_read_back_with_their_digests(tmp_path: Path) -> None:
    writer = WarcWriter(tmp_path, run_id="unit")
    pointers = [writer.write_exchange(method="GET", fetched_at=WHEN, **e) for e in EXCHANGES]
    writer.close()
    for exchange, pointer in zip(EXCHANGES, pointers, strict=True):
        stored = read_response(tmp_path, pointer.file, pointer.offset)
        # warcio decodes a body stored with its Content-Encoding
        decoded = gzip.decompress(exchange["body"]) if exchange.get("as_sent") else None
        assert stored.body == (decoded or exchange["body"])
        assert stored.url == exchange["url"]
        assert stored.record_id == pointer.record_id
    with (tmp_path / pointers[0].file).open("rb") as fh:
        records = [
            (r.rec_type, r.rec_headers.get_header("WARC-Concurrent-To"))
            for r in ArchiveIterator(fh, check_digests="raise")
        ]
    assert [t for t, _ in records] == ["warcinfo", *["response", "request"] * len(EXCHANGES)]
    assert [c for t, c in records if t == "request"] == [p.record_id for p in pointers]


def test_headers_warcio_percent_encodes_go_through_warcio(tmp_path: Path) -> None:
    exchange = {
        **EXCHANGES[0],
        "response_headers": [("Content-Disposition", 'inline; filename="caf\u00e9.jpg"')],
    }
    writer = WarcWriter(tmp_path, run_id="unit")
    pointer = writer.write_exchange(method="GET", fetched_at=WHEN, **exchange)
    writer.close()
    stored = read_response(tmp_path, pointer.file, pointer.offset)
    assert stored.body == JPEG
    assert stored.headers == [("Content-Disposition", "inline; filename*=UTF-8''caf%C3%A9.jpg")]
