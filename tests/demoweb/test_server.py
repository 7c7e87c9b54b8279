"""The proxy over real sockets: status codes, routing, keep-alive, HEAD, CONNECT, slow robots."""

from __future__ import annotations

import codecs
import gzip
import hashlib
import http.client
import socket
import ssl
import threading
import time
import urllib.error
import urllib.request
from typing import Any

import pytest
from cryptography import x509

from demoweb.server import DemoWeb

from .conftest import Proxy


def _raw(port: int, request: bytes, timeout: float = 5.0) -> bytes:
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
        sock.sendall(request)
        chunks = []
        while True:
            data = sock.recv(65536)
            if not data:
                return b"".join(chunks)
            chunks.append(data)


def test_every_page_status_as_the_manifest_says(proxy: Proxy, manifest: dict[str, Any]) -> None:
    for page in manifest["pages"]:
        got = proxy.fetch(page["url"])
        assert got.status == page["status"], page["url"]
        assert got.headers["Content-Type"] == page["content_type"], page["url"]
        for name, value in page["headers"].items():
            assert got.headers[name] == value, (page["url"], name)


def test_every_served_image_and_resource_status(proxy: Proxy, manifest: dict[str, Any]) -> None:
    for entry in manifest["images"] + manifest["resources"]:
        if entry["status"] is None:
            continue  # the link-local URL is never served
        got = proxy.fetch(entry["url"], method="HEAD")
        assert got.status == entry["status"], entry["url"]
        assert got.headers["Content-Type"] == entry["content_type"], entry["url"]
        assert got.body == b""


def _robots_text(body: bytes, encoding: str) -> str:
    if encoding == "gzip":
        return gzip.decompress(body).decode()
    if encoding == "utf-8-bom":
        assert body.startswith(codecs.BOM_UTF8)
        return body[3:].decode()
    if encoding.startswith("utf-16"):
        bom = codecs.BOM_UTF16_LE if encoding == "utf-16-le" else codecs.BOM_UTF16_BE
        assert body.startswith(bom)
        return body[2:].decode(encoding)
    return body.decode()


def test_policy_files(proxy: Proxy, hosts: dict[str, dict[str, Any]]) -> None:
    for name, host in hosts.items():
        robots = host["robots"]
        if robots["status"] == "timeout":
            continue
        for hop in robots["redirects"]:
            got = proxy.fetch(hop["url"])
            assert (got.status, got.headers["Location"]) == (hop["status"], hop["location"]), name
        if robots["gives_up"]:
            continue
        got = proxy.fetch(robots["final_url"])
        if robots["first_status"] is not None and got.status == robots["first_status"]:
            got = proxy.fetch(robots["final_url"])  # refused once in the server's life, then served
        assert got.status == robots["status"], name
        if robots["body"] is not None:
            assert _robots_text(got.body, robots["encoding"]).startswith(robots["body"]), name
            assert len(got.body) == robots["size"], name
        for key in ("ai_txt", "tdmrep"):
            assert proxy.fetch(host[key]["url"]).status == host[key]["status"], (name, key)
    assert proxy.fetch("http://flaky-robots.net/robots.txt").status == 503
    assert proxy.fetch("http://paylink.com/robots.txt").status == 404
    assert proxy.fetch("http://pixgram.com/no-such-page").status == 404


def test_hosts_outside_the_demo_web_get_502(proxy: Proxy) -> None:
    for url in (
        "http://example.com/",
        "http://www.google.com/robots.txt",
        "http://169.254.169.254/latest/meta-data/",
    ):
        got = proxy.fetch(url)
        assert got.status == 502, url
        assert got.headers["Content-Type"].startswith("text/plain")
        assert b"not on the demo web" in got.body


def test_connect_to_other_hosts_and_ports_gets_502(demo: DemoWeb) -> None:
    for target in (b"facebook.com:443", b"pixgram.com:8443", b"pixgram.com:80"):
        reply = _raw(
            demo.port, b"CONNECT " + target + b" HTTP/1.1\r\nHost: " + target + b"\r\n\r\n"
        )
        assert reply.startswith(b"HTTP/1.1 502 "), target


