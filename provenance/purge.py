"""Purging image records: bytes and personal fields out, hashes into a tombstone, a receipt in.

:func:`purge_images` is the one mechanism behind opt-out requests and jurisdiction purges
(:mod:`provenance.optout` decides *what* to purge). For each image row it

- scrubs the row: URL, host, decision, stage, reasons, fetch facts, format and size stay (they
  are the record that the image existed and was removed); sha256, perceptual hashes, media
  facts (EXIF, XMP, IPTC, C2PA, faces, crop hashes), face boxes, subject text and subject
  jurisdiction go; ``purged_at`` is set. The alt text, title, caption and nearby text
  (snippets) of its occurrences go too;
- removes the image's payload from the WARC output by rewriting each affected file: every
  record is copied byte for byte except the image's response record, which becomes a
  ``metadata`` record saying the payload was removed (``WARC-Refers-To`` the old record id).
  The rewritten file gets a new name (``...-purgedN.warc.gz``) and every pointer into the old
  file (images, pages, host snapshots) is moved to the new name and offset;
- keeps a :class:`~provenance.store.models.Tombstone` per distinct image with only hashes
  (sha256, PDQ and quality, pHash, crop pHashes, sha256 of the URL), so the photograph is not
  collected again;
- chains everything in one transaction (:meth:`Store.chained`): each scrubbed row's new digest
  (kind ``purge``), each tombstone, and the request with its receipt. ``verify`` passes after
  a purge: pointers are outside record digests and are checked against the rewritten files.

Crash safety: the new WARC files are written first under new names; the database transaction
then moves the pointers; only after it commits are the old files deleted. A crash before the
commit leaves unreferenced new files (deleted on the next purge); a crash after it leaves the
old files, which the next purge deletes (they are named as replaced in the receipt and no
pointer refers to them). A purge must not run while a crawl is writing to the same WARC files.
"""

from __future__ import annotations

import hashlib
import io
import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlmodel import Session, col, select
from warcio.archiveiterator import ArchiveIterator
from warcio.warcwriter import WARCWriter

from provenance.errors import IntegrityError, NotFoundError
from provenance.matching import HashSet
from provenance.store import Store
from provenance.store.db import subject_of
from provenance.store.models import (
    HostSnapshot,
    Image,
    ImageOccurrence,
    OptOutRequest,
    Page,
    Tombstone,
)
from provenance.vocab import Decision

_GENERATION = re.compile(r"^(?P<base>.*?)(?:-purged(?P<n>\d+))?\.warc\.gz$")
MEDIA_KEPT = ("status", "format", "width", "height", "byte_size", "content_type")
"""What a purged image row keeps of its media facts: nothing personal, nothing hash-like."""


def url_sha256(url: str) -> str:
    """sha256 of the exact URL string, as tombstones and the crawler's registry check use it."""
    return hashlib.sha256(url.encode("utf-8")).hexdigest()


@dataclass(slots=True)
class PurgeReceipt:
    """What one purge did; stored on the request (``receipt``) and so chained with it."""

    purged_at: datetime
    images: list[int] = field(default_factory=list)
    occurrences: int = 0
    warc_records_removed: int = 0
    warc_files: dict[str, str] = field(default_factory=dict)
    tombstones: list[int] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "purged_at": self.purged_at.isoformat(),
            "images": self.images,
            "occurrences": self.occurrences,
            "warc_records_removed": self.warc_records_removed,
            "warc_files": self.warc_files,
            "tombstones": self.tombstones,
        }


@dataclass(frozen=True, slots=True)
class _Record:
    offset: int
    length: int
    kind: str
    target: str | None
    record_id: str | None
    date: str | None


def next_generation(name: str) -> str:
    """The file name a rewrite of ``name`` gets: ``x.warc.gz`` → ``x-purged1.warc.gz`` → ...2."""
    m = _GENERATION.match(name)
    if m is None:
        raise IntegrityError(f"{name} is not a .warc.gz file name provtrack wrote")
    n = int(m.group("n") or 0) + 1
    return f"{m.group('base')}-purged{n}.warc.gz"


