"""Shared rich consoles: progress and messages on stderr, results on stdout."""

from __future__ import annotations

from rich.console import Console

console = Console()
err_console = Console(stderr=True)
