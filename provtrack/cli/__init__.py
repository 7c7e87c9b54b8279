"""The ``provtrack`` command line; each command group lives in its own module."""

from provtrack.cli.app import app, main

__all__ = ["app", "main"]