def _records(path: Path) -> list[_Record]:
    out = []
    with path.open("rb") as fh:
        it = ArchiveIterator(fh)
        for record in it:
            headers = record.rec_headers
            kind = str(record.rec_type)
            target = headers.get_header("WARC-Target-URI")
            rid = headers.get_header("WARC-Record-ID")
            date = headers.get_header("WARC-Date")
            it.read_to_end(record)
            out.append(
                _Record(it.get_record_offset(), it.get_record_length(), kind, target, rid, date)
            )
    return out


def _removal_record(old: _Record, fields: dict[str, str]) -> bytes:
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


def rewrite_warc(
    warc_dir: Path, name: str, removals: dict[int, dict[str, str]]
) -> tuple[str, dict[int, int]]:
    """Copy ``name`` to its next generation with the response records at ``removals`` replaced.

    Every other record is copied byte for byte (its digests stay valid). Returns the new file
    name and the map from each record's old offset to its new one. Raises
    :class:`IntegrityError` when an offset to remove is not the start of a response record.
    """
    src = warc_dir / name
    records = _records(src)
    by_offset = {r.offset: r for r in records}
    for offset in removals:
        rec = by_offset.get(offset)
        if rec is None or rec.kind != "response":
            raise IntegrityError(f"{name}@{offset} is not a response record; nothing was purged")
    new_name = next_generation(name)
    dst = warc_dir / new_name
    offsets: dict[int, int] = {}
    with src.open("rb") as fh, dst.open("wb") as out:
        for rec in records:
            offsets[rec.offset] = out.tell()
            if rec.offset in removals:
                out.write(_removal_record(rec, removals[rec.offset]))
                continue
            fh.seek(rec.offset)
            out.write(fh.read(rec.length))
    return new_name, offsets


def _scrub_image(image: Image, when: datetime) -> None:
    media = image.media or {}
    image.media = {k: media[k] for k in MEDIA_KEPT if k in media} | {"purged": True}
    image.sha256 = None
    image.phash = None
    image.dhash = None
    image.pdq = None
    image.pdq_quality = None
    image.faces = []
    image.subject = {}
    image.subject_jurisdiction = []
    image.purged_at = when


def tombstone_of(image: Image, *, with_hashes: bool = True) -> Tombstone:
    """The tombstone of an image row (before it is scrubbed): hashes and the URL's sha256."""
    if not with_hashes:
        return Tombstone(url_sha256=url_sha256(image.url))
    crops = (image.media or {}).get("phash_crops") or []
    return Tombstone(
        sha256=image.sha256,
        phash=image.phash,
        pdq=image.pdq,
        pdq_quality=image.pdq_quality,
        phash_crops=[str(h) for h in crops],
        url_sha256=url_sha256(image.url),
    )


def tombstone_from_hashes(hashes: HashSet) -> Tombstone:
    """A tombstone for a photograph known only by its hashes (an opt-out request's image)."""
    return Tombstone(
        sha256=hashes.sha256,
        phash=hashes.phash,
        pdq=hashes.pdq,
        pdq_quality=hashes.pdq_quality,
        phash_crops=list(hashes.phash_crops),
    )


def _tomb_key(t: Tombstone) -> tuple[Any, ...]:
    return (t.sha256, t.phash, t.pdq, t.url_sha256)


WarcDirs = Path | Sequence[Path] | None
"""One WARC folder, several (a distributed crawl writes one per process), or none."""


def warc_folders(dirs: WarcDirs) -> list[Path]:
    """The WARC folders as a list of existing directories."""
    folders = [dirs] if isinstance(dirs, Path) else list(dirs or [])
    return [d for d in folders if d.is_dir()]


def locate(dirs: WarcDirs, name: str) -> Path | None:
    """The folder holding WARC file ``name``, if any."""
    return next((d for d in warc_folders(dirs) if (d / name).is_file()), None)


