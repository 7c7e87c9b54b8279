"""Asking the crawl's proxy to prove it is provtrack's demo web (the client of its handshake).

Reproduce mode ignores opt-outs, so it may touch the demo web's host names only when the
crawl really goes through the demo web, never because of the names alone (some may be real
registered domains). The demo web that provtrack starts holds a per-run secret; this module
sends a fresh random challenge through the proxy to the reserved name
``demoweb-handshake.invalid`` and checks the HMAC-SHA256 answer in constant time. Any other
proxy (or none) cannot answer, and its demo-web names are ordinary hosts. The proxy must
also be the very address the demo web listens on (its key file names it): a relay in
front of the demo web could pass the challenge along.

The protocol's few constants are repeated here rather than imported: the crawler does not
import the demo web (``tests/demoweb/test_handshake.py`` checks the two sides agree).
"""

from __future__ import annotations

import hashlib
import hmac
import http.client
import json
import secrets
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

HANDSHAKE_HOST = "demoweb-handshake.invalid"
HANDSHAKE_PATH = "/prove"
PURPOSE = b"provtrack demo web handshake v1\n"
CHALLENGE_BYTES = 32
MAX_ANSWER = 1024


@dataclass(frozen=True, slots=True)
class DemoKey:
    """What a crawler needs to check a demo web: its proxy URL and its run's secret."""

    proxy: str
    secret: bytes


def read_key(path: Path) -> DemoKey:
    """Read the key file ``demoweb serve --key-file`` wrote; ValueError says what is wrong."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return DemoKey(proxy=str(data["proxy"]), secret=bytes.fromhex(str(data["secret"])))
    except OSError as err:
        raise ValueError(f"demo web key {path} cannot be read: {err.strerror}") from err
    except (ValueError, KeyError, TypeError) as err:
        raise ValueError(f"demo web key {path} is not a key file written by demoweb") from err


def same_proxy(a: str, b: str) -> bool:
    """Whether two proxy URLs name one proxy (scheme, host and port; case and a default
    port aside). A relay in front of the demo web could pass its handshake along, so the
    proxy proven must be the very address the demo web listens on."""

    def key(url: str) -> tuple[str, str, int]:
        parts = urlsplit(url if "://" in url else f"http://{url}")
        return parts.scheme, (parts.hostname or "").rstrip("."), parts.port or 80

    return key(a) == key(b)


def expected_proof(secret: bytes, challenge: bytes) -> str:
    """The answer a demo web holding ``secret`` gives to ``challenge`` (hex)."""
    return hmac.new(secret, PURPOSE + challenge, hashlib.sha256).hexdigest()


def prove(proxy: str, secret: bytes, *, timeout: float = 5.0) -> str | None:
    """Challenge the proxy; None when it proved it holds ``secret``, else why not."""
    parts = urlsplit(proxy if "://" in proxy else f"http://{proxy}")
    if parts.scheme != "http" or not parts.hostname:
        return f"proxy {proxy!r} is not an http:// proxy URL"
    challenge = secrets.token_bytes(CHALLENGE_BYTES)
    target = f"http://{HANDSHAKE_HOST}{HANDSHAKE_PATH}?challenge={challenge.hex()}"
    conn = http.client.HTTPConnection(parts.hostname, parts.port or 80, timeout=timeout)
    try:
        conn.request("GET", target, headers={"Host": HANDSHAKE_HOST, "Connection": "close"})
        response = conn.getresponse()
        body = response.read(MAX_ANSWER + 1)
    except (OSError, http.client.HTTPException) as err:
        return f"the proxy did not answer the demo web handshake ({err or type(err).__name__})"
    finally:
        conn.close()
    if response.status != 200:
        return f"the proxy answered the demo web handshake with HTTP {response.status}"
    answer = body.decode("ascii", "replace").strip()
    if len(body) > MAX_ANSWER or not hmac.compare_digest(answer, expected_proof(secret, challenge)):
        return "the proxy's answer to the demo web handshake is wrong: it is not this demo web"
    return None