def test_https_through_connect_with_a_leaf_per_host(demo: DemoWeb) -> None:
    """CONNECT host:443 then real TLS: the leaf names the host, chains to the CA made at start,
    and a client that does not trust that CA refuses the handshake."""
    trusting = ssl.create_default_context(cadata=demo.ca.ca_pem.decode())
    for host in ("www.lumen-social.com", "media.lumencdn.net", "pixgram.com"):
        conn = http.client.HTTPSConnection("127.0.0.1", demo.port, timeout=10, context=trusting)
        conn.set_tunnel(host, 443)
        conn.request("GET", "/robots.txt")
        assert conn.getresponse().status == 200, host
        assert conn.sock is not None
        der = conn.sock.getpeercert(binary_form=True)
        assert der is not None
        cert = x509.load_der_x509_certificate(der)
        names = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
        assert names.get_values_for_type(x509.DNSName) == [host]
        assert cert.issuer == demo.ca.ca_cert.subject
        assert demo.ca.certificate_facts(host)["sha256"] == hashlib.sha256(der).hexdigest()
        conn.close()
    stranger = ssl.create_default_context()  # the platform's roots only
    conn = http.client.HTTPSConnection("127.0.0.1", demo.port, timeout=10, context=stranger)
    conn.set_tunnel("www.lumen-social.com", 443)
    with pytest.raises(ssl.SSLCertVerificationError):
        conn.request("GET", "/")
    conn.close()


def test_https_hosts_redirect_http_and_the_apex(proxy: Proxy) -> None:
    chain = [
        ("http://lumen-social.com/robots.txt", 301, "https://lumen-social.com/robots.txt"),
        ("https://lumen-social.com/robots.txt", 301, "https://www.lumen-social.com/robots.txt"),
        ("http://www.lumen-social.com/p/ana-lake", 301, "https://www.lumen-social.com/p/ana-lake"),
        ("http://media.lumencdn.net/robots.txt", 301, "https://media.lumencdn.net/robots.txt"),
    ]
    for url, status, location in chain:
        got = proxy.fetch(url)
        assert (got.status, got.headers["Location"]) == (status, location), url
    assert proxy.fetch("https://www.lumen-social.com/robots.txt").status == 200
    # an HTTP host serves the same routes over HTTPS (as most real sites do)
    assert proxy.fetch("https://pixgram.com/robots.txt").body == (
        proxy.fetch("http://pixgram.com/robots.txt").body
    )


def test_origin_form_with_a_demo_host_header(demo: DemoWeb) -> None:
    reply = _raw(
        demo.port,
        b"GET /robots.txt HTTP/1.1\r\nHost: commonsgallery.org\r\nConnection: close\r\n\r\n",
    )
    assert reply.startswith(b"HTTP/1.1 200 ")
    assert b"Content-Signal: search=yes, ai-train=yes" in reply
    unknown = _raw(demo.port, b"GET / HTTP/1.1\r\nHost: elsewhere.org\r\nConnection: close\r\n\r\n")
    assert unknown.startswith(b"HTTP/1.1 502 ")


def test_other_methods_are_refused(proxy: Proxy) -> None:
    got = proxy.fetch("http://pixgram.com/", method="POST")
    assert got.status == 405
    assert got.headers["Allow"] == "GET, HEAD"


def test_keep_alive_serves_many_requests_on_one_connection(demo: DemoWeb) -> None:
    request = b"GET http://pixgram.com/robots.txt HTTP/1.1\r\nHost: pixgram.com\r\n\r\n"
    with socket.create_connection(("127.0.0.1", demo.port), timeout=5) as sock:
        stream = sock.makefile("rb")
        for _ in range(5):
            sock.sendall(request)
            assert stream.readline().startswith(b"HTTP/1.1 200 ")
            length = 0
            while (line := stream.readline()) != b"\r\n":
                if line.lower().startswith(b"content-length:"):
                    length = int(line.split(b":")[1])
                assert not line.lower().startswith(b"connection: close")
            assert b"Disallow: /raw/" in stream.read(length)


