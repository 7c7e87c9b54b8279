"""RSL licences and AIPREF statements on the demo crawl, against the manifest, in both modes.

portraitcircle.co.uk names an RSL 1.0 licence in robots.txt (and links it from a page) and
states AIPREF preferences in the labels of four vocabulary drafts. Every image's decision and
reasons are compared with the manifest by ``test_demo_crawl``; here the records are checked for
what those decisions rest on: the licence element as evidence, the licence offered and not
taken, every label recorded as written with its current meaning, and the licence fetched once.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import DemoCrawl, run_cli

HOST = "portraitcircle.co.uk"


def _host_images(demo_crawl: DemoCrawl) -> list[dict[str, Any]]:
    return [i for i in demo_crawl.manifest["images"] if i["host"] == HOST]


@pytest.mark.parametrize("mode", ["compliant", "reproduce"])
def test_rsl_prohibitions_rest_on_the_licence_element(demo_crawl: DemoCrawl, mode: str) -> None:
    records = demo_crawl.runs[mode].by_url
    prohibited = [
        i for i in _host_images(demo_crawl) if "rsl" in i["expect"]["compliant"]["reasons"]
    ]
    assert len(prohibited) >= 5, "the demo web's licence prohibits the portraits"
    for image in prohibited:
        record = records[image["url"]]
        found = record["reasons"] if mode == "compliant" else record["overridden"]
        [rsl] = [r for r in found if r["kind"] == "rsl"]
        assert rsl["value"].startswith("prohibits "), image["url"]
        assert rsl["evidence"].startswith("<license"), rsl["evidence"]
        assert "prohibits" in rsl["evidence"], rsl["evidence"]
        assert rsl["extra"]["document"] == f"http://{HOST}/license.xml"
        assert record["decision"] == ("skipped" if mode == "compliant" else "collected")


def test_a_licence_offered_for_a_price_is_recorded_not_taken(demo_crawl: DemoCrawl) -> None:
    records = demo_crawl.runs["reproduce"].by_url
    avatars = [i for i in _host_images(demo_crawl) if i["url"].endswith("/avatar.jpg")]
    assert avatars
    for image in avatars:
        record = records[image["url"]]
        assert record["decision"] == "collected"
        offered = [s for s in record["signals"] if s["kind"] == "rsl"]
        assert [s["value"] for s in offered] == ["licence offered, not taken"], image["url"]
        assert '<payment type="crawl">' in offered[0]["evidence"]
        assert not offered[0]["restricts"]


def test_aipref_labels_of_every_draft_are_recorded_as_written(demo_crawl: DemoCrawl) -> None:
    view = demo_crawl.runs["reproduce"].view
    run_id = demo_crawl.runs["reproduce"].run_id
    seen: dict[str, dict[str, Any]] = {}
    for page in demo_crawl.manifest["pages"]:
        if page["host"] != HOST:
            continue
        for row in view.signals.get((run_id, page["url"]), []):
            if row.kind == "content-usage":
                seen[row.value] = row.extra
    # vocab-05 labels, vocab-02's train-genai, vocab-03/04's ai-output, each with today's meaning
    assert seen["train-ai=y"]["label"] == "train-ai"
    assert seen["train-genai=n"]["label"] == "train-ai"
    assert seen["train-genai=n"]["written_as"] == "train-genai"
    assert seen["ai-output=n"]["label"] == "ai-use"
    assert seen["search=y"]["label"] == "search"


def test_the_licence_is_fetched_once_per_host_and_snapshotted(demo_crawl: DemoCrawl) -> None:
    for mode in ("compliant", "reproduce"):
        run = demo_crawl.runs[mode]
        snap = run.view.snapshots[(run.run_id, HOST)]["rsl"]
        assert snap.url == f"http://{HOST}/license.xml"
        assert snap.http_status == 200
        assert snap.parsed["discovered_by"] == "robots.txt License"
        assert len(snap.parsed["contents"]) == 4
        others = [h["host"] for h in demo_crawl.manifest["hosts"] if h["host"] != HOST]
        for host in others:
            assert run.view.snapshots[(run.run_id, host)]["rsl"].outcome == "not_fetched", host


def test_evaluate_names_every_jurisdiction_and_the_report_its_sources(
    demo_crawl: DemoCrawl, tmp_path: Path
) -> None:
    out = tmp_path / "copy"
    shutil.copytree(demo_crawl.out, out)
    result = run_cli("evaluate", "--out", str(out))
    line = next(ln for ln in result.stdout.splitlines() if "jurisdictions judged" in ln)
    named = line.split(":", 1)[1].replace(" ", "").split(",")
    assert int(line.split()[0]) == len(named) >= 15
    for code in ("GB", "US-CO", "BR", "JP", "KR", "AU", "CA-BC", "CA-AB", "EU", "US-IL"):
        assert code in named
    report = (demo_crawl.out / "report" / "report.md").read_text(encoding="utf-8")
    intro = report.split("Jurisdictions judged", 1)[1].split("\n## ", 1)[0]
    for pack in ("United Kingdom", "Colorado", "Brazil", "Japan", "South Korea"):
        row = next(ln for ln in intro.splitlines() if ln.startswith(f"- {pack}"))
        assert "http" in row, row
