"""The demo web's handshake: only the demo web provtrack started can prove it is the demo web.

Both sides are real: the demo web's proxy in this process and the crawler's client
(``crawler.demoproof``), which repeats the protocol's constants instead of importing the demo
web; the first test holds the two copies together.
"""

from __future__ import annotations

import http.client
import secrets
from pathlib import Path

import pytest

from crawler import demoproof
from crawler.config import CrawlConfig
from demoweb import handshake
from demoweb.names import HOST_PATTERNS
from demoweb.server import DemoWeb
from tests.crawl.guardnet import counting_server


def test_both_sides_speak_one_protocol() -> None:
    for name in ("HANDSHAKE_HOST", "HANDSHAKE_PATH", "PURPOSE", "CHALLENGE_BYTES"):
        assert getattr(demoproof, name) == getattr(handshake, name), name
    secret, challenge = secrets.token_bytes(32), secrets.token_bytes(32)
    assert handshake.answer(secret, challenge.hex()) == demoproof.expected_proof(secret, challenge)


@pytest.fixture(scope="module")
def web() -> DemoWeb:
    with DemoWeb() as served:
        yield served  # type: ignore[misc]


def test_the_demo_web_proves_it_holds_its_secret(web: DemoWeb) -> None:
    assert demoproof.prove(web.url, web.secret) is None
    wrong = demoproof.prove(web.url, secrets.token_bytes(32))
    assert wrong is not None
    assert "not this demo web" in wrong


def test_each_demo_web_has_its_own_secret(web: DemoWeb) -> None:
    with DemoWeb() as other:
        assert other.secret != web.secret
        assert demoproof.prove(other.url, web.secret) is not None


@pytest.mark.parametrize("query", ["", "?challenge=zz", "?challenge=00", "?challenge=" + "0" * 66])
def test_malformed_challenges_get_400(web: DemoWeb, query: str) -> None:
    conn = http.client.HTTPConnection("127.0.0.1", web.port, timeout=5)
    conn.request("GET", f"http://{handshake.HANDSHAKE_HOST}/prove{query}")
    assert conn.getresponse().status == 400
    conn.close()


def test_a_proxy_that_is_not_the_demo_web_cannot_answer() -> None:
    def fake(host: str, path: str) -> tuple[int, dict[str, str], bytes]:
        return 200, {}, b"0" * 64  # a plausible-looking answer

    with counting_server(fake) as proxy:
        why = demoproof.prove(f"http://127.0.0.1:{proxy.port}", secrets.token_bytes(32))
        assert why is not None
        assert "not this demo web" in why
        assert [h for h, _ in proxy.requests] == [handshake.HANDSHAKE_HOST]


def test_demo_names_are_demo_hosts_only_through_the_proven_proxy(
    web: DemoWeb, tmp_path: Path
) -> None:
    def config(**kw: object) -> CrawlConfig:
        return CrawlConfig(
            seeds=["http://pixgram.com/"],
            out_dir=Path(),
            mode="reproduce",
            demo_hosts=HOST_PATTERNS,
            **kw,  # type: ignore[arg-type]
        )

    key = tmp_path / "demoweb.key"
    handshake.write_key(key, web.url, web.secret)
    forged = tmp_path / "forged.key"
    handshake.write_key(forged, web.url, b"x" * 32)
    proven = config(proxy=web.url, demo_key_file=key)
    assert proven.is_demo_host("pixgram.com")
    proven.validate()
    for kw, why in [
        ({}, "no proxy"),
        ({"proxy": web.url}, "no demo web key"),
        ({"proxy": web.url, "demo_key_file": forged}, "not this"),
        ({"proxy": web.url, "demo_key_file": tmp_path / "none.key"}, "cannot be read"),
        ({"proxy": "http://127.0.0.1:9", "demo_key_file": key}, "is not the demo web's"),
    ]:
        refused = config(**kw)
        assert not refused.is_demo_host("pixgram.com")
        assert why in refused.prove_demo_web()


def test_the_key_file_is_private_and_read_back(tmp_path: Path, web: DemoWeb) -> None:
    path = tmp_path / "k" / "demoweb.key"
    handshake.write_key(path, web.url, web.secret)
    assert path.stat().st_mode & 0o077 == 0
    assert demoproof.read_key(path) == demoproof.DemoKey(web.url, web.secret)
    path.write_text("{}")
    with pytest.raises(ValueError, match="not a key file"):
        demoproof.read_key(path)
