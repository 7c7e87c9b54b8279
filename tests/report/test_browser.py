"""The HTML report in a real headless Chromium: sections, charts, thumbnails, no request
leaving the file, and the demo web's hostile text shown as text, never executed."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import DemoCrawl, have_chromium, run_cli

pytestmark = pytest.mark.browser

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
# an init script runs before any page script: if anything the page holds ever ran, the
# wrapped dialogs would set the sentinel (the dialog event is checked separately)
SENTINEL = """
window.__xss = false;
for (const name of ["alert", "confirm", "prompt"]) {
  const original = window[name].bind(window);
  window[name] = (...args) => { window.__xss = true; return original(...args); };
}
"""
PAYLOADS = [
    '<script>alert("alt")</script>',
    "\"><img src=x onerror=alert('title')>",
    "<script>alert('exif')</script>",
    "<img src=x onerror=alert(document.domain)>",
]


@dataclass
class Loaded:
    """A report loaded in the browser, with what it tried to do."""

    page: Any
    requests: list[str] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if not have_chromium():
        pytest.skip("Debian chromium is not installed (scripts/run installs it)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        yield browser
        browser.close()


def _load(browser: Any, path: Path) -> Loaded:
    page = browser.new_page()
    loaded = Loaded(page)
    target = path.resolve().as_uri()

    def route(r: Any) -> None:
        url = r.request.url
        if url == target or url.startswith("data:"):
            r.continue_()
        else:
            loaded.refused.append(url)
            r.abort()

    def dialog(d: Any) -> None:
        loaded.dialogs.append(d.message)
        d.dismiss()

    page.route("**/*", route)
    page.on("request", lambda r: loaded.requests.append(r.url))
    page.on("dialog", dialog)
    page.add_init_script(SENTINEL)
    page.goto(target, wait_until="load")
    page.wait_for_timeout(300)  # let an onerror handler fire, were there one
    return loaded


@pytest.fixture(scope="module")
def report(browser: Any, report_dir: Path) -> Iterator[Loaded]:
    loaded = _load(browser, report_dir / "report.html")
    yield loaded
    loaded.page.close()


@pytest.fixture(scope="module")
def trail_pages(browser: Any, report_dir: Path) -> Iterator[list[Loaded]]:
    """Every page of evidence trails beside the report, loaded, with every trail unfolded."""
    paths = sorted(
        report_dir.glob("report-trails-*.html"), key=lambda p: int(p.stem.rsplit("-")[-1])
    )
    pages = [_load(browser, path) for path in paths]
    for loaded in pages:
        loaded.page.evaluate("document.querySelectorAll('details').forEach(d => d.open = true)")
    yield pages
    for loaded in pages:
        loaded.page.close()


def _article(pages: list[Loaded], key: str) -> Any:
    """The trail of one image, on whichever page holds it."""
    found = [
        p.page.locator(f"article#{key}") for p in pages if p.page.locator(f"article#{key}").count()
    ]
    assert len(found) == 1, key
    return found[0]


def _assert_inert(loaded: Loaded) -> str:
    """Nothing ran, nothing was fetched; the page's text (to look for the payloads in)."""
    page = loaded.page
    assert loaded.dialogs == []
    assert page.evaluate("window.__xss") is False
    assert page.evaluate("document.scripts.length") == 0
    assert page.locator("[onerror], [onload], [onclick]").count() == 0
    assert page.locator('img[src="x"]').count() == 0
    assert loaded.refused == [], f"the report asked for {loaded.refused[:5]}"
    assert all(u.startswith(("file:", "data:")) for u in loaded.requests), loaded.requests[:5]
    return str(page.evaluate("document.body.textContent"))


def _assert_payloads_shown(texts: list[str]) -> None:
    text = " ".join(texts)
    for payload in PAYLOADS:
        assert payload in text, payload
    assert "<script" in text


def test_the_detectors_catch_a_page_that_does_run_script(
    browser: Any, tmp_path_factory: pytest.TempPathFactory
) -> None:
    path = tmp_path_factory.mktemp("hostile") / "hostile.html"
    path.write_text(
        '<html><body><script>alert("ran")</script>'
        '<img src="http://example.invalid/pixel.png"></body></html>'
    )
    loaded = _load(browser, path)
    try:
        assert loaded.dialogs == ["ran"]
        assert loaded.page.evaluate("window.__xss") is True
        assert loaded.refused == ["http://example.invalid/pixel.png"]
    finally:
        loaded.page.close()


