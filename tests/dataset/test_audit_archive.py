"""``provtrack audit --archive``: web archives read as they were captured, nothing fetched.

Two archives of the demo web: the WARC files of provtrack's own compliant crawl, and a WARC
written by warcio's own capture of an archiver that kept one host's policy documents (as
Common Crawl keeps robots.txt) and another host's pages and images only. The records must
equal the crawl's wherever the archive holds what the decision rests on, and be ``not
captured`` where it does not.
"""

from __future__ import annotations

import json
import sqlite3
import urllib.error
import urllib.request
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from warcio.capture_http import capture_http

from tests.conftest import CrawlResult, DemoWebProcess, run_cli
from tests.dataset.conftest import audit, reason_kinds

# after-download skips the captured response headers decide (no bytes needed)
HEADER_KINDS = {"x-robots-tag", "tdm-reservation"}


def _key(record: dict[str, Any]) -> tuple[Any, ...]:
    reasons = sorted((r["kind"], r["value"]) for r in record["reasons"])
    return (record["decision"], record["stage"], reasons)


def test_a_provtrack_crawls_warcs_audit_to_the_crawls_records(
    compliant_crawl: CrawlResult, tmp_path: Path
) -> None:
    # no --proxy: an archive audit reads nothing from the web
    result = audit(tmp_path / "out", "--archive", str(compliant_crawl.out / "warc"))
    crawl = compliant_crawl.by_url
    assert set(result.records) == set(crawl)
    problems = []
    not_captured = 0
    for url, mine in crawl.items():
        got = result.records[url]
        kinds = reason_kinds(mine)
        embedded = mine["stage"] == "after-download" and not kinds <= HEADER_KINDS
        payload_lost = (
            mine["decision"] == "failed" and kinds == {"too_large"} and not mine["sha256"]
        )
        if embedded or payload_lost:
            # the crawl discarded (or never received) these bytes: what they said is unknown
            if reason_kinds(got) != {"not_captured"} or got["decision"] != "failed":
                problems.append(f"{url}: expected not_captured, got {_key(got)}")
            not_captured += 1
            continue
        if _key(got) != _key(mine):
            problems.append(f"{url}: archive {_key(got)} != crawl {_key(mine)}")
            continue
        if mine["decision"] == "collected":
            for field in ("sha256", "phash", "pdq", "width", "height", "faces", "exif", "xmp"):
                if got[field] != mine[field]:
                    problems.append(f"{url}: {field} {got[field]!r} != {mine[field]!r}")
            # every fact dated when it was captured, not when the audit read it
            assert got["fetched_at"] == mine["fetched_at"]
            # the site's evidence grows with each page read; the order of reading differs
            top = [c["code"] for c in got["site_jurisdiction"][:1]]
            assert top == [c["code"] for c in mine["site_jurisdiction"][:1]], url
    assert not problems, "\n".join(problems)
    assert not_captured >= 3  # the IPTC and C2PA skips, the 40 MB file
    with sqlite3.connect(result.db) as db:
        robots = db.execute(
            "select host, outcome, fetched_at from host_snapshot where kind = 'robots'"
        ).fetchall()
    with sqlite3.connect(compliant_crawl.db) as db:
        crawled = {
            h: (o, t, json.loads(p or "{}").get("redirects"))
            for h, o, t, p in db.execute(
                "select host, outcome, fetched_at, parsed from host_snapshot where kind = 'robots'"
            )
        }
    for host, outcome, fetched_at in robots:
        crawl_outcome, crawl_time, redirects = crawled[host]
        assert outcome == crawl_outcome, host
        if redirects:
            # a redirected robots.txt: the archive dates it by one capture of its chain, the
            # crawl by its own stamp of the chain; both lie within the same fetch
            gap = abs(
                datetime.fromisoformat(fetched_at[:19]) - datetime.fromisoformat(crawl_time[:19])
            )
            assert gap.total_seconds() <= 60, host
        else:
            assert fetched_at[:19] == crawl_time[:19], host


def _capture(proxy: str, warc: Path, urls: list[tuple[str, str | None]]) -> None:
    """Fetch URLs through the demo proxy as a simple archiver would, recording every exchange
    with warcio's own writer (``capture_http``); the Referer says which page an image was on."""
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({"http": proxy}))
    with capture_http(str(warc)):
        for url, referer in urls:
            headers = {"User-Agent": "simple-archiver/1.0"}
            if referer:
                headers["Referer"] = referer
            try:
                opener.open(urllib.request.Request(url, headers=headers), timeout=10).read()
            except urllib.error.HTTPError:
                pass  # a 404 is captured like any response


