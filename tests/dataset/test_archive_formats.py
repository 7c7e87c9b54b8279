"""Web archives as the real world writes them, audited without failing open.

WARC files are written here with warcio's own writer (and one record by hand, as WARC/1.0
with lower-case header names and an angle-bracketed target): revisits of originals that are
and are not in the archive, truncated records, payloads still chunked or gzip/brotli encoded
as wget and pywb store them (or decoded with the headers kept, as browsertrix-style tools
do), encodings nothing here decodes, robots.txt captured as 404, 503 and redirects, IRIs and
IDN hosts, HTTP/1.0 status lines without a reason, archiver records (``urn:pageinfo:``,
screenshots, metadata), an image held as a resource record, and files damaged mid-way.

An unknown must never read as allowed: the expected truth below says, for every image, the
decision and reasons a compliant collection at capture time would have had.
"""

from __future__ import annotations

import gzip
import io
import json
import sqlite3
import subprocess
import sys
import zipfile
import zlib
from pathlib import Path
from typing import Any

import brotli
import pytest
from PIL import Image
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from provenance.archive.index import (
    build_index,
    check_wacz,
    digest_key,
    normalise,
    read_payload,
)
from provenance.archive.payload import dechunk, decode_payload
from provenance.errors import InputError
from tests.conftest import run_cli
from tests.dataset.conftest import audit, reason_kinds

DISALLOW = b"User-agent: *\nDisallow: /img/\n"
ALLOW = b"User-agent: *\nDisallow: /nothing/\n"
TEXT = "text/plain"
PNG = "image/png"
CAPTURED = "2024-01-02T03:04:05Z"
EARLIER = "2024-01-01T00:00:00Z"


def _png(color: tuple[int, int, int]) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (64, 48), color).save(out, "PNG")
    return out.getvalue()


RED, GREEN, BLUE = _png((200, 10, 10)), _png((10, 200, 10)), _png((10, 10, 200))


def _chunked(body: bytes, size: int = 7) -> bytes:
    parts = [body[i : i + size] for i in range(0, len(body), size)]
    return b"".join(b"%x\r\n%s\r\n" % (len(p), p) for p in parts) + b"0\r\n\r\n"


