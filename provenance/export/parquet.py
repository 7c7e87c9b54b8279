"""Parquet export: the image records joined back to the dataset they were audited from.

One row per dataset entry of an audit run (a manifest that lists a URL twice gets two rows, both
carrying the one record of that URL), and one row per image record for a crawl. Columns:

1. the dataset's key and URL, named as the audit's ``--key-col`` and ``--url-col`` named them
   (``key`` and ``url`` otherwise), so ``dataset.merge(export, on=KEY)`` joins without renaming;
2. where the row is in the dataset and what the dataset holds (``dataset_source``,
   ``dataset_row``, ``dataset_caption``, ``dataset_page_url``, ``dataset_problem``,
   ``dataset_presence``, ``dataset_presence_detail``, ``dataset_local``);
3. the record's fields in the JSONL export's order: scalars typed, lists of strings as lists,
   every object that carries evidence (reasons, signals, EXIF, verdicts...) as a JSON string,
   plus flattened columns for filtering (``reason_kinds``, ``face_count``, ``is_minor``,
   ``site_jurisdiction_code``, ``subject_jurisdiction_code``, ``verdict_summary``).

The schema is fixed (:data:`RECORD_COLUMNS`), so every file of every run reads alike; a field
the JSONL export gains later is appended as a JSON string column.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import IO, Any

import pyarrow as pa
import pyarrow.parquet as pq

from provenance.export.records import ExportView, iter_exports
from provenance.store import Store
from provenance.store.datasets import entry_runs, image_ids_by_url, iter_entry_batches
from provenance.store.models import CrawlRun, DatasetEntry, DatasetEntryPublic

_STR = pa.string()
_LIST = pa.list_(pa.string())

RECORD_COLUMNS: tuple[tuple[str, pa.DataType], ...] = (
    ("run_id", _STR),
    ("image_id", pa.int64()),
    ("image_url", _STR),
    ("host", _STR),
    ("page_urls", _LIST),
    ("referrer_chains", pa.list_(_LIST)),
    ("seeds", _LIST),
    ("alt_texts", _LIST),
    ("mode", _STR),
    ("decision", _STR),
    ("stage", _STR),
    ("reasons", _STR),
    ("reason_kinds", _LIST),
    ("overridden", _STR),
    ("fetched_at", pa.timestamp("us", tz="UTC")),
    ("http_status", pa.int32()),
    ("content_type", _STR),
    ("server_ip", _STR),
    ("byte_size", pa.int64()),
    ("sha256", _STR),
    ("format", _STR),
    ("width", pa.int32()),
    ("height", pa.int32()),
    ("phash", _STR),
    ("dhash", _STR),
    ("pdq", _STR),
    ("pdq_quality", pa.int32()),
    ("phash_crops", _LIST),
    ("face_count", pa.int32()),
    ("face_boxes", pa.list_(pa.list_(pa.int32()))),
    ("exif", _STR),
    ("xmp", _STR),
    ("c2pa", _STR),
    ("signals", _STR),
    ("host_snapshots", _STR),
    ("tls", _STR),
    ("page_host_snapshots", _STR),
    ("terms", _STR),
    ("terms_snapshot", _STR),
    ("site_jurisdiction", _STR),
    ("site_jurisdiction_code", _STR),
    ("subject_jurisdiction", _STR),
    ("subject_jurisdiction_code", _STR),
    ("subject", _STR),
    ("is_minor", pa.bool_()),
    ("verdicts", _STR),
    ("verdict_summary", _LIST),
    ("warc_file", _STR),
    ("warc_offset", pa.int64()),
    ("purged", pa.bool_()),
)
"""The record's columns in order (after the dataset's), with their parquet types."""

DATASET_COLUMNS: tuple[tuple[str, pa.DataType], ...] = (
    ("dataset_source", _STR),
    ("dataset_row", pa.int64()),
    ("dataset_caption", _STR),
    ("dataset_page_url", _STR),
    ("dataset_problem", _STR),
    ("dataset_presence", _STR),
    ("dataset_presence_detail", _STR),
    ("dataset_local", _STR),
)
_DERIVED = {"reason_kinds", "face_count", "face_boxes", "is_minor", "verdict_summary"}
_DERIVED |= {"site_jurisdiction_code", "subject_jurisdiction_code"}
_SKIPPED = {"export_version", "faces"}  # faces is split into face_count and face_boxes
BATCH = 2000


def _json(value: Any) -> str | None:
    if value is None:
        return None
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def _top_code(candidates: Any) -> str | None:
    if not isinstance(candidates, list) or not candidates:
        return None
    best = max(candidates, key=lambda c: float(c.get("confidence") or 0))
    code = best.get("code")
    return str(code) if code is not None else None


def _time(value: Any) -> datetime | None:
    if isinstance(value, datetime):
        return value
    if isinstance(value, str) and value:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    return None


def record_row(record: dict[str, Any] | None) -> dict[str, Any]:
    """The record's columns of one export object (all null when the URL has no record)."""
    if record is None:
        return {name: None for name, _ in RECORD_COLUMNS}
    faces = record.get("faces") or {}
    subject = record.get("subject") or {}
    row: dict[str, Any] = {}
    for name, kind in RECORD_COLUMNS:
        if name in _DERIVED:
            continue
        value = record.get(name)
        if name == "fetched_at":
            value = _time(value)
        elif kind == _STR and not isinstance(value, str | type(None)):
            value = _json(value)
        row[name] = value
    row.update(
        reason_kinds=[f"{r.get('kind')}:{r.get('value')}" for r in record.get("reasons") or []],
        face_count=faces.get("count"),
        face_boxes=[list(b) for b in faces.get("boxes") or []],
        is_minor=subject.get("is_minor") if isinstance(subject, dict) else None,
        site_jurisdiction_code=_top_code(record.get("site_jurisdiction")),
        subject_jurisdiction_code=_top_code(record.get("subject_jurisdiction")),
        verdict_summary=[
            f"{v.get('jurisdiction')}:{v.get('verdict')}" for v in record.get("verdicts") or []
        ],
    )
    return row


