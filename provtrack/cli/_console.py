"""Shared rich consoles: progress and messages on stderr, results on stdout.

Output to a pipe or a file is not cut at 80 columns (rich's width when it cannot ask a
terminal): a run id, a URL or a WARC file name in a summary table must survive ``| tee`` and
``> log``. ``COLUMNS`` still wins when set.
"""

from __future__ import annotations

import os

from rich.console import Console

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
