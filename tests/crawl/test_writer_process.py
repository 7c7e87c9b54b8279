"""The store writer process (``PROVTRACK_WRITER_PROCESS``): the records a crawl hands the sink
land as the thread writer stores them (same rows, same chain order, verify passes), a failed
write is raised to the crawler and nothing after it is written, a dead writer is an error."""

from __future__ import annotations

import os
import signal
import sqlite3
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from crawler.sink import RecordSink
from provenance.errors import StoreError
from provenance.records import ImageRecord
from provenance.signals.model import Signal
from provenance.store import Store, open_store
from provenance.store.models import CrawlRun, EvidenceEntry, Image, SignalRecord
from provenance.verify import verify
from provenance.vocab import Level, SignalKind


def _store(path: Path) -> Store:
    store = open_store(str(path))
    store.write([CrawlRun(id="r", mode="compliant")])  # rows name their run (a foreign key)
    return store


def _record(n: int) -> ImageRecord:
    url = f"http://bulk-000.example/img/{n}.jpg"
    return ImageRecord(
        url=url,
        host="bulk-000.example",
        mode="compliant",
        decision="collected" if n % 4 else "skipped",
        fetched_at=datetime(2026, 1, 1, 12, 0, n % 60, tzinfo=UTC),
        http_status=200,
        media={"status": "ok", "sha256": f"{n:064x}", "faces": {"count": n % 3, "boxes": []}},
        signals=[
            Signal(
                kind=SignalKind.X_ROBOTS_TAG,
                value="noimageai",
                source="header:X-Robots-Tag",
                evidence=f"X-Robots-Tag: noimageai ({n})",
                level=Level.IMAGE,
                restricts=True,
                url=url,
            )
        ]
        * (n % 2),
    )


def _stored(store: Store) -> list[tuple[Any, ...]]:
    images = sorted(store.all(Image), key=lambda i: i.url)
    signals = sorted((s.subject, s.evidence) for s in store.all(SignalRecord))
    entries = sorted(store.all(EvidenceEntry), key=lambda e: e.seq)
    kinds = [e.kind for e in entries]
    return [
        *((i.url, i.decision, i.media, i.fetched_at, i.face_count) for i in images),
        *signals,
        tuple(kinds),
    ]


def test_process_writer_stores_what_the_thread_writer_stores(tmp_path: Path) -> None:
    stores = {}
    for how in ("thread", "process"):
        path = tmp_path / f"{how}.db"
        store = _store(path)
        sink = RecordSink(
            store,
            "r",
            flush_every=7,
            background=how == "thread",
            process_db=str(path) if how == "process" else None,
        )
        records = [_record(n) for n in range(40)]
        for record in records:
            sink.add(record)
        records[3].decision = "failed"  # a change after the hand-over never reaches the store
        sink.flush()
        assert sink.written == 40 + 20  # 40 images, 20 signals
        sink.close()
        assert verify(store, None).ok
        stores[how] = _stored(store)
    assert stores["process"] == stores["thread"]
    chained = [r[0] for r in stores["process"][:40]]
    assert chained == sorted(f"http://bulk-000.example/img/{n}.jpg" for n in range(40))


def test_a_failed_write_is_raised_and_nothing_after_it_is_written(tmp_path: Path) -> None:
    path = tmp_path / "store.db"
    store = _store(path)
    sink = RecordSink(store, "r", flush_every=1, process_db=str(path))
    sink.add(_record(1))
    sink.flush()
    with sqlite3.connect(path) as db:  # another process breaks the store under the crawl
        db.execute("DROP TABLE signal")
    sink.add(_record(3))  # a signal row: this batch fails
    with pytest.raises(StoreError, match="store writer failed"):
        sink.flush()
    with pytest.raises(StoreError):
        sink.add(_record(5))
    with pytest.raises(StoreError):
        sink.close()
    assert [i.url.rsplit("/", 1)[1] for i in store.all(Image)] == ["1.jpg"]


def test_a_writer_process_that_died_is_an_error_not_a_hang(tmp_path: Path) -> None:
    path = tmp_path / "store.db"
    store = _store(path)
    sink = RecordSink(store, "r", flush_every=10, process_db=str(path))
    sink.add(_record(1))
    sink.flush()
    writer = sink._writer
    assert writer is not None
    pid = writer._process.pid  # type: ignore[union-attr]
    assert pid is not None
    os.kill(pid, signal.SIGKILL)
    writer._process.join()  # type: ignore[union-attr]
    sink.add(_record(2))  # queued; the flush sends it to a pipe nobody reads
    with pytest.raises(StoreError, match="writer"):
        sink.flush()
    with pytest.raises(StoreError):
        sink.close()
    assert store.count(Image) == 1