def _extra_keys(record: dict[str, Any]) -> list[str]:
    known = {name for name, _ in RECORD_COLUMNS} | _SKIPPED
    return [k for k in record if k not in known]


@dataclass(frozen=True, slots=True)
class ParquetSummary:
    """What one export wrote."""

    rows: int
    runs: list[str]
    columns: list[str]


class _Writer:
    """One parquet file (or stream) with the schema fixed by the first row written."""

    def __init__(self, sink: str | IO[bytes], key_col: str, url_col: str) -> None:
        self.sink = sink
        self.key_col = key_col
        self.url_col = url_col
        self.extra: list[str] = []
        self.schema: pa.Schema | None = None
        self.writer: pq.ParquetWriter | None = None
        self.rows = 0

    def _open(self, first: dict[str, Any]) -> None:
        self.extra = _extra_keys(first)
        fields = [
            pa.field(self.key_col, _STR),
            pa.field(self.url_col, _STR),
            *(pa.field(n, t) for n, t in DATASET_COLUMNS),
            *(pa.field(n, t) for n, t in RECORD_COLUMNS),
            *(pa.field(n, _STR) for n in self.extra),
        ]
        self.schema = pa.schema(fields)
        self.writer = pq.ParquetWriter(self.sink, self.schema, compression="zstd")

    def write(self, rows: list[tuple[dict[str, Any], dict[str, Any] | None]]) -> None:
        """Write ``(leading columns, export object)`` pairs as one row group."""
        if not rows:
            return
        if self.writer is None:
            self._open(next((r for _, r in rows if r is not None), {}))
        assert self.schema is not None
        assert self.writer is not None
        columns: dict[str, list[Any]] = {name: [] for name in self.schema.names}
        for lead, record in rows:
            values = {**lead, **record_row(record)}
            for name in self.extra:
                values[name] = _json(record.get(name)) if record else None
            for name in self.schema.names:
                columns[name].append(values.get(name))
        self.writer.write_table(pa.Table.from_pydict(columns, schema=self.schema))
        self.rows += len(rows)

    def close(self) -> list[str]:
        if self.writer is None:
            self._open({})
        assert self.writer is not None
        assert self.schema is not None
        self.writer.close()
        return list(self.schema.names)


