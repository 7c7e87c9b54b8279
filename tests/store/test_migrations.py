"""The Alembic migrations build exactly the schema the models declare, on both databases."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlmodel import SQLModel

from provenance.store import open_store
from provenance.store.models import CrawlRun, Image


def _diff(url: str) -> list[object]:
    store = open_store(url)
    with store.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return list(compare_metadata(context, SQLModel.metadata))


def test_sqlite_schema_matches_the_models(tmp_path: Path) -> None:
    assert _diff(str(tmp_path / "store.db")) == []


@pytest.mark.postgres
def test_postgresql_schema_matches_the_models(pg_url: str) -> None:
    assert _diff(pg_url) == []


@pytest.mark.postgres
@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_store_round_trip_and_idempotent_writes(backend: str, tmp_path: Path, pg_url: str) -> None:
    url = str(tmp_path / "store.db") if backend == "sqlite" else pg_url
    store = open_store(url)
    open_store(url)  # opening again is a no-op migration
    first = store.write([CrawlRun(id="r1", mode="compliant")])
    image = Image(
        run_id="r1",
        url="http://a.example/x.jpg",
        host="a.example",
        mode="compliant",
        decision="collected",
        phash="ffffffffffffffff",
        faces=[[1, 2, 3, 4]],
    )
    assert store.write([image]).inserted == 1
    again = Image(
        run_id="r1",
        url="http://a.example/x.jpg",
        host="a.example",
        mode="compliant",
        decision="skipped",
    )
    result = store.write([again])
    assert (first.inserted, result.inserted, result.existing) == (1, 0, 1)
    (stored,) = store.all(Image, run_id="r1")
    assert stored.decision == "collected"
    assert stored.phash == "ffffffffffffffff"  # 64-bit hashes stored as hex, no overflow
    assert stored.faces == [[1, 2, 3, 4]]