class _Warc:
    """A warcio writer with the few record shapes these tests need."""

    def __init__(self, fh: Any) -> None:
        self.writer = WARCWriter(fh, gzip=True)

    def response(
        self,
        url: str,
        status: str,
        headers: list[tuple[str, str]],
        body: bytes,
        *,
        date: str = CAPTURED,
        protocol: str = "HTTP/1.1",
        warc: dict[str, str] | None = None,
    ) -> Any:
        http = StatusAndHeaders(status, headers, protocol=protocol)
        record = self.writer.create_warc_record(
            url,
            "response",
            payload=io.BytesIO(body),
            http_headers=http,
            warc_headers_dict={"WARC-Date": date, **(warc or {})},
        )
        self.writer.write_record(record)
        return record

    def revisit(
        self,
        url: str,
        digest: str,
        http: StatusAndHeaders | None,
        *,
        refers_to: str | None = None,
    ) -> None:
        extra = {
            "WARC-Date": CAPTURED,
            "WARC-Payload-Digest": digest,
            "WARC-Profile": "http://netpreserve.org/warc/1.1/revisit/identical-payload-digest",
        }
        if refers_to:
            extra["WARC-Refers-To"] = refers_to
        record = self.writer.create_warc_record(
            url, "revisit", payload=io.BytesIO(b""), http_headers=http, warc_headers_dict=extra
        )
        self.writer.write_record(record)

    def segmented(
        self, url: str, headers: list[tuple[str, str]], body: bytes, *, cut: bool
    ) -> None:
        """A response split in two segments (WARC 1.1 §7.7); ``cut``: the continuation lost."""
        half = len(body) // 2
        first = self.response(
            url, "200 OK", headers, body[:half], warc={"WARC-Segment-Number": "1"}
        )
        if cut:
            return
        record = self.writer.create_warc_record(
            url,
            "continuation",
            payload=io.BytesIO(body[half:]),
            warc_headers_dict={
                "WARC-Date": CAPTURED,
                "WARC-Segment-Origin-ID": first.rec_headers.get_header("WARC-Record-ID"),
                "WARC-Segment-Number": "2",
                "WARC-Segment-Total-Length": str(len(body)),
            },
        )
        self.writer.write_record(record)

    def resource(self, url: str, kind: str, body: bytes) -> None:
        record = self.writer.create_warc_record(
            url,
            "resource",
            payload=io.BytesIO(body),
            warc_content_type=kind,
            warc_headers_dict={"WARC-Date": CAPTURED},
        )
        self.writer.write_record(record)

    def metadata(self, url: str, body: bytes) -> None:
        record = self.writer.create_warc_record(
            url,
            "metadata",
            payload=io.BytesIO(body),
            warc_content_type="application/warc-fields",
            warc_headers_dict={"WARC-Date": CAPTURED},
        )
        self.writer.write_record(record)

    def host(self, host: str, robots: bytes | None = ALLOW) -> None:
        """A host's other policy documents as an archiver that asked for them kept them."""
        if robots is not None:
            self.response(f"http://{host}/robots.txt", "200 OK", [("Content-Type", TEXT)], robots)
        for path in ("/ai.txt", "/.well-known/tdmrep.json"):
            self.response(f"http://{host}{path}", "404 Not Found", [("Content-Type", TEXT)], b"")
        self.response(
            f"http://{host}/",
            "200 OK",
            [("Content-Type", "text/html")],
            b"<html><body>home</body></html>",
            date=EARLIER,
        )

    def image(self, host: str, body: bytes = RED, **kwargs: Any) -> Any:
        headers = kwargs.pop("headers", [("Content-Type", PNG)])
        return self.response(f"http://{host}/img/a.png", "200 OK", headers, body, **kwargs)


def _hand_written_warc10(url: str, body: bytes) -> bytes:
    """One WARC/1.0 response record as some tools wrote it: lower-case header names, the target
    in angle brackets, an HTTP/1.0 status line without a reason, duplicated header names."""
    http = b"HTTP/1.0 200\r\ncontent-type: image/png\r\nx-robots-tag: noai\r\n"
    http += b"X-Robots-Tag: noimageindex\r\n\r\n" + body
    head = (
        "WARC/1.0\r\n"
        "warc-type: response\r\n"
        f"warc-target-uri: <{url}>\r\n"
        f"warc-date: {CAPTURED}\r\n"
        "warc-record-id: <urn:uuid:6a1e0c1e-0000-4000-8000-000000000001>\r\n"
        "content-type: application/http; msgtype=response\r\n"
        f"content-length: {len(http)}\r\n\r\n"
    ).encode()
    return gzip.compress(head + http + b"\r\n\r\n")


