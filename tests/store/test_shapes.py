"""Each stored kind has one data shape: its columns are declared once, in ``XBase``; the table
adds only its key and run, the public shape only requires them, and the crawler's record is
copied into the row by name over the base's fields (provenance/store/models.py)."""

from __future__ import annotations

import dataclasses
import typing

import pytest
from sqlmodel import SQLModel

from provenance import records
from provenance.store import models
from provenance.store.mapping import SHAPES, Shape

KINDS = ("HostSnapshot", "Page", "Image", "ImageOccurrence", "DatasetEntry")
KEYS = {"id", "run_id"}
# what each in-flight record holds that is no column: bytes that go to the WARC only, signals
# (rows of their own), the WARC pointer as one object, text read into ``subject``, the audit's
# entries (rows of their own). A field added to a record lands here until its base has it.
TRANSIENT = {
    records.SnapshotRecord: {"signals", "warc"},
    records.PageRecord: {"signals", "warc"},
    records.ImageRecord: {
        *("reason_phrase", "request_headers", "body", "signals", "warc", "entries"),
        *("page_url", "alt", "caption", "snippets"),
    },
    records.OccurrenceRecord: set(),
    records.DatasetEntryRecord: set(),
}


def _shapes(kind: str) -> tuple[type[SQLModel], type[SQLModel], type[SQLModel]]:
    return (
        getattr(models, f"{kind}Base"),
        getattr(models, kind),
        getattr(models, f"{kind}Public"),
    )


@pytest.mark.parametrize("kind", KINDS)
def test_the_table_adds_only_its_keys_to_the_base(kind: str) -> None:
    base, table, public = _shapes(kind)
    assert issubclass(table, base)
    assert issubclass(public, base)
    assert not issubclass(public, table)
    # nothing but the keys is declared on the table or the public shape itself
    assert set(table.__annotations__) - {"__tablename__", "__table_args__"} == KEYS
    assert set(public.__annotations__) == KEYS
    assert set(table.model_fields) == set(base.model_fields) | KEYS
    assert set(public.model_fields) == set(table.model_fields)
    # every table column is a field, declared once (the base's, or a key)
    columns = {c.name for c in table.__table__.columns}  # type: ignore[attr-defined]
    assert columns == set(table.model_fields)
    for name in base.model_fields:
        assert table.model_fields[name].annotation == base.model_fields[name].annotation
        assert public.model_fields[name].annotation == base.model_fields[name].annotation
    # a public row always has its key and run
    assert public.model_fields["id"].is_required()
    assert public.model_fields["run_id"].is_required()


def test_every_kind_of_record_has_its_shape() -> None:
    assert sorted(s.table.__name__ for s in SHAPES) == sorted(KINDS)
    assert {s.record for s in SHAPES} == {
        records.SnapshotRecord,
        records.PageRecord,
        records.ImageRecord,
        records.OccurrenceRecord,
        records.DatasetEntryRecord,
    }


@pytest.mark.parametrize("shape", SHAPES, ids=lambda s: s.table.__name__)
def test_a_record_carries_the_base_fields_by_name(shape: Shape) -> None:
    """Every base field is carried from the record, derived from it, or set by the store, in
    exactly one way; what the record carries has the column's type."""
    base = getattr(models, f"{shape.table.__name__}Base")
    carried = set(shape.carried)
    assert not carried & shape.derived
    assert not carried & shape.store_set
    assert not shape.derived & shape.store_set
    assert carried | shape.derived | shape.store_set == set(base.model_fields)
    hints = typing.get_type_hints(shape.record)
    for name in shape.carried:
        assert hints[name] == base.model_fields[name].annotation, name
    record_fields = {f.name for f in dataclasses.fields(shape.record)}
    assert record_fields - carried == shape.transient == TRANSIENT[shape.record]
    assert not shape.transient & set(base.model_fields)


def test_derived_values_are_exactly_the_derived_fields() -> None:
    from datetime import UTC, datetime

    when = datetime(2024, 5, 1, tzinfo=UTC)
    made = {
        records.SnapshotRecord: records.SnapshotRecord("h", "robots", "u", "parsed", "ok", when),
        records.PageRecord: records.PageRecord("u", "h", "fetched", when),
        records.ImageRecord: records.ImageRecord("u", "h", "compliant", "collected", when),
        records.OccurrenceRecord: records.OccurrenceRecord("i", "p"),
        records.DatasetEntryRecord: records.DatasetEntryRecord("m.csv", 0, "u"),
    }
    for shape in SHAPES:
        record = made[shape.record]
        derived = shape.derive(record) if shape.derive else {}
        assert set(derived) == shape.derived
        row = shape.row("r", record)
        assert set(row.__pydantic_fields_set__) == set(shape.carried) | shape.derived | {"run_id"}
