"""The one place where crawler records become table rows.

Each kind of record is copied into its table by name over the fields of the table's base
(:class:`Shape`), with :func:`new_row` as the fast constructor; only derived columns (the
flattened media facts, the WARC pointer, a signal's kind and level as their values) are
written out here.
"""

from __future__ import annotations

import dataclasses
import operator
from collections.abc import Callable
from typing import Any, TypeVar

from pydantic_core import PydanticUndefined
from sqlalchemy.orm import configure_mappers
from sqlmodel import SQLModel

from provenance.records import (
    DatasetEntryRecord,
    ImageRecord,
    OccurrenceRecord,
    PageRecord,
    SnapshotRecord,
    WarcRef,
)
from provenance.signals.model import Signal
from provenance.store.models import (
    DatasetEntry,
    HostSnapshot,
    Image,
    ImageOccurrence,
    Page,
    SignalRecord,
)

M = TypeVar("M", bound=SQLModel)

_Defaults = tuple[tuple[tuple[str, Any, Any], ...], frozenset[str]]
_DEFAULTS: dict[type[SQLModel], _Defaults] = {}


def _defaults(model: type[SQLModel]) -> _Defaults:
    """The model's fields in order with their defaults, and their names."""
    cached = _DEFAULTS.get(model)
    if cached is None:
        # the constructor configures the mappers on first use; rows made here must find
        # them configured too, or reading an attribute fails
        configure_mappers()
        fields = tuple(
            (name, None if f.default is PydanticUndefined else f.default, f.default_factory)
            for name, f in model.model_fields.items()
        )
        cached = _DEFAULTS[model] = (fields, frozenset(name for name, _, _ in fields))
    return cached


def new_row(model: type[M], **values: Any) -> M:
    """``model(**values)``, built the way SQLAlchemy builds the rows it loads.

    The result is the same object: the same column values and defaults, the same pydantic
    fields-set, a transient SQLAlchemy instance. ``SQLModel.__init__`` sets every field
    through the ORM's attribute instrumentation and pydantic's construct path, about 1.2 ms
    for an image row and 70 us for a signal row on the benchmark machine, the largest single
    cost of turning a crawl's records into rows (bench/README.md, crawl); here the instance
    state is made first and the values go straight into the instance dict (12 and 7 us).
    Table models are not validated on construction either way. A name that is not a field
    raises (the constructor would drop it silently).
    """
    return _build(model, values)


def _build(model: type[M], values: dict[str, Any]) -> M:
    """:func:`new_row` of a dict the caller gives up (it is not copied)."""
    fields, names = _defaults(model)
    if not values.keys() <= names:
        unknown = values.keys() - names
        raise TypeError(f"{model.__name__} has no field(s) {', '.join(sorted(unknown))}")
    obj: M = model._sa_class_manager.new_instance()  # type: ignore[attr-defined]
    data = obj.__dict__
    given = set(values)
    for name, _, _ in fields:  # the constructor's order: given fields, then the defaults
        if name in given:
            data[name] = values[name]
    for name, default, factory in fields:
        if name not in given:
            data[name] = factory() if factory is not None else default
    object.__setattr__(obj, "__pydantic_fields_set__", given)
    return obj


class Shape:
    """How one kind of crawler record becomes its table's row, read off the table's base.

    ``carried`` are the base's fields the record holds under the same name, copied across
    as they are; ``derived`` are the base's fields computed from the record (``derive``
    returns exactly them; a record field of the same name is then read, not copied);
    ``given`` are the base's fields the caller passes to :meth:`row` (a signal's subject);
    ``store_set`` are the base's fields only the store sets (their defaults here).
    ``transient`` are the record's fields never stored as columns. Every base field is in
    exactly one of the first four and every record field is carried, derived or transient
    (``tests/store/test_shapes.py``), so a column is declared once, in its base.
    """

    __slots__ = ("_get", "carried", "derive", "derived", "given", "record", "store_set", "table")

    def __init__(
        self,
        record: type,
        table: type[SQLModel],
        *,
        derive: Callable[[Any], dict[str, Any]] | None = None,
        derived: frozenset[str] = frozenset(),
        given: frozenset[str] = frozenset(),
        store_set: frozenset[str] = frozenset(),
    ) -> None:
        names = {f.name for f in dataclasses.fields(record)}
        self.record = record
        self.table = table
        self.carried = tuple(
            n for n in table.model_fields if n in names and n not in _KEYS and n not in derived
        )
        self._get = operator.attrgetter(*self.carried)
        self.derive = derive
        self.derived = derived
        self.given = given
        self.store_set = store_set

    @property
    def transient(self) -> frozenset[str]:
        """The record's fields that are not columns."""
        names = frozenset(f.name for f in dataclasses.fields(self.record))
        return names - set(self.carried) - self.derived

    def values(self, record: Any) -> dict[str, Any]:
        """The row's column values taken from ``record`` (all but the keys and store-set)."""
        # attrgetter of two or more names returns a tuple of the same length
        if self.derive is None:
            return dict(zip(self.carried, self._get(record), strict=False))
        values = self.derive(record)  # a fresh dict; carried and derived names are disjoint
        values.update(zip(self.carried, self._get(record), strict=False))
        return values

    def row(self, run_id: str, record: Any, **given: Any) -> SQLModel:
        """The table row of ``record`` in run ``run_id`` (built like :func:`new_row`), with
        the ``given`` fields as passed."""
        values = self.values(record)
        values["run_id"] = run_id
        if given:
            values.update(given)
        return _build(self.table, values)


_KEYS = frozenset({"id", "run_id"})  # what each table adds to its base