# image URL -> (decision, reason kinds / failure values): what a compliant collection at
# capture time would have done with each, given what the archive holds
EXPECT: dict[str, tuple[str, set[str]]] = {
    # robots.txt stored chunked + gzip (wget), brotli, gzip then brotli: decoded, it disallows
    "http://chunkgz.example/img/a.png": ("skipped", {"robots"}),
    "http://br.example/img/a.png": ("skipped", {"robots"}),
    "http://gzbr.example/img/a.png": ("skipped", {"robots"}),
    # the header says gzip, the archiver stored it decoded (browsertrix-style): still read
    "http://storeddecoded.example/img/a.png": ("skipped", {"robots"}),
    # an encoding nothing here decodes, a gzip stream corrupt mid-way: unknown, not "no rules"
    "http://zstd.example/img/a.png": ("skipped", {"robots"}),
    "http://corruptgz.example/img/a.png": ("skipped", {"robots"}),
    # a robots.txt revisit whose original is not in the archive: not captured, never allow
    "http://revrobots.example/img/a.png": ("skipped", {"robots"}),
    # a robots.txt "not modified" (304) revisit whose original is not in the archive: the
    # file it refers to is unknown, never an empty 200 (allow all)
    "http://rev304robots.example/img/a.png": ("skipped", {"robots"}),
    # RFC 9309 as at capture time: 404 allows all, 503 disallows all, redirects followed
    "http://r404.example/img/a.png": ("collected", set()),
    "http://r503.example/img/a.png": ("skipped", {"robots"}),
    "http://redirected.example/img/a.png": ("skipped", {"robots"}),
    "http://redirectmissing.example/img/a.png": ("skipped", {"robots"}),
    # revisits: the original's bytes; its headers when the revisit holds none
    "http://revisit.example/img/a.png": ("collected", set()),
    "http://revisit.example/img/orig.png": ("collected", set()),
    "http://revisitnoheaders.example/img/a.png": ("skipped", {"x-robots-tag"}),
    "http://revisitnoheaders.example/img/orig.png": ("skipped", {"x-robots-tag"}),
    "http://revisitabsent.example/img/a.png": ("failed", {"not_captured"}),
    "http://notmodified.example/img/a.png": ("skipped", {"x-robots-tag"}),
    "http://notmodifiedabsent.example/img/a.png": ("failed", {"not_captured"}),
    # a truncated image record: its bytes never stand for it
    "http://truncated.example/img/a.png": ("failed", {"not_captured"}),
    # an image stored chunked and gzip-encoded: the bytes a client read
    "http://chunkedimage.example/img/a.png": ("collected", set()),
    # WARC/1.0 by hand: <uri>, lower-case names, "HTTP/1.0 200", X-Robots-Tag twice
    "http://warc10.example/img/a.png": ("skipped", {"x-robots-tag"}),
    # an IRI path and an IDN host, as a page would ask for them
    "http://iri.example/img/caf%C3%A9%20noir.png": ("collected", set()),
    "http://xn--bcher-kva.example/img/a.png": ("collected", set()),
    # bytes without HTTP headers (a resource record): X-Robots-Tag unknown
    "http://resource.example/img/a.png": ("failed", {"not_captured"}),
    # robots.txt rewritten between two crawls: each image by the capture in force when it was
    # taken (the one closest before it)
    "http://epochs.example/img/early.png": ("collected", set()),
    "http://epochs.example/img/late.png": ("skipped", {"robots"}),
    # before any robots.txt capture: the earliest one counts
    "http://epochs.example/img/first.png": ("collected", set()),
    # a segmented image reassembled from its continuation record; a segmented robots.txt
    # whose continuation is lost (its first half alone reads as allow-all): not captured
    "http://segmented.example/img/a.png": ("collected", set()),
    "http://segmentlost.example/img/a.png": ("skipped", {"robots"}),
}
EPOCHS = {  # image -> (its capture, the robots.txt capture in force)
    "http://epochs.example/img/first.png": ("2024-03-01", "2024-03-02"),
    "http://epochs.example/img/early.png": ("2024-03-05", "2024-03-03"),
    "http://epochs.example/img/late.png": ("2024-04-05", "2024-04-01"),
}
SAME_BYTES = {
    "http://segmented.example/img/a.png": BLUE,
    "http://revisit.example/img/a.png": GREEN,
    "http://chunkedimage.example/img/a.png": BLUE,
    "http://iri.example/img/caf%C3%A9%20noir.png": RED,
}


