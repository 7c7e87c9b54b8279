"""Rewriting a WARC file with some records replaced by ``metadata`` records saying why.

A purge cannot edit a WARC file in place (records are gzip members, their digests cover
their bytes), so it copies the file to its next generation (``x.warc.gz`` →
``x-purged1.warc.gz``): every record is copied byte for byte except the ones removed, each
replaced by a ``metadata`` record (``application/warc-fields``) that keeps the record's
target URI and date, refers to the old record (``WARC-Refers-To``), says what was removed
and why, and, for pages, keeps the original's status line and payload digest so that what
was there can still be named. A photograph's digest is never kept: its tombstone holds it.

Besides the records named by offset, :func:`rewrite_warc_file` can look through the file's
text responses of some hosts for a person's texts (:class:`provenance.redaction.PersonTexts`):
the JSON a rendered profile page fetched has no row pointing at it, only the same words.
"""

from __future__ import annotations

import io
import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from warcio.archiveiterator import ArchiveIterator
from warcio.warcwriter import WARCWriter

from provenance.errors import IntegrityError
from provenance.redaction import PersonTexts

_GENERATION = re.compile(r"^(?P<base>.*?)(?:-purged(?P<n>\d+))?\.warc\.gz$")
_MAX_SCAN_BYTES = 8 * 1024 * 1024  # larger text bodies are not read (the crawler caps pages)


@dataclass(frozen=True, slots=True)
class Removal:
    """A record to replace: the fields its metadata record says, and whether to keep the
    original's status line and payload digest (pages yes, photographs never)."""

    fields: Mapping[str, str]
    keep_digest: bool = False


@dataclass(frozen=True, slots=True)
class Scan:
    """Which further records to remove: every response for one of ``urls`` (each capture of
    a removed page: a rendered page is also archived as first served) and the text responses
    of ``hosts`` holding ``texts``."""

    texts: PersonTexts
    hosts: Collection[str]
    urls: Collection[str]
    page_fields: Mapping[str, str]
    text_fields: Mapping[str, str]


@dataclass(slots=True)
class Rewrite:
    """What rewriting one file did: its new name, where each record went, what was removed
    (old offset → target URI), and which of those the scan found."""

    old_name: str
    new_name: str
    offsets: dict[int, int] = field(default_factory=dict)
    removed: dict[int, str] = field(default_factory=dict)
    found_by_scan: set[int] = field(default_factory=set)


@dataclass(frozen=True, slots=True)
class _Record:
    offset: int
    length: int
    kind: str
    target: str | None
    record_id: str | None
    date: str | None
    refers_to: str | None
    status: str | None
    payload_digest: str | None
    found: Mapping[str, str] | None


def next_generation(name: str) -> str:
    """The file name a rewrite of ``name`` gets: ``x.warc.gz`` → ``x-purged1.warc.gz`` → ...2."""
    m = _GENERATION.match(name)
    if m is None:
        raise IntegrityError(f"{name} is not a .warc.gz file name provtrack wrote")
    n = int(m.group("n") or 0) + 1
    return f"{m.group('base')}-purged{n}.warc.gz"


def _scan(record: object, target: str | None, scan: Scan | None) -> Mapping[str, str] | None:
    """The fields of the record's removal if the scan takes it, else ``None``."""
    if scan is None or target is None:
        return None
    if target in scan.urls:
        return scan.page_fields
    if not scan.texts or (urlsplit(target).hostname or "").lower() not in scan.hosts:
        return None
    http = record.http_headers  # type: ignore[attr-defined]
    content_type = http.get_header("Content-Type") if http is not None else None
    body = record.content_stream().read(_MAX_SCAN_BYTES)  # type: ignore[attr-defined]
    return scan.text_fields if scan.texts.in_body(body, content_type) else None


def _records(path: Path, scan: Scan | None) -> list[_Record]:
    out = []
    with path.open("rb") as fh:
        it = ArchiveIterator(fh)
        for record in it:
            headers = record.rec_headers
            kind = str(record.rec_type)
            target = headers.get_header("WARC-Target-URI")
            http = record.http_headers
            found = _scan(record, target, scan) if kind == "response" else None
            it.read_to_end(record)
            out.append(
                _Record(
                    offset=it.get_record_offset(),
                    length=it.get_record_length(),
                    kind=kind,
                    target=target,
                    record_id=headers.get_header("WARC-Record-ID"),
                    date=headers.get_header("WARC-Date"),
                    refers_to=headers.get_header("WARC-Refers-To"),
                    status=http.statusline if http is not None and kind == "response" else None,
                    payload_digest=headers.get_header("WARC-Payload-Digest"),
                    found=found,
                )
            )
    return out


def _removal_record(old: _Record, removal: Removal) -> bytes:
    fields = dict(removal.fields)
    fields["removed-record-type"] = old.kind
    if removal.keep_digest:
        if old.status:
            fields["original-status"] = old.status
        if old.payload_digest:
            fields["original-payload-digest"] = old.payload_digest
    buf = io.BytesIO()
    writer = WARCWriter(buf, gzip=True, warc_version="WARC/1.1")
    body = "".join(f"{k}: {v}\n" for k, v in fields.items()).encode()
    headers = {"WARC-Date": old.date or ""}
    if old.record_id:
        headers["WARC-Refers-To"] = old.record_id
    record = writer.create_warc_record(
        old.target or "",
        "metadata",
        payload=io.BytesIO(body),
        length=len(body),
        warc_content_type="application/warc-fields",
        warc_headers_dict=headers,
    )
    writer.write_record(record)
    return buf.getvalue()


def rewrite_warc_file(
    warc_dir: Path, name: str, removals: Mapping[int, Removal], scan: Scan | None = None
) -> Rewrite:
    """Copy ``name`` to its next generation with the records at ``removals`` (and those the
    scan finds) replaced by metadata records; every other record is copied byte for byte.

    Raises :class:`IntegrityError` when an offset to remove is not the start of a response
    or metadata record (nothing is written then).
    """
    src = warc_dir / name
    records = _records(src, scan)
    by_offset = {r.offset: r for r in records}
    for offset in removals:
        rec = by_offset.get(offset)
        if rec is None or rec.kind not in ("response", "metadata"):
            raise IntegrityError(
                f"{name}@{offset} is not a response or metadata record; nothing was purged"
            )
    result = Rewrite(name, next_generation(name))
    with src.open("rb") as fh, (warc_dir / result.new_name).open("wb") as out:
        for rec in records:
            result.offsets[rec.offset] = out.tell()
            removal = removals.get(rec.offset)
            if removal is None and rec.found is not None:
                removal = Removal(rec.found, keep_digest=True)
                result.found_by_scan.add(rec.offset)
            if removal is not None and rec.kind == "metadata" and rec.refers_to:
                removal = None  # already what an earlier purge left: nothing more to remove
            if removal is not None:
                out.write(_removal_record(rec, removal))
                result.removed[rec.offset] = rec.target or ""
                continue
            fh.seek(rec.offset)
            out.write(fh.read(rec.length))
    return result


def rewrite_warc(
    warc_dir: Path, name: str, removals: Mapping[int, Mapping[str, str]]
) -> tuple[str, dict[int, int]]:
    """:func:`rewrite_warc_file` for image payloads only: the new name and the offset map."""
    done = rewrite_warc_file(warc_dir, name, {o: Removal(f) for o, f in removals.items()})
    return done.new_name, done.offsets
