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