def test_report_has_its_sections(report: Loaded, report_json: dict[str, Any]) -> None:
    page = report.page
    for section in ("intro", "headline", "verdicts", "comparison", "sites", "images", "verify"):
        assert page.locator(f"section#{section} h2").count() == 1, section
    assert "Publicly available is not consent" in page.title()
    intro = page.locator("#intro").inner_text()
    assert "2021" in intro
    assert "Clearview" in intro
    assert "licence" in intro.lower()
    head = next(h for h in report_json["headline"] if h["run_id"] == report_json["primary_run"])
    cards = page.locator("#headline .card .big").all_inner_texts()
    assert cards[:5] == [
        str(head[k])
        for k in ("reachable", "with_optout", "with_faces", "with_subject_consent", "minors")
    ]
    for pack in report_json["verdicts"]:
        assert page.locator(f"h3#pack-{pack['pack']}").count() == 1
    csp = page.locator('meta[http-equiv="Content-Security-Policy"]').get_attribute("content")
    assert csp is not None
    assert "default-src 'none'" in csp
    assert "script-src" not in csp


def test_trails_are_on_pages_folded_and_listed_in_the_contents(
    browser: Any,
    report: Loaded,
    trail_pages: list[Loaded],
    report_dir: Path,
    report_json: dict[str, Any],
) -> None:
    assert (report_dir / "report.html").stat().st_size < 1_000_000, "the report stays small"
    assert len(trail_pages) >= 2, "the demo's trails take several pages"
    keys = [t["key"] for t in report_json["images"]]
    on_pages = [
        key
        for p in trail_pages
        for key in p.page.locator("article.image").evaluate_all("as => as.map(a => a.id)")
    ]
    assert sorted(on_pages) == sorted(keys), "every trail is on exactly one page"
    assert report.page.locator("article.image").count() == 0
    links = report.page.locator("#images nav.toc a").evaluate_all(
        "as => as.map(a => a.getAttribute('href'))"
    )
    assert len(links) == len(keys)
    by_key = {href.split("#")[1]: href.split("#")[0] for href in links}
    for p in trail_pages:
        name = Path(p.page.url).name
        for key in p.page.locator("article.image").evaluate_all("as => as.map(a => a.id)"):
            assert by_key[key] == name, "the contents link to the page holding the trail"
    for p in trail_pages:
        _assert_inert(p)
        assert p.page.locator('a[href="report.html"]').count() >= 1
    # folded by default: a fresh load shows each trail's summary only
    fresh = browser.new_page()
    try:
        fresh.goto(Path(report_dir / "report-trails-1.html").resolve().as_uri())
        assert fresh.locator("article.image > details[open]").count() == 0
        assert fresh.locator("article.image > details > summary img").count() >= 1
        height = fresh.evaluate("document.documentElement.scrollHeight")
        assert height < 15_000, f"a page of folded trails is {height} px tall"
    finally:
        fresh.close()


def test_every_pack_adds_up_to_the_records(report: Loaded, report_json: dict[str, Any]) -> None:
    runs = {r["run_id"]: r["records"] for r in report_json["runs"]}
    tables = report.page.locator("#verdicts table.counts")
    assert tables.count() == len(report_json["verdicts"])
    sums = tables.evaluate_all(
        """ts => ts.flatMap(t => [...t.querySelectorAll('tr[data-run]')].map(r => [
            t.dataset.pack, r.dataset.run,
            [...r.querySelectorAll('td[data-count]')]
                .reduce((s, c) => s + Number(c.textContent), 0),
            Number(r.querySelector('td[data-records]').textContent)]))"""
    )
    assert len(sums) == len(report_json["verdicts"]) * len(runs)
    outside = 0
    for pack, run_id, total, records in sums:
        assert records == runs[run_id], (pack, run_id)
        assert total == records, f"{pack} in {run_id}: {total} of {records} records"
    for pack in report_json["verdicts"]:
        outside += sum(pack["outside"].values())
    assert outside > 0, "some packs leave records outside their jurisdiction"
    headers = tables.first.locator("th").all_inner_texts()
    assert "outside this jurisdiction" in headers


