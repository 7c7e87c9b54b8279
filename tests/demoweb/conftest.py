"""Session fixtures: one real demo web (with a 50,000-image scale web) on a loopback port."""

from __future__ import annotations

import http.client
import ssl
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import pytest

from demoweb.server import DemoWeb

SCALE = 50_000


@dataclass
class Fetched:
    """One HTTP exchange through the proxy."""

    status: int
    headers: http.client.HTTPMessage
    body: bytes


class Proxy:
    """A tiny client of the demo web's proxy port: absolute-form requests for ``http://``
    URLs, a CONNECT tunnel with TLS verified against the demo web's CA for ``https://``."""

    def __init__(self, port: int, ca_pem: bytes | None = None) -> None:
        self.port = port
        self.ca_pem = ca_pem

    def fetch(self, url: str, method: str = "GET", timeout: float = 10.0) -> Fetched:
        """One request on a fresh connection; redirects are not followed."""
        parts = urlsplit(url)
        conn: http.client.HTTPConnection
        if parts.scheme == "https":
            context = ssl.create_default_context(cadata=(self.ca_pem or b"").decode())
            conn = http.client.HTTPSConnection(
                "127.0.0.1", self.port, timeout=timeout, context=context
            )
            conn.set_tunnel(parts.hostname or "", 443)
            target = parts.path + (f"?{parts.query}" if parts.query else "")
        else:
            conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
            target = url
        try:
            conn.request(method, target, headers={"User-Agent": "provtrack-tests"})
            response = conn.getresponse()
            return Fetched(response.status, response.headers, response.read())
        finally:
            conn.close()


@pytest.fixture(scope="session")
def demo() -> Iterator[DemoWeb]:
    with DemoWeb(scale=SCALE) as web:
        yield web


@pytest.fixture(scope="session")
def proxy(demo: DemoWeb) -> Proxy:
    return Proxy(demo.port, demo.ca.ca_pem)


@pytest.fixture(scope="session")
def manifest(demo: DemoWeb) -> dict[str, Any]:
    return demo.manifest()


@pytest.fixture(scope="session")
def images(manifest: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {i["url"]: i for i in manifest["images"]}


@pytest.fixture(scope="session")
def pages(manifest: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {p["url"]: p for p in manifest["pages"]}


@pytest.fixture(scope="session")
def hosts(manifest: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {h["host"]: h for h in manifest["hosts"]}
