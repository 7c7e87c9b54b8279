"""robots.txt fetched as the real web serves it, compared with the manifest in both modes.

The demo web's robots cases (``demoweb/sites/robotscases.py``) redirect robots.txt once, five
times across hosts, six times, in a loop and to 127.0.0.1, and serve it with a BOM, in UTF-16,
gzip-compressed and 20 MB large. The image decisions of those hosts are checked against the
manifest by ``test_demo_crawl``; here the host snapshots themselves: the outcome, every hop of
the redirect chain with its status and time, the final URL, and the 500 KiB cut.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest

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
)


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
