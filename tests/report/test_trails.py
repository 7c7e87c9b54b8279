"""A capped report: every figure still covers every record, only the evidence trails are cut.

At 100,000 records a trail per image makes the report unreadable and slow, so ``--max-trails``
caps them. The demo's own report (every trail) is the reference: a report of the same store
capped at a few trails must give the same headline figures, verdicts, comparison counts and
site table, show trails identical to the full report's, put every failure first, and say how
many trails it shows and where the others are.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from provenance.report import build_report
from tests.conftest import DemoCrawl, run_cli

CAP = 20


def test_capped_report_keeps_every_figure(
    demo_crawl: DemoCrawl, report_json: dict[str, Any]
) -> None:
    data = build_report(demo_crawl.store, warc_dir=demo_crawl.out / "warc", max_trails=CAP)
    capped = json.loads(json.dumps(data.to_dict()))
    for key in ("runs", "purposes", "packs", "headline", "verdicts", "sites"):
        assert capped[key] == report_json[key], key
    cmp, full = capped["comparison"], report_json["comparison"]
    for key in ("rows", "taken_by_kind", "taken_with_faces", "taken_minors", "compliant_only"):
        assert cmp[key] == full[key], key
    assert cmp["taken_total"] == full["taken_total"] == len(full["taken"]) > CAP
    assert len(cmp["taken"]) == CAP
    every_taken = {t["url"]: t for t in full["taken"]}
    assert all(every_taken[t["url"]] == t for t in cmp["taken"])
    # the kinds that stopped the compliant crawl are all still listed
    assert {k for t in cmp["taken"] for k in t["kinds"]} == set(full["taken_by_kind"])

    trails = {t["url"]: t for t in report_json["images"]}
    shown = {t["url"]: t for t in capped["images"]}
    assert len(shown) == CAP
    assert capped["images_total"] == len(trails) > CAP
    assert all(trails[url] == trail for url, trail in shown.items())
    failed = {u for u, t in trails.items() if any(r["decision"] == "failed" for r in t["records"])}
    assert failed, "the demo web has broken and hostile images"
    # failures come first (up to a quarter of the trails), every failure reason among them
    assert len(failed & set(shown)) >= min(len(failed), CAP // 4)

    def reasons(urls: set[str]) -> set[str]:
        return {
            r["value"]
            for u in urls
            for rec in trails[u]["records"]
            if rec["decision"] == "failed"
            for r in rec["reasons"]
        }

    assert reasons(failed & set(shown)) == reasons(failed)
    # taken images whose trail is shown are listed first, so their links resolve
    assert set(shown) & set(every_taken) <= {t["url"] for t in cmp["taken"]}

    selection = capped["trail_selection"]
    assert sum(c["images"] for c in selection.values()) == capped["images_total"]
    assert sum(c["shown"] for c in selection.values()) == CAP
    assert selection["failed"] == {"images": len(failed), "shown": len(failed & set(shown))}
    assert capped["max_trails"] == CAP


def test_uncapped_when_the_cap_is_not_reached(report_json: dict[str, Any]) -> None:
    assert report_json["max_trails"] == 1000
    assert len(report_json["images"]) == report_json["images_total"]
    assert all(c["images"] == c["shown"] for c in report_json["trail_selection"].values())


def test_capped_report_says_how_many_trails_it_shows(
    demo_crawl: DemoCrawl, report_json: dict[str, Any], tmp_path: Path
) -> None:
    result = run_cli(
        "report",
        "--out",
        str(demo_crawl.out),
        "--format",
        "all",
        "--max-trails",
        "10",
        "--dest",
        str(tmp_path),
    )
    total = report_json["images_total"]
    assert f"report: {total} images (10 trails), 2 runs" in result.stdout
    html = (tmp_path / "report.html").read_text(encoding="utf-8")
    md = (tmp_path / "report.md").read_text(encoding="utf-8")
    data = json.loads((tmp_path / "report.json").read_text(encoding="utf-8"))
    assert len(data["images"]) == 10
    heading = f"Evidence trails of 10 of {total} images"
    for text in (html, md):
        assert heading in text
        assert "provtrack export --out DIR" in text
        assert "provtrack show IMAGE_URL --out DIR" in text
    assert html.count('<article class="image"') == 10
    assert html.count('src="data:image/jpeg;base64,') <= 10
    assert md.count("\n### `http") == 10
    assert f"collected <strong>{data['comparison']['taken_total']}</strong> images" in html
    # a listed taken image links to its trail only when the trail is in the report
    keys = {t["key"] for t in data["images"]}
    for t in data["comparison"]["taken"]:
        assert (f'href="#{t["key"]}"' in html) == (t["key"] in keys)


def test_trail_pages_beside_the_report_and_none_left_from_an_earlier_one(
    demo_crawl: DemoCrawl, tmp_path: Path
) -> None:
    from provenance.report import write_reports

    store, warcs = demo_crawl.store, demo_crawl.out / "warc"
    data = build_report(store, warc_dir=warcs, max_trails=50, thumbnails=False)
    write_reports(data, {"html": tmp_path / "r.html"})
    names = sorted(p.name for p in tmp_path.iterdir())
    assert names == ["r-trails-1.html", "r-trails-2.html", "r.html"]
    main = (tmp_path / "r.html").read_text(encoding="utf-8")
    pages = [(tmp_path / n).read_text(encoding="utf-8") for n in names[:2]]
    assert main.count('<article class="image"') == 0
    assert [p.count('<article class="image"') for p in pages] == [40, 10]
    for trail in data.images:
        where = next(i for i, p in enumerate(pages, 1) if f'id="{trail.key}"' in p)
        assert f'href="r-trails-{where}.html#{trail.key}"' in main
    assert all('href="r.html#' in p for p in pages), "each page links back to the report"
    small = build_report(store, warc_dir=warcs, max_trails=10, thumbnails=False)
    write_reports(small, {"html": tmp_path / "r.html"})
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r.html"]
    assert (tmp_path / "r.html").read_text(encoding="utf-8").count('<article class="image"') == 10
