"""Chromium without a proxy: every request a rendered page makes passes the address guard.

Real chromium is launched with provtrack's own launch options (``crawler.render``), which send
it through the browser guard (``crawler.browserguard``). The page is handed to chromium
directly and Playwright's route hook is left out on purpose: the guard must hold on its own,
for scripts, styles, images, frames, fetch and WebSockets alike. A counting server of the
test's own, addressed by every spelling of this machine and by names a DNS stub answers with
127.0.0.1 (one of them only after failing once), must receive nothing; a host whose checked
address the guard already pinned is reached at that address with no second lookup.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO, have_chromium
from tests.crawl.guardnet import SPELLINGS, DnsStub, counting_server

_RENDER = """
import asyncio, json, sys
from playwright.async_api import async_playwright
from crawler.browserguard import browser_guard
from crawler.render import playwright_settings
from crawler.resolver import BOOK

dns_server, page_file, pinned_port = sys.argv[1], sys.argv[2], int(sys.argv[3])
BOOK.configure(dns_server=dns_server, timeout=2)
# what an earlier check let through and pinned (a public address on the web; the test's own
# server here): the guard must connect there, not ask the DNS stub again
BOOK._pinned["public.test"] = ("127.0.0.1",)
launch = playwright_settings("/usr/bin/chromium", None, 10)["PLAYWRIGHT_LAUNCH_OPTIONS"]

async def main():
    guard = browser_guard()
    await guard.serve()
    async with async_playwright() as p:
        browser = await p.chromium.launch(**launch)
        page = await browser.new_page()
        await page.set_content(open(page_file).read(), wait_until="load", timeout=60000)
        await page.wait_for_function("document.title === 'done'", timeout=60000)
        await browser.close()
    print(json.dumps({"refused": guard.refused, "forwarded": guard.forwarded,
                      "launch": launch}))

asyncio.run(main())
"""


def _page(forbidden: int, allowed: int) -> str:
    origins = [f"http://{s}:{forbidden}" for s in SPELLINGS]
    origins += [f"http://{n}:{forbidden}" for n in ("evil.test", "evil.test.")]
    tags = "".join(
        f'<img src="{o}/i.png"><link rel="stylesheet" href="{o}/s.css">'
        f'<script src="{o}/s.js"></script><iframe src="{o}/frame"></iframe>'
        for o in origins
    )
    sockets = [o.replace("http://", "ws://") + "/ws" for o in origins]
    script = f"""
    const origins = {json.dumps(origins)};
    const sockets = {json.dumps(sockets)};
    const fetchAll = urls => Promise.allSettled(urls.map(u => fetch(u, {{mode: 'no-cors'}})));
    const ws = u => new Promise(done => {{
      try {{ const s = new WebSocket(u); s.onerror = s.onclose = () => done(); }}
      catch (e) {{ done(); }}
    }});
    (async () => {{
      await fetchAll(origins.map(o => o + '/xhr'));
      await Promise.all(sockets.map(ws));
      // the rebinding name: its lookup fails first, then answers 127.0.0.1
      await fetchAll(['http://rebind.test:{forbidden}/first']);
      await fetchAll(['http://rebind.test:{forbidden}/second']);
      await fetchAll(['http://public.test:{allowed}/ok']);
      document.title = 'done';
    }})();
    """
    return (
        f"<html><head><title>page</title>{tags}</head><body><script>{script}</script></body></html>"
    )


def _answers(name: str, rdtype: str, count: int) -> list[str] | None:
    if name == "rebind.test":
        return (None if count == 1 else ["127.0.0.1"]) if rdtype == "A" else []
    if name in ("evil.test", "public.test"):
        return ["127.0.0.1"] if rdtype == "A" else []
    return []


def test_chromium_without_a_proxy_reaches_no_loopback_service(tmp_path: Path) -> None:
    if not have_chromium():
        pytest.skip("Debian's chromium is not installed (scripts/run installs it)")
    with (
        counting_server() as forbidden,
        counting_server() as allowed,
        DnsStub(_answers) as dns,
    ):
        page = tmp_path / "page.html"
        page.write_text(_page(forbidden.port, allowed.port))
        run = subprocess.run(
            [sys.executable, "-c", _RENDER, dns.address, str(page), str(allowed.port)],
            capture_output=True,
            text=True,
            timeout=240,
            cwd=REPO,
            check=False,
        )
        assert run.returncode == 0, run.stderr[-3000:]
        assert forbidden.requests == []
        assert forbidden.connections == 0
        assert allowed.requests == [(f"public.test:{allowed.port}", "/ok")]
    result = json.loads(run.stdout.strip().splitlines()[-1])
    assert result["launch"]["proxy"]["server"].startswith("http://127.0.0.1:")
    refused = dict(result["refused"])
    # chromium sends its own canonical spelling; each is refused by the guard's rules
    unspecified = ".".join("0" * 4)
    for host in ("127.0.0.1", unspecified, "localhost", "a.localhost", "evil.test", "rebind.test"):
        assert host in refused, (host, sorted(refused))
    assert "resolves to a refused loopback address 127.0.0.1" in refused["evil.test"]
    assert any("::" in host for host in refused), "the IPv6 spellings reached the guard"
    # the failed lookup was not cached as allowed: asked again, then refused as loopback
    assert dns.queries[("rebind.test", "A")] == 2
    assert "loopback" in refused["rebind.test"]
    # the pinned host was reached at its checked address, with no second lookup
    assert dns.queries[("public.test", "A")] == 0
    assert result["forwarded"] == 1


PUBLIC = "1.2.3.4"
"""A globally routable address, given to the loopback device of a private network namespace
(``unshare -rn``): the namespace has no other device, so nothing sent there leaves the machine,
yet the guard sees a public address and lets a crawl without a proxy fetch and render it."""

_NETNS_CRAWL = """
import io, json, sys
from pathlib import Path
from PIL import Image as PILImage
from provenance.store import open_store
from provenance.store.models import Image, Page
from tests.conftest import run_cli
from tests.crawl.guardnet import SPELLINGS, DnsStub, counting_server

