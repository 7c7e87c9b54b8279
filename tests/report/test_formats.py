"""The three formats agree, and ``provtrack report`` behaves as a command should."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path
from typing import Any

import pytest

from provenance.store import open_store
from provenance.store.models import CrawlRun, Image
from tests.conftest import REPO, DemoCrawl, run_cli

_CELL = re.compile(r"(?<!\\)\|")


def _tables(md: str, heading: str) -> list[list[list[str]]]:
    """The Markdown tables under the first heading starting with ``heading``, up to the next."""
    lines = md.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(heading))
    level = len(heading) - len(heading.lstrip("#"))
    tables: list[list[list[str]]] = []
    current: list[list[str]] = []
    for line in lines[start + 1 :]:
        if line.startswith("#") and len(line) - len(line.lstrip("#")) <= level:
            break
        if line.startswith("|"):
            cells = [c.strip() for c in _CELL.split(line.strip())[1:-1]]
            if not all(set(c) <= set("-: ") for c in cells):
                current.append(cells)
        elif current:
            tables.append(current)
            current = []
    if current:
        tables.append(current)
    return tables


@pytest.fixture(scope="module")
def markdown(report_dir: Path) -> str:
    return (report_dir / "report.md").read_text(encoding="utf-8")


def test_markdown_headline_equals_json(markdown: str, report_json: dict[str, Any]) -> None:
    (table,) = _tables(markdown, "## 2. Headline figures")
    rows = {r[0]: [int(c) for c in r[1:]] for r in table[1:]}
    heads = report_json["headline"]
    assert [h["run_id"] in table[0][i + 1] for i, h in enumerate(heads)] == [True] * len(heads)
    for label, key in [
        ("image records", "images"),
        ("publicly reachable", "reachable"),
        ("collected (bytes kept)", "collected"),
        ("skipped for an opt-out", "skipped"),
        ("carrying an opt-out", "with_optout"),
        ("showing faces", "with_faces"),
        ("with a copyright licence (not consent)", "with_licence"),
        ("with consent of the person pictured", "with_subject_consent"),
        ("faces reachable without that consent", "faces_reachable_without_consent"),
        ("of minors", "minors"),
    ]:
        assert rows[label] == [h[key] for h in heads], label
    robots = next(v for k, v in rows.items() if k.startswith("`robots`"))
    assert robots == [h["optouts_by_kind"].get("robots", 0) for h in heads]


def test_markdown_verdicts_and_comparison_equal_json(
    markdown: str, report_json: dict[str, Any]
) -> None:
    runs = report_json["runs"]
    for pack in report_json["verdicts"]:
        counts, rules = _tables(markdown, f"### {pack['name']} (`{pack['pack']}`")
        for run, row in zip(runs, counts[1:], strict=True):
            assert run["run_id"] in row[0]
            assert [int(c) for c in row[1:5]] == [
                pack["counts"][run["run_id"]][v]
                for v in ("violation", "requires-consent", "needs-review", "permitted")
            ]
        assert [r[0].strip("`") for r in rules[1:]] == [r["id"] for r in pack["rules"]]
    cmp = report_json["comparison"]
    figures, by_kind, taken = _tables(markdown, "## 4. Compliant versus Clearview-style")
    assert [[int(c) for c in r[1:]] for r in figures[1:]] == [
        [r["compliant"], r["reproduce"]] for r in cmp["rows"]
    ]
    assert sum(int(r[1]) for r in by_kind[1:]) == sum(cmp["taken_by_kind"].values())
    assert len(taken) - 1 == len(cmp["taken"])
    assert markdown.count("\n### `http") == len(report_json["images"])


def test_markdown_holds_no_python_value(markdown: str) -> None:
    for pattern in (r"\bNone\b", r"\{'", r"pHash\s*(`\s*`)?\s*,", r"HTTP\s*,", r"\bTrue\b"):
        found = re.search(pattern, markdown)
        assert found is None, markdown[max(0, found.start() - 80) : found.end() + 80]
    assert "GPS position: " in markdown, "GPS as a labelled value"
    assert re.search(r"GPS position: \d+\.\d+° [NS], \d+\.\d+° [EW]", markdown)


def test_markdown_pack_rows_add_up_to_the_records(
    markdown: str, report_json: dict[str, Any]
) -> None:
    runs = {r["run_id"]: r["records"] for r in report_json["runs"]}
    for pack in report_json["verdicts"]:
        counts, _ = _tables(markdown, f"### {pack['name']} (`{pack['pack']}`")
        assert counts[0][5:7] == ["outside this jurisdiction", "records"]
        for row in counts[1:]:
            run_id = next(r for r in runs if r in row[0])
            assert sum(int(c) for c in row[1:6]) == int(row[6]) == runs[run_id]


def test_markdown_keeps_web_text_inert(markdown: str) -> None:
    assert "<script" not in markdown
    assert "<img" not in markdown
    assert '&lt;script&gt;alert("alt")&lt;/script&gt;' in markdown


def test_report_command_writes_each_format_with_the_same_data(
    demo_crawl: DemoCrawl, report_json: dict[str, Any], tmp_path: Path
) -> None:
    dest = tmp_path / "out" / "mine.report"
    result = run_cli(
        "report",
        "--out",
        str(demo_crawl.out),
        "--format",
        "md",
        "--format",
        "json",
        "--dest",
        str(dest),
    )
    written = {tmp_path / "out" / "mine.md", tmp_path / "out" / "mine.json"}
    assert set((tmp_path / "out").iterdir()) == written
    summary = result.stdout.strip().splitlines()
    assert len(summary) == 1
    images = len(demo_crawl.runs["reproduce"].records)  # reproduce reaches every image
    assert summary[0].startswith(f"report: {images} images, 2 runs")
    again = json.loads((tmp_path / "out" / "mine.json").read_text())
    assert again.pop("generated_at")
    assert report_json["generated_at"]
    assert again == {k: v for k, v in report_json.items() if k != "generated_at"}


def test_report_for_one_run_has_no_comparison_and_no_discarded_bytes(
    demo_crawl: DemoCrawl, tmp_path: Path
) -> None:
    run = demo_crawl.runs["compliant"]
    dest = tmp_path / "one.json"
    run_cli(
        "report",
        "--out",
        str(demo_crawl.out),
        "--format",
        "json",
        "--run-id",
        run.run_id,
        "--dest",
        str(dest),
    )
    data = json.loads(dest.read_text())
    assert [r["run_id"] for r in data["runs"]] == [run.run_id]
    assert data["primary_run"] == run.run_id
    assert data["comparison"] is None
    trails = {t["url"]: t for t in data["images"]}
    discarded = [r for r in run.records if r["stage"] == "after-download"]
    assert discarded, "the demo web has images skipped after download"
    for record in discarded:
        # downloaded to read the signal inside the file, then discarded: never shown
        assert trails[record["image_url"]]["thumbnail"] is None
        assert "never kept (skipped)" in trails[record["image_url"]]["thumbnail_note"]
    collected = [r for r in run.records if r["decision"] == "collected"]
    assert all(trails[r["image_url"]]["thumbnail"] for r in collected)


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (["--format", "pdf"], 2, "unknown report format 'pdf'"),
        (["--run-id", "no-such-run"], 4, "no crawl run no-such-run"),
    ],
)
def test_report_refuses_bad_options_in_one_line(
    demo_crawl: DemoCrawl, tmp_path: Path, args: list[str], code: int, message: str
) -> None:
    result = run_cli(
        "report",
        "--out",
        str(demo_crawl.out),
        "--dest",
        str(tmp_path / "r.html"),
        *args,
        check=False,
    )
    assert result.returncode == code
    assert message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_purged_images_get_no_thumbnail(demo_crawl: DemoCrawl, tmp_path: Path) -> None:
    from datetime import UTC, datetime

    from sqlmodel import select

    from provenance.report import build_report

    copy = tmp_path / "provtrack.db"
    shutil.copy(demo_crawl.out / "provtrack.db", copy)
    store = open_store(str(copy))
    url = "http://northshore-school.ca/images/class-photo-small.jpg"
    with store.session() as session:
        rows = session.exec(select(Image).where(Image.url == url)).all()
        assert len(rows) == 2
        for row in rows:
            row.purged_at = datetime.now(UTC)
            session.add(row)
    data = build_report(store, warc_dir=demo_crawl.out / "warc")
    trails = {t.url: t for t in data.images}
    assert trails[url].thumbnail is None
    assert trails[url].thumbnail_note == "no thumbnail: the image was purged"
    assert all(r.purged for r in trails[url].records)
    assert trails["http://northshore-school.ca/images/2024/spring/grade4-class.jpg"].thumbnail


def test_report_needs_a_store_and_an_evaluation(tmp_path: Path) -> None:
    missing = run_cli("report", "--out", str(tmp_path / "nothing"), check=False)
    assert missing.returncode != 0
    assert len(missing.stderr.strip().splitlines()) == 1
    assert "no store" in missing.stderr

    store = open_store(str(tmp_path / "provtrack.db"))
    store.write(
        [
            CrawlRun(id="tiny-run", mode="reproduce", status="finished"),
            Image(
                run_id="tiny-run",
                url="http://example.test/a.jpg",
                host="example.test",
                mode="reproduce",
                decision="collected",
                face_count=1,
            ),
        ]
    )
    result = run_cli("report", "--out", str(tmp_path), check=False)
    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    assert "run provtrack evaluate first" in lines[0]
    assert "tiny-run" in lines[0]
    assert not (tmp_path / "report").exists()

    run_cli("evaluate", "--out", str(tmp_path))
    run_cli("report", "--out", str(tmp_path), "--format", "all")
    data = json.loads((tmp_path / "report" / "report.json").read_text())
    assert data["headline"][0]["with_faces"] == 1
    assert data["comparison"] is None
    assert data["images"][0]["thumbnail_note"] == "no thumbnail: no WARC record of the bytes"
    assert (tmp_path / "report" / "report.html").read_text().count("<script") == 0


def test_report_is_documented() -> None:
    help_text = run_cli("report", "--help").stdout
    assert "--format" in help_text
    assert "--run-id" in help_text
    assert "--dest" in help_text
    readme = (REPO / "README.md").read_text()
    assert "provtrack report" in readme
    assert "## Report" in readme