def remove_replaced_files(store: Store, warc_dirs: WarcDirs) -> list[str]:
    """Delete WARC files a purge replaced that are still on disk (a crash after its commit).

    Only files that a receipt names as replaced and that no record points at are deleted.
    """
    replaced: set[str] = set()
    for request in store.all(OptOutRequest):
        replaced.update((request.receipt or {}).get("warc_files", {}))
    referenced = _referenced_files(store)
    removed = []
    for name in sorted(replaced - referenced):
        for folder in warc_folders(warc_dirs):
            if (folder / name).exists():
                (folder / name).unlink()
                removed.append(name)
    return removed


def _referenced_files(store: Store) -> set[str]:
    names: set[str] = set()
    with store.session() as s:
        for column in (Image.warc_file, Page.warc_file, HostSnapshot.warc_file):
            stmt = select(column).where(col(column).is_not(None)).distinct()
            names.update(str(n) for n in s.exec(stmt).all())
    return names


def _pointing_at(s: Session, name: str) -> list[Image | Page | HostSnapshot]:
    rows: list[Image | Page | HostSnapshot] = []
    rows.extend(s.exec(select(Image).where(Image.warc_file == name)).all())
    rows.extend(s.exec(select(Page).where(Page.warc_file == name)).all())
    rows.extend(s.exec(select(HostSnapshot).where(HostSnapshot.warc_file == name)).all())
    return rows


def _collected_pointers(images: Iterable[Image]) -> dict[str, list[int]]:
    """WARC file → offsets of the response records of collected images (their payloads)."""
    out: dict[str, list[int]] = defaultdict(list)
    for image in images:
        if image.decision != Decision.COLLECTED:
            continue  # skips keep a metadata record only; there is no payload to remove
        if image.warc_file is not None and image.warc_offset is not None:
            out[image.warc_file].append(image.warc_offset)
    return out


def preflight(store: Store, warc_dirs: WarcDirs, image_ids: Iterable[int]) -> None:
    """Raise :class:`NotFoundError` unless every WARC file holding these images' payloads is
    in one of ``warc_dirs`` (checked before a request is recorded: a failed purge leaves none)."""
    ids = sorted(set(image_ids))
    if not ids:
        return
    with store.session() as s:
        images = s.exec(select(Image).where(col(Image.id).in_(ids))).all()
    for name in _collected_pointers(images):
        if locate(warc_dirs, name) is None:
            where = ", ".join(str(d) for d in warc_folders(warc_dirs)) or "no WARC folder"
            raise NotFoundError(
                f"WARC file {name} is not in {where}: pass the crawl's --out folder "
                "(nothing was purged)"
            )


def purge_images(
    store: Store,
    warc_dirs: WarcDirs,
    image_ids: Iterable[int],
    request: OptOutRequest,
    *,
    reason: str,
    tombstone_hashes: bool = True,
    extra_tombstones: Sequence[Tombstone] = (),
    matched: list[dict[str, Any]] | None = None,
) -> PurgeReceipt:
    """Purge the image rows (see the module docstring) for ``request``; return the receipt.

    ``request`` must already be stored (it has an id); it is updated with ``processed_at``,
    ``matched`` and the receipt in the same transaction as the purge. ``tombstone_hashes``
    False keeps only the URL's sha256 in each tombstone (a host opt-out concerns the site's
    URLs, not the photographs). Raises :class:`NotFoundError` when an image's WARC file is in
    none of ``warc_dirs``: a purge that cannot remove the bytes changes nothing.
    """
    if request.id is None:
        raise ValueError("the opt-out request must be stored before it is processed")
    remove_replaced_files(store, warc_dirs)
    now = datetime.now(UTC)
    ids = sorted(set(image_ids))
    with store.session() as s:
        images = list(
            s.exec(
                select(Image).where(col(Image.id).in_(ids)).where(col(Image.purged_at).is_(None))
            ).all()
        )
        existing = {_tomb_key(t) for t in s.exec(select(Tombstone)).all()}
    receipt = PurgeReceipt(purged_at=now)

    fields = {
        "provtrack-purge": "image payload removed",
        "purged-at": now.isoformat(),
        "reason": reason,
        "opt-out-request": str(request.id),
    }
    removals = {
        name: dict.fromkeys(offsets, fields)
        for name, offsets in _collected_pointers(images).items()
    }
    preflight(store, warc_dirs, ids)
    folders = {name: locate(warc_dirs, name) for name in removals}
    rewritten: dict[str, tuple[str, dict[int, int]]] = {}
    try:
        for name, offsets in removals.items():
            folder = folders[name]
            assert folder is not None
            rewritten[name] = rewrite_warc(folder, name, offsets)
            receipt.warc_records_removed += len(offsets)
        receipt.warc_files = {old: new for old, (new, _) in rewritten.items()}
        _commit(
            store,
            images,
            rewritten,
            request,
            receipt,
            reason,
            now,
            tombstone_hashes,
            existing,
            extra_tombstones,
            matched,
        )
    except BaseException:
        for old, (new_name, _) in rewritten.items():
            folder = folders[old]
            assert folder is not None
            (folder / new_name).unlink(missing_ok=True)
        raise
    for old in rewritten:
        folder = folders[old]
        assert folder is not None
        (folder / old).unlink(missing_ok=True)
    return receipt