out, public = Path(sys.argv[1]), sys.argv[2]
png = io.BytesIO()
PILImage.new("RGB", (64, 48), (200, 30, 30)).save(png, "PNG")

def answers(name, rdtype, count):
    if rdtype != "A":
        return []
    if name == "rebind.test":  # DNS rebinding: public for the check, loopback afterwards
        return [public] if count == 1 else ["127.0.0.1"]
    known = {"public.test": [public], "hops.test": [public], "evil.test": ["127.0.0.1"]}
    return known.get(name, [])

content = {}

def pages(host, path):
    if path == "/":
        return 200, {"Content-Type": "text/html"}, content["page"]
    if path == "/photo.png":
        return 200, {"Content-Type": "image/png"}, png.getvalue()
    if path.startswith("/go/"):
        return 302, {"Location": content["origins"][int(path[4:])] + "/hop"}, b""
    return 404, {}, b"not here"

# the loopback service listens on the public site's port: a rebound name would reach it
with counting_server(pages, host=public) as site, counting_server(
        port=site.port) as forbidden, DnsStub(answers) as dns:
    port = site.port
    origins = [f"http://{s}:{port}" for s in SPELLINGS] + [f"http://evil.test:{port}"]
    content["origins"] = origins
    script = "".join(f"fetch('{o}/xhr', {{mode: 'no-cors'}}).catch(() => 0);" for o in origins)
    # WebSockets never pass Playwright's route hook: only the browser guard stops these
    script += "".join(
        f"try {{ new WebSocket('{o.replace('http:', 'ws:')}/ws'); }} catch (e) {{}}"
        for o in origins)
    styles = "".join(f'<link rel="stylesheet" href="{o}/s.css">' for o in origins)
    # a stylesheet blocks the page's load: chromium always asks for it before the render ends
    styles += f'<link rel="stylesheet" href="http://rebind.test:{port}/rebind.css">'
    images = "".join(f'<img src="{o}/i{i}.png">' for i, o in enumerate(origins))
    content["page"] = (f"<html><head><title>public</title>{styles}</head><body>"
            f'<img src="/photo.png" alt="a photo">{images}<script>{script}</script>'
            "</body></html>").encode()
    seeds = [f"http://public.test:{port}/", f"http://rebind.test:{port}/"]
    seeds += [f"http://hops.test:{port}/go/{i}" for i in range(len(origins))]
    result = run_cli("crawl", *seeds, "--out", str(out), "--render-host", "public.test",
                     "--render-host", "rebind.test",
                     "--max-depth", "0", "--media-workers", "0",
                     "--dns-server", dns.address, check=False)
    store = open_store(str(out / "provtrack.db"))
    print(json.dumps({
        "rc": result.returncode, "stderr": result.stderr[-2000:],
        "forbidden": forbidden.requests, "connections": forbidden.connections,
        "site": site.requests, "port": port,
        "rebind_lookups": dns.queries[("rebind.test", "A")],
        "pages": [(p.url, p.decision, p.rendered, (p.reasons or [{}])[0].get("value"))
                  for p in store.all(Page)],
        "images": [(i.url, i.decision, (i.reasons or [{}])[0].get("value"))
                   for i in store.all(Image)],
        "origins": origins,
    }))
