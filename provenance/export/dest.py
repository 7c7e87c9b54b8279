"""Where an export goes: a file, or standard output when the destination is ``-``."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TextIO

STDOUT = "-"
"""The ``--dest`` value that means standard output (the Unix convention)."""


def is_stdout(dest: Path | str | None) -> bool:
    """Whether ``dest`` names standard output."""
    return dest is not None and str(dest) == STDOUT


@contextmanager
def open_text(dest: Path | TextIO, newline: str | None = None) -> Iterator[TextIO]:
    """A text stream for ``dest``: the file (its folder created), or the stream itself."""
    if isinstance(dest, Path):
        dest.parent.mkdir(parents=True, exist_ok=True)
        with dest.open("w", encoding="utf-8", newline=newline) as fh:
            yield fh
        return
    yield dest
    dest.flush()
