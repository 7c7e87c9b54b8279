"""A realistic multi-site web on loopback, behind a forward proxy, with its truth written down.

Knows nothing of the rest of provtrack: it is a fixture and a teaching tool. The public API
(``DemoWeb``, ``serve_forever``, ``build_manifest``) is imported lazily so that importing the
package stays cheap.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from demoweb.manifest import build_manifest
    from demoweb.server import DemoWeb, serve_forever

__all__ = ["DemoWeb", "build_manifest", "serve_forever"]


def __getattr__(name: str) -> Any:
    if name in ("DemoWeb", "serve_forever"):
        from demoweb import server

        return getattr(server, name)
    if name == "build_manifest":
        from demoweb.manifest import build_manifest

        return build_manifest
    raise AttributeError(f"module 'demoweb' has no attribute {name!r}")