def test_capped_rules_and_counts_are_explained_in_their_rows(
    report: Loaded, report_json: dict[str, Any]
) -> None:
    capped = [
        (pack, rule)
        for pack in report_json["verdicts"]
        for rule in pack["rules"]
        if rule["verdict"] == "violation" and sum(rule["capped"].values())
    ]
    assert capped, "the demo has violations capped for an unknown location"
    pack, rule = capped[0]
    row = report.page.locator(f"tr[id='rule-{pack['pack']}-{rule['id']}']").inner_text()
    assert (
        "capped: would be a violation; needs review because the subject's location is unknown"
        in row
    )
    minors = next(
        (p, r) for p in report_json["verdicts"] for r in p["rules"] if r["id"] == "CA-PIPEDA-MINOR"
    )
    row = report.page.locator("tr[id='rule-ca-pipeda-CA-PIPEDA-MINOR']").inner_text()
    assert "all a face" in row
    assert re.search(r"\d+ age unknown", row), "the minors rule also fires on faces of unknown age"
    assert re.search(r"\d+ a minor", row)
    fired = sum(minors[1]["fired"].values())
    groups = sum(g["records"] for groups in minors[1]["fired_on"].values() for g in groups)
    assert groups == fired


def test_rule_ids_never_wrap_mid_word(browser: Any, report_dir: Path) -> None:
    page = browser.new_page(viewport={"width": 1400, "height": 900})
    try:
        page.goto((report_dir / "report.html").resolve().as_uri())
        ids = page.locator("#verdicts tr[id^='rule-'] td:first-child code")
        assert ids.count() > 100
        wrapped = ids.evaluate_all(
            "cs => cs.filter(c => c.getClientRects().length > 1).map(c => c.textContent)"
        )
        assert wrapped == [], f"rule ids wrapped: {wrapped[:5]}"
        trail = (report_dir / "report-trails-1.html").resolve().as_uri()
        page.goto(trail)
        page.evaluate("document.querySelectorAll('details').forEach(d => d.open = true)")
        ids = page.locator("code.rid")
        assert ids.count() > 100
        wrapped = ids.evaluate_all(
            "cs => cs.filter(c => c.getClientRects().length > 1).map(c => c.textContent)"
        )
        assert wrapped == [], f"rule ids wrapped in a trail: {wrapped[:5]}"
    finally:
        page.close()


def test_charts_are_inline_svg_with_sized_bars(report: Loaded) -> None:
    charts = report.page.locator("svg.chart")
    assert charts.count() >= 4
    titles = []
    for i in range(charts.count()):
        chart = charts.nth(i)
        box = chart.bounding_box()
        assert box is not None
        assert box["width"] > 300
        assert box["height"] > 60
        bars = chart.locator("rect").evaluate_all("rs => rs.map(r => r.getBBox().width)")
        assert any(w > 5 for w in bars)
        titles.append(chart.locator("title").first.text_content())
    joined = " ".join(t or "" for t in titles)
    assert "opt-out" in joined
    assert "Verdicts" in joined
    assert "Compliant versus reproduce" in joined
    assert report.page.locator("#headline svg.chart").count() == 1
    assert report.page.locator("#verdicts svg.chart").count() == 1
    assert report.page.locator("#comparison svg.chart").count() == 2


def test_thumbnails_are_embedded_and_decoded(
    trail_pages: list[Loaded], report_json: dict[str, Any]
) -> None:
    expected = sum(1 for t in report_json["images"] if t["thumbnail"])
    sizes = [
        size
        for p in trail_pages
        for size in p.page.locator("article.image img").evaluate_all(
            "is => is.map(i => [i.getAttribute('src').slice(0, 23), i.naturalWidth,"
            " i.naturalHeight])"
        )
    ]
    assert len(sizes) == expected > 50
    for prefix, width, height in sizes:
        assert prefix == "data:image/jpeg;base64,"
        assert 0 < width <= 96
        assert 0 < height <= 96
    assert all(u.startswith(("file:", "data:")) for p in trail_pages for u in p.requests)


def test_hostile_text_is_shown_and_never_run(report: Loaded, trail_pages: list[Loaded]) -> None:
    texts = [_assert_inert(report)] + [_assert_inert(p) for p in trail_pages]
    _assert_payloads_shown(texts)
    holding = [
        p.page.locator("article.image", has_text="http://broken-media.net/img/scripted.jpg")
        for p in trail_pages
    ]
    (card,) = [c.inner_text() for c in holding if c.count()]
    assert '<script>alert("alt")</script>' in card
    assert "<img src=x onerror=alert(document.domain)>" in card


