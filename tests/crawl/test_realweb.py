"""The web as it is: HTTPS through the proxy, seeds that redirect, an image CDN, real embeds.

The demo crawl (both modes) already compares every record with the manifest; these tests check
what only these cases carry: the certificates as provenance, the CDN's documents deciding for
its images while the social site's decide for its pages, every image candidate recorded with
the one requested, and the crawler trusting the demo web's CA for demo names only.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import pytest

from crawler.config import CrawlConfig
from crawler.tls import VerifyingContextFactory
from demoweb.names import HOST_PATTERNS
from tests.conftest import CrawlResult, DemoWebProcess, crawl_demo, have_chromium, run_cli
from tests.crawl.conftest import DemoCrawl

SOCIAL = "www.lumen-social.com"
CDN = "media.lumencdn.net"


def _hosts(manifest: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {h["host"]: h for h in manifest["hosts"]}


@pytest.mark.parametrize("mode", ["compliant", "reproduce"])
def test_tls_facts_of_each_https_host_as_fetched(demo_crawl: DemoCrawl, mode: str) -> None:
    run = demo_crawl.runs[mode]
    https = [h for h in demo_crawl.manifest["hosts"] if h["scheme"] == "https"]
    assert {SOCIAL, CDN, "northpier-press.com", "pierhouse-media.net"} == {h["host"] for h in https}
    for host in https:
        truth = host["tls"]
        assert truth["sha256"], "the served web's manifest names the fingerprint"
        robots = run.view.snapshots[(run.run_id, host["host"])]["robots"]
        # the hop on the host itself (its robots.txt may end on another host: northpier-press)
        (tls,) = [
            h["tls"]
            for h in robots.parsed["redirects"]
            if h["url"] == f"https://{host['host']}/robots.txt"
        ]
        for key in ("subject", "issuer", "sha256", "not_before", "not_after"):
            assert tls[key] == truth[key], (host["host"], key)
        assert tls["dns_names"] == [host["host"]]
        if robots.final_url == f"https://{host['host']}/robots.txt":
            assert robots.parsed["tls"] == tls
    # plain-HTTP hosts carry no certificate
    plain = run.view.snapshots[(run.run_id, "pixgram.com")]["robots"]
    assert "tls" not in plain.parsed


def test_export_shows_the_image_hosts_certificate_and_the_pages_host(
    demo_crawl: DemoCrawl,
) -> None:
    truth = _hosts(demo_crawl.manifest)
    records = demo_crawl.runs["compliant"].by_url
    ana = records[f"https://{CDN}/img/u/ana/960.jpg"]
    assert ana["tls"]["sha256"] == truth[CDN]["tls"]["sha256"]
    assert ana["host_snapshots"]["robots"]["tls"]["sha256"] == truth[CDN]["tls"]["sha256"]
    # the pages are on the social site: its documents, certificate included, are shown too
    assert set(ana["page_host_snapshots"]) == {SOCIAL}
    social = ana["page_host_snapshots"][SOCIAL]["robots"]
    assert social["outcome"] == "parsed"
    assert social["tls"]["sha256"] == truth[SOCIAL]["tls"]["sha256"]
    assert records["http://pixgram.com/media/ny-portrait.jpg"]["tls"] is None


def test_the_cdn_decides_for_its_images_the_site_for_its_pages(demo_crawl: DemoCrawl) -> None:
    """lumen's robots.txt closes /img/ (its own path, unused): the CDN's /img/ files are not
    touched by it. The CDN's robots.txt closes /img/private/, and its header marks one noai."""
    records = demo_crawl.runs["compliant"].by_url
    private = records[f"https://{CDN}/img/private/eve/480.jpg"]
    assert private["decision"] == "skipped"
    (reason,) = private["reasons"]
    # the CDN's own robots.txt line decided, not the social site's
    assert (reason["kind"], reason["url"]) == ("robots", f"https://{CDN}/robots.txt")
    assert reason["evidence"] == "Disallow: /img/private/"
    noai = records[f"https://{CDN}/img/u/dan/480.jpg"]
    assert noai["decision"] == "skipped"
    assert noai["stage"] == "after-download"
    assert {r["kind"] for r in noai["reasons"]} == {"x-robots-tag"}
    assert records[f"https://{CDN}/img/u/ana/640.jpg"]["decision"] == "collected"
    pages = {p["url"]: p for p in demo_crawl.manifest["pages"] if p["host"] == SOCIAL}
    assert pages[f"https://{SOCIAL}/settings/"]["expect"]["compliant"]["reasons"] == ["robots"]


