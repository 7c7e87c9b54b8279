"""``provtrack serve``: a local, read-only web explorer over a store (Starlette + Jinja2)."""

from provenance.serve.app import create_app

__all__ = ["create_app"]
