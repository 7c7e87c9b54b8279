"""``provtrack serve`` in a real headless Chromium: search a host, open an image page with its
robots.txt lines and response headers, upload a screenshot and see its sources, and nothing
from stored content runs (the demo web's script payloads show as text)."""

from __future__ import annotations

import html
import io
import json
import os
import re
import subprocess
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PIL import Image as PILImage

from provenance.store.explore import FACETS
from provenance.store.models import Image
from tests.conftest import PROVTRACK, REPO, DemoCrawl, have_chromium
from tests.ops.conftest import collected_row, open_copy, original_url, warc_payload
from tests.ops.test_reposts import screenshot
from tests.report.test_browser import CHROMIUM_ARGS, SENTINEL

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def explorer(evaluated_copy: Path) -> Iterator[str]:
    """``provtrack serve --out DIR --port 0`` as a user starts it; its URL."""
    proc = subprocess.Popen(
        [*PROVTRACK, "serve", "--out", str(evaluated_copy), "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=REPO,
        env=dict(os.environ),
    )
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        assert "http://127.0.0.1:" in line, (line, proc.stderr.read() if proc.stderr else "")
        url = line.split("http://", 1)[1].split("/", 1)[0]
        yield f"http://{url}"
    finally:
        proc.terminate()
        proc.wait(timeout=20)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if not have_chromium():
        pytest.skip("Debian chromium is not installed (scripts/run installs it)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


def _page(browser: Any, base: str) -> tuple[Any, list[str], list[str]]:
    page = browser.new_page()
    dialogs: list[str] = []
    elsewhere: list[str] = []

    def dialog(d: Any) -> None:
        dialogs.append(d.message)
        d.dismiss()

    page.on("dialog", dialog)
    page.on(
        "request",
        lambda r: None if r.url.startswith((base, "data:")) else elsewhere.append(r.url),
    )
    page.add_init_script(SENTINEL)
    return page, dialogs, elsewhere


def test_search_a_host_open_its_image_and_upload_a_screenshot(
    browser: Any, explorer: str, evaluated_copy: Path, demo_crawl: DemoCrawl, tmp_path: Path
) -> None:
    manifest = demo_crawl.manifest
    store = open_copy(evaluated_copy)
    page, dialogs, elsewhere = _page(browser, explorer)

    # search a host: the facet link narrows the list to that host's records
    page.goto(f"{explorer}/", wait_until="load")
    page.fill("input[name=q]", "commonsgallery.org")
    page.click("button[type=submit]")
    page.wait_for_load_state("load")
    rows = page.locator("#results tr").count() - 1
    expected = len(store.all(Image, host="commonsgallery.org"))
    assert rows == expected
    page.click("#facet-decision a:text('collected')")
    page.wait_for_load_state("load")
    assert "decision=collected" in page.url

    # open the original's image page: its robots lines and its headers as served
    row = collected_row(store, original_url(manifest))
    page.goto(f"{explorer}/image/{row.id}", wait_until="load")
    text = page.evaluate("document.body.textContent")
    assert "robots.txt for the page (provtrack)" in text
    assert page.locator("#robots-text .hit").count() >= 1
    assert page.locator("code.robots-line").count() >= 1
    headers = page.locator("#headers").inner_text().lower()
    assert "content-type" in headers
    assert "image/jpeg" in headers
    assert page.locator("img[src^='data:image/jpeg']").count() == 1
    assert page.locator("#panel tr").count() > 10  # the AI panel, agent by agent

    # upload a screenshot of the photograph: every collected copy is listed as a source
    shot = tmp_path / "screenshot.png"
    picture = PILImage.open(io.BytesIO(warc_payload(evaluated_copy, row))).convert("RGB")
    shot.write_bytes(screenshot(picture, angle=5.0, seed=3))
    page.goto(f"{explorer}/lookup", wait_until="load")
    page.set_input_files("input[name=photo]", str(shot))
    page.click("button[type=submit]")
    page.wait_for_load_state("load")
    photo = next(i["photo_id"] for i in manifest["images"] if i["url"] == row.url)
    copies = {
        r.url
        for r in store.all(Image, decision="collected")
        if any(i["url"] == r.url and i.get("photo_id") == photo for i in manifest["images"])
    }
    listed = set(page.locator("#matches a").all_inner_texts())
    assert copies <= listed, copies - listed
    assert page.locator("#near tr").count() > 1

    assert dialogs == []
    assert page.evaluate("window.__xss") is False
    assert elsewhere == [], elsewhere[:5]
    page.close()


def test_stored_scripts_show_as_text_and_never_run(
    browser: Any, explorer: str, evaluated_copy: Path
) -> None:
    store = open_copy(evaluated_copy)
    scripted = collected_row(store, "http://broken-media.net/img/scripted.jpg")
    page, dialogs, elsewhere = _page(browser, explorer)
    page.goto(f"{explorer}/image/{scripted.id}", wait_until="load")
    page.wait_for_timeout(300)  # an onerror handler would have fired by now
    assert '<script>alert("alt")</script>' in page.evaluate("document.body.textContent")
    assert page.evaluate("document.scripts.length") == 0
    assert page.locator("[onerror], [onload], [onclick]").count() == 0
    assert dialogs == []
    assert page.evaluate("window.__xss") is False
    assert elsewhere == []
    page.close()


def test_every_response_forbids_scripts_and_the_store_stays_unwritten(
    explorer: str, evaluated_copy: Path
) -> None:
    before = (evaluated_copy / "provtrack.db").stat().st_mtime_ns
    for path in ("/", "/lookup", "/compliance", "/site/pixgram.com", "/image/1"):
        with urllib.request.urlopen(f"{explorer}{path}", timeout=60) as response:
            csp = response.headers["content-security-policy"]
            assert "script-src" not in csp
            assert csp.startswith("default-src 'none'")
            assert response.headers["x-content-type-options"] == "nosniff"
    assert (evaluated_copy / "provtrack.db").stat().st_mtime_ns == before
    assert json.dumps(csp)


def _facets(html: str) -> dict[str, list[tuple[str, int]]]:
    """Each facet's (value, count) links as the search page shows them."""
    out: dict[str, list[tuple[str, int]]] = {}
    for facet, body in re.findall(r'id="facet-(\w+)">(.*?)</div>', html, re.S):
        out[facet] = [(v, int(n)) for v, n in re.findall(r'">([^<]+)</a> \((\d+)\)', body)]
    return out


def _total(html: str) -> int:
    found = re.search(r"<p>(\d+) records", html)
    assert found, html[:500]
    return int(found.group(1))


def test_every_facet_filters_to_its_count(explorer: str, evaluated_copy: Path) -> None:
    """Every facet lists values, and following one gives exactly that many records; host,
    run, decision, faces and purged agree with the store's own columns."""
    store = open_copy(evaluated_copy)
    rows = store.all(Image)
    with urllib.request.urlopen(f"{explorer}/", timeout=120) as response:
        home = response.read().decode()
    assert _total(home) == len(rows)
    facets = _facets(home)
    assert set(facets) == set(FACETS)
    truth = {
        "host": lambda r, v: r.host == v,
        "run": lambda r, v: r.run_id == v,
        "decision": lambda r, v: r.decision == v,
        "faces": lambda r, v: ((r.face_count or 0) > 0) == (v == "yes"),
        "purged": lambda r, v: (r.purged_at is not None) == (v == "yes"),
    }
    for facet, values in facets.items():
        assert values, f"facet {facet} shows no value"
        value, count = values[0]
        query = urllib.parse.urlencode({facet: html.unescape(value)})
        with urllib.request.urlopen(f"{explorer}/?{query}", timeout=120) as response:
            assert _total(response.read().decode()) == count, (facet, value)
        if facet in truth:
            expected = sum(1 for r in rows if truth[facet](r, html.unescape(value)))
            assert count == expected, (facet, value)
    assert {v for v, _ in facets["mode"]} == {"compliant", "reproduce"}
    assert {v for v, _ in facets["verdict"]}, "the evaluated copy has verdicts"
