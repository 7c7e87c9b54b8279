"""Reproduce mode is bound to the demo web itself, not to its host names.

``provtrack crawl --mode reproduce http://pixgram.com/`` is accepted only through the demo
web whose handshake key the crawl holds; through any other proxy (even one that relays to
the real demo web) or none, the demo web's names are ordinary hosts and reproduce refuses
them before any request for them is sent.
"""

from __future__ import annotations

import http.client
import json
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from provenance.store import open_store
from provenance.store.models import Page
from tests.conftest import DemoWebProcess, run_cli
from tests.crawl.guardnet import counting_server

SEED = "http://pixgram.com/"


def _crawl(out: Path, *extra: str, env: dict[str, str] | None = None) -> tuple[int, str]:
    result = run_cli(
        "crawl",
        SEED,
        "--mode",
        "reproduce",
        "--out",
        str(out),
        "--render",
        "never",
        "--max-depth",
        "0",
        *extra,
        check=False,
        env=env,
    )
    return result.returncode, result.stderr + result.stdout


def test_through_the_demo_web_with_its_key_reproduce_runs(
    tmp_path: Path, demoweb: DemoWebProcess
) -> None:
    code, output = _crawl(tmp_path, "--proxy", demoweb.url)
    assert code == 0, output
    (page,) = open_store(str(tmp_path / "provtrack.db")).all(Page, host="pixgram.com")
    assert page.decision == "fetched"


def test_through_a_proxy_that_is_not_provtracks_reproduce_is_refused(
    tmp_path: Path, demoweb: DemoWebProcess
) -> None:
    with counting_server() as proxy:
        code, output = _crawl(tmp_path, "--proxy", f"http://127.0.0.1:{proxy.port}")
        asked = [host for host, _ in proxy.requests]
    assert code == 3, output
    assert "pixgram.com" in output
    assert "is not the demo web's" in output
    assert "pixgram.com" not in asked


def test_through_a_relay_to_the_real_demo_web_reproduce_is_refused(
    tmp_path: Path, demoweb: DemoWebProcess
) -> None:
    """A relay passes the handshake along to the real demo web, and still is not it."""
    upstream = urlsplit(demoweb.url)

    def relay(host: str, path: str) -> tuple[int, dict[str, str], bytes]:
        conn = http.client.HTTPConnection(upstream.hostname or "", upstream.port, timeout=5)
        conn.request("GET", f"http://{host}{path}", headers={"Host": host})
        got = conn.getresponse()
        body = got.read()
        conn.close()
        return got.status, {"Content-Type": got.getheader("Content-Type") or ""}, body

    with counting_server(relay) as proxy:
        code, output = _crawl(tmp_path, "--proxy", f"http://127.0.0.1:{proxy.port}")
        asked = [host for host, _ in proxy.requests]
    assert code == 3, output
    assert "pixgram.com" not in asked


@pytest.mark.parametrize("how", ["no proxy", "no key", "wrong key"])
def test_without_the_proof_reproduce_is_refused(
    tmp_path: Path, demoweb: DemoWebProcess, how: str
) -> None:
    env = {"PROVTRACK_DEMOWEB_KEY": ""} if how == "no key" else None
    extra = [] if how == "no proxy" else ["--proxy", demoweb.url]
    if how == "wrong key":
        assert demoweb.key is not None
        forged = tmp_path / "forged.key"
        forged.write_text(json.dumps({"proxy": demoweb.url, "secret": "ab" * 32}))
        extra += ["--demoweb-key", str(forged)]
    code, output = _crawl(tmp_path / "out", *extra, env=env)
    assert code == 3, output
    assert "reproduce mode ignores opt-outs" in output
    assert "Traceback" not in output