def _commit(
    store: Store,
    images: list[Image],
    rewritten: dict[str, tuple[str, dict[int, int]]],
    request: OptOutRequest,
    receipt: PurgeReceipt,
    reason: str,
    now: datetime,
    tombstone_hashes: bool,
    existing: set[tuple[Any, ...]],
    extra_tombstones: Sequence[Tombstone],
    matched: list[dict[str, Any]] | None,
) -> None:
    with store.chained() as chain:
        s = chain.session
        # move every pointer into a rewritten file; pointers are outside record digests
        for old, (new, offsets) in rewritten.items():
            for pointer in _pointing_at(s, old):
                if pointer.warc_offset not in offsets:
                    raise IntegrityError(
                        f"{old}@{pointer.warc_offset} (pointed at by {subject_of(pointer)}) "
                        "is not the start of a record; nothing was purged"
                    )
                pointer.warc_file = new
                pointer.warc_offset = offsets[pointer.warc_offset]
        s.flush()
        tombstones: list[Tombstone] = []
        for image in sorted(images, key=lambda i: i.id or 0):
            row = s.get(Image, image.id)
            assert row is not None
            tomb = tombstone_of(row, with_hashes=tombstone_hashes)
            if _tomb_key(tomb) not in existing:
                existing.add(_tomb_key(tomb))
                tombstones.append(tomb)
            _scrub_image(row, now)
            chain.change(row, "purge", f"{reason}: image bytes and personal fields removed")
            receipt.images.append(row.id or 0)
            occurrences = s.exec(
                select(ImageOccurrence)
                .where(ImageOccurrence.run_id == row.run_id)
                .where(ImageOccurrence.image_url == row.url)
            ).all()
            for occ in occurrences:
                if not (occ.alt or occ.title or occ.context or occ.snippets):
                    continue
                occ.alt = occ.title = occ.context = None
                occ.snippets = []
                chain.change(occ, "purge", f"{reason}: alt text, title, caption, snippets removed")
                receipt.occurrences += 1
        for tomb in extra_tombstones:
            if _tomb_key(tomb) not in existing:
                existing.add(_tomb_key(tomb))
                tombstones.append(tomb)
        for tomb in tombstones:
            tomb.request_id = request.id
            tomb.created_at = now
            chain.insert(tomb, note=f"{reason}: tombstone (hashes only)")
            receipt.tombstones.append(tomb.id or 0)
        req = s.get(OptOutRequest, request.id)
        assert req is not None
        req.processed_at = now
        if matched is not None:
            req.matched = matched
        req.receipt = receipt.to_dict()
        chain.change(req, "purge", f"receipt for {reason}")
        request.processed_at = req.processed_at
        request.matched = req.matched
        request.receipt = req.receipt
