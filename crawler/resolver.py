"""Name resolution that the address guard decides on, and that connections use: once.

A check that resolves a name and a connection that resolves it again can be told two
different answers (DNS rebinding: a public address for the check, 127.0.0.1 for the
connection). So there is one lookup per host per process: :class:`AddressBook` resolves,
refuses the host if any address it was given is not globally routable, and pins the
addresses it checked; :class:`GuardedResolver`, installed as the reactor's name resolver
(Scrapy's ``TWISTED_DNS_RESOLVER`` hook), hands Twisted's connection endpoints only those
pinned addresses. A name the guard has not seen is resolved and checked there, at
connection time. A failed lookup is never pinned: the request fails (closed) and the next
one asks again.

Names are resolved by the system resolver, or by the DNS server named with
``--dns-server`` (dnspython: a maintained resolver that queries exactly the server given,
with no cache of its own).
"""

from __future__ import annotations

import asyncio
import socket
from typing import TYPE_CHECKING, Any

from twisted.internet.address import IPv4Address, IPv6Address
from twisted.internet.interfaces import IHostnameResolver, IHostResolution
from zope.interface import implementer  # type: ignore[import-untyped]

from crawler.netpolicy import (
    HostError,
    address_refusal,
    canonical_host,
    ip_literal,
    local_name_refusal,
    parse_server,
)

if TYPE_CHECKING:
    from collections.abc import Sequence
    from typing import Self

    from twisted.internet.interfaces import IAddress


class Refusal(Exception):
    """A host the guard refuses to connect to; ``dns`` when its name could not be resolved."""

    def __init__(self, reason: str, *, dns: bool = False) -> None:
        super().__init__(reason)
        self.reason = reason
        self.dns = dns


class AddressBook:
    """The process's checked addresses: one lookup per host, pinned for the connection."""

    MAX_PINNED = 100_000

    def __init__(self) -> None:
        self._pinned: dict[str, tuple[str, ...]] = {}
        self._pending: dict[str, asyncio.Future[tuple[str, ...]]] = {}
        self._peers: dict[tuple[str, int], tuple[str, ...]] = {}
        self.dns_server: tuple[str, int] | None = None
        self.proxied = False  # the crawl goes through a proxy: names are the proxy's to resolve
        self.timeout = 10.0
        self.lookups = 0

    def configure(self, *, dns_server: str | None, timeout: float) -> None:
        """Where names are resolved and how long a lookup may take."""
        self.dns_server = parse_server(dns_server) if dns_server else None
        self.timeout = timeout

    def allow_peer(self, url_host: str, port: int) -> tuple[str, ...]:
        """Let connections reach the crawl's proxy (the one loopback peer), at that port only.

        The proxy is the user's choice, so its name is resolved without the global-address
        test; its addresses are remembered so the response's peer can be compared with them.
        """
        host = canonical_host(url_host)
        literal = ip_literal(host)
        if literal is not None:
            addresses: tuple[str, ...] = (str(literal),)
        else:
            infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
            addresses = tuple(dict.fromkeys(str(info[4][0]) for info in infos))
        self._peers[(host, port)] = addresses
        return addresses

    def peer_addresses(self, host: str, port: int) -> tuple[str, ...] | None:
        """The proxy's addresses when (host, port) is an allowed peer."""
        return self._peers.get((host, port))

    def pinned(self, host: str) -> tuple[str, ...] | None:
        """The checked addresses of a canonical host, if it was resolved."""
        return self._pinned.get(host)

    async def resolve(self, host: str) -> tuple[str, ...]:
        """The checked addresses of a canonical host name, resolving it on first use.

        Raises :class:`Refusal` when any address is refused or the lookup fails. Concurrent
        requests for one host share one lookup.
        """
        known = self._pinned.get(host)
        if known is not None:
            return known
        pending = self._pending.get(host)
        if pending is None:
            pending = asyncio.ensure_future(self._lookup_and_check(host))
            self._pending[host] = pending
            pending.add_done_callback(lambda _: self._pending.pop(host, None))
        return await asyncio.shield(pending)

    async def _lookup_and_check(self, host: str) -> tuple[str, ...]:
        loop = asyncio.get_running_loop()
        self.lookups += 1
        try:
            addresses = await asyncio.wait_for(
                loop.run_in_executor(None, self.lookup, host), timeout=self.timeout + 1
            )
        except (OSError, TimeoutError) as err:
            why = str(err) or type(err).__name__
            raise Refusal(f"DNS lookup of {host} failed: {why}", dns=True) from err
        if not addresses:
            raise Refusal(f"DNS lookup of {host} returned no address", dns=True)
        for address in addresses:
            reason = address_refusal(address)
            if reason is not None:
                raise Refusal(f"{host} resolves to a refused {reason}")
        if len(self._pinned) < self.MAX_PINNED:
            self._pinned[host] = addresses
        return addresses

    def lookup(self, host: str) -> tuple[str, ...]:
        """Every address of a name, from the system resolver or the configured DNS server.

        Blocking (runs in a thread). Raises OSError when the name cannot be resolved.
        """
        if self.dns_server is None:
            infos = socket.getaddrinfo(host, None, type=socket.SOCK_STREAM)
            return tuple(dict.fromkeys(str(info[4][0]) for info in infos))
        return _query_server(host, self.dns_server, self.timeout)