def _warc(rec: SnapshotRecord | PageRecord | ImageRecord) -> dict[str, Any]:
    warc = rec.warc
    return {
        "warc_file": warc.file if warc else None,
        "warc_offset": warc.offset if warc else None,
    }


_WARC = frozenset({"warc_file", "warc_offset"})


def _media_field(media: dict[str, Any], *path: str) -> Any:
    value: Any = media
    for key in path:
        if not isinstance(value, dict):
            return None
        value = value.get(key)
    return value


_MEDIA_COLUMNS = ("byte_size", "sha256", "format", "width", "height", "phash", "dhash", "pdq")


def _image_derived(rec: ImageRecord) -> dict[str, Any]:
    """The media facts flattened where they are queried, and the WARC pointer."""
    m = rec.media
    warc = rec.warc
    return {
        "byte_size": m.get("byte_size"),
        "sha256": m.get("sha256"),
        "format": m.get("format"),
        "width": m.get("width"),
        "height": m.get("height"),
        "phash": m.get("phash"),
        "dhash": m.get("dhash"),
        "pdq": m.get("pdq"),
        "pdq_quality": m.get("pdq_quality"),
        "face_count": _media_field(m, "faces", "count"),
        "faces": [list(b) for b in _media_field(m, "faces", "boxes") or []],
        "warc_file": warc.file if warc else None,
        "warc_offset": warc.offset if warc else None,
    }


def _signal_derived(signal: Signal) -> dict[str, Any]:
    """The vocabulary members as their values, and a copy of the extra facts."""
    return {"kind": signal.kind.value, "level": signal.level.value, "extra": dict(signal.extra)}


_IMAGE_DERIVED = frozenset({*_MEDIA_COLUMNS, "pdq_quality", "face_count", "faces", *_WARC})
SNAPSHOT = Shape(SnapshotRecord, HostSnapshot, derive=_warc, derived=_WARC)
PAGE = Shape(PageRecord, Page, derive=_warc, derived=_WARC)
IMAGE = Shape(
    ImageRecord,
    Image,
    derive=_image_derived,
    derived=_IMAGE_DERIVED,
    store_set=frozenset({"purged_at"}),
)
OCCURRENCE = Shape(OccurrenceRecord, ImageOccurrence, store_set=frozenset({"found_at"}))
DATASET_ENTRY = Shape(DatasetEntryRecord, DatasetEntry, store_set=frozenset({"recorded_at"}))
SIGNAL = Shape(
    Signal,
    SignalRecord,
    derive=_signal_derived,
    derived=frozenset({"kind", "level", "extra"}),
    given=frozenset({"subject"}),
)
SHAPES: tuple[Shape, ...] = (SNAPSHOT, PAGE, IMAGE, OCCURRENCE, DATASET_ENTRY, SIGNAL)
"""Every kind of record the store keeps a row of, with its table: the five the crawler hands
over, and the signals the snapshots, pages and images carry."""


def _signal_rows(run_id: str, subject: str, signals: list[Signal]) -> list[SQLModel]:
    row = SIGNAL.row
    return [row(run_id, s, subject=subject) for s in signals]


def snapshot_rows(run_id: str, rec: SnapshotRecord) -> list[SQLModel]:
    """A host snapshot row plus its host-level signal rows."""
    return [SNAPSHOT.row(run_id, rec), *_signal_rows(run_id, rec.host, rec.signals)]


def snapshot_record(row: HostSnapshot) -> SnapshotRecord:
    """A stored snapshot as the record the crawl produced (signals are not needed to rebuild)."""
    values = {name: getattr(row, name) for name in SNAPSHOT.carried}
    values["parsed"] = dict(row.parsed or {})
    warc = (
        WarcRef(row.warc_file, row.warc_offset)
        if row.warc_file and row.warc_offset is not None
        else None
    )
    return SnapshotRecord(**values, warc=warc)


def page_rows(run_id: str, rec: PageRecord) -> list[SQLModel]:
    """A page row plus its page-level signal rows."""
    return [PAGE.row(run_id, rec), *_signal_rows(run_id, rec.url, rec.signals)]


def occurrence_rows(run_id: str, rec: OccurrenceRecord) -> list[SQLModel]:
    """One occurrence row."""
    return [OCCURRENCE.row(run_id, rec)]


def image_rows(run_id: str, rec: ImageRecord) -> list[SQLModel]:
    """An image row (media facts flattened where they are queried) plus its signal rows."""
    return [IMAGE.row(run_id, rec), *_signal_rows(run_id, rec.url, rec.signals)]


def dataset_entry_rows(run_id: str, rec: DatasetEntryRecord) -> list[SQLModel]:
    """One dataset entry row."""
    return [DATASET_ENTRY.row(run_id, rec)]


Record = SnapshotRecord | PageRecord | ImageRecord | OccurrenceRecord | DatasetEntryRecord
"""Everything the crawler hands to the store."""

_MAPPERS: dict[type, Callable[[str, Any], list[SQLModel]]] = {
    SnapshotRecord: snapshot_rows,
    PageRecord: page_rows,
    ImageRecord: image_rows,
    OccurrenceRecord: occurrence_rows,
    DatasetEntryRecord: dataset_entry_rows,
}


def row_mapper(record: Record) -> Callable[[str, Any], list[SQLModel]]:
    """The function that maps records of this one's type (KeyError for a type the store does
    not know, so a caller that maps later can refuse the record when it is handed over)."""
    return _MAPPERS[type(record)]


def record_rows(run_id: str, record: Record) -> list[SQLModel]:
    """The rows one record is stored as (its row first, then its signal rows), whichever
    process maps it (the crawler's sink, or the writer process)."""
    return row_mapper(record)(run_id, record)
