"""maplebook's JavaScript-only feeds: static HTML hides them, the API and a browser show them."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from urllib.parse import urljoin

import pytest

from demoweb.server import DemoWeb

from .conftest import Proxy

CHROMIUM = Path("/usr/bin/chromium")


def _profiles(manifest: dict[str, Any]) -> list[dict[str, Any]]:
    return [p for p in manifest["pages"] if p["js_only_images"]]


def test_static_profile_html_has_no_feed(proxy: Proxy, manifest: dict[str, Any]) -> None:
    profiles = _profiles(manifest)
    assert len(profiles) == 4
    for page in profiles:
        body = proxy.fetch(page["url"]).body.decode()
        assert "<img" not in body
        assert "<noscript>" in body
        assert "JavaScript is required" in body
        assert '<script src="/static/feed.js"></script>' in body
    script = proxy.fetch("http://maplebook.ca/static/feed.js")
    assert script.headers["Content-Type"].startswith("application/javascript")
    assert b"IntersectionObserver" in script.body
    assert b"/api/feed?user=" in script.body


def test_api_pages_return_the_manifest_photos(proxy: Proxy, manifest: dict[str, Any]) -> None:
    for page in _profiles(manifest):
        user = page["url"].rsplit("/", 1)[-1]
        shown: list[str] = []
        number: int | None = 1
        pages = 0
        while number is not None:
            got = proxy.fetch(f"http://maplebook.ca/api/feed?user={user}&page={number}")
            assert got.status == 200
            data = json.loads(got.body)
            if number == 1:
                shown.append(urljoin(page["url"], data["profile"]["avatar"]["url"]))
                assert data["profile"]["location"] in {
                    "Montreal, QC",
                    "Vancouver, BC",
                    "Calgary, AB",
                    "Toronto, ON",
                }
            shown += [urljoin(page["url"], p["photo"]["url"]) for p in data["posts"]]
            number = data["next_page"]
            pages += 1
        assert 2 <= pages <= 3
        assert shown == page["images"]
    missing = proxy.fetch("http://maplebook.ca/api/feed?user=nobody&page=1")
    assert missing.status == 404


def test_query_parameter_order_does_not_matter(proxy: Proxy) -> None:
    a = proxy.fetch("http://maplebook.ca/api/feed?user=liam.chen&page=2").body
    b = proxy.fetch("http://maplebook.ca/api/feed?page=2&user=liam.chen").body
    assert a == b


def test_minors_are_named_in_the_api(proxy: Proxy) -> None:
    olivia = json.loads(proxy.fetch("http://maplebook.ca/api/feed?user=olivia.park&page=1").body)
    noah = json.loads(proxy.fetch("http://maplebook.ca/api/feed?user=noah.martin&page=1").body)
    assert "Age 15" in olivia["profile"]["about"]
    assert "Grade 9 student" in noah["profile"]["about"]


@pytest.mark.browser
def test_headless_chromium_renders_the_feed_after_scrolling(
    demo: DemoWeb, manifest: dict[str, Any]
) -> None:
    if not CHROMIUM.exists():
        pytest.skip("Debian chromium is not installed at /usr/bin/chromium")
    sync_api = pytest.importorskip("playwright.sync_api")
    args = [
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
    ]
    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=str(CHROMIUM), args=args, proxy={"server": demo.url}
        )
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 720})
            for profile in _profiles(manifest):
                page.goto(profile["url"], wait_until="load")
                page.wait_for_selector("#feed .post")
                before = page.eval_on_selector_all("img", "els => els.map(e => e.src)")
                assert len(before) < len(profile["images"])  # scrolling is needed
                for _ in range(10):
                    if page.get_attribute("#sentinel", "data-done") == "1":
                        break
                    page.mouse.wheel(0, 4000)
                    page.wait_for_timeout(150)
                assert page.get_attribute("#sentinel", "data-done") == "1"
                rendered = page.eval_on_selector_all("img", "els => els.map(e => e.src)")
                assert rendered == profile["images"]
                assert page.inner_text(".location").startswith("Lives in ")
                loaded = page.eval_on_selector_all(
                    "img", "els => els.every(e => e.complete && e.naturalWidth > 0)"
                )
                assert loaded
        finally:
            browser.close()
