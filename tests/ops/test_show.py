"""``provtrack show``: one image's evidence trail, as text and as one JSON document.

Ground truth is the demo web's manifest: which pages robots.txt disallows for provtrack, which
headers each image is served with, and which images appear in both runs.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from sqlmodel import col, select

from provenance.store.explore import image_ids_for
from provenance.store.models import Image, ImageVerdict, VerdictOutcome
from provenance.store.readonly import open_reader
from provenance.trace import provenance_chains
from tests.conftest import DemoCrawl, run_cli


def _show_json(out: Path, url: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(run_cli("show", url, "--out", str(out), "--json").stdout)
    return data


def _robots_pages(manifest: dict[str, Any]) -> dict[str, bool]:
    """Page URL -> whether robots.txt disallows it for provtrack (the manifest's truth)."""
    return {
        p["url"]: "robots" in p["expect"]["compliant"].get("reasons", []) for p in manifest["pages"]
    }


def test_show_json_is_one_document_with_headers_page_robots_and_panel(
    demo_crawl: DemoCrawl,
) -> None:
    manifest = demo_crawl.manifest
    disallowed = _robots_pages(manifest)
    # an image the reproduce crawl took from a site whose robots.txt disallows provtrack
    blocked = next(
        i
        for i in manifest["images"]
        if i["expect"]["reproduce"]["decision"] == "collect"
        and all(disallowed.get(p) for p in i["pages"])
    )
    data = _show_json(demo_crawl.out, blocked["url"])
    assert data["query"] == blocked["url"]
    (record,) = [r for r in data["records"] if r["decision"] == "collected"]
    assert record["response_headers"]["content-type"] == [blocked["headers"]["Content-Type"]]
    assert record["pages"]
    for page in record["pages"]:
        own = [line for line in page["robots"] if line["agent"] == "provtrack"]
        assert own, f"no robots.txt line recorded for {page['url']}"
        assert own[0]["value"] == "disallow", page["url"]
        assert own[0]["line"]
        assert own[0]["evidence"].lower().startswith("disallow")
        agents = {p["agent"] for p in page["panel"]}
        assert {"provtrack", "*", "GPTBot", "CCBot"} <= agents
    robots = record["robots"]
    assert robots["text"]
    assert "User-agent" in robots["text"]
    assert {p["agent"] for p in robots["panel"]} >= {"GPTBot", "CCBot"}


def test_every_fetched_page_carries_the_robots_line_that_allowed_it(
    demo_crawl: DemoCrawl,
) -> None:
    """The crawl records, for every page it fetched, the robots.txt line that decided for it
    (pages[].robots used to be always empty). Checked over every collected image's pages."""
    manifest = demo_crawl.manifest
    disallowed = _robots_pages(manifest)
    store = demo_crawl.store
    ids = [
        i
        for image in manifest["images"]
        if image["expect"]["compliant"]["decision"] == "collect"
        for i in image_ids_for(store, image["url"])
    ]
    checked = 0
    for record in provenance_chains(store, ids).values():
        for page in record["pages"]:
            if page["decision"] != "fetched" or page["url"] not in disallowed:
                continue
            own = [line for line in page["robots"] if line["agent"] == "provtrack"]
            assert own, (record["run_id"], page["url"])
            # a robots.txt answered with 404 is "unavailable": no restriction, kept apart
            expected = {"disallow"} if disallowed[page["url"]] else {"allow", "unavailable"}
            assert own[0]["value"] in expected, (record["run_id"], page["url"])
            checked += 1
    assert checked >= 10


def test_show_text_is_the_trail_and_two_runs_are_two_trails(demo_crawl: DemoCrawl) -> None:
    manifest = demo_crawl.manifest
    both = next(
        i
        for i in manifest["images"]
        if i["expect"]["compliant"]["decision"] == "collect"
        and i["expect"]["reproduce"]["decision"] == "collect"
    )
    data = _show_json(demo_crawl.out, both["url"])
    assert {r["mode"] for r in data["records"]} == {"compliant", "reproduce"}
    text = run_cli("show", both["url"], "--out", str(demo_crawl.out)).stdout
    assert not text.lstrip().startswith("{"), "the default view is text, not JSON"
    assert text.count(both["url"]) >= 2
    assert "header content-type: " in text
    assert "robots.txt for the page (provtrack)" in text
    assert "AI panel for the image: " in text
    assert "WARC: " in text
    # by sha256 too
    by_sha = _show_json(demo_crawl.out, both["sha256"])
    assert {r["image_id"] for r in by_sha["records"]} >= {r["image_id"] for r in data["records"]}


def test_show_unknown_image_is_one_line(demo_crawl: DemoCrawl) -> None:
    result = run_cli(
        "show", "http://nowhere.example/x.jpg", "--out", str(demo_crawl.out), check=False
    )
    assert result.returncode != 0
    assert len([x for x in result.stderr.splitlines() if x.strip()]) == 1


def test_a_capped_verdict_reads_as_capped_in_text_and_json(evaluated_copy: Path) -> None:
    """A rule that fired "violation" on a record whose subject could not be placed gives
    needs-review: show says what it would have been and why, as the report does."""
    store = open_reader(str(evaluated_copy / "provtrack.db"))
    with store.session() as s:
        rows = s.exec(
            select(Image.id, Image.url, VerdictOutcome.verdict, VerdictOutcome.rules)
            .join(ImageVerdict, col(ImageVerdict.image_id) == col(Image.id))
            .join(VerdictOutcome, col(VerdictOutcome.id) == col(ImageVerdict.outcome_id))
        ).all()
    capped = next(
        (image_id, url)
        for image_id, url, verdict, rules in rows
        if verdict == "needs-review" and any(r.get("verdict") == "violation" for r in rules)
    )
    data = _show_json(evaluated_copy, capped[1])
    (record,) = [r for r in data["records"] if r["image_id"] == capped[0]]
    shown = [v for v in record["verdicts"] if v["would_be"] == "violation"]
    assert shown, record["verdicts"]
    for v in shown:
        assert v["verdict"] == "needs-review"
        assert v["capped_because"]
        assert v["capped"] == f"would be a violation; needs review because {v['capped_because']}"
    plain = [v for v in record["verdicts"] if v["would_be"] is None]
    assert all(v["capped"] is None and v["capped_because"] is None for v in plain)
    text = run_cli("show", capped[1], "--out", str(evaluated_copy)).stdout
    v = shown[0]
    assert (
        f"verdict {v['jurisdiction']} ({v['pack']} {v['pack_version']}): needs-review "
        f"(would be a violation; needs review because {v['capped_because']})"
    ) in text
