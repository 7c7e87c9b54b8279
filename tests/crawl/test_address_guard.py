"""The address guard against every spelling of this machine, with and without a proxy.

Each test runs real ``provtrack crawl`` processes against real loopback services of its own
that count what reaches them: a guard that holds lets zero requests through, and every
refusal is a record with its reason. Names are resolved by a DNS stub on loopback (nothing
leaves the machine), which can fail once and then answer 127.0.0.1.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from provenance.store import open_store
from provenance.store.models import Image, Page
from tests.conftest import REPO, DemoWebProcess, have_chromium, run_cli
from tests.crawl.guardnet import SPELLINGS, DnsStub, counting_server

STUB_NAMES = {
    # name: {rdtype: answer}; an answer of None is SERVFAIL
    "evil.test": {"A": ["127.0.0.1"], "AAAA": []},
    "metadata.test": {"A": ["100.100.100.200"], "AAAA": []},
    "mapped.test": {"A": [], "AAAA": ["::ffff:127.0.0.1"]},
    "sixtofour.test": {"A": [], "AAAA": ["2002:c0a8:1::1"]},
    "mixed.test": {"A": ["127.0.0.1", "10.0.0.1"], "AAAA": []},
    "shared.test": {"A": ["192.0.0.170"], "AAAA": []},
}


def _stub_answers(name: str, rdtype: str, count: int) -> list[str] | None:
    if name == "rebind.test":
        # the first lookup fails; every later one says 127.0.0.1
        if rdtype == "A":
            return None if count == 1 else ["127.0.0.1"]
        return []
    return STUB_NAMES.get(name, {}).get(rdtype, [])


def _failures(db: Path) -> dict[str, tuple[str, str]]:
    """url -> (reason kind, message) of every failed page and image of the store."""
    store = open_store(str(db))
    out: dict[str, tuple[str, str]] = {}
    for row in [*store.all(Page), *store.all(Image)]:
        if row.decision == "failed":
            reason = row.reasons[0]
            out[row.url] = (str(reason.get("value")), str(reason.get("evidence")))
    return out


def test_no_proxy_every_spelling_and_refused_name_is_refused(tmp_path: Path) -> None:
    with counting_server() as target, DnsStub(_stub_answers) as dns:
        port = target.port
        seeds = [f"http://{s}:{port}/" for s in SPELLINGS]
        seeds += [f"http://{name}:{port}/" for name in STUB_NAMES]
        seeds += [f"http://evil.test.:{port}/trailing-dot"]
        # the rebinding host is asked twice, one request after the other
        seeds += [f"http://rebind.test:{port}/first", f"http://rebind.test:{port}/second"]
        result = run_cli(
            "crawl",
            *seeds,
            "--out",
            str(tmp_path),
            "--render",
            "never",
            "--concurrency",
            "1",
            "--dns-server",
            dns.address,
            check=False,
        )
        assert target.requests == []  # nothing reached this machine's service
    # every seed refused: the crawl reached nothing, which is a one-line failure
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    failures = _failures(tmp_path / "provtrack.db")
    for spelling in SPELLINGS:
        url = f"http://{spelling}:{port}/"
        assert failures[url][0] == "refused_address", (url, failures.get(url))
    for name in STUB_NAMES:
        kind, message = failures[f"http://{name}:{port}/"]
        assert kind == "refused_address", (name, message)
        assert "resolves to a refused" in message
    assert "6to4 embedding of private address 192.168.0.1" in str(
        failures[f"http://sixtofour.test:{port}/"]
    )
    assert failures[f"http://evil.test.:{port}/trailing-dot"][0] == "refused_address"
    # a name whose lookup failed is not allowed: it fails closed, and is asked again
    assert failures[f"http://rebind.test:{port}/first"][0] == "dns_error"
    assert failures[f"http://rebind.test:{port}/second"][0] == "refused_address"
    assert dns.queries[("rebind.test", "A")] == 2


def _proxied_site(port: int) -> dict[str, bytes]:
    spelled = [f"http://{s}:{port}" for s in SPELLINGS]
    images = "".join(f'<img src="{u}/img{i}.jpg">' for i, u in enumerate(spelled))
    links = "".join(f'<a href="/go/{i}">hop {i}</a>' for i in range(len(spelled)))
    return {
        "/": f"<html><body>{images}{links}</body></html>".encode(),
        **{f"/go/{i}": u.encode() for i, u in enumerate(spelled)},
    }


def test_through_a_proxy_spellings_in_seeds_images_and_redirects_never_leave(
    tmp_path: Path,
) -> None:
    """Through a proxy (here a plain counting one, not the demo web) every spelling of this
    machine is refused before the request leaves: the proxy never sees one."""
    site = _proxied_site(9)  # the port is never reached: any will do

    def pages(host: str, path: str) -> tuple[int, dict[str, str], bytes]:
        if host.split(":")[0] != "public.example" or path not in site:
            return 404, {}, b"not here"
        if path.startswith("/go/"):
            return 302, {"Location": site[path].decode()}, b""
        return 200, {"Content-Type": "text/html"}, site[path]

    with counting_server(pages) as proxy:
        seeds = ["http://public.example/", *(f"http://{s}:9/seed" for s in SPELLINGS)]
        run_cli(
            "crawl",
            *seeds,
            "--out",
            str(tmp_path),
            "--render",
            "never",
            "--proxy",
            f"http://127.0.0.1:{proxy.port}",
        )
        hosts = {host.split(":")[0] for host, _ in proxy.requests}
    assert hosts == {"public.example"}, proxy.requests
    assert ("public.example", "/") in proxy.requests
    failures = _failures(tmp_path / "provtrack.db")
    for i, spelling in enumerate(SPELLINGS):
        for url in (
            f"http://{spelling}:9/seed",
            f"http://{spelling}:9/img{i}.jpg",
            f"http://public.example/go/{i}",
        ):
            assert failures[url][0] == "refused_address", (url, failures.get(url))


def test_through_the_demo_proxy_spellings_are_refused_and_the_demo_still_served(
    tmp_path: Path, demoweb: DemoWebProcess
) -> None:
    with counting_server() as target:
        seeds = [f"http://{s}:{target.port}/" for s in SPELLINGS]
        run_cli(
            "crawl",
            "http://maplebook.ca/",
            *seeds,
            "--out",
            str(tmp_path),
            "--render",
            "never",
            "--max-depth",
            "0",
            "--proxy",
            demoweb.url,
        )
        assert target.requests == []
    failures = _failures(tmp_path / "provtrack.db")
    for spelling in SPELLINGS:
        assert failures[f"http://{spelling}:{target.port}/"][0] == "refused_address"
    # the demo web answered through its proxy: maplebook.ca's robots.txt was read (it opts out)
    (page,) = open_store(str(tmp_path / "provtrack.db")).all(Page, host="maplebook.ca")
    assert page.decision == "skipped"
    assert page.reasons[0]["source"] == "robots.txt"


_CONNECT = """
import json, sys
from twisted.internet import asyncioreactor
asyncioreactor.install()
from twisted.internet import defer, endpoints, protocol, reactor
from crawler.resolver import BOOK, GuardedResolver