"""


def _netns_available() -> bool:
    try:
        probe = subprocess.run(
            ["unshare", "-rn", "ip", "link", "set", "lo", "up"],
            capture_output=True,
            timeout=20,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return False
    return probe.returncode == 0


def test_a_crawl_without_a_proxy_renders_a_public_page_and_reaches_no_loopback_service(
    tmp_path: Path,
) -> None:
    """End to end, no proxy: the seed is fetched and rendered in chromium from a public
    address, and none of its subrequests, images or redirects that name this machine reach
    it; a name that answers the public address first and 127.0.0.1 afterwards (DNS
    rebinding) is looked up once and every request for it, chromium's included, goes to the
    public address, never to the loopback service listening on the same port."""
    if not have_chromium():
        pytest.skip("Debian's chromium is not installed (scripts/run installs it)")
    if not _netns_available():
        pytest.skip("no private network namespace (unshare -rn) on this machine")
    inner = (
        f"ip link set lo up && ip addr add {PUBLIC}/32 dev lo && "
        f'exec "{sys.executable}" -c "$0" "$1" "$2"'
    )
    run = subprocess.run(
        ["unshare", "-rn", "sh", "-c", inner, _NETNS_CRAWL, str(tmp_path / "out"), PUBLIC],
        capture_output=True,
        text=True,
        timeout=600,
        cwd=REPO,
        check=False,
    )
    assert run.returncode == 0, run.stderr[-3000:]
    result = json.loads(run.stdout.strip().splitlines()[-1])
    assert result["forbidden"] == [], result["forbidden"]
    assert result["connections"] == 0
    pages = {url: (decision, rendered, why) for url, decision, rendered, why in result["pages"]}
    port = result["port"]
    seed = f"http://public.test:{port}/"
    assert pages[seed][:2] == ("fetched", True), (result["pages"], result["stderr"])
    # DNS rebinding: one lookup (public), pinned; the page, its render and its own fetch all
    # went to the public address, never to the loopback service on the same port
    assert pages[f"http://rebind.test:{port}/"][:2] == ("fetched", True)
    assert result["rebind_lookups"] == 1
    site = {(host, path) for host, path in result["site"]}
    assert (f"rebind.test:{port}", "/rebind.css") in site
    # redirects from a public page to every spelling of this machine are refused
    for i in range(len(result["origins"])):
        assert pages[f"http://hops.test:{port}/go/{i}"][2] == "refused_address", i
    images = {url: (decision, why) for url, decision, why in result["images"]}
    photo = seed + "photo.png"
    assert images[photo][0] == "collected", images.get(photo)
    for i, origin in enumerate(result["origins"]):
        assert images[f"{origin}/i{i}.png"] == ("failed", "refused_address"), origin
    # the public site was reached (the page, rendered through the browser guard, and the photo)
    assert {(f"public.test:{port}", "/"), (f"public.test:{port}", "/photo.png")} <= site
