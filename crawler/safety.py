"""Refusing requests a provenance crawler must never send, before they leave.

Link-local, private, loopback and reserved addresses are refused (a page that links to
``169.254.169.254`` is trying to make the crawler fetch cloud metadata); the crawl's proxy is
the only loopback peer, and it is reached as a proxy, never as a target. Without a proxy the
host name is resolved first and every address it resolves to is checked. Reproduce mode is
refused, request by request, for hosts that are neither on the demo web nor allowed.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from typing import TYPE_CHECKING

from scrapy.exceptions import IgnoreRequest

from crawler.config import host_of
from crawler.context import get_context
from provenance.vocab import CrawlMode

if TYPE_CHECKING:
    from typing import Self

    from scrapy import Request, Spider
    from scrapy.crawler import Crawler


class RefusedAddress(IgnoreRequest):
    """The request targets an address provtrack refuses (private, link-local, reserved)."""


class RefusedHost(IgnoreRequest):
    """Reproduce mode was asked to touch a host that nobody allowed."""


def refused_reason(address: str) -> str | None:
    """Why an IP address is refused, or None when it is a public address."""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return None
    for label, test in (
        ("link-local", ip.is_link_local),
        ("loopback", ip.is_loopback),
        ("private", ip.is_private),
        ("reserved", ip.is_reserved),
        ("multicast", ip.is_multicast),
        ("unspecified", ip.is_unspecified),
    ):
        if test:
            return f"{label} address {address}"
    return None


class AddressGuardMiddleware:
    """Downloader middleware: route through the proxy and refuse forbidden targets."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.ctx = get_context(crawler)
        self._resolved: dict[str, str | None] = {}

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler)

    async def _check_resolved(self, host: str) -> str | None:
        if host in self._resolved:
            return self._resolved[host]
        loop = asyncio.get_running_loop()
        reason: str | None = None
        try:
            infos = await loop.getaddrinfo(host, None, type=socket.SOCK_STREAM)
        except OSError:
            infos = []  # the download itself will fail and be recorded with its reason
        for info in infos:
            reason = refused_reason(str(info[4][0]))
            if reason:
                break
        self._resolved[host] = reason
        return reason

    async def process_request(self, request: Request, spider: Spider | None = None) -> None:
        config = self.ctx.config
        host = host_of(request.url)
        reason = refused_reason(host.strip("[]"))
        if reason is None and not config.proxy:
            reason = await self._check_resolved(host)
        if reason is not None:
            self.crawler.stats.inc_value("provtrack/refused/address")
            raise RefusedAddress(f"refused {reason}")
        if config.mode == CrawlMode.REPRODUCE and not config.may_reproduce(host):
            self.crawler.stats.inc_value("provtrack/refused/host")
            raise RefusedHost(f"reproduce mode is not allowed on {host}")
        if config.proxy and request.url.startswith("http"):
            request.meta.setdefault("proxy", config.proxy)
