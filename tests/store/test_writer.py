"""The background store writer: batches land in order with an intact evidence chain, a failed
write is raised to the producer and nothing after it is written, and digests are unchanged."""

from __future__ import annotations

import hashlib
import sqlite3
from pathlib import Path

import pytest
from sqlmodel import SQLModel

from provenance.errors import StoreError
from provenance.store import Store, open_store
from provenance.store.canonical import canonical_dict, canonical_json, record_digest
from provenance.store.models import CrawlRun, EvidenceEntry, Image, SignalRecord
from provenance.store.writer import BackgroundWriter
from provenance.verify import verify


def _store(path: Path) -> Store:
    store = open_store(str(path))
    store.write([CrawlRun(id="r", mode="compliant")])  # rows name their run (a foreign key)
    return store


def _group(n: int) -> list[SQLModel]:
    url = f"http://bulk-000.example/img/{n}.jpg"
    image = Image(
        run_id="r",
        url=url,
        host="bulk-000.example",
        mode="compliant",
        decision="collected",
        media={"status": "ok", "faces": {"count": n % 3, "boxes": [[1, 2, 3, 4]] * (n % 3)}},
        phash=f"{n:016x}",
    )
    signal = SignalRecord(
        run_id="r",
        level="image",
        subject=url,
        kind="x-robots-tag",
        value="noai",
        source="header:X-Robots-Tag",
        evidence=f"X-Robots-Tag: noai ({n})",
    )
    return [image, signal]


def test_batches_are_written_in_order_with_the_chain_intact(tmp_path: Path) -> None:
    store = _store(tmp_path / "store.db")
    written: list[int] = []
    writer = BackgroundWriter(store, on_written=lambda r: written.append(r.inserted))
    for batch in range(5):
        writer.submit([_group(batch * 10 + i) for i in range(10)])
    writer.drain()
    assert written == [20] * 5
    assert store.count(Image) == 50
    entries = sorted(store.all(EvidenceEntry), key=lambda e: e.seq)
    # one entry per row, in submission order: image n, its signal, image n + 1...
    assert [e.kind for e in entries[1:]] == ["image", "signal"] * 50  # after the run
    url_of = {f"image:{i.id}": i.url for i in store.all(Image)}
    chained = [url_of[e.subject].rsplit("/", 1)[1] for e in entries if e.kind == "image"]
    assert chained == [f"{n}.jpg" for n in range(50)]
    assert verify(store, None).ok
    writer.close()


def test_a_failed_write_is_raised_and_nothing_after_it_is_written(tmp_path: Path) -> None:
    path = tmp_path / "store.db"
    store = _store(path)
    writer = BackgroundWriter(store)
    writer.submit([_group(0)])
    writer.drain()
    # another process breaks the store under the crawl: the next write fails for real
    with sqlite3.connect(path) as db:
        db.execute("DROP TABLE signal")
    writer.submit([_group(1)])
    with pytest.raises(StoreError, match="store writer failed"):
        writer.drain()
    with pytest.raises(StoreError):
        writer.submit([_group(2)])
    with pytest.raises(StoreError):
        writer.close()
    assert [i.url.rsplit("/", 1)[1] for i in store.all(Image)] == ["0.jpg"]


def test_digest_is_the_canonical_json_digest(tmp_path: Path) -> None:
    store = _store(tmp_path / "store.db")
    store.write([_group(n) for n in range(6)])
    for row in [*store.all(Image), *store.all(SignalRecord)]:
        reference = hashlib.sha256(canonical_json(canonical_dict(row))).hexdigest()
        assert record_digest(row) == reference
