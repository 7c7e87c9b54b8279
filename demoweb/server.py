"""The demo web on loopback: an asyncio HTTP/1.1 forward proxy that answers for the demo hosts.

Clients use it as their HTTP proxy (``http://127.0.0.1:PORT``), so URLs look real
(``http://maplebook.ca/u/emma.tremblay``) while nothing leaves the machine. Absolute-form
request lines (``GET http://host/path HTTP/1.1``, what Scrapy and Chromium send to a proxy)
and origin-form lines with a demo ``Host`` header are both served. Any other host, and every
CONNECT, gets a 502: there is no upstream and no HTTPS. Connections are kept alive.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import signal
import socket
import threading
import time
from email.utils import formatdate
from pathlib import Path
from types import FrameType, TracebackType
from typing import Any
from urllib.parse import parse_qs, urlsplit

from demoweb.handshake import HANDSHAKE_HOST, HANDSHAKE_PATH, answer, new_secret, write_key
from demoweb.spec import Response, Web, build_web

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
        self.requests_served = 0

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

        return build(self.web)

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
            # After a refused CONNECT the client would speak TLS on this socket: close it.
            keep_alive = keep_alive and method != "CONNECT"
            response = self._respond(method, target, headers)
            self.requests_served += 1
            if response.hang:
                await asyncio.sleep(SLOW_ROBOTS_HOLD)
                return
            await self._send(writer, response, method != "HEAD", keep_alive)
            if not keep_alive:
                return

    def _respond(self, method: str, target: str, headers: dict[str, str]) -> Response:
        web = self.web
        if method == "CONNECT":
            return _error(502, "demoweb: CONNECT is not supported (no HTTPS, no upstream)\n")
        if target.startswith("/"):
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
        return web.lookup(host, path)

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
) -> None:
    """Serve the demo web until SIGTERM or SIGINT, after printing one line with the proxy URL.

    The line is exactly ``demoweb listening on http://127.0.0.1:PORT`` and is flushed, so a
    parent process can read the port. With ``manifest_path``, the manifest of the web being
    served is written there before that line appears; with ``key_path``, the key file a
    crawler needs to check that it is talking to this demo web (``provtrack crawl
    --demoweb-key``). Raises ValueError or RuntimeError when the port cannot be listened on.
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
        print(f"demoweb listening on {web.url}", flush=True)
        while not stop.wait(3600):
            pass
