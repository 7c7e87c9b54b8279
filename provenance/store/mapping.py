"""The one place where crawler records become table rows."""

from __future__ import annotations

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

_DEFAULTS: dict[type[SQLModel], tuple[tuple[str, Any, Any], ...]] = {}


def _defaults(model: type[SQLModel]) -> tuple[tuple[str, Any, Any], ...]:
    cached = _DEFAULTS.get(model)
    if cached is None:
        # the constructor configures the mappers on first use; rows made here must find
        # them configured too, or reading an attribute fails
        configure_mappers()
        cached = _DEFAULTS[model] = tuple(
            (name, None if f.default is PydanticUndefined else f.default, f.default_factory)
            for name, f in model.model_fields.items()
        )
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
    fields = _defaults(model)
    unknown = values.keys() - {name for name, _, _ in fields}
    if unknown:
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


def _signal_rows(run_id: str, subject: str, signals: list[Signal]) -> list[SQLModel]:
    return [
        new_row(
            SignalRecord,
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
        for s in signals
    ]


def snapshot_rows(run_id: str, rec: SnapshotRecord) -> list[SQLModel]:
    """A host snapshot row plus its host-level signal rows."""
    row = new_row(
        HostSnapshot,
        run_id=run_id,
        host=rec.host,
        kind=rec.kind,
        url=rec.url,
        final_url=rec.final_url,
        outcome=rec.outcome,
        status=rec.status,
        reason=rec.reason,
        http_status=rec.http_status,
        fetched_at=rec.fetched_at,
        sha256=rec.sha256,
        byte_size=rec.byte_size,
        truncated=rec.truncated,
        server_ip=rec.server_ip,
        body=rec.body,
        parsed=rec.parsed,
        warc_file=rec.warc.file if rec.warc else None,
        warc_offset=rec.warc.offset if rec.warc else None,
    )
    return [row, *_signal_rows(run_id, rec.host, rec.signals)]


def snapshot_record(row: HostSnapshot) -> SnapshotRecord:
    """A stored snapshot as the record the crawl produced (signals are not needed to rebuild)."""
    return SnapshotRecord(
        host=row.host,
        kind=row.kind,
        url=row.url,
        outcome=row.outcome,
        status=row.status,
        fetched_at=row.fetched_at,
        reason=row.reason,
        final_url=row.final_url,
        http_status=row.http_status,
        sha256=row.sha256,
        byte_size=row.byte_size,
        truncated=row.truncated,
        server_ip=row.server_ip,
        body=row.body,
        parsed=dict(row.parsed or {}),
        warc=WarcRef(row.warc_file, row.warc_offset)
        if row.warc_file and row.warc_offset is not None
        else None,
    )


def page_rows(run_id: str, rec: PageRecord) -> list[SQLModel]:
    """A page row plus its page-level signal rows."""
    row = new_row(
        Page,
        run_id=run_id,
        url=rec.url,
        host=rec.host,
        decision=rec.decision,
        reasons=rec.reasons,
        http_status=rec.http_status,
        content_type=rec.content_type,
        fetched_at=rec.fetched_at,
        depth=rec.depth,
        seed=rec.seed,
        referrer_chain=rec.referrer_chain,
        lang=rec.lang,
        title=rec.title,
        rendered=rec.rendered,
        server_ip=rec.server_ip,
        sha256=rec.sha256,
        error=rec.error,
        site_jurisdiction=rec.site_jurisdiction,
        facts=rec.facts,
        warc_file=rec.warc.file if rec.warc else None,
        warc_offset=rec.warc.offset if rec.warc else None,
    )
    return [row, *_signal_rows(run_id, rec.url, rec.signals)]


def occurrence_rows(run_id: str, rec: OccurrenceRecord) -> list[SQLModel]:
    """One occurrence row."""
    return [
        new_row(
            ImageOccurrence,
            run_id=run_id,
            image_url=rec.image_url,
            page_url=rec.page_url,
            alt=rec.alt,
            title=rec.title,
            context=rec.context,
            snippets=rec.snippets,
            seed=rec.seed,
            referrer_chain=rec.referrer_chain,
        )
    ]


def _media_field(media: dict[str, Any], *path: str) -> Any:
    value: Any = media
    for key in path:
        if not isinstance(value, dict):
            return None
        value = value.get(key)
    return value


def image_rows(run_id: str, rec: ImageRecord) -> list[SQLModel]:
    """An image row (media facts flattened where they are queried) plus its signal rows."""
    m = rec.media
    faces = _media_field(m, "faces", "boxes") or []
    row = new_row(
        Image,
        run_id=run_id,
        url=rec.url,
        host=rec.host,
        mode=rec.mode,
        decision=rec.decision,
        stage=rec.stage,
        reasons=rec.reasons,
        overridden=rec.overridden,
        fetched_at=rec.fetched_at,
        http_status=rec.http_status,
        content_type=rec.content_type,
        response_headers=rec.response_headers,
        server_ip=rec.server_ip,
        byte_size=m.get("byte_size"),
        sha256=m.get("sha256"),
        format=m.get("format"),
        width=m.get("width"),
        height=m.get("height"),
        phash=m.get("phash"),
        dhash=m.get("dhash"),
        pdq=m.get("pdq"),
        pdq_quality=m.get("pdq_quality"),
        face_count=_media_field(m, "faces", "count"),
        faces=[list(b) for b in faces],
        media=m,
        error=rec.error,
        site_jurisdiction=rec.site_jurisdiction,
        subject_jurisdiction=rec.subject_jurisdiction,
        subject=rec.subject,
        warc_file=rec.warc.file if rec.warc else None,
        warc_offset=rec.warc.offset if rec.warc else None,
    )
    return [row, *_signal_rows(run_id, rec.url, rec.signals)]


def dataset_entry_rows(run_id: str, rec: DatasetEntryRecord) -> list[SQLModel]:
    """One dataset entry row."""
    return [
        new_row(
            DatasetEntry,
            run_id=run_id,
            source=rec.source,
            row=rec.row,
            key=rec.key,
            url=rec.url,
            caption=rec.caption,
            page_url=rec.page_url,
            problem=rec.problem,
            local=rec.local,
            presence=rec.presence,
            presence_detail=rec.presence_detail,
        )
    ]


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
