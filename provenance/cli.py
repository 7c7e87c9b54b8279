"""The ``provtrack`` command: a thin Typer layer over the library.

Errors are translated here, and only here, into a one-line message and an exit code.
Heavy modules (the crawler, Scrapy) are imported inside the commands that need them so
that ``provtrack --help`` stays fast and ``provenance`` never imports Scrapy.
"""

from __future__ import annotations

import sys

import typer
from rich.console import Console

from provenance import __version__
from provenance.errors import ProvtrackError

app = typer.Typer(
    name="provtrack",
    help="How was this image gathered, and did anyone consent? Crawl, record, evaluate, report.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
console = Console(stderr=True)


@app.callback()
def _root() -> None:
    """provtrack: crawl, record, evaluate and report how images were gathered."""


@app.command()
def version() -> None:
    """Print provtrack's version."""
    print(__version__)


def main() -> None:
    """Entry point: run the Typer app and turn provtrack errors into one line and an exit code."""
    try:
        app()
    except ProvtrackError as err:
        console.print(f"[red]error:[/red] {err}", highlight=False)
        sys.exit(err.exit_code)