def _page_facts(demo_crawl: DemoCrawl, mode: str, url: str) -> dict[str, Any]:
    db = demo_crawl.out / "provtrack.db"
    with sqlite3.connect(db) as conn:
        row = conn.execute(
            "SELECT facts FROM page WHERE run_id = ? AND url = ?",
            (demo_crawl.runs[mode].run_id, url),
        ).fetchone()
    assert row is not None, url
    import json

    facts: dict[str, Any] = json.loads(row[0])
    return facts


@pytest.mark.parametrize("mode", ["compliant", "reproduce"])
def test_every_candidate_recorded_the_requested_ones_marked(
    demo_crawl: DemoCrawl, mode: str
) -> None:
    truth = {i["url"]: i for i in demo_crawl.manifest["images"]}
    for page in demo_crawl.manifest["pages"]:
        if page["host"] != SOCIAL or page["expect"]["compliant"]["decision"] != "fetch":
            continue
        facts = _page_facts(demo_crawl, mode, page["url"])
        candidates = {c["url"]: c for c in facts["image_candidates"]}
        assert set(candidates) == set(page["images"]), page["url"]
        for url, candidate in candidates.items():
            chosen = truth[url]["expect"]["reproduce"]["decision"] != "not_chosen"
            assert candidate["fetched"] == chosen, url
    home = {
        c["url"]: c for c in _page_facts(demo_crawl, mode, f"https://{SOCIAL}/")["image_candidates"]
    }
    assert home[f"https://{CDN}/img/u/ana/320.jpg"]["descriptor"] == "320w"
    assert home[f"https://{CDN}/img/u/ana/960.jpg"]["fetched"]
    assert home[f"https://{CDN}/img/u/ben/wide.jpg"]["tag"] == "picture>source"
    assert home[f"https://{CDN}/img/u/cleo/600.jpg"]["attribute"] == "data-src"
    post = {
        c["url"]: c
        for c in _page_facts(demo_crawl, mode, f"https://{SOCIAL}/p/ana-lake")["image_candidates"]
    }
    assert post[f"https://{CDN}/img/cards/ana-og.jpg"]["attribute"] == "og:image"
    assert post[f"https://{CDN}/img/cards/ana-tw.jpg"]["attribute"] == "twitter:image"
    assert post[f"https://{CDN}/img/u/ana/post-full.jpg"]["tag"] == "json-ld"


def test_the_demo_ca_is_trusted_for_demo_names_only(
    tmp_path: Path, demoweb: DemoWebProcess
) -> None:
    config = CrawlConfig(
        seeds=["https://www.lumen-social.com/"],
        out_dir=tmp_path,
        demo_hosts=HOST_PATTERNS,
        demo_ca=demoweb.ca,
    )
    factory = VerifyingContextFactory(config)
    demo = factory.trust_for(SOCIAL)
    assert factory.trust_for(CDN) is demo
    for stranger in ("example.com", "lumen-social.com.evil.net", "www.lumen-social.org"):
        assert factory.trust_for(stranger) is not demo, stranger


def _crawl(tmp: Path, mode: str, web: DemoWebProcess, *extra: str) -> CrawlResult:
    return crawl_demo(tmp, mode, web.url, ["https://www.lumen-social.com/"], *extra)


def _snapshot(out: Path, host: str) -> tuple[str, str]:
    with sqlite3.connect(out / "provtrack.db") as conn:
        row = conn.execute(
            "SELECT outcome, json_extract(parsed, '$.fetch_error') FROM host_snapshot "
            "WHERE host = ? AND kind = 'robots'",
            (host,),
        ).fetchone()
    return row[0], row[1] or ""


def _crawl_untrusted(out: Path, mode: str, web: DemoWebProcess, *extra: str) -> str:
    """A crawl of the HTTPS site without the demo web's CA: it reaches nothing and says why."""
    result = run_cli(
        *("crawl", "https://www.lumen-social.com/", "--mode", mode, "--out", str(out)),
        *("--proxy", web.url, *extra),
        check=False,
    )
    assert result.returncode != 0
    line = result.stderr.strip().splitlines()[-1]
    assert "certificate verified" in line, line
    assert "--ca-cert" in line, line
    return line


