"""The demo crawl's WARC files as replay tools read them: pywb serves them back as served.

Every response record's status line carries its reason phrase and every request record its
``Host`` header (the HTTP client adds it below the headers Scrapy reports); pywb (in its own
virtualenv, ``.venv/pywb``, installed by ``scripts/run setup``) then replays pages and images
with ``200 OK`` and the bytes the crawl received.
"""

from __future__ import annotations

import gzip
import hashlib
import http.client
import socket
import subprocess
import time
from collections.abc import Iterator
from http import HTTPStatus
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from warcio.archiveiterator import ArchiveIterator

from tests.conftest import REPO, DemoCrawl, stop_process

PYWB = REPO / ".venv" / "pywb" / "bin"


def _records(warc_dir: Path) -> Iterator[tuple[str, str, Any]]:
    for path in sorted(warc_dir.glob("*.warc.gz")):
        with path.open("rb") as fh:
            for record in ArchiveIterator(fh):
                target = record.rec_headers.get_header("WARC-Target-URI") or ""
                yield str(record.rec_type), target, record.http_headers


def test_status_lines_carry_the_reason_phrase_and_requests_the_host(
    demo_crawl: DemoCrawl,
) -> None:
    responses = requests = 0
    known = {s.value for s in HTTPStatus}
    for kind, target, headers in _records(demo_crawl.out / "warc"):
        if kind == "response":
            responses += 1
            line = headers.statusline
            code, _, phrase = line.partition(" ")
            assert phrase, f"{target}: status line {line!r} has no reason phrase"
            if int(code) in known:
                assert phrase == HTTPStatus(int(code)).phrase, (target, line)
        elif kind == "request":
            requests += 1
            host = headers.get_header("Host")
            assert host == urlsplit(target).netloc, (target, host)
    assert responses > 100
    assert requests >= responses - 10  # every exchange has both (removals aside)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait(port: int, proc: subprocess.Popen[bytes], seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"pywb exited with {proc.returncode}")
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.2)
    raise AssertionError(f"pywb did not listen on {port} within {seconds} s")


def _get(port: int, path: str) -> tuple[int, str, bytes]:
    status, reason, _, body = _get_with_headers(port, path)
    return status, reason, body


def _get_with_headers(port: int, path: str) -> tuple[int, str, http.client.HTTPMessage, bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request("GET", path)
        response = conn.getresponse()
        return response.status, response.reason, response.headers, response.read()
    finally:
        conn.close()


def test_pywb_replays_the_demo_warcs_with_200_ok(demo_crawl: DemoCrawl, tmp_path: Path) -> None:
    if not (PYWB / "wb-manager").exists():
        pytest.fail(f"pywb is not installed in {PYWB.parent}: run scripts/run setup")
    run = demo_crawl.runs["reproduce"]
    truth = {i["url"]: i for i in demo_crawl.manifest["images"]}
    images = [r for r in run.records if r["decision"] == "collected" and r["image_url"] in truth][
        :6
    ]
    pages = sorted({u for r in images for u in r["page_urls"]})[:4]
    assert images
    assert pages
    warcs = sorted(str(p) for p in (demo_crawl.out / "warc").glob("*.warc.gz"))
    for args in (["init", "demo"], ["add", "demo", *warcs]):
        subprocess.run(
            [str(PYWB / "wb-manager"), *args],
            cwd=tmp_path,
            check=True,
            capture_output=True,
            timeout=120,
        )
    port = _free_port()
    proc = subprocess.Popen(
        [str(PYWB / "wayback"), "-b", "127.0.0.1", "-p", str(port)],
        cwd=tmp_path,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        _wait(port, proc)
        stamp = run.run_id[:8]  # the crawl's date: pywb replays the closest capture
        for url in pages:
            status, reason, _ = _get(port, f"/demo/{stamp}id_/{url}")
            assert (status, reason) == (200, "OK"), url
        for record in images:
            url = record["image_url"]
            status, reason, body = _get(port, f"/demo/{stamp}id_/{url}")
            assert (status, reason) == (200, "OK"), url
            assert hashlib.sha256(body).hexdigest() == truth[url]["sha256"], url
        # a robots.txt served gzip-compressed replays as the text it was: the record kept the
        # gzip bytes and their Content-Encoding together
        gz = next(h for h in demo_crawl.manifest["hosts"] if h["host"] == "gzip-robots.net")
        status, _, headers, body = _get_with_headers(
            port, f"/demo/{stamp}id_/{gz['robots']['final_url']}"
        )
        assert status == 200
        if headers.get("Content-Encoding") == "gzip":
            body = gzip.decompress(body)
        assert body.decode() == gz["robots"]["body"]
    finally:
        stop_process(proc)
