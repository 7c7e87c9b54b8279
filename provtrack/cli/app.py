"""The ``provtrack`` command: a thin Typer layer over the library.

Errors are translated here, and only here, into a one-line message and an exit code.
Heavy modules (the crawler, Scrapy) are imported inside the commands that need them so
that ``provtrack --help`` stays fast and ``provenance`` never imports Scrapy.
"""

from __future__ import annotations

import sys

import typer

from provenance import __version__
from provenance.errors import ProvtrackError
from provtrack.cli import audit as audit_cmds
from provtrack.cli import crawl as crawl_cmds
from provtrack.cli import demo as demo_cmds
from provtrack.cli import maintain as maintain_cmds
from provtrack.cli import ops as ops_cmds
from provtrack.cli import policy as policy_cmds
from provtrack.cli import records as record_cmds
from provtrack.cli import report as report_cmds
from provtrack.cli import serve as serve_cmds
from provtrack.cli._console import err_console

app = typer.Typer(
    name="provtrack",
    help="How was this image gathered, and did anyone consent? Crawl, record, evaluate, report.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


@app.callback()
def _root() -> None:
    """provtrack: crawl, record, evaluate and report how images were gathered."""


@app.command()
def version() -> None:
    """Print provtrack's version."""
    print(__version__)


crawl_cmds.register(app)
audit_cmds.register(app)
demo_cmds.register(app)
record_cmds.register(app)
policy_cmds.register(app)
report_cmds.register(app)
ops_cmds.register(app)
serve_cmds.register(app)
maintain_cmds.register(app)


def main() -> None:
    """Entry point: run the Typer app and turn provtrack errors into one line and an exit code."""
    try:
        app()
    except ProvtrackError as err:
        err_console.print(f"[red]error:[/red] {err}", highlight=False, soft_wrap=True)
        sys.exit(err.exit_code)
