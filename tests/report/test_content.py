"""The demo's report says what the store and the demo web's ground truth say.

Figures are recomputed here from the export view's records (``demo_crawl.runs``) and the
manifest, never from the report's own code, and compared with the JSON report; the HTML and
Markdown reports are checked against the JSON in test_formats.py and test_browser.py.
"""

from __future__ import annotations

import base64
import io
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from provenance.vocab import GATE_ORDER
from tests.conftest import DemoCrawl

GATE_KINDS = {k.value for k in GATE_ORDER}


def _optout_kinds(record: dict[str, Any]) -> set[str]:
    return {r["kind"] for r in record["reasons"] + record["overridden"]} & GATE_KINDS


def _has_licence(record: dict[str, Any]) -> bool:
    return any(s["kind"] == "license" for s in record["signals"]) or any(
        c.get("kind") == "permits-reuse-with-licence" for c in record["terms"]
    )


def test_demo_ends_by_writing_the_report_and_printing_its_path(
    demo_crawl: DemoCrawl, report_dir: Path
) -> None:
    for name in ("report.html", "report.md", "report.json"):
        assert (report_dir / name).stat().st_size > 10_000, name
    last = demo_crawl.stdout.strip().splitlines()[-1]
    assert Path(last) == (report_dir / "report.html").resolve()
    assert demo_crawl.seconds < 120, f"provtrack demo took {demo_crawl.seconds:.0f} s"


def test_report_covers_both_runs_and_their_evaluation(
    demo_crawl: DemoCrawl, report_json: dict[str, Any]
) -> None:
    runs = {r["mode"]: r for r in report_json["runs"]}
    assert set(runs) == {"compliant", "reproduce"}
    for mode, run in runs.items():
        demo = demo_crawl.runs[mode]
        assert run["run_id"] == demo.run_id
        assert run["records"] == len(demo.records)
        assert run["verdicts"] == sum(len(r["verdicts"]) for r in demo.records) > 0
        assert run["evaluations"] == sorted(
            {v["evaluation"] for r in demo.records for v in r["verdicts"]}
        )
        assert run["purpose"] == "clearview-style"
    assert report_json["primary_run"] == demo_crawl.runs["reproduce"].run_id
    assert report_json["schema"] == "provtrack-report/1"
    assert report_json["generated_at"].endswith("Z")
    assert {p["name"] for p in report_json["purposes"]} == {"clearview-style"}


@pytest.mark.parametrize("mode", ["compliant", "reproduce"])
def test_headline_figures_equal_the_store(
    demo_crawl: DemoCrawl, report_json: dict[str, Any], mode: str
) -> None:
    records = demo_crawl.runs[mode].records
    head = next(h for h in report_json["headline"] if h["mode"] == mode)
    faces = [r for r in records if (r["faces"]["count"] or 0) > 0]
    by_kind = Counter(k for r in records for k in _optout_kinds(r))
    assert head["images"] == len(records)
    assert head["reachable"] == sum(r["decision"] != "failed" for r in records)
    assert head["collected"] == sum(r["decision"] == "collected" for r in records)
    assert head["skipped"] == sum(r["decision"] == "skipped" for r in records)
    assert head["failed"] == sum(r["decision"] == "failed" for r in records)
    assert head["with_optout"] == sum(bool(_optout_kinds(r)) for r in records)
    assert head["optouts_by_kind"] == dict(by_kind)
    assert head["with_faces"] == len(faces)
    assert head["faces_unknown"] == sum(r["faces"]["count"] is None for r in records)
    assert head["minors"] == sum((r["subject"] or {}).get("is_minor") is True for r in records)
    assert head["with_licence"] == sum(_has_licence(r) for r in records)
    # nobody pictured on the demo web gave consent, and a licence is not consent
    assert head["with_subject_consent"] == 0
    assert head["faces_reachable_without_consent"] == sum(r["decision"] != "failed" for r in faces)


def test_headline_against_the_ground_truth(
    demo_crawl: DemoCrawl, report_json: dict[str, Any]
) -> None:
    head = next(h for h in report_json["headline"] if h["mode"] == "reproduce")
    truth = demo_crawl.manifest["images"]
    collected = [i for i in truth if i["expect"]["reproduce"]["decision"] == "collect"]
    assert head["collected"] == len(collected)
    assert head["with_faces"] == sum(i["face"] for i in collected)
    overridden = [i for i in collected if i["expect"]["reproduce"]["overrides"]]
    assert head["with_optout"] == len(overridden)
    assert head["with_optout"] > 0
    assert head["with_faces"] > 0
    assert head["minors"] > 0


def test_consent_is_never_a_licence(
    trails: dict[str, dict[str, Any]], report_json: dict[str, Any]
) -> None:
    records = [r for t in trails.values() for r in t["records"]]
    assert {r["consent_evidence"] for r in records} == {"none", "license"}
    for mode in ("compliant", "reproduce"):
        head = next(h for h in report_json["headline"] if h["mode"] == mode)
        licensed = [r for r in records if r["mode"] == mode and r["consent_evidence"] == "license"]
        assert len(licensed) == head["with_licence"] > 0


