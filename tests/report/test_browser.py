"""The HTML report in a real headless Chromium: sections, charts, thumbnails, no request
leaving the file, and the demo web's hostile text shown as text, never executed."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import have_chromium

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


def _assert_inert(loaded: Loaded) -> None:
    page = loaded.page
    assert loaded.dialogs == []
    assert page.evaluate("window.__xss") is False
    assert page.evaluate("document.scripts.length") == 0
    assert page.locator("[onerror], [onload], [onclick]").count() == 0
    assert page.locator('img[src="x"]').count() == 0
    assert loaded.refused == [], f"the report asked for {loaded.refused[:5]}"
    assert all(u.startswith(("file:", "data:")) for u in loaded.requests), loaded.requests[:5]
    text = page.evaluate("document.body.textContent")
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
    assert page.locator("article.image").count() == len(report_json["images"])
    for pack in report_json["verdicts"]:
        assert page.locator(f"h3#pack-{pack['pack']}").count() == 1
    csp = page.locator('meta[http-equiv="Content-Security-Policy"]').get_attribute("content")
    assert csp is not None
    assert "default-src 'none'" in csp
    assert "script-src" not in csp


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


def test_thumbnails_are_embedded_and_decoded(report: Loaded, report_json: dict[str, Any]) -> None:
    imgs = report.page.locator("article.image img")
    expected = sum(1 for t in report_json["images"] if t["thumbnail"])
    assert imgs.count() == expected > 50
    sizes = imgs.evaluate_all(
        "is => is.map(i => [i.getAttribute('src').slice(0, 23), i.naturalWidth, i.naturalHeight])"
    )
    for prefix, width, height in sizes:
        assert prefix == "data:image/jpeg;base64,"
        assert 0 < width <= 96
        assert 0 < height <= 96
    assert all(u.startswith(("file:", "data:")) for u in report.requests)


def test_hostile_text_is_shown_and_never_run(report: Loaded) -> None:
    _assert_inert(report)
    card = report.page.locator(
        "article.image", has_text="http://broken-media.net/img/scripted.jpg"
    ).inner_text()
    assert '<script>alert("alt")</script>' in card
    assert "<img src=x onerror=alert(document.domain)>" in card


def test_escaping_alone_holds_without_the_csp(
    browser: Any, report_dir: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    html = (report_dir / "report.html").read_text(encoding="utf-8")
    bare = re.sub(r'<meta http-equiv="Content-Security-Policy"[^>]*>', "", html)
    assert bare != html
    path = tmp_path_factory.mktemp("nocsp") / "report.html"
    path.write_text(bare, encoding="utf-8")
    loaded = _load(browser, path)
    try:
        _assert_inert(loaded)
    finally:
        loaded.page.close()


def test_the_school_children_read_as_violations(
    report: Loaded, trails: dict[str, dict[str, Any]]
) -> None:
    url = "http://northshore-school.ca/images/2024/spring/grade4-class.jpg"
    card = report.page.locator(f"article#{trails[url]['key']}")
    text = card.inner_text()
    assert url in text
    assert "minor" in text
    assert "none found" in text
    violations = card.locator(
        "dd", has=report.page.locator(".verdict.violation")
    ).first.inner_text()
    assert "ca-pipeda" in violations
    assert "ca-bc" in violations
    row = report.page.locator("#sites tr", has_text="northshore-school.ca").last.inner_text()
    assert "violation" in row
