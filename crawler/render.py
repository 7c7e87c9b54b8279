"""Rendering JavaScript-built pages with scrapy-playwright on Debian's chromium.

The browser never fetches images itself: image, media and font requests are aborted in the
page (they would bypass robots.txt and the opt-out gate); Scrapy fetches the images the
spider extracts from the rendered DOM. The page's own XHR/fetch responses (a feed's JSON API)
are captured so they can be written to the WARC next to the rendered page.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from scrapy import Request
from scrapy_playwright.page import PageMethod

from crawler.browserguard import active_guard, browser_guard
from crawler.netpolicy import canonical_host, local_name_refusal
from crawler.resolver import BOOK, Refusal

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
    # WebRTC's UDP (STUN, peer connections) would reach addresses without any proxy
    "--force-webrtc-ip-handling-policy=disable_non_proxied_udp",
    "--webrtc-ip-handling-policy=disable_non_proxied_udp",
]

ABORTED_RESOURCE_TYPES = frozenset({"image", "media", "font"})
MAX_CAPTURED_BYTES = 2 * 1024 * 1024

SCROLL_TO_END = (
    "() => { window.scrollTo(0, document.body.scrollHeight); "
    "return document.body.scrollHeight + document.images.length; }"
)
GREW = "size => document.body.scrollHeight + document.images.length > size"


async def scroll_to_end(page: Any, max_rounds: int = 20, patience_ms: int = 2500) -> int:
    """Scroll an infinite feed until it stops growing; return the number of scrolls.

    After each scroll the page gets ``patience_ms`` to grow (its feed API answering, its
    script appending posts); a page that does not grow in that time has reached its end. A
    fixed pause would stop a slow machine's feed early.
    """
    for rounds in range(1, max_rounds + 1):
        size = await page.evaluate(SCROLL_TO_END)
        try:
            await page.wait_for_function(GREW, arg=size, timeout=patience_ms)
        except Exception:  # playwright's TimeoutError: nothing more to load
            return rounds
    return max_rounds


async def should_abort_request(request: Any) -> bool:
    """Playwright hook: abort what only the opt-out gate may fetch, and what the address
    guard refuses (the browser's own scripts, styles and XHR go to hosts the page names).

    Names and literals of this machine are refused always; without a proxy the host is
    resolved through the guard's address book and refused like a Scrapy request would be.
    Chromium never resolves a name itself: without a proxy it goes through the browser guard
    (:mod:`crawler.browserguard`), which connects to the addresses checked here and also
    holds for what this hook never sees (WebSockets, a service worker's requests)."""
    guard = active_guard()
    if guard is not None:
        await guard.serve()  # in the crawl's loop, before chromium's first request leaves
    if request.resource_type in ABORTED_RESOURCE_TYPES:
        return True
    raw = urlsplit(str(request.url)).hostname
    if raw is None:  # data:, blob: and about: URLs reach no host
        return False
    if local_name_refusal(raw) is not None:
        return True
    if BOOK.proxied:
        return False
    try:
        await BOOK.resolve(canonical_host(raw))
    except Refusal:
        return True
    return False


def playwright_settings(
    browser_path: str, proxy: str | None, timeout_s: float, spki_pins: list[str] | None = None
) -> dict[str, Any]:
    """Scrapy settings that route ``meta={"playwright": True}`` requests through chromium.

    ``spki_pins``: public-key hashes of CAs chromium accepts besides its own roots (the demo
    web's CA; ``--ca-cert`` files): a chain holding one of these keys is accepted.
    """
    args = list(CHROMIUM_ARGS)
    if spki_pins:
        args.append("--ignore-certificate-errors-spki-list=" + ",".join(spki_pins))
    launch: dict[str, Any] = {
        "executable_path": browser_path,
        "headless": True,
        "args": args,
    }
    # Chromium never resolves names itself: through the crawl's proxy, or without one through
    # the browser guard on loopback (Playwright proxies loopback too: "<-loopback>").
    launch["proxy"] = {"server": proxy or browser_guard().url}
    return {
        "DOWNLOAD_HANDLERS": {
            "http": "scrapy_playwright.handler.ScrapyPlaywrightDownloadHandler",
            "https": "scrapy_playwright.handler.ScrapyPlaywrightDownloadHandler",
        },
        "PLAYWRIGHT_BROWSER_TYPE": "chromium",
        "PLAYWRIGHT_LAUNCH_OPTIONS": launch,
        "PLAYWRIGHT_ABORT_REQUEST": should_abort_request,
        "PLAYWRIGHT_DEFAULT_NAVIGATION_TIMEOUT": int(timeout_s * 1000),
        "PLAYWRIGHT_MAX_PAGES_PER_CONTEXT": 4,
    }


async def _capture_subresources(page: Any, request: Request) -> None:
    captured: list[dict[str, Any]] = request.meta.setdefault("provtrack_subresources", [])

    async def on_response(response: Any) -> None:
        if response.request.resource_type not in ("xhr", "fetch"):
            return
        try:
            body = await response.body()
        except Exception:  # a body the browser already dropped is recorded as empty
            body = b""
        captured.append(
            {
                "url": response.url,
                "status": response.status,
                "reason": response.status_text or "",
                "headers": list((await response.all_headers()).items()),
                "request_headers": list((await response.request.all_headers()).items()),
                "method": response.request.method,
                "body": body[:MAX_CAPTURED_BYTES],
            }
        )

    page.on("response", on_response)


def render_meta(max_scrolls: int = 20) -> dict[str, Any]:
    """Request meta that renders a page in chromium and scrolls its feed to the end."""
    return {
        "playwright": True,
        "playwright_page_init_callback": _capture_subresources,
        "playwright_page_methods": [
            PageMethod("wait_for_load_state", "networkidle"),
            PageMethod(scroll_to_end, max_rounds=max_scrolls),
        ],
    }
