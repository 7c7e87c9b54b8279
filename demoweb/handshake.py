"""The demo web proves it is the demo web: an HMAC challenge answered with a per-run secret.

A host name on the demo web's list may be a real registered domain, so the name alone
must never let reproduce mode (which ignores opt-outs) touch it. Whoever starts the demo
web gets a fresh random secret; a client sends a random challenge through the proxy it was
given, to the reserved name :data:`HANDSHAKE_HOST` (``.invalid`` never resolves, RFC 6761),
and the proxy answers ``HMAC-SHA256(secret, PURPOSE + challenge)``. Only a proxy holding
this run's secret can answer, and a recorded answer is worth nothing for another
challenge.

The client side (provtrack's crawler) implements the same few lines itself: the crawler
does not import the demo web. ``tests/demoweb/test_handshake.py`` holds the two together.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import secrets
from pathlib import Path

HANDSHAKE_HOST = "demoweb-handshake.invalid"
HANDSHAKE_PATH = "/prove"
PURPOSE = b"provtrack demo web handshake v1\n"
CHALLENGE_BYTES = 32


def new_secret() -> bytes:
    """A fresh 256-bit secret for one run of the demo web."""
    return secrets.token_bytes(32)


def answer(secret: bytes, challenge_hex: str) -> str | None:
    """The proof for a challenge (hex in, hex out), or None for a malformed challenge."""
    try:
        challenge = bytes.fromhex(challenge_hex)
    except ValueError:
        return None
    if len(challenge) != CHALLENGE_BYTES:
        return None
    return hmac.new(secret, PURPOSE + challenge, hashlib.sha256).hexdigest()


def write_key(path: Path, proxy_url: str, secret: bytes) -> None:
    """Write the key file a client needs to check this demo web (owner-readable only)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps({"proxy": proxy_url, "secret": secret.hex()}) + "\n"
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(text)
    path.chmod(0o600)
