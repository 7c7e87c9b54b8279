"""The crawler's record-to-row mapping builds rows without ``SQLModel.__init__`` (the crawl's
largest per-record cost): the rows must be the constructor's, column for column, and store
and chain the same way."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import SQLModel

from provenance.records import ImageRecord, OccurrenceRecord, PageRecord, WarcRef
from provenance.signals.model import Signal
from provenance.store import open_store
from provenance.store.canonical import record_digest
from provenance.store.mapping import image_rows, new_row, occurrence_rows, page_rows
from provenance.store.models import (
    CrawlRun,
    EvidenceEntry,
    Image,
    ImageOccurrence,
    Page,
    SignalRecord,
)
from provenance.vocab import Level, SignalKind

WHEN = datetime(2024, 5, 1, 12, 30, tzinfo=UTC)
URL = "http://bulk-000.example/img/7.jpg"


def _image_record() -> ImageRecord:
    signal = Signal(
        level=Level.IMAGE,
        kind=SignalKind.X_ROBOTS_TAG,
        value="noimageai",
        source="header:X-Robots-Tag",
        evidence="X-Robots-Tag: noimageai",
        url=URL,
    )
    return ImageRecord(
        url=URL,
        host="bulk-000.example",
        mode="compliant",
        decision="skipped",
        fetched_at=WHEN,
        stage="after-download",
        reasons=[signal.to_dict()],
        http_status=200,
        content_type="image/jpeg",
        response_headers={"X-Robots-Tag": ["noimageai"]},
        media={"sha256": "ab" * 32, "faces": {"count": 1, "boxes": [[1, 2, 3, 4]]}},
        signals=[signal],
        warc=WarcRef("a.warc.gz", 10),
    )


def _as_constructed(row: SQLModel) -> SQLModel:
    """The same row made by the model's own constructor, from the fields new_row was given."""
    given = {name: getattr(row, name) for name in row.__pydantic_fields_set__}
    made = type(row)(**given)
    if "found_at" not in given and hasattr(row, "found_at"):
        made.__dict__["found_at"] = row.found_at  # a clock default: the same instant for both
    return made


def _rows() -> list[SQLModel]:
    page = PageRecord(
        url="http://bulk-000.example/p/0",
        host="bulk-000.example",
        decision="fetched",
        fetched_at=WHEN,
        referrer_chain=["http://bulk-000.example/"],
    )
    occurrence = OccurrenceRecord(URL, page.url, alt="a photo", referrer_chain=[page.url])
    return [
        *image_rows("r", _image_record()),
        *page_rows("r", page),
        *occurrence_rows("r", occurrence),
    ]


def test_rows_equal_the_constructors_rows() -> None:
    rows = _rows()
    assert {type(r) for r in rows} == {Image, SignalRecord, Page, ImageOccurrence}
    for row in rows:
        made = _as_constructed(row)
        assert row.model_dump() == made.model_dump()
        assert row.__pydantic_fields_set__ == made.__pydantic_fields_set__
        assert repr(row) == repr(made)
        assert record_digest(row) == record_digest(made)


def test_defaults_are_fresh_and_unknown_fields_raise() -> None:
    one = new_row(Image, run_id="r", url="u", host="h", mode="m", decision="d")
    two = new_row(Image, run_id="r", url="v", host="h", mode="m", decision="d")
    assert one.faces == []
    assert one.faces is not two.faces
    assert one.id is None
    assert isinstance(one.fetched_at, datetime)
    with pytest.raises(TypeError, match="no field"):
        new_row(Image, run_id="r", url="u", host="h", mode="m", decision="d", colour="red")


def test_rows_store_and_chain_like_constructed_ones(tmp_path: Path) -> None:
    """The same records written as new_row rows and as constructed rows give the same
    stored columns and the same evidence digests."""
    digests: list[list[str]] = []
    stored: list[list[dict[str, Any]]] = []
    base = _rows()
    for build in (lambda rows: rows, lambda rows: [_as_constructed(r) for r in rows]):
        store = open_store(str(tmp_path / f"{uuid.uuid4().hex}.db"))
        store.write([CrawlRun(id="r", mode="compliant", started_at=WHEN)])
        rows = build(base)
        store.write([rows[:2], [rows[2]], [rows[3]]])  # image + its signal, page, occurrence
        digests.append([e.digest for e in store.all(EvidenceEntry)])
        stored.append(
            [
                {k: v for k, v in r.model_dump().items() if k != "found_at"}
                for model in (Image, SignalRecord, Page, ImageOccurrence)
                for r in store.all(model, run_id="r")
            ]
        )
    assert digests[0] == digests[1]
    assert stored[0] == stored[1]