def _query_server(host: str, server: tuple[str, int], timeout: float) -> tuple[str, ...]:
    import dns.exception
    import dns.resolver

    resolver = dns.resolver.Resolver(configure=False)
    resolver.nameservers = [server[0]]
    resolver.port = server[1]
    resolver.lifetime = timeout
    resolver.cache = None
    found: list[str] = []
    errors: list[str] = []
    for rdtype in ("A", "AAAA"):
        try:
            answer = resolver.resolve(host, rdtype, search=False, raise_on_no_answer=False)
        except dns.resolver.NXDOMAIN as err:
            raise OSError(f"{host} does not exist ({err})") from err
        except dns.exception.DNSException as err:
            errors.append(f"{rdtype}: {err}")
            continue
        found += [str(rdata) for rdata in answer]
    if errors:
        # a failed A or AAAA query is no answer: the addresses it would have given are unknown
        raise OSError("; ".join(errors))
    return tuple(dict.fromkeys(found))


BOOK = AddressBook()
"""The process's address book: the resolver Twisted uses is process-wide too."""


@implementer(IHostResolution)
class _Resolution:
    def __init__(self, name: str) -> None:
        self.name = name

    def cancel(self) -> None:
        """Lookups run to their end; a cancelled connection ignores the answer."""


def _address(ip: str, port: int) -> IPv4Address | IPv6Address:
    if ":" in ip:
        return IPv6Address("TCP", ip, port)
    return IPv4Address("TCP", ip, port)


@implementer(IHostnameResolver)
class GuardedResolver:
    """The reactor's name resolver: hands connections only addresses the guard checked."""

    def __init__(self, reactor: Any, book: AddressBook = BOOK) -> None:
        self.reactor = reactor
        self.book = book
        self.refused: dict[str, str] = {}

    @classmethod
    def from_crawler(cls, crawler: Any, reactor: Any) -> Self:
        """Scrapy's ``TWISTED_DNS_RESOLVER`` hook."""
        return cls(reactor)

    def install_on_reactor(self) -> None:
        """Make this the resolver of every ``HostnameEndpoint`` (the HTTP handlers' own)."""
        self.reactor.installNameResolver(self)

    def resolveHostName(
        self,
        resolutionReceiver: Any,
        hostName: str,
        portNumber: int = 0,
        addressTypes: Sequence[type[IAddress]] | None = None,
        transportSemantics: str = "TCP",
    ) -> Any:
        """Deliver the checked addresses of a host, or none (the connection then fails)."""
        resolution = _Resolution(hostName)
        resolutionReceiver.resolutionBegan(resolution)

        def deliver(addresses: tuple[str, ...]) -> None:
            for ip in addresses:
                resolutionReceiver.addressResolved(_address(ip, portNumber))
            resolutionReceiver.resolutionComplete()

        try:
            host = canonical_host(hostName)
        except HostError as err:
            self.refused[hostName] = str(err)
            deliver(())
            return resolution
        peer = self.book.peer_addresses(host, portNumber)
        if peer is not None:
            deliver(peer)
            return resolution
        reason = local_name_refusal(host)
        if reason is not None:
            self.refused[host] = reason
            deliver(())
            return resolution
        if ip_literal(host) is not None:
            deliver((host,))
            return resolution
        future = asyncio.ensure_future(self.book.resolve(host))

        def done(fut: asyncio.Future[tuple[str, ...]]) -> None:
            error = fut.exception()
            if error is not None:
                self.refused[host] = str(error)
                deliver(())
            else:
                deliver(fut.result())

        future.add_done_callback(done)
        return resolution


def ensure_installed(reactor: Any) -> None:
    """Install the guarded resolver unless the reactor already has one (idempotent).

    Called before every request: Scrapy installs ``TWISTED_DNS_RESOLVER`` when the process
    starts, which may be after the add-on's components were built, and a project that
    enables the add-on may not have set it.
    """
    if not isinstance(getattr(reactor, "nameResolver", None), GuardedResolver):
        GuardedResolver(reactor).install_on_reactor()