@pytest.fixture(scope="module")
def odd_archive(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("odd") / "odd.warc.gz"
    with path.open("wb") as fh:
        w = _Warc(fh)
        gz = gzip.compress(DISALLOW)
        w.response(
            "http://chunkgz.example/robots.txt",
            "200 OK",
            [
                ("Content-Type", TEXT),
                ("Transfer-Encoding", "chunked"),
                ("Content-Encoding", "gzip"),
            ],
            _chunked(gz),
        )
        w.response(
            "http://br.example/robots.txt",
            "200 OK",
            [("Content-Type", TEXT), ("Content-Encoding", "br")],
            brotli.compress(DISALLOW),
        )
        w.response(
            "http://gzbr.example/robots.txt",
            "200 OK",
            [("Content-Type", TEXT), ("Content-Encoding", "gzip, br")],
            brotli.compress(gzip.compress(DISALLOW)),
        )
        w.response(
            "http://storeddecoded.example/robots.txt",
            "200 OK",
            [("Content-Type", TEXT), ("Content-Encoding", "gzip")],
            DISALLOW,
        )
        w.response(
            "http://zstd.example/robots.txt",
            "200 OK",
            [("Content-Type", TEXT), ("Content-Encoding", "zstd")],
            b"\x28\xb5\x2f\xfd" + bytes(range(40)),
        )
        broken = bytearray(gzip.compress(ALLOW * 50 + DISALLOW))
        broken[30:60] = bytes(b ^ 0x5A for b in broken[30:60])
        w.response(
            "http://corruptgz.example/robots.txt",
            "200 OK",
            [("Content-Type", TEXT), ("Content-Encoding", "gzip")],
            bytes(broken),
        )
        w.revisit(
            "http://revrobots.example/robots.txt",
            "sha1:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
            StatusAndHeaders("200 OK", [("Content-Type", TEXT)], protocol="HTTP/1.1"),
        )
        w.revisit(
            "http://rev304robots.example/robots.txt",
            "sha1:DDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDD",
            StatusAndHeaders("304 Not Modified", [("ETag", '"r"')], protocol="HTTP/1.1"),
        )
        w.response("http://r404.example/robots.txt", "404 Not Found", [], b"nope")
        w.response("http://r503.example/robots.txt", "503 Service Unavailable", [], b"busy")
        w.response(
            "http://redirected.example/robots.txt",
            "301 Moved Permanently",
            [("Location", "http://policies.example/robots.txt")],
            b"",
        )
        w.response(
            "http://policies.example/robots.txt", "200 OK", [("Content-Type", TEXT)], DISALLOW
        )
        w.response(
            "http://redirectmissing.example/robots.txt",
            "302 Found",
            [("Location", "http://elsewhere.example/robots.txt")],
            b"",
        )
        for host in (
            "chunkgz",
            "br",
            "gzbr",
            "storeddecoded",
            "zstd",
            "corruptgz",
            "revrobots",
            "rev304robots",
            "r404",
            "r503",
            "redirected",
            "redirectmissing",
        ):
            w.host(f"{host}.example", robots=None)
            w.image(f"{host}.example")
        for host in (
            "notmodified",
            "notmodifiedabsent",
            "revisit",
            "revisitnoheaders",
            "revisitabsent",
            "truncated",
            "chunkedimage",
            "warc10",
            "iri",
            "xn--bcher-kva",
            "resource",
        ):
            w.host(f"{host}.example")
        original = w.response(
            "http://revisit.example/img/orig.png",
            "200 OK",
            [("Content-Type", PNG)],
            GREEN,
            date=EARLIER,
        )
        # by WARC-Refers-To, and the digest spelt in base16 (some tools do)
        digest = original.rec_headers.get_header("WARC-Payload-Digest")
        w.revisit(
            "http://revisit.example/img/a.png",
            "sha1:0000000000000000000000000000000000000000",
            StatusAndHeaders("200 OK", [("Content-Type", PNG)], protocol="HTTP/1.1"),
            refers_to=original.rec_headers.get_header("WARC-Record-ID"),
        )
        original = w.response(
            "http://revisitnoheaders.example/img/orig.png",
            "200 OK",
            [("Content-Type", PNG), ("X-Robots-Tag", "noimageindex")],
            BLUE,
            date=EARLIER,
        )
        digest = original.rec_headers.get_header("WARC-Payload-Digest")
        algo, _, b32 = digest.partition(":")
        import base64

        w.revisit(
            "http://revisitnoheaders.example/img/a.png",
            f"{algo}:{base64.b32decode(b32).hex()}",
            None,
        )
        w.revisit(
            "http://revisitabsent.example/img/a.png",
            "sha1:BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB",
            StatusAndHeaders("200 OK", [("Content-Type", PNG)], protocol="HTTP/1.1"),
        )
        # server-not-modified revisits (Heritrix): a 304 head; the original's status, headers
        # (here a refusal) and bytes count, and without the original nothing does
        original = w.response(
            "http://notmodified.example/img/a.png",
            "200 OK",
            [("Content-Type", PNG), ("X-Robots-Tag", "noai")],
            GREEN,
            date=EARLIER,
        )
        w.revisit(
            "http://notmodified.example/img/a.png",
            original.rec_headers.get_header("WARC-Payload-Digest"),
            StatusAndHeaders("304 Not Modified", [("ETag", '"x"')], protocol="HTTP/1.1"),
            refers_to=original.rec_headers.get_header("WARC-Record-ID"),
        )
        w.revisit(
            "http://notmodifiedabsent.example/img/a.png",
            "sha1:CCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCC",
            StatusAndHeaders("304 Not Modified", [("Content-Type", PNG)], protocol="HTTP/1.1"),
        )
        w.image("truncated.example", RED[:40], warc={"WARC-Truncated": "length"})
        w.image(
            "chunkedimage.example",
            _chunked(gzip.compress(BLUE), 100),
            headers=[
                ("Content-Type", PNG),
                ("Transfer-Encoding", "chunked"),
                ("Content-Encoding", "gzip"),
            ],
        )
        w.response(
            "http://iri.example/img/café noir.png",
            "200",
            [("content-type", PNG)],
            RED,
            protocol="HTTP/1.0",
        )
        # a page showing it by a relative IRI, and no request records (no Referer): the page
        # the archive holds that shows the image stands for it
        w.response(
            "http://iri.example/gallery.html",
            "200 OK",
            [("Content-Type", "text/html; charset=utf-8")],
            '<html><body><img src="img/café noir.png" alt="Café noir"></body></html>'.encode(),
        )
        w.response("http://bücher.example/img/a.png", "200 OK", [("Content-Type", PNG)], RED)
        w.resource("http://resource.example/img/a.png", PNG, GREEN)
        # the archiver's own records: never images of the web
        w.resource("urn:screenshot:http://resource.example/", PNG, BLUE)
        w.resource("urn:pageinfo:http://resource.example/", "application/json", b'{"pages":{}}')
        w.metadata("http://resource.example/img/a.png", b"outlink: http://resource.example/\r\n")
        fh.write(_hand_written_warc10("http://warc10.example/img/a.png", RED))
        w.host("warc10.example")
        w.host("segmented.example")
        w.segmented("http://segmented.example/img/a.png", [("Content-Type", PNG)], BLUE, cut=False)
        w.host("segmentlost.example", robots=None)
        w.segmented(
            "http://segmentlost.example/robots.txt",
            [("Content-Type", TEXT)],
            b"User-agent: *\n" + b"# " * 20 + b"\nDisallow: /img/\n",
            cut=True,
        )
        w.image("segmentlost.example")
        w.host("epochs.example", robots=None)
        # fetched again unchanged on 03-03 (one epoch with 03-02), rewritten on 04-01
        for day, robots in (("2024-03-02", ALLOW), ("2024-03-03", ALLOW), ("2024-04-01", DISALLOW)):
            w.response(
                "http://epochs.example/robots.txt",
                "200 OK",
                [("Content-Type", TEXT)],
                robots,
                date=f"{day}T00:00:00Z",
            )
        for url, (day, _) in EPOCHS.items():
            w.response(url, "200 OK", [("Content-Type", PNG)], RED, date=f"{day}T12:00:00Z")
    return path


def test_odd_archives_audit_to_what_a_compliant_collection_would_have_done(
    odd_archive: Path, tmp_path: Path
) -> None:
    result = audit(tmp_path / "out", "--archive", str(odd_archive))
    problems = []
    for url, (decision, kinds) in EXPECT.items():
        got = result.records.get(url)
        if got is None:
            problems.append(f"{url}: no record")
            continue
        if (got["decision"], reason_kinds(got)) != (decision, kinds):
            reasons = [(r["kind"], r["value"]) for r in got["reasons"]]
            problems.append(f"{url}: got {got['decision']} {reasons}, want {decision} {kinds}")
    assert not problems, "\n".join(problems)
    # nothing else became an image row (screenshots, page info, metadata are the archiver's)
    assert set(result.records) == set(EXPECT)
    import hashlib

    for url, body in SAME_BYTES.items():
        assert result.records[url]["sha256"] == hashlib.sha256(body).hexdigest(), url
    by_url = result.records
    values = {
        r["kind"]: r["value"] for r in by_url["http://revrobots.example/img/a.png"]["reasons"]
    }
    assert values == {"robots": "not-captured"}
    # an unchanged robots.txt fetched again is the same epoch; a rewritten one another
    index = build_index([odd_archive])
    epoch = {url: (index.policy_epoch(url) or ("",))[0] for url in EPOCHS}
    first, early, late = (epoch[u] for u in EPOCHS)
    assert first == early != late
    # the latest capture of a URL counts (the revisit, dated as it was made)
    assert by_url["http://notmodified.example/img/a.png"]["fetched_at"].startswith("2024-01-02")
    iri = by_url["http://iri.example/img/caf%C3%A9%20noir.png"]
    assert iri["page_urls"] == ["http://iri.example/gallery.html"]
    assert iri["alt_texts"] == ["Café noir"]
    lost = by_url["http://segmentlost.example/img/a.png"]["reasons"]
    assert [(r["kind"], r["value"]) for r in lost] == [("robots", "not-captured")]
    assert {r["value"] for r in by_url["http://r503.example/img/a.png"]["reasons"]} == {
        "unreachable"
    }
    zstd = by_url["http://zstd.example/img/a.png"]["reasons"][0]
    assert zstd["value"] == "not-captured", zstd
    assert "zstd" in zstd["evidence"], zstd
    resource = by_url["http://resource.example/img/a.png"]
    assert "resource record" in resource["reasons"][0]["evidence"]
    assert resource["sha256"] == hashlib.sha256(GREEN).hexdigest()  # the bytes were read
    with sqlite3.connect(result.db) as db:
        robots = dict(
            db.execute("select host, outcome from host_snapshot where kind = 'robots'").fetchall()
        )
        summary = json.loads(db.execute("select summary from crawl_run").fetchone()[0])
    with sqlite3.connect(result.db) as db:
        local = {
            url: json.loads(facts)
            for url, facts in db.execute("select url, local from dataset_entry").fetchall()
        }
    for url, (taken, robots_day) in EPOCHS.items():
        assert by_url[url]["fetched_at"].startswith(taken), url
        # the dataset entry says which robots.txt capture judged the image
        which = local[url]["policy_captures"]["/robots.txt"]
        assert f"captured {robots_day}" in which, (url, which)
    assert robots["r404.example"] == "unavailable"
    assert robots["revrobots.example"] == "not_captured"
    assert robots["rev304robots.example"] == "not_captured"
    assert "input_problems" not in summary


def test_payloads_decode_as_a_client_read_them() -> None:
    def enc(*codings: str) -> list[tuple[str, str]]:
        return [("Content-Encoding", ", ".join(codings))]

    assert decode_payload(enc("br"), brotli.compress(DISALLOW), 100).data == DISALLOW
    assert (
        decode_payload(enc("gzip", "br"), brotli.compress(gzip.compress(DISALLOW)), 100).data
        == DISALLOW
    )
    # duplicated header lines are one list of codings, applied in order
    two = [("Content-Encoding", "gzip"), ("content-encoding", "br")]
    assert decode_payload(two, brotli.compress(gzip.compress(DISALLOW)), 100).data == DISALLOW
    stored = decode_payload(enc("br"), DISALLOW, 100)
    assert stored.data == DISALLOW
    assert stored.stored_decoded == "br"
    assert decode_payload(enc("br"), bytes(range(256)), 1000).data is None
    assert decode_payload(enc("compress"), b"x", 100).error is not None
    assert decode_payload(enc("deflate"), zlib.compress(DISALLOW), 100).data == DISALLOW
    raw_deflate = zlib.compressobj(wbits=-zlib.MAX_WBITS)
    body = raw_deflate.compress(DISALLOW) + raw_deflate.flush()
    assert decode_payload(enc("deflate"), body, 100).data == DISALLOW
    # a bomb inflates to the cap and no further
    bomb = gzip.compress(b"\0" * (8 << 20))
    assert len(decode_payload(enc("gzip"), bomb, 1000).data or b"") == 1001
    cut = decode_payload(enc("gzip"), gzip.compress(ALLOW * 500)[:60], 1 << 20)
    assert cut.data is not None
    assert cut.cut
    assert dechunk(_chunked(DISALLOW)) == (DISALLOW, False)
    assert dechunk(DISALLOW) is None  # stored de-chunked with the header kept
    assert dechunk(_chunked(DISALLOW)[:20]) is not None
    assert dechunk(_chunked(DISALLOW)[:20])[1]


def test_urls_index_as_requests_ask_for_them() -> None:
    assert normalise("<http://Example.COM:80/a.png>") == "http://example.com/a.png"
    assert normalise("http://bücher.example/café noir.png") == (
        "http://xn--bcher-kva.example/caf%C3%A9%20noir.png"
    )
    assert normalise("http://a.example/caf%c3%a9.png#x") == "http://a.example/caf%C3%A9.png"
    assert digest_key("sha1:" + "00" * 20) == "sha1:" + "A" * 32
    assert digest_key("SHA1:abcd") == "sha1:ABCD"


def _five_records(path: Path) -> list[int]:
    offsets = []
    with path.open("wb") as fh:
        w = _Warc(fh)
        for n in range(5):
            offsets.append(fh.tell())
            w.response(f"http://x.example/{n}.png", "200 OK", [("Content-Type", PNG)], RED)
        offsets.append(fh.tell())
    return offsets


def test_a_damaged_file_keeps_what_it_can_and_names_the_damage(tmp_path: Path) -> None:
    whole = tmp_path / "whole.warc.gz"
    at = _five_records(whole)
    data = whole.read_bytes()
    cases = {
        # a gzip member corrupt in its middle: that record is lost, reading resumes after it
        "corrupt": data[: at[2] + 30]
        + bytes(b ^ 0x55 for b in data[at[2] + 30 : at[2] + 60])
        + data[at[2] + 60 :],
        # a member that is not a WARC record, and bytes that are not gzip at all
        "notwarc": data[: at[3]] + gzip.compress(b"<html>not a record</html>\n") + data[at[3] :],
        "garbage": data[: at[3]] + b"garbage\r\n" + data[at[3] :],
        # a file cut inside a record (a copy that stopped)
        "cut": data[: (at[2] + at[3]) // 2],
    }
    kept = {
        "corrupt": {0, 1, 3, 4},
        "notwarc": {0, 1, 2, 3, 4},
        "garbage": {0, 1, 2, 3, 4},
        "cut": {0, 1},
    }
    for name, damaged in cases.items():
        path = tmp_path / f"{name}.warc.gz"
        path.write_bytes(damaged)
        index = build_index([path])
        got = {int(u.rsplit("/", 1)[1].split(".")[0]) for u in index.captures}
        assert got == kept[name], name
        assert len(index.unreadable) == 1, (name, index.unreadable)
        assert str(path) in index.unreadable[0]
        assert "byte" in index.unreadable[0]
        for url in index.captures:
            capture = index.capture(url)
            assert capture is not None
            assert read_payload(capture, 1 << 20) == (RED, None)
    assert not build_index([whole]).unreadable


def test_a_damaged_archive_is_audited_and_the_command_says_so(
    odd_archive: Path, tmp_path: Path
) -> None:
    folder = tmp_path / "archive"
    folder.mkdir()
    data = odd_archive.read_bytes()
    # the odd archive, cut short in its last records
    (folder / "cut.warc.gz").write_bytes(data[: len(data) - 300])
    out = tmp_path / "out"
    result = run_cli("audit", "--archive", str(folder), "--out", str(out), check=False)
    assert result.returncode == 2, result.stdout + result.stderr
    last = result.stderr.strip().splitlines()[-1]
    assert "archive damaged" in last
    assert "cut.warc.gz" in last
    assert "unreadable from byte" in last
    with sqlite3.connect(out / "provtrack.db") as db:
        images = db.execute("select count(*) from image").fetchone()[0]
        summary = json.loads(db.execute("select summary from crawl_run").fetchone()[0])
    assert images >= len(EXPECT) - 2  # what was read before the damage is audited and kept
    assert any("cut.warc.gz: unreadable from byte" in p for p in summary["input_problems"])


def _wacz(warcs: list[Path], dest: Path) -> Path:
    """A WACZ made by py-wacz (``wacz create``, pages detected), as browsertrix packages."""
    tool = Path(sys.executable).parent / "wacz"
    subprocess.run(
        [str(tool), "create", "-o", str(dest), "--detect-pages", *map(str, warcs)],
        check=True,
        capture_output=True,
        cwd=dest.parent,
    )
    return dest


def _repack(source: Path, dest: Path, replace: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(source) as zin, zipfile.ZipFile(dest, "w") as zout:
        for info in zin.infolist():
            zout.writestr(info, replace.pop(info.filename, zin.read(info.filename)))
        for name, data in replace.items():
            zout.writestr(name, data)
    return dest


def test_a_wacz_is_checked_against_its_datapackage_then_audited(tmp_path: Path) -> None:
    small = tmp_path / "small.warc.gz"
    with small.open("wb") as fh:
        w = _Warc(fh)
        w.host("pkg.example", robots=DISALLOW)
        w.image("pkg.example")
    wacz = _wacz([small], tmp_path / "crawl.wacz")
    with zipfile.ZipFile(wacz) as zf:
        names = set(zf.namelist())
        assert {"datapackage.json", "datapackage-digest.json", "archive/small.warc.gz"} <= names
    check_wacz(wacz)
    result = audit(tmp_path / "out", "--archive", str(wacz))
    got = result.records["http://pkg.example/img/a.png"]
    assert (got["decision"], reason_kinds(got)) == ("skipped", {"robots"})

    # the same package with its WARC replaced (robots.txt now allows): refused, one line
    other = tmp_path / "other.warc.gz"
    with other.open("wb") as fh:
        w = _Warc(fh)
        w.host("pkg.example", robots=ALLOW)
        w.image("pkg.example")
    tampered = {
        "swapped": {"archive/small.warc.gz": other.read_bytes()},
        "added": {"archive/extra.warc.gz": other.read_bytes()},
        "package edited": {"datapackage.json": b'{"resources": []}'},
    }
    for name, replace in tampered.items():
        bad = _repack(wacz, tmp_path / f"{name.replace(' ', '-')}.wacz", dict(replace))
        with pytest.raises(InputError, match="refused"):
            check_wacz(bad)
        run = run_cli("audit", "--archive", str(bad), "--out", str(tmp_path / name), check=False)
        assert run.returncode == 2, name
        lines = run.stderr.strip().splitlines()
        assert len(lines) == 1, lines
        assert "refused" in lines[0], lines
        assert not (tmp_path / name / "provtrack.db").exists()  # refused before anything ran
    with zipfile.ZipFile(wacz) as zf, zipfile.ZipFile(tmp_path / "bare.wacz", "w") as out:
        for info in zf.infolist():
            if not info.filename.startswith("datapackage"):
                out.writestr(info, zf.read(info.filename))
    with pytest.raises(InputError, match=r"no datapackage\.json"):
        check_wacz(tmp_path / "bare.wacz")
