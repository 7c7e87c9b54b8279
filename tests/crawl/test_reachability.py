"""A crawl that could reach nothing says so: one line naming the cause, non-zero exit."""

from __future__ import annotations

import socket
from pathlib import Path

from crawler.reachability import unreachable_cause
from tests.conftest import run_cli


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_a_proxy_that_is_down_is_named_not_a_finished_run_of_disallows(tmp_path: Path) -> None:
    proxy = f"http://127.0.0.1:{_closed_port()}"
    result = run_cli(
        "crawl", "http://pixgram.com/", "http://paylink.com/", "--out", str(tmp_path),
        "--proxy", proxy, check=False, timeout=300,
    )  # fmt: skip
    assert result.returncode != 0
    lines = [line for line in result.stderr.splitlines() if "reached nothing" in line]
    assert len(lines) == 1, result.stderr[-2000:]
    assert "no seed host accepted a connection (paylink.com, pixgram.com)" in lines[0]
    assert f"is the proxy {proxy} up?" in lines[0]


def test_the_cause_names_dns_and_the_demo_web_without_a_proxy() -> None:
    stats = {
        "downloader/exception_type_count/twisted.internet.error.DNSLookupError": 4,
        "provtrack/policy/error/DNSLookupError": 2,
    }
    cause = unreachable_cause(
        stats, ["http://pixgram.com/"], proxy=None, is_demo_host=lambda h: h == "pixgram.com"
    )
    assert cause is not None
    assert cause.startswith("no seed host resolved (pixgram.com)")
    assert "--proxy" in cause
    # one answer from anywhere (a 404 included) means the crawl reached the web
    assert (
        unreachable_cause(
            {**stats, "downloader/response_count": 1},
            ["http://pixgram.com/"],
            proxy=None,
            is_demo_host=lambda h: True,
        )
        is None
    )


def test_demo_names_without_a_proxy_end_with_the_line_that_names_it(tmp_path: Path) -> None:
    """Demo-web names crawled without --proxy (the mistake the line is for), end to end.

    Names are resolved by a DNS stub on loopback that knows none of them, so nothing can leave
    the machine even where the real domains exist; the crawl fails before any request."""
    from tests.crawl.guardnet import DnsStub

    with DnsStub(lambda name, rdtype, count: None) as dns:
        result = run_cli(
            "crawl", "http://pixgram.com/", "http://northpier-press.com/", "--out", str(tmp_path),
            "--dns-server", dns.address, check=False, timeout=300,
        )  # fmt: skip
        asked = set(dns.queries)
    assert result.returncode != 0
    assert {("pixgram.com", "A"), ("northpier-press.com", "A")} <= asked
    lines = [line for line in result.stderr.splitlines() if "reached nothing" in line]
    assert len(lines) == 1, result.stderr[-2000:]
    line = lines[0]
    assert "no seed host resolved (northpier-press.com, pixgram.com)" in line, line
    assert "demo-web names" in line, line
    assert "--proxy http://127.0.0.1:PORT" in line, line
    assert "Traceback" not in result.stderr
