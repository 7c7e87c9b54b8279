"""Refusing requests a provenance crawler must never send, before they leave and after.

Every host is put in one canonical spelling first (:mod:`crawler.netpolicy`): ``127.1``,
``2130706433``, ``0x7f000001``, ``[::ffff:7f00:1]`` and ``127.0.0.1.`` are all 127.0.0.1.
Names that name this machine (``localhost``, ``*.localhost``) and literal addresses that are
not globally routable are refused with or without a proxy: a proxy on this machine would
resolve them to itself. Without a proxy the name is resolved once (:mod:`crawler.resolver`),
refused if any address it has is refused, and the connection is made to the addresses that
were checked; after the download, the address the response actually came from is checked
again (:class:`PeerCheckMiddleware`), before anything is archived. Reproduce mode is refused,
request by request, for hosts that are neither the demo web (proven by its handshake) nor
allowed. Every refusal is an exception the spider records with its reason.
"""

from __future__ import annotations

import ipaddress
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from scrapy.exceptions import IgnoreRequest

from crawler.browserguard import active_guard
from crawler.context import Component
from crawler.netpolicy import (
    HostError,
    address_refusal,
    canonical_host,
    ip_literal,
    local_name_refusal,
)
from crawler.resolver import BOOK, Refusal, ensure_installed
from provenance.vocab import CrawlMode

if TYPE_CHECKING:
    from scrapy import Request, Spider
    from scrapy.crawler import Crawler
    from scrapy.http import Response

    from crawler.config import CrawlConfig

NAME_CHECKS_KEPT = 4096  # hosts whose name check the address guard remembers

RESOLVER = "crawler.resolver.GuardedResolver"
"""Scrapy's ``TWISTED_DNS_RESOLVER`` for a provtrack crawl (the runner and add-on set it)."""


class RefusedAddress(IgnoreRequest):
    """The request targets an address provtrack refuses (private, link-local, reserved)."""


class UnresolvedHost(IgnoreRequest):
    """The request's host name could not be resolved: nothing is known, nothing is sent."""


class RefusedHost(IgnoreRequest):
    """Reproduce mode was asked to touch a host that nobody allowed."""


def _proxy_peer(proxy: str) -> tuple[str, int]:
    parts = urlsplit(proxy if "://" in proxy else f"http://{proxy}")
    if not parts.hostname:
        raise ValueError(f"proxy {proxy!r} names no host")
    return parts.hostname, parts.port or (443 if parts.scheme == "https" else 80)


async def resolve_or_refuse(crawler: Crawler, host: str) -> None:
    """Resolve a canonical host through the address book; refuse it as a recorded failure."""
    try:
        await BOOK.resolve(host)
    except Refusal as refusal:
        if refusal.dns:
            crawler.stats.inc_value("provtrack/refused/dns")
            raise UnresolvedHost(refusal.reason) from refusal
        crawler.stats.inc_value("provtrack/refused/address")
        raise RefusedAddress(f"refused {refusal.reason}") from refusal


def resolves_late(config: CrawlConfig) -> bool:
    """Whether names are resolved only next to the downloader, after the archive replay.

    An archive audit answers requests from the archive (which reaches no network); only what
    it lacks goes live (``--fetch-missing``), and only that is resolved and checked."""
    return bool(config.audit is not None and config.audit.archives)


