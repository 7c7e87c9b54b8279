"""The address guard for chromium when the crawl has no proxy: a forward proxy on loopback.

Without ``--proxy``, chromium would resolve every name a rendered page uses (its scripts,
styles, XHR, WebSockets, service workers) by itself: a name the guard checked once could
answer 127.0.0.1 the second time (DNS rebinding), and requests Playwright's route hook never
sees (WebSockets, a service worker's) would not be checked at all. So chromium is given this
proxy instead, and Playwright sends even loopback through it (``<-loopback>``): every request
the browser makes arrives here as ``CONNECT host:port`` or an absolute ``http://`` URL, the
host is canonicalised and checked by the same rules as Scrapy's requests
(:func:`crawler.netpolicy.local_name_refusal`, then :class:`crawler.resolver.AddressBook`:
one lookup per host, pinned), and the connection goes to an address that was checked, never
to a second lookup. A refused host gets ``403`` and nothing leaves the machine.

The listening socket is bound when the crawl's settings are built (chromium's launch options
need its port) and served from the first rendered request on, in the crawl's event loop.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
from urllib.parse import urlsplit

from crawler.netpolicy import HostError, canonical_host, ip_literal, local_name_refusal
from crawler.resolver import BOOK, AddressBook, Refusal

log = logging.getLogger(__name__)

MAX_HEAD = 64 * 1024
HEAD_TIMEOUT = 30.0
HOP_HEADERS = frozenset(
    {b"proxy-connection", b"proxy-authorization", b"connection", b"keep-alive", b"te"}
)


class BrowserGuard:
    """A loopback forward proxy that connects chromium only to addresses the guard checked."""

    def __init__(self, book: AddressBook = BOOK) -> None:
        self.book = book
        self._sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._sock.bind(("127.0.0.1", 0))
        self._sock.listen(128)
        self._sock.setblocking(False)
        self.port: int = self._sock.getsockname()[1]
        self._server: asyncio.Server | None = None
        self.refused: list[tuple[str, str]] = []  # (host as asked, reason), the last 1000
        self._seen: set[str] = set()
        self.forwarded = 0

    @property
    def url(self) -> str:
        """The proxy URL chromium is launched with."""
        return f"http://127.0.0.1:{self.port}"

    async def serve(self) -> None:
        """Start accepting in the running event loop (idempotent)."""
        if self._server is None:
            self._server = await asyncio.start_server(self._handle, sock=self._sock, limit=MAX_HEAD)

    async def check(self, raw_host: str) -> tuple[tuple[str, ...], str | None]:
        """The addresses a host may be reached at, or a refusal's reason."""
        reason = local_name_refusal(raw_host)
        if reason is not None:
            return (), reason
        try:
            host = canonical_host(raw_host)
        except HostError as err:  # local_name_refusal refuses these too: belt and braces
            return (), str(err)
        if ip_literal(host) is not None:
            return (host,), None  # a literal local_name_refusal let through is global
        try:
            return await self.book.resolve(host), None
        except Refusal as refusal:
            return (), refusal.reason

    def _refuse(self, host: str, reason: str) -> None:
        """Log the first refusal of each host (a hostile page may ask thousands of times)."""
        if host not in self._seen:
            if len(self._seen) < 10_000:
                self._seen.add(host)
            log.info("browser request to %s refused: %s", host, reason)
        self.refused.append((host, reason))
        del self.refused[:-1000]

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            await self._proxy(reader, writer)
        except Exception as err:  # hostile or broken input never takes the crawl down
            log.debug("browser guard connection failed: %s", err)
        finally:
            writer.close()

    async def _proxy(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), HEAD_TIMEOUT)
        except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, TimeoutError):
            return
        line, _, headers = head.partition(b"\r\n")
        parts = line.decode("latin-1").split(" ")
        if len(parts) != 3:
            await _reply(writer, 400, "Bad Request")
            return
        method, target, version = parts
        target_host, port, forward = _target(method, target, version, headers)
        if target_host is None:
            await _reply(writer, 400, "Bad Request")
            return
        addresses, reason = await self.check(target_host)
        if reason is not None:
            self._refuse(target_host, reason)
            await _reply(writer, 403, "Forbidden", f"provtrack refused {reason}")
            return
        upstream = await _open(addresses, port, self.book.timeout)
        if upstream is None:
            await _reply(writer, 502, "Bad Gateway")
            return
        up_reader, up_writer = upstream
        self.forwarded += 1
        if forward is None:  # CONNECT: a tunnel (TLS, WebSocket over TLS) end to end
            writer.write(b"HTTP/1.1 200 Connection established\r\n\r\n")
        else:
            up_writer.write(forward)
        try:
            await _splice(reader, writer, up_reader, up_writer)
        finally:
            up_writer.close()


def _target(
    method: str, target: str, version: str, headers: bytes
) -> tuple[str | None, int, bytes | None]:
    """(host, port, the request to send upstream; None for a tunnel) of a proxy request."""
    if method == "CONNECT":
        host, sep, digits = target.rpartition(":")
        if not sep or not digits.isdigit() or not 0 < int(digits) < 65536:
            return None, 0, None
        return host.strip("[]") or None, int(digits), None
    try:
        parts = urlsplit(target)
        port = parts.port or 80
    except ValueError:
        return None, 0, None
    if parts.scheme != "http" or not parts.hostname:
        return None, 0, None
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    kept = [
        h
        for h in headers.split(b"\r\n")
        if h and h.split(b":", 1)[0].strip().lower() not in HOP_HEADERS
    ]
    request = b"\r\n".join(
        [f"{method} {path} {version}".encode("latin-1"), *kept, b"Connection: close", b"", b""]
    )
    return parts.hostname, port, request


async def _open(
    addresses: tuple[str, ...], port: int, timeout: float
) -> tuple[asyncio.StreamReader, asyncio.StreamWriter] | None:
    """A connection to the first checked address that answers (never a new lookup)."""
    for address in addresses:
        with contextlib.suppress(OSError, TimeoutError):
            return await asyncio.wait_for(asyncio.open_connection(address, port), timeout)
    return None


async def _reply(writer: asyncio.StreamWriter, status: int, phrase: str, body: str = "") -> None:
    data = body.encode()
    writer.write(
        f"HTTP/1.1 {status} {phrase}\r\nContent-Type: text/plain\r\n"
        f"Content-Length: {len(data)}\r\nConnection: close\r\n\r\n".encode()
        + data
    )
    with contextlib.suppress(ConnectionError):
        await writer.drain()


async def _pump(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    with contextlib.suppress(ConnectionError, OSError):
        while data := await reader.read(65536):
            writer.write(data)
            await writer.drain()


async def _splice(
    reader: asyncio.StreamReader,
    writer: asyncio.StreamWriter,
    up_reader: asyncio.StreamReader,
    up_writer: asyncio.StreamWriter,
) -> None:
    """Copy both ways until either side ends."""
    tasks = [
        asyncio.ensure_future(_pump(reader, up_writer)),
        asyncio.ensure_future(_pump(up_reader, writer)),
    ]
    _, pending = await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
    for task in pending:
        task.cancel()
    with contextlib.suppress(ConnectionError):
        await writer.drain()


_GUARD: BrowserGuard | None = None


def browser_guard() -> BrowserGuard:
    """The process's browser guard (one listening socket, made on first use)."""
    global _GUARD
    if _GUARD is None:
        _GUARD = BrowserGuard()
    return _GUARD


def active_guard() -> BrowserGuard | None:
    """The browser guard, if this process launched chromium through it."""
    return _GUARD