@pytest.fixture(scope="module")
def other_archive(
    tmp_path_factory: pytest.TempPathFactory, demoweb: DemoWebProcess, manifest: dict[str, Any]
) -> tuple[Path, dict[str, list[str]]]:
    """A WARC by warcio: pixgram.com with its policy documents, prairiepros.ca without."""
    hosts = {h["host"]: h for h in manifest["hosts"]}
    pixgram, prairie = hosts["pixgram.com"], hosts["prairiepros.ca"]
    pages = {p["url"]: p for p in manifest["pages"]}
    wanted: dict[str, list[str]] = {"pixgram.com": [], "prairiepros.ca": []}
    urls: list[tuple[str, str | None]] = [
        (pixgram["robots"]["url"], None),
        (pixgram["ai_txt"]["url"], None),
        (pixgram["tdmrep"]["url"], None),
        (pixgram["seed"], None),
        (pixgram["terms"]["url"], None),
    ]
    for host in ("pixgram.com", "prairiepros.ca"):
        for page in [p for p in pages.values() if p["host"] == host][:4]:
            if page["expect"]["compliant"]["decision"] != "fetch":
                continue
            urls.append((page["url"], None))
            for image in page["images"][:3]:
                urls.append((image, page["url"]))
                wanted[host].append(image)
    warc = tmp_path_factory.mktemp("other") / "simple-archiver.warc.gz"
    _capture(demoweb.url, warc, urls)
    assert prairie["robots"]["status"] == 200  # the archive simply did not keep it
    return warc, wanted


def test_another_tools_warc_audits_as_captured(
    other_archive: tuple[Path, dict[str, list[str]]],
    compliant_crawl: CrawlResult,
    tmp_path: Path,
) -> None:
    warc, wanted = other_archive
    result = audit(tmp_path / "out", "--archive", str(warc))
    crawl = compliant_crawl.by_url
    problems = []
    for url in dict.fromkeys(wanted["pixgram.com"]):
        got, mine = result.records.get(url), crawl.get(url)
        assert got is not None, url
        assert mine is not None, url
        if _key(got) != _key(mine):
            problems.append(f"{url}: archive {_key(got)} != crawl {_key(mine)}")
        elif mine["decision"] == "collected":
            assert got["sha256"] == mine["sha256"]
            assert got["faces"] == mine["faces"]
    for url in dict.fromkeys(wanted["prairiepros.ca"]):
        got = result.records[url]
        # no robots.txt, ai.txt, tdmrep.json or terms in the archive: unknown, never allowed
        assert got["decision"] == "skipped", url
        values = {(r["kind"], r["value"]) for r in got["reasons"]}
        assert ("robots", "not-captured") in values, values
        for reason in got["reasons"]:
            assert "not captured" in reason["evidence"]
    assert not problems, "\n".join(problems)
    with sqlite3.connect(result.db) as db:
        outcomes = dict(
            db.execute("select host, outcome from host_snapshot where kind = 'robots'").fetchall()
        )
    assert outcomes["prairiepros.ca"] == "not_captured"
    assert outcomes["pixgram.com"] == "parsed"


def test_fetch_missing_reads_todays_documents_and_says_so(
    other_archive: tuple[Path, dict[str, list[str]]],
    compliant_crawl: CrawlResult,
    demoweb: DemoWebProcess,
    tmp_path: Path,
) -> None:
    warc, wanted = other_archive
    result = audit(tmp_path / "out", "--archive", str(warc), "--fetch-missing", *demoweb.proxy_args)
    crawl = compliant_crawl.by_url
    for url in dict.fromkeys(wanted["prairiepros.ca"]):
        # today's robots.txt, ai.txt and terms: the same answers the live crawl had
        assert _key(result.records[url]) == _key(crawl[url]), url
    with sqlite3.connect(result.db) as db:
        rows = db.execute("select host, parsed from host_snapshot where kind = 'robots'").fetchall()
    read_from = {host: json.loads(parsed).get("read_from", "") for host, parsed in rows}
    assert read_from["prairiepros.ca"].startswith("live")
    assert read_from["pixgram.com"].startswith("archive ")


def test_a_wacz_indexes_as_the_warcs_inside_it(
    compliant_crawl: CrawlResult, tmp_path: Path
) -> None:
    from provenance.archive.index import build_index, check_wacz, read_payload

    wacz = tmp_path / "crawl.wacz"
    run_cli("export", "--out", str(compliant_crawl.out), "--format", "wacz", "--dest", str(wacz))
    check_wacz(wacz)  # provtrack's own package passes the check a WACZ audit makes
    packed = build_index([wacz])
    loose = build_index([compliant_crawl.out / "warc"])
    assert not packed.unreadable
    assert packed.records == loose.records
    assert set(packed.captures) == set(loose.captures)
    assert packed.image_urls() == loose.image_urls()
    assert packed.referrers == loose.referrers
    for url in packed.image_urls()[:10]:
        a, b = packed.capture(url), loose.capture(url)
        if a is None or b is None:
            assert a is b is None
            continue
        assert a.file.startswith(f"{wacz}!archive/")
        assert read_payload(a, 1 << 25) == read_payload(b, 1 << 25)