def test_without_the_demo_ca_https_fails_closed(tmp_path: Path, demoweb: DemoWebProcess) -> None:
    """An unverifiable certificate is an unreachable robots.txt (a complete disallow), and a
    crawl that met nothing else ends with one line naming the cause, non-zero."""
    out = tmp_path / "out"
    _crawl_untrusted(out, "compliant", demoweb, "--max-pages", "5")
    outcome, error = _snapshot(out, SOCIAL)
    assert outcome == "unreachable"
    assert "certificate verify failed" in error.lower(), error
    with sqlite3.connect(out / "provtrack.db") as conn:
        assert conn.execute("SELECT count(*) FROM image").fetchone() == (0,)
        pages = conn.execute("SELECT decision FROM page").fetchall()
    assert pages == [("skipped",)]


def test_ca_cert_trusts_an_intercepting_proxys_ca(tmp_path: Path, demoweb: DemoWebProcess) -> None:
    result = _crawl(
        tmp_path / "out", "compliant", demoweb, "--ca-cert", str(demoweb.ca), "--max-pages", "5"
    )
    assert _snapshot(result.out, SOCIAL)[0] == "parsed"
    assert any(r["decision"] == "collected" for r in result.records)


@pytest.mark.skipif(not have_chromium(), reason="Debian chromium is not installed")
def test_chromium_renders_https_pages_with_the_demo_ca_and_not_without(
    tmp_path: Path, demoweb: DemoWebProcess
) -> None:
    """Reproduce mode ignores robots.txt, so without the CA it is chromium that refuses."""
    options = ("--render-host", SOCIAL, "--max-pages", "3", "--max-depth", "0")
    trusted = crawl_demo(
        tmp_path / "trusted", "reproduce", demoweb, ["https://www.lumen-social.com/"], *options
    )
    with sqlite3.connect(trusted.out / "provtrack.db") as conn:
        rendered = conn.execute("SELECT decision, rendered FROM page").fetchall()
    assert rendered == [("fetched", 1)]
    assert {r["image_url"] for r in trusted.records} >= {f"https://{CDN}/img/u/ana/960.jpg"}
    refused = tmp_path / "refused"
    _crawl_untrusted(refused, "reproduce", demoweb, *options)
    with sqlite3.connect(refused / "provtrack.db") as conn:
        pages = conn.execute("SELECT decision, error FROM page").fetchall()
    assert [p[0] for p in pages] == ["failed"], pages
    assert "CERT" in (pages[0][1] or "").upper(), pages


def test_robots_refused_once_then_served_decides_by_its_rules(demo_crawl: DemoCrawl) -> None:
    """gated-robots.net refuses the first robots.txt request of the server's life (403): the
    crawl that met it asked again and kept both answers; every crawl ends with the rules."""
    attempts = []
    for run in demo_crawl.runs.values():
        robots = run.view.snapshots[(run.run_id, "gated-robots.net")]["robots"]
        assert robots.outcome == "parsed", run.mode
        assert robots.http_status == 200, run.mode
        attempts += robots.parsed.get("attempts", [])
    assert [a["http_status"] for a in attempts] == [403]


@pytest.mark.parametrize("mode", ["compliant", "reproduce"])
def test_soft_404_robots_is_a_file_without_rules(demo_crawl: DemoCrawl, mode: str) -> None:
    run = demo_crawl.runs[mode]
    robots = run.view.snapshots[(run.run_id, "softpage-robots.net")]["robots"]
    assert robots.outcome == "parsed"
    assert robots.status == "unparseable"
    assert "html page" in robots.reason.lower()
    truth = _hosts(demo_crawl.manifest)["softpage-robots.net"]["robots"]
    assert truth["content_type"].startswith("text/html")
    assert set(truth["agents"].values()) == {"allow"}


@pytest.mark.parametrize("mode", ["compliant", "reproduce"])
def test_the_apex_reads_the_www_robots_txt_through_its_redirects(
    demo_crawl: DemoCrawl, mode: str
) -> None:
    """http://lumen-social.com/robots.txt -> https://lumen-social.com/robots.txt ->
    https://www.lumen-social.com/robots.txt: the apex's snapshot holds the chain as the
    manifest lists it, the file at its end, and that host's certificate."""
    run = demo_crawl.runs[mode]
    truth = _hosts(demo_crawl.manifest)[SOCIAL]
    (alias,) = truth["aliases"]
    robots = run.view.snapshots[(run.run_id, alias["host"])]["robots"]
    assert robots.outcome == "parsed"
    hops = [(h["url"], h["status"]) for h in robots.parsed["redirects"]]
    assert hops == [(h["url"], h["status"]) for h in alias["robots"]]
    assert robots.final_url == f"https://{SOCIAL}/robots.txt"
    assert robots.body is not None
    assert b"Disallow: /settings/" in robots.body
    assert robots.parsed["tls"]["sha256"] == truth["tls"]["sha256"]
