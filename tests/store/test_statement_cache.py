"""An SQLite store keeps few prepared statements, so a long crawl's or audit's memory is flat.

Each bulk insert of n rows is its own statement text; with Python's default cache of 128
prepared statements per connection, SQLite's own memory grew ~2.5 KB per record written until
~22,000 records (bench/README.md, "audit"). The store's connections keep 16.
"""

from __future__ import annotations

import ctypes
import ctypes.util
from pathlib import Path

import pytest

from provenance.store import open_store
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


def test_bulk_inserts_of_every_size_do_not_pile_up_prepared_statements(tmp_path: Path) -> None:
    memory_used = _sqlite_memory()
    store = open_store(str(tmp_path / "provtrack.db"))
    store.write([CrawlRun(id="r", mode="compliant")])
    sizes = [(i * 37) % 80 + 1 for i in range(80)]  # 80 bulk inserts, 80 statement texts
    written = 0
    store.write(_images(written, 1))  # the statements every write uses are cached
    written += 1
    memory = [memory_used()]
    for half in (sizes[:40], sizes[40:]):
        for size in half:
            store.write(_images(written, size))
            written += size
        memory.append(memory_used())
    early, late = memory[1] - memory[0], memory[2] - memory[1]
    # Python's default cache (128) keeps all 80: the second half grows as much as the first
    assert SQLITE_CACHED_STATEMENTS < 40
    assert late < 0.25 * early, f"SQLite memory grew {early} then {late} bytes"
