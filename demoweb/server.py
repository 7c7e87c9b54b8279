"""The demo web on loopback: an asyncio HTTP/1.1 forward proxy that answers for the demo hosts.

Clients use it as their HTTP proxy (``http://127.0.0.1:PORT``), so URLs look real
(``http://maplebook.ca/u/emma.tremblay``) while nothing leaves the machine. Absolute-form
request lines (``GET http://host/path HTTP/1.1``, what Scrapy and Chromium send to a proxy)
and origin-form lines with a demo ``Host`` header are both served. HTTPS is a ``CONNECT
host:443`` tunnel: the proxy itself answers the TLS handshake with a certificate for that host
signed by the demo web's CA (:mod:`demoweb.tls`, made at start), then serves the same routes
over it. Any other host, and CONNECT to another port, gets a 502: there is no upstream.
Connections are kept alive.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import signal
import socket
import ssl
import threading
import time
from email.utils import formatdate
from pathlib import Path
from types import FrameType, TracebackType
from typing import Any
from urllib.parse import parse_qs, urlsplit

from demoweb.handshake import HANDSHAKE_HOST, HANDSHAKE_PATH, answer, new_secret, write_key
from demoweb.spec import Response, Web, build_web
from demoweb.tls import DemoCA

SLOW_ROBOTS_HOLD = 120.0
"""Seconds the slow robots.txt holds its connection before closing it without an answer."""

MAX_HEAD = 64 * 1024
MAX_BODY = 1024 * 1024
"""Request bodies are read and discarded (only GET and HEAD are served); larger ones refused."""

_REASONS = {
    200: "OK",
    301: "Moved Permanently",
    302: "Found",
    303: "See Other",
    307: "Temporary Redirect",
    308: "Permanent Redirect",
    400: "Bad Request",
    403: "Forbidden",
    404: "Not Found",
    405: "Method Not Allowed",
    502: "Bad Gateway",
    503: "Service Unavailable",
}


def _error(status: int, text: str, extra: tuple[tuple[str, str], ...] = ()) -> Response:
    return Response(status, (("Content-Type", "text/plain; charset=utf-8"), *extra), text.encode())


class _Clock:
    """The Date header, formatted once per second rather than once per response."""

    def __init__(self) -> None:
        self._second = -1
        self._value = b""

    def now(self) -> bytes:
        second = int(time.time())
        if second != self._second:
            self._second = second
            self._value = formatdate(second, usegmt=True).encode()
        return self._value


class DemoWeb:
    """The demo web served by a proxy on a background thread.

    ``start()`` returns once the socket is listening; ``url`` is then the proxy URL. Use it
    as a context manager to be sure ``stop()`` runs. ``scale`` adds that many procedural
    images on bulk hosts (generated per request, not held in memory). ``secret`` is what
    the proxy proves it holds when challenged (:mod:`demoweb.handshake`); a fresh one is
    made per instance unless given.
    """

    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        scale: int = 0,
        secret: bytes | None = None,
    ) -> None:
        if not 0 <= port <= 65535:
            raise ValueError(f"port {port} is not a TCP port (0-65535; 0 picks a free one)")
        self.secret = secret or new_secret()
        self._bind_host = host
        self._requested_port = port
        self._scale = scale
        self._web: Web | None = None
        self._port: int | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._server: asyncio.Server | None = None
        self._ready = threading.Event()
        self._socket: socket.socket | None = None
        self._failure: BaseException | None = None
        self._connections: set[asyncio.Task[Any]] = set()
        self._clock = _Clock()
        self._ca: DemoCA | None = None
        self._answered: set[tuple[str, str]] = set()  # routes whose first answer was given
        self.requests_served = 0

    @property
    def ca(self) -> DemoCA:
        """The CA this server's HTTPS certificates are signed by (made at start)."""
        if self._ca is None:
            raise RuntimeError("DemoWeb is not started")
        return self._ca

    @property
    def web(self) -> Web:
        """The built web this server answers from (built on first use)."""
        if self._web is None:
            self._web = build_web(self._scale)
        return self._web

    @property
    def port(self) -> int:
        """The port the proxy listens on (known once started)."""
        if self._port is None:
            raise RuntimeError("DemoWeb is not started")
        return self._port

    @property
    def url(self) -> str:
        """``http://HOST:PORT``, usable as an HTTP proxy URL."""
        return f"http://{self._bind_host}:{self.port}"

    def manifest(self) -> dict[str, Any]:
        """The ground-truth manifest of exactly the web this server serves."""
        from demoweb.manifest import build

        return build(self.web, self._ca)

    def start(self) -> DemoWeb:
        """Bind the port, build the web, start the event loop thread; return once listening.

        The port is bound first, so a port in use fails at once, not after the build."""
        if self._thread is not None:
            raise RuntimeError("DemoWeb is already started")
        try:
            self._socket = socket.create_server(
                (self._bind_host, self._requested_port), backlog=1024
            )
        except (OSError, OverflowError) as err:
            where = f"{self._bind_host}:{self._requested_port}"
            raise RuntimeError(f"could not listen on {where}: {err}") from err
        _ = self.web
        if self._ca is None:
            self._ca = DemoCA()
        self._thread = threading.Thread(target=self._run, name="demoweb", daemon=True)
        self._thread.start()
        self._ready.wait()
        if self._failure is not None:
            self._thread = None
            where = f"{self._bind_host}:{self._requested_port}"
            raise RuntimeError(f"could not listen on {where}: {self._failure}") from self._failure
        return self

    def stop(self) -> None:
        """Close the listening socket and every open connection, then end the thread."""
        loop, thread = self._loop, self._thread
        if loop is None or thread is None:
            return
        with contextlib.suppress(RuntimeError):  # loop already closed
            asyncio.run_coroutine_threadsafe(self._shutdown(), loop).result(timeout=10)
        thread.join(timeout=10)
        self._thread = None
        self._loop = None
        if self._ca is not None:
            self._ca.close()

    def __enter__(self) -> DemoWeb:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def _run(self) -> None:
        loop = asyncio.new_event_loop()
        self._loop = loop
        try:
            self._server = loop.run_until_complete(
                asyncio.start_server(self._serve_connection, sock=self._socket, limit=MAX_HEAD)
            )
            self._port = self._server.sockets[0].getsockname()[1]
        except (OSError, OverflowError, ValueError) as err:
            self._failure = err
            self._ready.set()
            loop.close()
            return
        self._ready.set()
        try:
            loop.run_forever()
        finally:
            loop.close()

    async def _shutdown(self) -> None:
        if self._server is not None:
            self._server.close()
        for task in list(self._connections):
            task.cancel()
        if self._connections:
            await asyncio.gather(*self._connections, return_exceptions=True)
        if self._server is not None:
            await self._server.wait_closed()
        asyncio.get_running_loop().call_soon(asyncio.get_running_loop().stop)

    async def _serve_connection(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        task = asyncio.current_task()
        if task is not None:
            self._connections.add(task)
        try:
            await self._converse(reader, writer)
        except (ConnectionError, asyncio.IncompleteReadError, asyncio.LimitOverrunError):
            pass
        except asyncio.CancelledError:
            # stop() cancels open connections; ending quietly spares asyncio's stream
            # callback a traceback about a cancelled task.
            pass
        finally:
            if task is not None:
                self._connections.discard(task)
            writer.close()
            with contextlib.suppress(Exception):
                await writer.wait_closed()

    async def _converse(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        tunnel: str | None = None  # the host a CONNECT tunnel (now TLS) was opened to
        while True:
            try:
                head = await reader.readuntil(b"\r\n\r\n")
            except asyncio.IncompleteReadError:
                return
            lines = head.decode("latin-1").split("\r\n")
            parts = lines[0].split(" ")
            headers: dict[str, str] = {}
            for line in lines[1:]:
                name, sep, value = line.partition(":")
                if sep:
                    headers[name.strip().lower()] = value.strip()
            if len(parts) != 3 or not parts[2].startswith("HTTP/1."):
                await self._send(writer, _error(400, "Bad Request\n"), True, False)
                return
            method, target, version = parts
            length = headers.get("content-length", "0")
            if "transfer-encoding" in headers or not length.isdigit() or int(length) > MAX_BODY:
                refusal = _error(400, f"Request bodies need a length of at most {MAX_BODY}\n")
                await self._send(writer, refusal, True, False)
                return
            if int(length):
                await reader.readexactly(int(length))
            connection = (
                headers.get("connection") or headers.get("proxy-connection") or ""
            ).lower()
            keep_alive = (
                connection != "close" if version == "HTTP/1.1" else connection == "keep-alive"
            )
            if method == "CONNECT" and tunnel is None:
                host = self._tunnel_host(target)
                if host is not None:
                    writer.write(b"HTTP/1.1 200 Connection established\r\n\r\n")
                    await writer.drain()
                    self.requests_served += 1
                    try:
                        await writer.start_tls(self.ca.server_context(host))
                    except (OSError, ssl.SSLError):
                        return  # a client that refuses the certificate hangs up here
                    tunnel = host
                    continue
            # After a refused CONNECT the client would speak TLS on this socket: close it.
            keep_alive = keep_alive and method != "CONNECT"
            response = self._respond(method, target, headers, tunnel)
            self.requests_served += 1
            if response.hang:
                await asyncio.sleep(SLOW_ROBOTS_HOLD)
                return
            await self._send(writer, response, method != "HEAD", keep_alive)
            if not keep_alive:
                return

    def _tunnel_host(self, target: str) -> str | None:
        """The demo host a ``CONNECT host:443`` names, or None (refused with a 502)."""
        host, _, port = target.rpartition(":")
        host = host.strip("[]").lower()
        if port != "443" or not self.web.is_demo_host(host):
            return None
        return host

    def _respond(
        self, method: str, target: str, headers: dict[str, str], tunnel: str | None = None
    ) -> Response:
        web = self.web
        scheme = "https" if tunnel else "http"
        if method == "CONNECT":
            return _error(502, f"demoweb: CONNECT {target} is not served (demo hosts, port 443)\n")
        if tunnel is not None:
            # inside a tunnel the host is the one CONNECT named, whatever Host says
            if not target.startswith("/"):
                return _error(400, "demoweb: origin-form request expected inside a tunnel\n")
            host, path = tunnel, target
        elif target.startswith("/"):
            host = headers.get("host", "")
            path = target
        else:
            parts = urlsplit(target)
            if parts.scheme != "http":
                return _error(502, f"demoweb: {parts.scheme or target} is not served\n")
            host = parts.netloc.rpartition("@")[2]  # drop any user:password@
            path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        host = host.lower().removesuffix(":80")
        if host == HANDSHAKE_HOST:
            return self._prove(path)
        if not web.is_demo_host(host):
            return _error(502, f"demoweb: {host or 'no host'} is not on the demo web\n")
        if method not in ("GET", "HEAD"):
            return _error(405, "Method Not Allowed\n", (("Allow", "GET, HEAD"),))
        response = web.lookup(host, path, scheme)
        if response.first is not None and (host, path) not in self._answered:
            # a route that refuses its first request (robots.txt 403, then 200 ever after)
            self._answered.add((host, path))
            return response.first
        return response

    def _prove(self, path: str) -> Response:
        """Answer a handshake challenge with this run's secret (demoweb/handshake.py)."""
        parts = urlsplit(path)
        challenge = parse_qs(parts.query).get("challenge", [""])[0]
        proof = answer(self.secret, challenge) if parts.path == HANDSHAKE_PATH else None
        if proof is None:
            return _error(400, "demoweb: a handshake needs /prove?challenge=<64 hex digits>\n")
        headers = (("Content-Type", "text/plain; charset=us-ascii"), ("Cache-Control", "no-store"))
        return Response(200, headers, proof.encode("ascii"))

    async def _send(
        self, writer: asyncio.StreamWriter, response: Response, with_body: bool, keep_alive: bool
    ) -> None:
        reason = _REASONS.get(response.status, "Unknown")
        head = [f"HTTP/1.1 {response.status} {reason}".encode()]
        head += [f"{k}: {v}".encode("latin-1") for k, v in response.headers]
        head.append(b"Content-Length: " + str(len(response.body)).encode())
        head.append(b"Date: " + self._clock.now())
        head.append(b"Server: demoweb")
        head.append(b"Connection: keep-alive" if keep_alive else b"Connection: close")
        writer.write(b"\r\n".join(head) + b"\r\n\r\n")
        if with_body:
            writer.write(response.body)
        await writer.drain()


def serve_forever(
    port: int,
    scale: int,
    *,
    manifest_path: Path | None = None,
    key_path: Path | None = None,
    ca_path: Path | None = None,
) -> None:
    """Serve the demo web until SIGTERM or SIGINT, after printing one line with the proxy URL.

    The line is exactly ``demoweb listening on http://127.0.0.1:PORT`` and is flushed, so a
    parent process can read the port. With ``manifest_path``, the manifest of the web being
    served is written there before that line appears; with ``key_path``, the key file a
    crawler needs to check that it is talking to this demo web (``provtrack crawl
    --demoweb-key``); with ``ca_path``, the CA certificate its HTTPS hosts are signed by (what
    a client passes as the demo web's CA). Raises ValueError or RuntimeError when the port
    cannot be listened on.
    """
    stop = threading.Event()

    def _stop(signum: int, frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    with DemoWeb(port=port, scale=scale) as web:
        if manifest_path is not None:
            text = json.dumps(web.manifest(), indent=1, ensure_ascii=False)
            manifest_path.write_text(text + "\n", encoding="utf-8")
        if key_path is not None:
            write_key(key_path, web.url, web.secret)
        if ca_path is not None:
            web.ca.write_ca(ca_path)
        print(f"demoweb listening on {web.url}", flush=True)
        while not stop.wait(3600):
            pass
