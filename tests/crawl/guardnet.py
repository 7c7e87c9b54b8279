"""Real loopback services for the address-guard tests: a counting web server and a DNS stub.

The web server counts every request it receives (a guard that holds lets none through) and
can act as a plain forward proxy that is not provtrack's demo web. The DNS stub answers
from a table (dnspython builds the wire format) and counts the queries per name, so a test
can tell a failure that was asked again from one that was cached.
"""

from __future__ import annotations

import socket
import threading
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

import dns.message
import dns.rcode
import dns.rrset

SPELLINGS = (
    "127.1",
    "2130706433",
    "0x7f000001",
    "017700000001",
    "0",
    "127.0.0.1.",
    "0177.0.0.1",
    "localhost",
    "a.localhost",
    "[::ffff:127.0.0.1]",
    "[::ffff:7f00:2]",
    "[::7f00:1]",
    "[2002:7f00:1::1]",
    "[::1]",
    "xn--bcher-kva.localhost",
)
"""Spellings of this machine a guard must refuse, each in a URL as ``http://SPELLING:PORT/``."""


class CountingServer:
    """A threaded HTTP server on 127.0.0.1:0 (or ``host``) that records every request line
    and Host."""

    def __init__(
        self,
        pages: Callable[[str, str], tuple[int, dict[str, str], bytes]],
        host: str = "127.0.0.1",
        port: int = 0,
    ) -> None:
        self.requests: list[tuple[str, str]] = []  # (host, path) as received
        self._lock = threading.Lock()
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                target = self.path
                if target.startswith("http://"):
                    parts = urlsplit(target)
                    host, path = parts.netloc, parts.path or "/"
                else:
                    host, path = self.headers.get("Host", ""), target
                with outer._lock:
                    outer.requests.append((host, path))
                status, headers, body = pages(host, path)
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            do_HEAD = do_GET

            def log_message(self, format: str, *args: object) -> None:
                pass

        class Server(ThreadingHTTPServer):
            def verify_request(self, request: object, client_address: object) -> bool:
                with outer._lock:
                    outer.connections += 1
                return True

        self.connections = 0
        self.server = Server((host, port), Handler)
        self.port = self.server.server_address[1]
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> CountingServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()


class DnsStub:
    """A UDP DNS server on 127.0.0.1:0 answering from ``answers(name, rdtype, count)``.

    ``answers`` returns a list of record texts (``["127.0.0.1"]``), ``[]`` for an empty
    answer, or None for SERVFAIL; ``count`` is how many times this name and type were asked.
    """

    def __init__(self, answers: Callable[[str, str, int], list[str] | None]) -> None:
        self.answers = answers
        self.queries: Counter[tuple[str, str]] = Counter()
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self._stop = False
        self._thread = threading.Thread(target=self._serve, daemon=True)

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    def _serve(self) -> None:
        self.sock.settimeout(0.2)
        while not self._stop:
            try:
                data, peer = self.sock.recvfrom(4096)
            except TimeoutError:
                continue
            except OSError:
                return
            query = dns.message.from_wire(data)
            reply = dns.message.make_response(query)
            question = query.question[0]
            name = question.name.to_text().rstrip(".").lower()
            rdtype = dns.rdatatype.to_text(question.rdtype)
            self.queries[(name, rdtype)] += 1
            records = self.answers(name, rdtype, self.queries[(name, rdtype)])
            if records is None:
                reply.set_rcode(dns.rcode.SERVFAIL)
            elif records:
                reply.answer.append(dns.rrset.from_text(question.name, 30, "IN", rdtype, *records))
            self.sock.sendto(reply.to_wire(), peer)

    def __enter__(self) -> DnsStub:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop = True
        self._thread.join(timeout=2)
        self.sock.close()


@contextmanager
def counting_server(
    pages: Callable[[str, str], tuple[int, dict[str, str], bytes]] | None = None,
    host: str = "127.0.0.1",
    port: int = 0,
) -> Iterator[CountingServer]:
    """A counting server that answers 200 with an empty page unless ``pages`` says otherwise."""
    default = lambda h, path: (200, {}, b"<html></html>")  # noqa: E731
    with CountingServer(pages or default, host, port) as server:
        yield server