def test_escaping_alone_holds_without_the_csp(
    browser: Any, report_dir: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    folder = tmp_path_factory.mktemp("nocsp")
    texts = []
    for source in [report_dir / "report.html", *sorted(report_dir.glob("report-trails-*.html"))]:
        html = source.read_text(encoding="utf-8")
        bare = re.sub(r'<meta http-equiv="Content-Security-Policy"[^>]*>', "", html)
        assert bare != html
        path = folder / source.name
        path.write_text(bare, encoding="utf-8")
        loaded = _load(browser, path)
        try:
            texts.append(_assert_inert(loaded))
        finally:
            loaded.page.close()
    _assert_payloads_shown(texts)


def test_the_school_children_read_as_violations(
    report: Loaded, trail_pages: list[Loaded], trails: dict[str, dict[str, Any]]
) -> None:
    url = "http://northshore-school.ca/images/2024/spring/grade4-class.jpg"
    card = _article(trail_pages, trails[url]["key"])
    text = card.inner_text()
    assert url in text
    assert "minor" in text
    assert "none found" in text
    violations = card.locator("dd", has=card.page.locator(".verdict.violation")).first.inner_text()
    assert "ca-pipeda" in violations
    assert "ca-bc" in violations
    row = report.page.locator("#sites tr", has_text="northshore-school.ca").last.inner_text()
    assert "violation" in row


def test_metadata_reads_as_labelled_values(trail_pages: list[Loaded]) -> None:
    text = " ".join(str(p.page.evaluate("document.body.innerText")) for p in trail_pages)
    assert re.search(r"GPS position\s+\d+\.\d+° [NS], \d+\.\d+° [EW]", text)
    assert "camera make" in text
    assert '"lat"' not in text
    assert "'lat'" not in text


def test_optout_section_shows_each_receipt(
    browser: Any, demo_crawl: DemoCrawl, tmp_path: Path
) -> None:
    from demoweb.sites.maplebook import PROFILES
    from tests.ops.conftest import copy_crawl

    out = copy_crawl(demo_crawl.out, tmp_path / "out")
    emma = next(p for p in PROFILES if p.user == "emma.tremblay")
    run_cli("optout", "add", "--url", f"http://maplebook.ca{emma.avatar.path}", "--out", str(out))
    run_cli("purge", "--jurisdiction", "CA-QC", "--keep-pages", "--out", str(out))
    run_cli("report", "--out", str(out), "--format", "html", "--format", "json")
    data = json.loads((out / "report" / "report.json").read_text(encoding="utf-8"))
    assert [o["kind"] for o in data["optouts"]] == ["url", "jurisdiction"]
    loaded = _load(browser, out / "report" / "report.html")
    try:
        _assert_inert(loaded)
        section = loaded.page.locator("section#optouts")
        assert section.locator("h2").inner_text().endswith("Opt-out requests and purges")
        assert loaded.page.locator("nav a[href='#optouts']").count() == 1
        for o in data["optouts"]:
            block = section.locator(f"#optout-{o['request_id']}")
            assert o["value"] in block.inner_text()
            table = block.locator("xpath=following-sibling::table[1]")
            cells = table.locator("td.n").all_inner_texts()
            assert [int(c) for c in cells] == [
                o["matched"],
                o["images_scrubbed"],
                o["occurrences"],
                o["warc_payloads_removed"],
                o["metadata_records_removed"],
                o["page_records_removed"],
                o["snapshots_scrubbed"],
                o["rows_redacted"],
                o["tombstones"],
            ]
        first, second = data["optouts"]
        assert first["pages"] == "removed"
        assert second["pages"] == "kept"
        text = section.inner_text()
        assert "kept as evidence" in text
        assert first["warc_files"], "the purge rewrote WARC files"
        section.evaluate("s => s.querySelectorAll('details').forEach(d => d.open = true)")
        text = section.inner_text()
        for old, new in first["warc_files"].items():
            assert f"{old} → {new}" in text
        assert "http://maplebook.ca/u/emma.tremblay" in text, "the page removed is listed"
    finally:
        loaded.page.close()