def _no_signals(manifest: dict[str, Any], image: dict[str, Any]) -> bool:
    pages = {p["url"]: p for p in manifest["pages"]}
    host = next(h for h in manifest["hosts"] if h["host"] == image["host"])
    return (
        not image["signals"]
        and all(not pages[u]["signals"] for u in image["pages"])
        and host["robots"]["outcome"] == "unavailable"
        and host["terms"] is None
    )


def test_children_on_the_school_site_are_violations_in_canada(
    demo_crawl: DemoCrawl, trails: dict[str, dict[str, Any]], report_json: dict[str, Any]
) -> None:
    manifest = demo_crawl.manifest
    children = [
        i
        for i in manifest["images"]
        if i["host"] == "northshore-school.ca"
        and i["face"]
        and (i["subject"] or {}).get("is_minor")
        and _no_signals(manifest, i)
    ]
    assert len(children) >= 5
    for image in children:
        trail = trails[image["url"]]
        assert trail["thumbnail"], image["url"]
        for rec in trail["records"]:
            assert rec["decision"] == "collected"
            assert rec["reasons"] == []
            assert rec["overridden"] == []
            assert rec["is_minor"] is True
            assert rec["face_count"] == image["faces"]
            assert rec["consent_evidence"] == "none"
            verdicts = {v["pack"]: v for v in rec["verdicts"]}
            for pack in ("ca-pipeda", "ca-bc"):
                assert verdicts[pack]["verdict"] == "violation", (image["url"], pack)
                assert any(r["verdict"] == "violation" for r in verdicts[pack]["fired"])
            assert rec["most_severe"] == "violation"
    site = next(s for s in report_json["sites"] if s["host"] == "northshore-school.ca")
    assert site["most_severe"] == "violation"
    assert {"ca-pipeda", "ca-bc"} <= set(site["most_severe_packs"])
    assert site["minors"] == len(children)


def test_verdict_counts_and_fired_rules_equal_the_store(
    demo_crawl: DemoCrawl, report_json: dict[str, Any]
) -> None:
    packs = {p["pack"]: p for p in report_json["verdicts"]}
    for demo in demo_crawl.runs.values():
        counts: Counter[tuple[str, str]] = Counter()
        fired: Counter[tuple[str, str]] = Counter()
        for record in demo.records:
            for v in record["verdicts"]:
                counts[(v["pack"], v["verdict"])] += 1
                fired.update((v["pack"], r["id"]) for r in v["rules"] if "verdict" in r)
        judged: Counter[str] = Counter()
        capped: Counter[tuple[str, str]] = Counter()
        severity = {"violation": 3, "requires-consent": 2, "needs-review": 1, "permitted": 0}
        for record in demo.records:
            for v in record["verdicts"]:
                judged[v["pack"]] += 1
                for r in v["rules"]:
                    if "verdict" in r and severity[r["verdict"]] > severity[v["verdict"]]:
                        capped[(v["pack"], r["id"])] += 1
        for (pack, verdict), n in counts.items():
            assert packs[pack]["counts"][demo.run_id][verdict] == n
        for pack in packs.values():
            # every record is counted once: under a verdict, or outside the jurisdiction
            outside = len(demo.records) - judged[pack["pack"]]
            assert pack["outside"][demo.run_id] == outside
            assert sum(pack["counts"][demo.run_id].values()) + outside == len(demo.records)
            for rule in pack["rules"]:
                assert rule["fired"].get(demo.run_id, 0) == fired[(pack["pack"], rule["id"])]
                assert rule["capped"].get(demo.run_id, 0) == capped[(pack["pack"], rule["id"])]
                groups = rule["fired_on"].get(demo.run_id, [])
                if groups:
                    assert sum(g["records"] for g in groups) == rule["fired"][demo.run_id]
    pipeda = next(
        r for r in packs["ca-pipeda"]["rules"] if r["id"] == "CA-PIPEDA-BIOMETRIC-EXPRESS"
    )
    assert pipeda["verdict"] == "violation"
    assert pipeda["confidence"] in {"V", "S", "M"}
    assert "2021-001" in pipeda["citation"]
    assert pipeda["explanation"]
    assert all(p["versions"] for p in report_json["packs"])