dns_server, port, hosts = sys.argv[1], int(sys.argv[2]), json.loads(sys.argv[3])
BOOK.configure(dns_server=dns_server, timeout=2)
GuardedResolver(reactor).install_on_reactor()
results = {}

@defer.inlineCallbacks
def main():
    for host in hosts:
        endpoint = endpoints.HostnameEndpoint(reactor, host.encode(), port, timeout=2)
        try:
            proto = yield endpoint.connect(protocol.Factory.forProtocol(protocol.Protocol))
            proto.transport.loseConnection()
            results[host] = "connected"
        except Exception as err:
            results[host] = type(err).__name__
    print(json.dumps(results))
    reactor.stop()

reactor.callWhenRunning(main)
reactor.run()
"""


def test_the_resolver_refuses_at_connection_time_without_the_middleware() -> None:
    """Twisted's own endpoints, given the guarded resolver and no middleware at all, never
    connect to this machine: the check holds where the connection is made."""
    with counting_server() as target, DnsStub(_stub_answers) as dns:
        hosts = [s.strip("[]") for s in SPELLINGS] + list(STUB_NAMES) + ["rebind.test"] * 2
        out = subprocess.run(
            [sys.executable, "-c", _CONNECT, dns.address, str(target.port), json.dumps(hosts)],
            capture_output=True,
            text=True,
            timeout=120,
            cwd=REPO,
            check=True,
        ).stdout
        assert target.requests == []
        assert target.connections == 0
    results = json.loads(out.strip().splitlines()[-1])
    assert set(results.values()) == {"DNSLookupError"}, results
    assert dns.queries[("rebind.test", "A")] == 2


@pytest.mark.parametrize("spec", ["nonsense", "127.0.0.1:99999", "example.com"])
def test_a_bad_dns_server_is_one_line(tmp_path: Path, spec: str) -> None:
    result = run_cli(
        "crawl", "http://a.example/", "--out", str(tmp_path), "--dns-server", spec, check=False
    )
    assert result.returncode != 0
    assert "DNS server" in result.stderr
    assert "Traceback" not in result.stderr


def test_the_browser_never_reaches_a_spelling_of_this_machine(tmp_path: Path) -> None:
    """A rendered page's own script, style and XHR requests pass the same guard (the
    Playwright abort hook): through the proxy, none for this machine is sent."""
    if not have_chromium():
        pytest.skip("Debian's chromium is not installed (scripts/run installs it)")
    spelled = [f"http://{s}:9" for s in SPELLINGS]
    fetches = "".join(f"fetch('{u}/xhr').catch(() => 0);" for u in spelled)
    styles = "".join(f'<link rel="stylesheet" href="{u}/style.css">' for u in spelled)
    page = f"<html><head>{styles}</head><body><script>{fetches}</script></body></html>"

    def pages(host: str, path: str) -> tuple[int, dict[str, str], bytes]:
        if host.split(":")[0] == "public.example" and path == "/":
            return 200, {"Content-Type": "text/html"}, page.encode()
        return 404, {}, b"not here"

    with counting_server(pages) as proxy:
        run_cli(
            "crawl",
            "http://public.example/",
            "--out",
            str(tmp_path),
            "--render",
            "always",
            "--max-depth",
            "0",
            "--proxy",
            f"http://127.0.0.1:{proxy.port}",
        )
        hosts = {host.split(":")[0] for host, _ in proxy.requests}
    assert hosts == {"public.example"}, proxy.requests
    (fetched,) = open_store(str(tmp_path / "provtrack.db")).all(Page, host="public.example")
    assert fetched.rendered
