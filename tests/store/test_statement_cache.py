"""An SQLite store keeps few prepared statements, so a long crawl's or audit's memory is flat.

Each bulk insert of n rows is its own statement text; with Python's default cache of 128
prepared statements per connection, SQLite's own memory grew ~2.5 KB per record written until
~22,000 records (bench/README.md, "audit"). The store's connections keep 16. SQLite stores
now insert through the driver with one one-row statement per table (``Store.driver_inserts``),
so they prepare no per-size statements at all; SQLAlchemy's multi-row path (PostgreSQL's, and
SQLite's when that is off) is held to the cache bound.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import gc
from pathlib import Path

import pytest

from provenance.store import db, open_store
from provenance.store.db import SQLITE_CACHED_STATEMENTS
from provenance.store.models import CrawlRun, Image


def _sqlite_memory() -> ctypes._NamedFuncPointer:
    name = ctypes.util.find_library("sqlite3")
    if name is None:
        pytest.skip("no shared SQLite library to ask (a statically linked sqlite3 module)")
    used = ctypes.CDLL(name).sqlite3_memory_used
    used.restype = ctypes.c_int64
    return used


def _images(start: int, n: int) -> list[Image]:
    return [
        Image(
            run_id="r",
            url=f"http://bulk-000.example/img/{start + i}.jpg",
            host="bulk-000.example",
            mode="compliant",
            decision="collected",
        )
        for i in range(n)
    ]


def _growth(path: Path, memory_used: ctypes._NamedFuncPointer, *, driver: bool = False) -> int:
    """SQLite's memory growth over 60 bulk inserts of 60 sizes, largest first."""
    store = open_store(str(path))
    store.driver_inserts = driver
    store.write([CrawlRun(id="r", mode="compliant")])
    store.write(_images(0, 1))  # the statements every write uses are cached
    written = 1
    gc.collect()
    before = memory_used()
    for size in range(60, 0, -1):
        store.write(_images(written, size))
        written += size
    grown = memory_used() - before
    store.engine.dispose()
    return grown


def test_bulk_inserts_of_every_size_do_not_pile_up_prepared_statements(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    memory_used = _sqlite_memory()
    assert SQLITE_CACHED_STATEMENTS < 30
    ours = _growth(tmp_path / "ours.db", memory_used)
    monkeypatch.setattr(db, "SQLITE_CACHED_STATEMENTS", 128)  # Python's default
    default = _growth(tmp_path / "default.db", memory_used)
    # the default keeps all 60 prepared statements, 16 keep the last (smallest) ones
    assert ours < 0.3 * default, f"SQLite memory grew {ours} bytes, {default} by default"


def test_driver_inserts_prepare_one_statement_per_table(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    memory_used = _sqlite_memory()
    monkeypatch.setattr(db, "SQLITE_CACHED_STATEMENTS", 128)  # even with Python's default
    multi_row = _growth(tmp_path / "multi.db", memory_used)
    driver = _growth(tmp_path / "driver.db", memory_used, driver=True)
    assert driver < 0.3 * multi_row, f"SQLite memory grew {driver} bytes, {multi_row} multi-row"
    assert open_store(str(tmp_path / "fresh.db")).driver_inserts  # SQLite's default