def test_comparison_lists_what_only_the_clearview_style_crawl_took(
    demo_crawl: DemoCrawl, report_json: dict[str, Any]
) -> None:
    cmp = report_json["comparison"]
    comp = demo_crawl.runs["compliant"].by_url
    repro = demo_crawl.runs["reproduce"].by_url
    expected = {u for u, r in repro.items() if r["decision"] == "collected"} - {
        u for u, r in comp.items() if r["decision"] == "collected"
    }
    taken = {t["url"]: t for t in cmp["taken"]}
    assert set(taken) == expected
    assert len(expected) > 20
    truth = {i["url"]: i for i in demo_crawl.manifest["images"]}
    for url, t in taken.items():
        expect = truth[url]["expect"]["compliant"]
        assert t["compliant"] == ("unseen" if url not in comp else comp[url]["decision"])
        # the signal that stopped the compliant crawl is the ground truth's reason
        assert set(t["kinds"]) == set(expect["reasons"]), url
        assert all(r["evidence"] for r in t["reasons"])
    assert cmp["taken_by_kind"] == dict(Counter(k for t in taken.values() for k in t["kinds"]))
    rows = {r["key"]: r for r in cmp["rows"]}
    assert rows["collected"]["compliant"] == sum(
        r["decision"] == "collected" for r in comp.values()
    )
    assert rows["collected"]["reproduce"] == sum(
        r["decision"] == "collected" for r in repro.values()
    )
    assert rows["optout"]["compliant"] == 0
    assert cmp["compliant_only"] == []
    maplebook = [t for t in taken.values() if t["host"] == "maplebook.ca"]
    assert maplebook
    assert all(t["compliant"] == "unseen" and t["kinds"] == ["robots"] for t in maplebook)
    assert all("Disallow" in r["evidence"] for t in maplebook for r in t["reasons"])


def test_site_rows_match_the_ground_truth(
    demo_crawl: DemoCrawl, report_json: dict[str, Any]
) -> None:
    sites = {s["host"]: s for s in report_json["sites"]}
    repro = demo_crawl.runs["reproduce"].records
    comp = demo_crawl.runs["compliant"].records
    for host in demo_crawl.manifest["hosts"]:
        row = sites[host["host"]]
        assert row["robots"].startswith(host["robots"]["outcome"]), host["host"]
        if host["terms"]:
            kinds = {c["kind"] for c in host["terms"]["clauses"]}
            assert {c["kind"] for c in row["terms_clauses"]} == kinds, host["host"]
            sentences = {c["sentence"] for c in host["terms"]["clauses"]}
            assert {c["sentence"] for c in row["terms_clauses"]} == sentences
        mine = [r for r in repro if r["host"] == host["host"]]
        assert row["collected"].get("reproduce", 0) == sum(
            r["decision"] == "collected" for r in mine
        )
        assert row["collected"].get("compliant", 0) == sum(
            r["decision"] == "collected" for r in comp if r["host"] == host["host"]
        )
        assert row["faces"] == sum((r["faces"]["count"] or 0) > 0 for r in mine)
        if host["site_jurisdiction"]["country"]:
            assert row["site_jurisdiction"] in {
                host["site_jurisdiction"]["country"],
                host["site_jurisdiction"]["subdivision"],
            }
    assert sites["maplebook.ca"]["source_type"] == "social_media"
    assert sites["northshore-school.ca"]["source_type"] == "school_newsletter"


def test_every_collected_image_has_a_small_thumbnail_and_no_other_does(
    trails: dict[str, dict[str, Any]],
) -> None:
    with_thumb = 0
    for url, trail in trails.items():
        collected = any(r["decision"] == "collected" for r in trail["records"])
        if not collected:
            assert trail["thumbnail"] is None, url
            assert "never kept" in trail["thumbnail_note"], url
            continue
        uri = trail["thumbnail"]
        assert uri, (url, trail["thumbnail_note"])
        assert uri.startswith("data:image/jpeg;base64,")
        with Image.open(io.BytesIO(base64.b64decode(uri.split(",", 1)[1]))) as img:
            assert img.format == "JPEG"
            assert 0 < max(img.size) <= 96
        with_thumb += 1
    assert with_thumb > 50


def test_image_trails_carry_the_evidence(
    demo_crawl: DemoCrawl, trails: dict[str, dict[str, Any]]
) -> None:
    repro = demo_crawl.runs["reproduce"].by_url
    truth = {i["url"]: i for i in demo_crawl.manifest["images"]}
    for url, record in repro.items():
        rec = next(r for r in trails[url]["records"] if r["mode"] == "reproduce")
        assert rec["sha256"] == record["sha256"]
        assert rec["warc_file"] == record["warc_file"]
        assert rec["warc_offset"] == record["warc_offset"]
        assert rec["page_urls"] == record["page_urls"]
        assert rec["referrer_chains"] == record["referrer_chains"]
        assert {r["kind"] for r in rec["overridden"]} == {r["kind"] for r in record["overridden"]}
        assert len(rec["verdicts"]) == len(record["verdicts"])
        if rec["decision"] == "collected":
            assert rec["sha256"] == truth[url]["sha256"] or truth[url]["c2pa"]
    # the robots line and the terms sentence that the crawl went against are shown verbatim
    evidence = {
        r["evidence"]
        for t in trails.values()
        for rec in t["records"]
        for r in rec["overridden"] + rec["reasons"]
    }
    assert "Disallow: /" in evidence
    assert any("automated means" in e for e in evidence)
    xss = trails["http://broken-media.net/img/scripted.jpg"]["records"][0]
    assert xss["alt_texts"] == ['<script>alert("alt")</script>']
    assert xss["exif"]["image_description"] == "<script>alert('exif')</script>"
