"""robots.txt fetched as the real web serves it, compared with the manifest in both modes.

The demo web's robots cases (``demoweb/sites/robotscases.py``) redirect robots.txt once, five
times across hosts, six times, in a loop, to 127.0.0.1 and from http:// to https:// to another
HTTPS host's file, and serve it with a BOM, in UTF-16, gzip-compressed and 20 MB large. The
image decisions of those hosts are checked against the manifest by ``test_demo_crawl``; here
the host snapshots themselves: the outcome, every hop of the redirect chain with its status,
time and certificate, the final URL, and the 500 KiB cut; and the same cases crawled from
``https://`` seeds.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from provenance.export.records import ExportView
from provenance.store import open_store
from tests.conftest import DemoWebProcess, crawl_demo
from tests.crawl.conftest import DemoCrawl

ROBOTS_CASES = (
    "moved-robots.net",
    "hops-robots.net",
    "deep-robots.net",
    "loop-robots.net",
    "guarded-robots.net",
    "bom-robots.net",
    "utf16-robots.net",
    "utf16be-robots.net",
    "gzip-robots.net",
    "huge-robots.net",
    "delay-robots.net",
    "northpier-press.com",
)
PRESS, GROUP = "northpier-press.com", "pierhouse-media.net"


def _hosts(demo_crawl: DemoCrawl) -> dict[str, dict[str, Any]]:
    return {h["host"]: h for h in demo_crawl.manifest["hosts"]}


def test_the_demo_web_serves_every_robots_case(demo_crawl: DemoCrawl) -> None:
    hosts = _hosts(demo_crawl)
    assert set(ROBOTS_CASES) <= set(hosts)
    assert len(hosts["hops-robots.net"]["robots"]["redirects"]) == 5
    assert len(hosts["deep-robots.net"]["robots"]["redirects"]) == 6
    assert hosts["huge-robots.net"]["robots"]["size"] >= 20 * 1024 * 1024


@pytest.mark.parametrize("mode", ["compliant", "reproduce"])
def test_robots_snapshots_follow_the_manifest(demo_crawl: DemoCrawl, mode: str) -> None:
    run = demo_crawl.runs[mode]
    problems = []
    for name, host in _hosts(demo_crawl).items():
        truth = host["robots"]
        snap = run.view.snapshots[(run.run_id, name)]["robots"]
        chain = snap.parsed.get("redirects") or []
        where = f"{mode} {name}"
        if snap.outcome != truth["outcome"]:
            problems.append(f"{where}: outcome {snap.outcome} != {truth['outcome']}")
        # the snapshot is filed under the URL asked for, whatever answered
        if snap.url != truth["url"]:
            problems.append(f"{where}: snapshot url {snap.url}")
        redirects = [(h["url"], h["status"], h["location"]) for h in chain if h["location"]]
        expected = [(h["url"], h["status"], h["location"]) for h in truth["redirects"]]
        if truth["status"] != "timeout" and redirects != expected:
            problems.append(f"{where}: redirects {redirects} != {expected}")
        if any(not h["fetched_at"] for h in chain):
            problems.append(f"{where}: a hop without its time")
        if truth["final_url"] and snap.final_url != truth["final_url"]:
            problems.append(f"{where}: final url {snap.final_url} != {truth['final_url']}")
        if bool(snap.truncated) != truth["truncated"]:
            problems.append(f"{where}: truncated {snap.truncated} != {truth['truncated']}")
    assert not problems, "\n".join(problems)


def test_a_chain_given_up_is_a_complete_disallow_with_its_reason(demo_crawl: DemoCrawl) -> None:
    run = demo_crawl.runs["compliant"]
    reasons = {
        name: run.view.snapshots[(run.run_id, name)]["robots"].reason
        for name in ("deep-robots.net", "loop-robots.net", "guarded-robots.net")
    }
    assert "more than 5 redirects" in reasons["deep-robots.net"]
    assert "redirect loop" in reasons["loop-robots.net"]
    # the address guard refused the hop to 127.0.0.1: it never left
    assert "RefusedAddress" in reasons["guarded-robots.net"]
    assert "loopback" in reasons["guarded-robots.net"]
    for reason in reasons.values():
        assert "complete disallow" in reason


def test_encodings_and_size_are_read(demo_crawl: DemoCrawl) -> None:
    run = demo_crawl.runs["compliant"]
    snaps = {
        name: run.view.snapshots[(run.run_id, name)]["robots"]
        for name in ("bom-robots.net", "utf16-robots.net", "utf16be-robots.net", "huge-robots.net")
    }
    assert snaps["utf16-robots.net"].parsed["encoding"] == "utf-16-le"
    assert snaps["utf16be-robots.net"].parsed["encoding"] == "utf-16-be"
    assert snaps["bom-robots.net"].parsed["text"].startswith("User-agent: *")
    huge = snaps["huge-robots.net"]
    assert huge.parsed["truncated"] is True
    assert 500 * 1024 <= len(huge.parsed["text"].encode()) <= 512 * 1024
    assert "Disallow: /\n" not in huge.parsed["text"]


def test_crawl_delay_is_honoured_and_recorded(demo_crawl: DemoCrawl) -> None:
    """delay-robots.net asks provtrack for Crawl-delay: 1: recorded in the robots snapshot,
    and honoured: the image request, made once the page came back, went out at least a second
    after the page request (the host's downloader slot waits between them)."""
    truth = _hosts(demo_crawl)["delay-robots.net"]["robots"]
    assert truth["crawl_delay"] == 1.0
    run = demo_crawl.runs["compliant"]
    snap = run.view.snapshots[(run.run_id, "delay-robots.net")]["robots"]
    assert snap.parsed["crawl_delay"] == 1.0
    (image,) = [r for r in run.records if r["image_url"] == "http://delay-robots.net/img/open.jpg"]
    page = run.view.pages[(run.run_id, "http://delay-robots.net/")]
    assert page.fetched_at is not None
    image_at = datetime.fromisoformat(image["fetched_at"])
    page_at = (
        page.fetched_at.replace(tzinfo=image_at.tzinfo)
        if page.fetched_at.tzinfo is None
        else page.fetched_at
    )
    assert (image_at - page_at).total_seconds() >= 0.9


def _hop_host(hop: dict[str, Any]) -> str:
    return urlsplit(hop["url"]).hostname or ""


@pytest.mark.parametrize("mode", ["compliant", "reproduce"])
def test_robots_redirected_to_another_https_host_decides_for_the_first(
    demo_crawl: DemoCrawl, mode: str
) -> None:
    """http://northpier-press.com/robots.txt -> https://northpier-press.com/robots.txt ->
    https://pierhouse-media.net/robots/northpier-press.txt: that file's rules are
    northpier-press.com's (not the group host's own robots.txt, which closes /img/), and each
    hop keeps the certificate its own host showed."""
    hosts = _hosts(demo_crawl)
    run = demo_crawl.runs[mode]
    snap = run.view.snapshots[(run.run_id, PRESS)]["robots"]
    truth = hosts[PRESS]["robots"]
    assert snap.outcome == "parsed"
    assert snap.url == f"http://{PRESS}/robots.txt"
    assert snap.final_url == truth["final_url"] == f"https://{GROUP}/robots/northpier-press.txt"
    chain = snap.parsed["redirects"]
    assert [(h["url"], h["status"]) for h in chain] == [
        *((h["url"], h["status"]) for h in truth["redirects"]),
        (truth["final_url"], 200),
    ]
    assert [urlsplit(h["url"]).scheme for h in chain] == ["http", "https", "https"]
    assert chain[0]["tls"] is None  # plain HTTP shows no certificate
    for hop in chain[1:]:
        facts = hosts[_hop_host(hop)]["tls"]
        assert hop["tls"]["sha256"] == facts["sha256"], hop["url"]
        assert hop["tls"]["subject"] == facts["subject"], hop["url"]
        assert hop["tls"]["dns_names"] == [_hop_host(hop)]
    # the snapshot's certificate is the server that answered last: the group host's
    assert snap.parsed["tls"]["sha256"] == hosts[GROUP]["tls"]["sha256"]
    # the group host's own robots.txt is another document with other rules
    own = run.view.snapshots[(run.run_id, GROUP)]["robots"]
    assert own.final_url == f"https://{GROUP}/robots.txt"
    assert own.sha256 != snap.sha256
    records = run.by_url
    opened, closed = (f"https://{PRESS}/img/{p}" for p in ("open.jpg", "closed/harbour.jpg"))
    group_open = f"https://{GROUP}/img/open.jpg"
    if mode == "compliant":
        assert records[opened]["decision"] == "collected"
        assert records[closed]["decision"] == "skipped"
        (reason,) = records[closed]["reasons"]
        assert (reason["kind"], reason["evidence"]) == ("robots", "Disallow: /img/closed/")
        (reason,) = records[group_open]["reasons"]
        assert (reason["kind"], reason["evidence"]) == ("robots", "Disallow: /img/")
    else:
        assert {o["kind"] for o in records[closed]["overridden"]} == {"robots"}
        assert not records[opened]["overridden"]
    # the export: the image host's own certificate, and every hop with its own
    exported = records[opened]
    assert exported["tls"]["sha256"] == hosts[PRESS]["tls"]["sha256"]
    hops = exported["host_snapshots"]["robots"]["redirects"]
    assert [h["url"] for h in hops] == [h["url"] for h in chain]
    assert [(h["tls"] or {}).get("sha256") for h in hops] == [
        None,
        hosts[PRESS]["tls"]["sha256"],
        hosts[GROUP]["tls"]["sha256"],
    ]
    assert exported["host_snapshots"]["robots"]["tls"]["sha256"] == hosts[GROUP]["tls"]["sha256"]


HTTPS_CASES = (
    "moved-robots.net",
    "hops-robots.net",
    "deep-robots.net",
    "loop-robots.net",
    "guarded-robots.net",
    "bom-robots.net",
    "utf16-robots.net",
    "utf16be-robots.net",
    "gzip-robots.net",
    PRESS,
)
"""robots cases crawled again from https:// seeds: plain-HTTP demo hosts serve every route over
HTTPS too, so the same redirects are met with a TLS first hop (and hops back to http://)."""


def test_robots_cases_decide_the_same_over_https(
    tmp_path: Path, demoweb: DemoWebProcess, demo_crawl: DemoCrawl
) -> None:
    hosts = _hosts(demo_crawl)
    seeds = [f"https://{name}/" for name in HTTPS_CASES]
    result = crawl_demo(tmp_path / "out", "compliant", demoweb, seeds)
    view = ExportView(open_store(str(result.out / "provtrack.db")))
    run_id = next(iter(view.snapshots))[0]
    records = result.by_url
    problems = []
    for name in HTTPS_CASES:
        truth = hosts[name]["robots"]
        snap = view.snapshots[(run_id, name)]["robots"]
        chain = snap.parsed["redirects"]
        if snap.url != f"https://{name}/robots.txt" or not (chain[0].get("tls") or {}).get(
            "sha256"
        ):
            problems.append(f"{name}: not asked over HTTPS first ({snap.url})")
        if snap.outcome != truth["outcome"]:
            problems.append(f"{name}: outcome {snap.outcome} != {truth['outcome']}")
        # a file served where it was asked is served over https now; one that redirects ends
        # where its absolute Location points, as over http
        final = (snap.final_url or "").split("://", 1)[-1]
        if truth["final_url"] and final != truth["final_url"].split("://", 1)[1]:
            problems.append(f"{name}: final url {snap.final_url} != {truth['final_url']}")
    for image in demo_crawl.manifest["images"]:
        if image["host"] not in HTTPS_CASES:
            continue
        url = "https://" + image["url"].split("://", 1)[1]
        expected = {"collect": "collected", "skip": "skipped", "unseen": None}[
            image["expect"]["compliant"]["decision"]
        ]
        got = records.get(url, {}).get("decision")
        if got != expected:
            problems.append(f"{url}: {got} != {expected}")
    assert not problems, "\n".join(problems)
    redirects = {
        name: sum(
            1 for h in view.snapshots[(run_id, name)]["robots"].parsed["redirects"] if h["location"]
        )
        for name in ("moved-robots.net", "hops-robots.net", PRESS)
    }
    assert redirects == {"moved-robots.net": 1, "hops-robots.net": 5, PRESS: 1}


def test_a_gzip_robots_txt_is_archived_as_sent_with_its_encoding(demo_crawl: DemoCrawl) -> None:
    """The WARC keeps the gzip bytes the server sent and says so (``Content-Encoding: gzip``),
    so a reader decodes them once to the text the crawler parsed; a record with the header
    dropped would replay gzip bytes as text."""
    import gzip

    from warcio.archiveiterator import ArchiveIterator

    truth = _hosts(demo_crawl)["gzip-robots.net"]["robots"]
    found = []
    for path in sorted((demo_crawl.out / "warc").glob("*.warc.gz")):
        with path.open("rb") as fh:
            for record in ArchiveIterator(fh):
                uri = record.rec_headers.get_header("WARC-Target-URI")
                if record.rec_type != "response" or uri != truth["final_url"]:
                    continue
                encoding = record.http_headers.get_header("Content-Encoding")
                raw = record.raw_stream.read()
                found.append((encoding, raw))
    assert found, "the gzip robots.txt was not archived"
    for encoding, raw in found:
        assert encoding == "gzip"
        assert len(raw) == truth["size"]
        assert gzip.decompress(raw).decode() == truth["body"]
    # and read back the way the replay and verify readers do: decoded once
    run = demo_crawl.runs["compliant"]
    snap = run.view.snapshots[(run.run_id, "gzip-robots.net")]["robots"]
    assert snap.warc_file
    assert snap.warc_offset is not None
    from provenance.warc import read_response

    stored = read_response(demo_crawl.out / "warc", snap.warc_file, snap.warc_offset)
    assert stored.body.decode() == truth["body"]
    assert ("Content-Encoding", "gzip") in stored.headers


def test_a_cut_robots_download_is_archived_as_truncated(demo_crawl: DemoCrawl) -> None:
    """huge-robots.net's 20 MB file is downloaded up to the cut: the record says so
    (``WARC-Truncated: length``) and holds the bytes that came, the parsed 500 KiB first."""
    from warcio.archiveiterator import ArchiveIterator

    truth = _hosts(demo_crawl)["huge-robots.net"]["robots"]
    found = []
    for path in sorted((demo_crawl.out / "warc").glob("*.warc.gz")):
        with path.open("rb") as fh:
            for record in ArchiveIterator(fh):
                uri = record.rec_headers.get_header("WARC-Target-URI")
                if record.rec_type == "response" and uri == truth["final_url"]:
                    found.append(
                        (record.rec_headers.get_header("WARC-Truncated"), record.raw_stream.read())
                    )
    assert found
    for truncated, raw in found:
        assert truncated == "length"
        assert 500 * 1024 <= len(raw) < truth["size"]
        assert raw.decode().startswith(truth["body"])
