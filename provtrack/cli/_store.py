"""Opening a crawl's store the way ``provtrack crawl`` names it (``--out DIR`` or ``--db URL``).

Commands that only read (verify, report, export, show, lookup, optout report) open it with
:func:`open_crawl_reader`: read-only, no migration, nothing created. Commands that write open it
with :func:`open_crawl_store`; those that rewrite what a crawl may be writing (an opt-out, a
purge) hold it alone first (:func:`hold_alone`).
"""

from __future__ import annotations

from pathlib import Path

from provenance.errors import NotFoundError
from provenance.store import Store, open_store
from provenance.store.db import normalise_url
from provenance.store.lock import StoreLock, describe_lock, lock_store
from provenance.store.readonly import open_reader
from provtrack.cli._console import err_console


def store_location(out: Path, db: str | None) -> str:
    """The ``--db`` URL, else ``OUT/provtrack.db``."""
    return db or str(out / "provtrack.db")


def _existing(out: Path, db: str | None) -> str:
    """The store's location, which must exist: a command on a crawl's store never makes one."""
    location = store_location(out, db)
    if not db and not (out / "provtrack.db").exists():
        raise NotFoundError(
            f"no store at {location} (run `provtrack crawl --out {out}` first, or pass --db)"
        )
    sa_url = normalise_url(location)
    if sa_url.startswith("sqlite:///") and not Path(sa_url.removeprefix("sqlite:///")).exists():
        raise NotFoundError(f"no store at {location} (nothing was created)")
    return location


def _writable(out: Path, db: str | None, create: bool) -> str:
    """The location of a store to write: an existing one, or (``create``) a new one, for an
    opt-out recorded before any crawl (the registry comes first)."""
    if not create:
        return _existing(out, db)
    if not db:
        out.mkdir(parents=True, exist_ok=True)
    return store_location(out, db)


def open_crawl_store(out: Path, db: str | None, create: bool = False) -> Store:
    """The store of a crawl, for writing: ``--db`` if given, else ``OUT/provtrack.db`` (which
    must exist unless ``create``)."""
    return open_store(_writable(out, db, create))


def open_crawl_reader(out: Path, db: str | None, *, older: frozenset[str] = frozenset()) -> Store:
    """The store of a crawl, read-only (see :mod:`provenance.store.readonly`); ``older``:
    earlier schema revisions the command reads too."""
    return open_reader(_existing(out, db), older=older)


def hold_alone(out: Path, db: str | None, command: str, create: bool = False) -> StoreLock:
    """Hold the crawl's store alone for ``command``; refuse (exit 7) while a crawl runs."""
    lock = lock_store(_writable(out, db, create), exclusive=True, command=command)
    for line in describe_lock(lock):
        err_console.print(line, highlight=False, soft_wrap=True)
    return lock


def hold_shared(out: Path, db: str | None, command: str) -> StoreLock:
    """Hold the crawl's store as crawls do (beside them); refuse (exit 7) while a purge runs."""
    lock = lock_store(_existing(out, db), exclusive=False, command=command)
    for line in describe_lock(lock):
        err_console.print(line, highlight=False, soft_wrap=True)
    return lock
