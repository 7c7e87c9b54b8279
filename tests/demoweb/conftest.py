"""Session fixtures: one real demo web (with a 50,000-image scale web) on a loopback port."""

from __future__ import annotations

import http.client
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

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
    """A tiny client that sends absolute-form requests to the demo web's proxy port."""

    def __init__(self, port: int) -> None:
        self.port = port

    def fetch(self, url: str, method: str = "GET", timeout: float = 10.0) -> Fetched:
        """One request on a fresh connection; redirects are not followed."""
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        try:
            conn.request(method, url, headers={"User-Agent": "provtrack-tests"})
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
    return Proxy(demo.port)


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