class AddressGuardMiddleware(Component):
    """Downloader middleware: route through the proxy and refuse forbidden targets."""

    def __init__(self, crawler: Crawler) -> None:
        super().__init__(crawler)
        config = self.ctx.config
        timeout = min(crawler.settings.getfloat("DNS_TIMEOUT", 60), config.download_timeout)
        BOOK.configure(dns_server=config.dns_server, timeout=timeout)
        self.proxy: tuple[str, int] | None = None
        BOOK.proxied = bool(config.proxy)
        if config.proxy:
            self.proxy = _proxy_peer(config.proxy)
            BOOK.allow_peer(*self.proxy)
        # host as spelled in a URL -> (refusal, canonical host): the same few hosts come
        # back with every request, and the answer needs no lookup (bounded: an audit of a
        # dataset may name millions of hosts)
        self._names: dict[str, tuple[str | None, str]] = {}

    def _name_check(self, raw: str) -> tuple[str | None, str]:
        """:func:`local_name_refusal` and the canonical host of a URL's host, remembered."""
        known = self._names.get(raw)
        if known is None:
            reason = local_name_refusal(raw)
            # readable when local_name_refusal refuses nothing (it refuses what is not)
            known = (reason, raw if reason is not None else canonical_host(raw))
            if len(self._names) >= NAME_CHECKS_KEPT:
                self._names.clear()
            self._names[raw] = known
        return known

    def _refuse(self, reason: str) -> RefusedAddress:
        self.crawler.stats.inc_value("provtrack/refused/address")
        return RefusedAddress(f"refused {reason}")

    async def process_request(self, request: Request, spider: Spider | None = None) -> None:
        from twisted.internet import reactor

        ensure_installed(reactor)
        config = self.ctx.config
        reason, host = self._name_check(urlsplit(request.url).hostname or "")
        if reason is not None:
            raise self._refuse(reason)
        if not config.proxy and request.url.startswith("http") and not resolves_late(config):
            await resolve_or_refuse(self.crawler, host)
        if config.mode == CrawlMode.REPRODUCE and not config.may_reproduce(host):
            self.crawler.stats.inc_value("provtrack/refused/host")
            raise RefusedHost(f"reproduce mode is not allowed on {host}")
        if config.proxy and request.url.startswith("http"):
            request.meta.setdefault("proxy", config.proxy)


def _rendered_host_refusal(url: str) -> str | None:
    """A page chromium fetched through the browser guard: its host must have been checked
    (pinned by the guard's one lookup, or a global literal)."""
    raw = urlsplit(url).hostname or ""
    reason = local_name_refusal(raw)
    if reason is not None:
        return reason
    host = canonical_host(raw)
    if ip_literal(host) is None and BOOK.pinned(host) is None:
        return f"{host} was rendered without the guard checking its address"
    return None


class PeerCheckMiddleware(Component):
    """Downloader middleware next to the downloader: the address a response came from.

    It runs before the WARC capture, so a response from a refused peer is never archived.
    Through a proxy the peer must be the proxy; without one it must be an address the guard
    checked for the host. Responses read from an audited archive have no peer. In an archive
    audit, the requests the archive could not answer are resolved here (:func:`resolves_late`).
    """

    def __init__(self, crawler: Crawler) -> None:
        super().__init__(crawler)
        self.late = resolves_late(self.ctx.config) and not self.ctx.config.proxy

    async def process_request(self, request: Request, spider: Spider | None = None) -> None:
        if self.late and request.url.startswith("http"):
            host = canonical_host(urlsplit(request.url).hostname or "")
            await resolve_or_refuse(self.crawler, host)

    def _why(self, request: Request, response: Response) -> str | None:
        peer = response.ip_address
        if peer is None:
            read_from = str(request.meta.get("provtrack_read_from") or "")
            return None if read_from.startswith("archive ") else "a response with no peer address"
        ip = str(ipaddress.ip_address(peer))
        proxy = request.meta.get("proxy")
        if request.meta.get("playwright") and not proxy and active_guard() is not None:
            # chromium's peer is the browser guard, which connected to a checked address
            if ip != "127.0.0.1":
                return f"a rendered response from {ip}, which is not the browser guard"
            return _rendered_host_refusal(response.url)
        if proxy:
            try:
                host, port = _proxy_peer(str(proxy))
                allowed = BOOK.peer_addresses(canonical_host(host), port)
            except (ValueError, HostError):
                allowed = None
            if allowed is None or ip not in allowed:
                return f"a response from {ip}, which is not the crawl's proxy"
            return None
        try:
            host = canonical_host(urlsplit(response.url).hostname or "")
        except HostError as err:
            return str(err)
        pinned = BOOK.pinned(host) or ((host,) if host == ip else ())
        reason = address_refusal(ip)
        if reason is not None:
            return f"{host} was served from a refused {reason}"
        if ip not in pinned:
            return f"{host} was served from {ip}, an address the guard did not check"
        return None

    def process_response(
        self, request: Request, response: Response, spider: Spider | None = None
    ) -> Response:
        reason = self._why(request, response)
        if reason is not None:
            self.crawler.stats.inc_value("provtrack/refused/peer")
            raise RefusedAddress(f"refused {reason}")
        return response
