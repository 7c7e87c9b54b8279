"""Each stored kind has one data shape: its columns are declared once, in ``XBase``; the table
adds only its key and run, the public shape only requires them, and the crawler's record is
copied into the row by name over the base's fields; exports read a row through its public
shape (provenance/store/models.py)."""

from __future__ import annotations

import dataclasses
import typing
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlmodel import SQLModel

from provenance import records
from provenance.export.records import COLUMNS, FIELDS, JOINED, ExportView
from provenance.signals.model import Signal
from provenance.store import models, open_store
from provenance.store.canonical import record_digest
from provenance.store.mapping import SHAPES, SIGNAL, Shape, image_rows, new_row, page_rows
from provenance.store.models import CrawlRun
from provenance.vocab import Level, SignalKind

KINDS = ("HostSnapshot", "Page", "Image", "ImageOccurrence", "DatasetEntry", "SignalRecord")
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
    Signal: set(),
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
        Signal,
    }


@pytest.mark.parametrize("shape", SHAPES, ids=lambda s: s.table.__name__)
def test_a_record_carries_the_base_fields_by_name(shape: Shape) -> None:
    """Every base field is carried from the record, derived from it, given by the caller or
    set by the store, in exactly one way; what the record carries has the column's type."""
    base = getattr(models, f"{shape.table.__name__}Base")
    carried = set(shape.carried)
    ways = (carried, shape.derived, shape.given, shape.store_set)
    assert sum(len(w) for w in ways) == len(set().union(*ways)), "a field mapped two ways"
    assert set().union(*ways) == set(base.model_fields)
    hints = typing.get_type_hints(shape.record)
    for name in shape.carried:
        assert hints[name] == base.model_fields[name].annotation, name
    record_fields = {f.name for f in dataclasses.fields(shape.record)}
    assert record_fields - carried - shape.derived == shape.transient == TRANSIENT[shape.record]
    assert not shape.transient & set(base.model_fields)


def test_derived_values_are_exactly_the_derived_fields() -> None:
    when = datetime(2024, 5, 1, tzinfo=UTC)
    made = {
        records.SnapshotRecord: records.SnapshotRecord("h", "robots", "u", "parsed", "ok", when),
        records.PageRecord: records.PageRecord("u", "h", "fetched", when),
        records.ImageRecord: records.ImageRecord("u", "h", "compliant", "collected", when),
        records.OccurrenceRecord: records.OccurrenceRecord("i", "p"),
        records.DatasetEntryRecord: records.DatasetEntryRecord("m.csv", 0, "u"),
        Signal: Signal(SignalKind.ROBOTS, "disallow", "robots.txt", "Disallow: /", Level.HOST),
    }
    for shape in SHAPES:
        record = made[shape.record]
        derived = shape.derive(record) if shape.derive else {}
        assert set(derived) == shape.derived
        row = shape.row("r", record, **dict.fromkeys(shape.given, "given"))
        expected = set(shape.carried) | shape.derived | shape.given | {"run_id"}
        assert set(row.__pydantic_fields_set__) == expected


SIGNALS = (
    Signal(
        SignalKind.X_ROBOTS_TAG,
        "noimageai",
        "header:X-Robots-Tag",
        "X-Robots-Tag: noimageai",
        Level.IMAGE,
        url="http://a.example/i.jpg",
    ),
    Signal(
        SignalKind.TDM_RESERVATION,
        "1",
        "/.well-known/tdmrep.json",
        '{"tdm-reservation": 1}',
        Level.PAGE,
        agent="provtrack",
        restricts=True,
        extra={"policy": "http://a.example/p", "nested": {"a": [1, 2]}},
    ),
)


def _signal_row_spelled_out(run_id: str, subject: str, s: Signal) -> SQLModel:
    """The signal row as mapping.py built it field by field before the signal table had its
    base (kept here to hold the generic copy to it)."""
    return new_row(
        models.SignalRecord,
        run_id=run_id,
        level=s.level.value,
        subject=subject,
        kind=s.kind.value,
        value=s.value,
        source=s.source,
        evidence=s.evidence,
        agent=s.agent,
        restricts=s.restricts,
        url=s.url,
        extra=dict(s.extra),
    )


