"""Shared rich consoles: progress and messages on stderr, results on stdout.

Output to a pipe or a file is not cut at 80 columns (rich's width when it cannot ask a
terminal): a run id, a URL or a WARC file name in a summary table must survive ``| tee`` and
``> log``. ``COLUMNS`` still wins when set.
"""

from __future__ import annotations

import os

from rich.console import Console
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

UNBOUNDED_WIDTH = 1000
"""Width of a console that is not a terminal: wide enough that no table cell is cut."""


def make_console(*, stderr: bool = False) -> Console:
    """A console for stdout or stderr: the terminal's width, else :data:`UNBOUNDED_WIDTH`."""
    probe = Console(stderr=stderr)
    if probe.is_terminal or os.environ.get("COLUMNS"):
        return probe
    return Console(stderr=stderr, width=UNBOUNDED_WIDTH)


console = make_console()
err_console = make_console(stderr=True)


PROGRESS_REFRESH_PER_SECOND = 4
"""How often a crawl's live progress line is redrawn on a terminal: the crawler updates its
counts four times a second (``crawler.runner.PROGRESS_SECONDS``), so rich's default of 10
redraws mostly repeated the same line, on the crawler's own CPU. Into a pipe or a file the
line is not redrawn at all (``auto_refresh`` off): rich writes only the final line there
anyway, and each redraw built the line and threw it away (~1.5 % of the crawler's CPU in a
scale-web profile, bench/README.md, crawl)."""


def run_progress(label: str) -> Progress:
    """The live progress line of a crawl or an audit on stderr: spinner, ``label`` (a rich
    format string, bold), the run's counts, the time elapsed; redrawn as
    :data:`PROGRESS_REFRESH_PER_SECOND` says."""
    return Progress(
        SpinnerColumn(),
        TextColumn(f"[bold]{label}[/bold]"),
        TextColumn("{task.description}"),
        TimeElapsedColumn(),
        console=err_console,
        auto_refresh=err_console.is_terminal,
        refresh_per_second=PROGRESS_REFRESH_PER_SECOND,
    )