def test_urllib_through_the_proxy_handler(demo: DemoWeb) -> None:
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({"http": demo.url}))
    with opener.open("http://nouvelles-mtl.ca/.well-known/tdmrep.json", timeout=5) as resp:
        assert resp.status == 200
        assert b'"tdm-reservation": 1' in resp.read()
    with pytest.raises(urllib.error.HTTPError) as err:
        opener.open("http://example.org/", timeout=5)
    assert err.value.code == 502


def test_redirect_loops(proxy: Proxy) -> None:
    a = proxy.fetch("http://broken-media.net/loop/a")
    assert (a.status, a.headers["Location"]) == (302, "http://broken-media.net/loop/b")
    b = proxy.fetch(a.headers["Location"])
    assert (b.status, b.headers["Location"]) == (302, "http://broken-media.net/loop/a")
    img = proxy.fetch("http://broken-media.net/img/loop-a.jpg")
    back = proxy.fetch(img.headers["Location"])
    assert back.headers["Location"] == "http://broken-media.net/img/loop-a.jpg"


def test_slow_robots_hangs_without_blocking_others(proxy: Proxy) -> None:
    results: list[BaseException] = []

    def hang() -> None:
        try:
            proxy.fetch("http://slow-robots.net/robots.txt", timeout=1.0)
        except OSError as err:  # socket.timeout is an OSError
            results.append(err)

    started = time.monotonic()
    waiters = [threading.Thread(target=hang) for _ in range(3)]
    for w in waiters:
        w.start()
    # While three connections hang, other requests (slow-robots' own pages too) are served.
    assert proxy.fetch("http://slow-robots.net/").status == 200
    assert proxy.fetch("http://pixgram.com/").status == 200
    for w in waiters:
        w.join()
    assert len(results) == 3
    assert all(isinstance(e, TimeoutError) for e in results)
    assert time.monotonic() - started < 5


def test_a_second_server_gets_its_own_port_and_stops_cleanly() -> None:
    with DemoWeb() as one:
        assert one.url == f"http://127.0.0.1:{one.port}"
        # A connection held open by the slow robots.txt must not keep stop() waiting.
        sock = socket.create_connection(("127.0.0.1", one.port))
        sock.sendall(b"GET http://slow-robots.net/robots.txt HTTP/1.1\r\nHost: x\r\n\r\n")
        time.sleep(0.1)
        started = time.monotonic()
    assert time.monotonic() - started < 5
    sock.settimeout(5)
    assert sock.recv(10) == b""  # closed by the server, no answer
    sock.close()


def test_malformed_requests_get_400_and_a_closed_connection(demo: DemoWeb) -> None:
    assert _raw(demo.port, b"HELLO\r\n\r\n").startswith(b"HTTP/1.1 400 ")
    chunked = _raw(
        demo.port,
        b"GET http://pixgram.com/ HTTP/1.1\r\nHost: pixgram.com\r\n"
        b"Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
    )
    assert chunked.startswith(b"HTTP/1.1 400 ")


def test_robots_soft_404_and_first_request_refused(proxy: Proxy) -> None:
    soft = proxy.fetch("http://softpage-robots.net/robots.txt")
    assert soft.status == 200
    assert soft.headers["Content-Type"].startswith("text/html")
    assert b"find that page" in soft.body
    assert b"Disallow" not in soft.body


def test_gated_robots_refuses_only_its_first_request() -> None:
    """A server of its own: "first" is counted over the server's life, whatever the scheme."""
    with DemoWeb() as web:
        client = Proxy(web.port, web.ca.ca_pem)
        first = client.fetch("http://gated-robots.net/robots.txt")
        assert first.status == 403
        for url in ("http://gated-robots.net/robots.txt", "https://gated-robots.net/robots.txt"):
            later = client.fetch(url)
            assert later.status == 200, url
            assert b"Disallow: /members/" in later.body
        assert client.fetch("http://gated-robots.net/").status == 200