def test_signal_rows_are_the_spelled_out_rows() -> None:
    """Signal rows copied over SignalRecordBase are the field-by-field rows: the same values
    of the same types (vocabulary values as plain strings), fields-set and evidence digest;
    the extra facts are a copy, not the signal's own dict."""
    when = datetime(2024, 5, 1, tzinfo=UTC)
    page = records.PageRecord("http://a.example/p", "a.example", "fetched", when)
    page = dataclasses.replace(page, signals=list(SIGNALS))
    _, *rows = page_rows("r", page)
    assert len(rows) == len(SIGNALS)
    for row, signal in zip(rows, SIGNALS, strict=True):
        old = _signal_row_spelled_out("r", page.url, signal)
        assert type(row) is models.SignalRecord
        assert row.model_dump() == old.model_dump()
        assert {k: type(v) for k, v in row.model_dump().items()} == {
            k: type(v) for k, v in old.model_dump().items()
        }
        assert type(row.kind) is str
        assert type(row.level) is str
        assert row.__pydantic_fields_set__ == old.__pydantic_fields_set__
        assert record_digest(row) == record_digest(old)
        assert row.extra == signal.extra
        assert row.extra is not signal.extra
    assert SIGNAL.row("r", SIGNALS[0], subject="s").subject == "s"


# the image columns the export reads into a field of another name or shape, and those it
# leaves out (the whole response headers, the raw media dict, the failure text)
READ_INTO_JOINED = {"id", "url", "fetched_at", "face_count", "faces", "media", "purged_at"}
NOT_EXPORTED = {"response_headers", "error"}


def test_an_export_is_the_stored_row_through_its_public_shape(tmp_path: Path) -> None:
    when = datetime(2024, 5, 1, 12, 30, 0, 250, tzinfo=UTC)
    record = records.ImageRecord(
        url="http://a.example/i.jpg",
        host="a.example",
        mode="compliant",
        decision="collected",
        fetched_at=when,
        stage="after-download",
        reasons=[{"kind": "tdmrep", "value": "1", "source": "s", "evidence": "e"}],
        http_status=200,
        content_type="image/jpeg",
        response_headers={"Content-Type": ["image/jpeg"]},
        server_ip="127.0.0.1",
        media={
            "byte_size": 10,
            "sha256": "ab" * 32,
            "format": "JPEG",
            "width": 3,
            "height": 4,
            "phash": "f" * 16,
            "pdq_quality": 80,
            "faces": {"count": 1, "boxes": [[1, 2, 3, 4]]},
            "phash_crops": ["0" * 16],
            "exif": {"Make": "X"},
        },
        site_jurisdiction=[{"code": "US", "confidence": 0.5, "evidence": []}],
        subject={"is_minor": False},
        warc=records.WarcRef("a.warc.gz", 7),
    )
    store = open_store(str(tmp_path / "store.db"))
    store.write([CrawlRun(id="r", mode="compliant")])
    store.write([image_rows("r", record)])
    (row,) = store.all(models.Image, run_id="r")
    shown = models.ImagePublic.model_validate(row)
    (export,) = ExportView(store, "r")
    assert tuple(export) == FIELDS
    assert set(COLUMNS) <= set(models.ImagePublic.model_fields)
    for name in COLUMNS:
        assert export[name] == getattr(shown, name) == getattr(row, name), name
    assert (export["image_id"], export["image_url"]) == (row.id, row.url)
    assert export["fetched_at"] == "2024-05-01T12:30:00.000250Z"
    assert export["faces"] == {"count": row.face_count, "boxes": row.faces}
    assert (row.face_count, row.faces) == (1, [[1, 2, 3, 4]])
    assert (export["phash_crops"], export["exif"]) == (["0" * 16], {"Make": "X"})
    assert export["purged"] is False
    # every column is exported as it is, read into a joined field, or named as left out
    assert set(models.Image.model_fields) == set(COLUMNS) | READ_INTO_JOINED | NOT_EXPORTED
    assert not set(COLUMNS) & (READ_INTO_JOINED | NOT_EXPORTED)
    assert set(JOINED) | set(COLUMNS) == set(FIELDS)