def _names(store: Store, runs: Iterable[str]) -> tuple[str, str]:
    """The key and URL column names the audit runs were given (one pair for the file)."""
    key_col, url_col = "key", "url"
    for run_id in runs:
        run = store.get_run(run_id)
        columns = (run.settings or {}).get("columns") if run else None
        if isinstance(columns, dict):
            key_col = str(columns.get("key") or key_col)
            url_col = str(columns.get("url") or url_col)
            break
    if key_col == url_col:
        url_col = f"{url_col}_url"
    return key_col, url_col


def _entry_lead(entry: DatasetEntry, key_col: str, url_col: str) -> dict[str, Any]:
    """The dataset's columns of one entry: its fields read through its public shape, each
    ``dataset_X`` the field ``X``; objects as JSON strings (the presence detail once a presence
    is known, the local copy when the dataset has one)."""
    shown = DatasetEntryPublic.model_validate(entry)
    lead: dict[str, Any] = {key_col: shown.key, url_col: shown.url}
    for name, _ in DATASET_COLUMNS:
        lead[name] = getattr(shown, name.removeprefix("dataset_"))
    lead["dataset_presence_detail"] = _json(shown.presence_detail) if shown.presence else None
    lead["dataset_local"] = _json(shown.local) if shown.local else None
    return lead


def _entry_rows(
    store: Store, run_id: str, key_col: str, url_col: str
) -> Iterator[list[tuple[dict[str, Any], dict[str, Any] | None]]]:
    for entries in iter_entry_batches(store, run_id, batch=BATCH):
        ids = image_ids_by_url(store, run_id, [e.url for e in entries])
        view = ExportView(store, run_id, image_ids=list(ids.values())) if ids else None
        by_url = {r["image_url"]: r for r in view} if view is not None else {}
        yield [(_entry_lead(e, key_col, url_col), by_url.get(e.url)) for e in entries]


def _record_rows(
    store: Store, run_id: str, key_col: str, url_col: str
) -> Iterator[list[tuple[dict[str, Any], dict[str, Any] | None]]]:
    batch: list[tuple[dict[str, Any], dict[str, Any] | None]] = []
    for record in iter_exports(store, run_id, batch=BATCH):
        batch.append(({key_col: None, url_col: record["image_url"]}, record))
        if len(batch) >= BATCH:
            yield batch
            batch = []
    if batch:
        yield batch


def write_parquet(
    store: Store, dest: str | Path | IO[bytes], run_id: str | None = None
) -> ParquetSummary:
    """Write the records of a run (or every run) as one parquet file; ``dest`` may be a stream.

    Audit runs give one row per dataset entry; other runs one row per image record.
    """
    if run_id:
        runs = [run_id]
    else:
        runs = sorted(r.id for r in store.all(CrawlRun))
    with_entries = set(entry_runs(store, run_id))
    key_col, url_col = _names(store, [r for r in runs if r in with_entries])
    if isinstance(dest, Path):
        dest.parent.mkdir(parents=True, exist_ok=True)
        dest = str(dest)
    writer = _Writer(dest, key_col, url_col)
    for run in runs:
        batches = (_entry_rows if run in with_entries else _record_rows)(
            store, run, key_col, url_col
        )
        for batch in batches:
            writer.write(batch)
    columns = writer.close()
    return ParquetSummary(rows=writer.rows, runs=runs, columns=columns)