def test_the_parquet_dataset_columns_are_entry_fields() -> None:
    """Each ``dataset_X`` column of the parquet export is the entry's field ``X``, read
    through its public shape; the key and URL columns are ``key`` and ``url``."""
    from provenance.export.parquet import DATASET_COLUMNS, _entry_lead

    fields = set(models.DatasetEntryPublic.model_fields)
    names = [n.removeprefix("dataset_") for n, _ in DATASET_COLUMNS]
    assert all(n.startswith("dataset_") for n, _ in DATASET_COLUMNS)
    assert set(names) <= fields
    # what an entry holds and the parquet file does not: its key, run and the audit's clock
    assert fields - set(names) == {"id", "run_id", "key", "url", "recorded_at"}
    entry = models.DatasetEntry(
        id=3, run_id="r", source="m.csv", row=2, key="k", url="u", presence="same"
    )
    lead = _entry_lead(entry, "image_key", "image_url")
    assert (lead["image_key"], lead["image_url"], lead["dataset_row"]) == ("k", "u", 2)
    assert (lead["dataset_presence_detail"], lead["dataset_local"]) == ("{}", None)


def test_show_chains_read_their_columns_through_the_public_shapes() -> None:
    """``show``/``lookup`` chains take the fields named as columns from ImagePublic, and a
    page entry's from ImageOccurrencePublic and PagePublic (provenance/trace.py)."""
    from provenance import trace

    assert set(trace.CHAIN_COLUMNS) <= set(models.ImagePublic.model_fields)
    assert set(trace.PAGE_ENTRY_OCCURRENCE_COLUMNS) <= set(
        models.ImageOccurrencePublic.model_fields
    )
    assert set(trace.PAGE_ENTRY_PAGE_COLUMNS) <= set(models.PagePublic.model_fields)
    columns = {*trace.PAGE_ENTRY_OCCURRENCE_COLUMNS, *trace.PAGE_ENTRY_PAGE_COLUMNS}
    assert columns <= set(trace.PAGE_ENTRY_FIELDS)
    assert not set(trace.PAGE_ENTRY_OCCURRENCE_COLUMNS) & set(trace.PAGE_ENTRY_PAGE_COLUMNS)


def test_one_signal_export_read_through_the_public_shape() -> None:
    """Exports and ``show``/``lookup`` chains give a signal by the one function, from its
    row read through SignalRecordPublic, in the README's order."""
    from provenance import trace
    from provenance.export import records as export_records
    from provenance.export.records import SIGNAL_FIELDS, signal_export

    assert trace.signal_export is signal_export
    assert not hasattr(trace, "_signal")
    assert not hasattr(export_records, "_signal")
    assert set(SIGNAL_FIELDS) <= set(models.SignalRecordPublic.model_fields)
    row = SIGNAL.row("r", SIGNALS[1], subject="http://a.example/p")
    row.id = 4
    shown = models.SignalRecordPublic.model_validate(row)
    exported = signal_export(shown)
    assert tuple(exported) == SIGNAL_FIELDS
    assert exported == {
        "kind": "tdm-reservation",
        "value": "1",
        "source": "/.well-known/tdmrep.json",
        "evidence": '{"tdm-reservation": 1}',
        "level": "page",
        "agent": "provtrack",
        "restricts": True,
        "url": None,
    }


def test_the_run_table_adds_only_its_key_to_the_base() -> None:
    base, table, public = models.CrawlRunBase, models.CrawlRun, models.CrawlRunPublic
    assert issubclass(table, base)
    assert issubclass(public, base)
    assert not issubclass(public, table)
    assert set(table.__annotations__) - {"__tablename__"} == {"id"}
    assert set(public.__annotations__) == {"id"}
    assert set(table.model_fields) == set(public.model_fields) == set(base.model_fields) | {"id"}
    columns = {c.name for c in table.__table__.columns}  # type: ignore[attr-defined]
    assert columns == set(table.model_fields)
    assert public.model_fields["id"].is_required()
    run = CrawlRun(id="r", mode="compliant")
    assert models.CrawlRunPublic.model_validate(run).model_dump() == run.model_dump()
