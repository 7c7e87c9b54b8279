"""Purging image records: the photograph and what was written about the person it shows.

:func:`purge_images` is the one mechanism behind opt-out requests and jurisdiction purges
(:mod:`provenance.optout` decides *what* to purge). For each image row it

- scrubs the row: URL, host, decision, stage, reasons, fetch facts, format and size stay (they
  are the record that the image existed and was removed); sha256, perceptual hashes, media
  facts (EXIF, XMP, IPTC, C2PA, faces, crop hashes), face boxes, subject text and subject
  jurisdiction go; ``purged_at`` is set. The alt text, title, caption and nearby text
  (snippets) of its occurrences go too;
- removes the person, not only the picture (:mod:`provenance.redaction`): the texts read
  about the person (alt, title, caption, nearby and profile texts, the subject summary) are
  gathered first, and then
  - every page the image appeared on loses its WARC response record and its title, every
    host snapshot whose body holds one of the texts loses its body, and every other text
    response of those hosts in the rewritten WARC files that holds one (the JSON a rendered
    profile fetched) is removed too;
  - in every record kept on those hosts (other images' snippets and subject summaries,
    page titles, signals), each string holding one of the texts is removed;
  with ``keep_pages`` (evidence that must stay) pages, their WARC records and host-snapshot
  bodies are left as they were, and only the derived records are redacted;
- rewrites each affected WARC file (:mod:`provenance.warc_rewrite`): every record is copied
  byte for byte except the removed ones, each replaced by a ``metadata`` record saying what
  was removed (``WARC-Refers-To`` the old record id; a page's keeps its status line and
  payload digest, a photograph's keeps no digest: not even the metadata record of a copy
  skipped after download keeps the payload's sha256). The rewritten file gets a new name
  (``...-purgedN.warc.gz``) and every pointer into the old file (images, pages, host
  snapshots) is moved to the new name and offset;
- keeps a :class:`~provenance.store.models.Tombstone` per distinct image with only hashes
  (sha256, PDQ and quality, pHash, crop pHashes, sha256 of the URL), so the photograph is not
  collected again;
- chains everything in one transaction (:meth:`Store.chained`): each scrubbed or redacted
  row's new digest (kind ``purge``), each tombstone, and the request with its receipt.
  ``verify`` passes after a purge: pointers are outside record digests and are checked
  against the rewritten files.

Crash safety: the new WARC files are written first under new names; the database transaction
then moves the pointers; only after it commits are the old files deleted. A crash before the
commit leaves unreferenced new files (deleted on the next purge); a crash after it leaves the
old files, which the next purge deletes (they are named as replaced in the receipt and no
pointer refers to them). A purge must not run while a crawl is writing to the same WARC files.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from sqlmodel import Session

from provenance.errors import BusyError, IntegrityError, NotFoundError
from provenance.matching import HashSet
from provenance.redaction import PersonTexts
from provenance.store import Store
from provenance.store.db import ChainWriter, subject_of
from provenance.store.lock import holders_of
from provenance.store.models import (
    HostSnapshot,
    Image,
    OptOutRequest,
    Page,
    Tombstone,
)
from provenance.store.purges import (
    HostRecords,
    occurrences_of,
    pointing_at,
    records_of_hosts,
    referenced_files,
    unpurged_by_id,
)
from provenance.warc_rewrite import (
    Removal,
    Rewrite,
    Scan,
    next_generation,
    rewrite_warc,
    rewrite_warc_file,
)

__all__ = [
    "MEDIA_KEPT",
    "PurgeReceipt",
    "WarcDirs",
    "locate",
    "next_generation",
    "preflight",
    "purge_images",
    "remove_replaced_files",
    "rewrite_warc",
    "tombstone_from_hashes",
    "tombstone_of",
    "url_sha256",
    "warc_folders",
]
from provenance.vocab import Decision

MEDIA_KEPT = ("status", "format", "width", "height", "byte_size", "content_type")
"""What a purged image row keeps of its media facts: nothing personal, nothing hash-like."""


def url_sha256(url: str) -> str:
    """sha256 of the exact URL string, as tombstones and the crawler's registry check use it."""
    return hashlib.sha256(url.encode("utf-8")).hexdigest()


@dataclass(slots=True)
class PurgeReceipt:
    """What one purge did; stored on the request (``receipt``) and so chained with it.

    ``pages`` is ``removed`` (the default: page records, host-snapshot bodies and the text
    responses holding the person's texts are gone) or ``kept`` (``--keep-pages``: kept as
    evidence; only the records derived from them were redacted).
    """

    purged_at: datetime
    pages: str = "removed"
    images: list[int] = field(default_factory=list)
    occurrences: int = 0
    warc_records_removed: int = 0
    metadata_records_removed: int = 0
    page_records_removed: int = 0
    pages_removed: list[str] = field(default_factory=list)
    snapshots_scrubbed: int = 0
    rows_redacted: int = 0
    warc_files: dict[str, str] = field(default_factory=dict)
    tombstones: list[int] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "purged_at": self.purged_at.isoformat(),
            "pages": self.pages,
            "images": self.images,
            "occurrences": self.occurrences,
            "warc_records_removed": self.warc_records_removed,
            "metadata_records_removed": self.metadata_records_removed,
            "page_records_removed": self.page_records_removed,
            "pages_removed": self.pages_removed,
            "snapshots_scrubbed": self.snapshots_scrubbed,
            "rows_redacted": self.rows_redacted,
            "warc_files": self.warc_files,
            "tombstones": self.tombstones,
        }


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
            if (folder / name).exists() and not holders_of(folder / name):
                (folder / name).unlink()
                removed.append(name)
    return removed


def _referenced_files(store: Store) -> set[str]:
    with store.session() as s:
        return referenced_files(s)


def host_of(url: str) -> str:
    """The lower-cased host name of a URL (empty when it has none)."""
    return (urlsplit(url).hostname or "").lower()


@dataclass(slots=True)
class _Plan:
    """What a purge will remove, worked out before anything is written."""

    images: list[Image]
    keep_pages: bool
    texts: PersonTexts
    hosts: set[str]
    shown_on: set[tuple[str, str]]
    removals: dict[str, dict[int, Removal]]
    image_records: dict[str, dict[int, str]]
    scan: Scan | None


def _fields(what: str, reason: str, request_id: int | None, now: datetime) -> dict[str, str]:
    return {
        "provtrack-purge": what,
        "purged-at": now.isoformat(),
        "reason": reason,
        "opt-out-request": str(request_id),
    }


def _plan(
    store: Store,
    images: Sequence[Image],
    *,
    keep_pages: bool,
    reason: str = "",
    request_id: int | None = None,
    now: datetime | None = None,
) -> _Plan:
    """The records to remove: the images' own WARC records (a collected image's payload, the
    metadata record of a skipped copy, which names the payload's sha256) and, unless
    ``keep_pages``, the pages they appeared on, the host snapshots and text responses that
    hold the person's texts."""
    when = now or datetime.now(UTC)
    with store.session() as s:
        occurrences = occurrences_of(s, images)
        texts = PersonTexts.gather(
            [i.subject or {} for i in images],
            [(o.alt, o.title, o.context, o.snippets or []) for o in occurrences],
        )
        shown_on = {(o.run_id, o.page_url) for o in occurrences}
        hosts = {i.host for i in images} | {host_of(u) for _, u in shown_on}
        records = records_of_hosts(s, hosts) if not keep_pages else HostRecords()
    removals: dict[str, dict[int, Removal]] = defaultdict(dict)
    image_records: dict[str, dict[int, str]] = defaultdict(dict)
    for image in images:
        if image.warc_file is None or image.warc_offset is None:
            continue
        kind = "payload" if image.decision == Decision.COLLECTED else "metadata"
        what = "image payload removed" if kind == "payload" else "image record removed"
        removals[image.warc_file][image.warc_offset] = Removal(
            _fields(what, reason, request_id, when)
        )
        image_records[image.warc_file][image.warc_offset] = kind
    page_fields = _fields("page removed: it showed a purged image", reason, request_id, when)
    for page in records.pages:
        if (page.run_id, page.url) in shown_on and page.warc_file and page.warc_offset is not None:
            removals[page.warc_file].setdefault(page.warc_offset, Removal(page_fields, True))
    text_fields = _fields(
        "response removed: it held text about a person in a purged image",
        reason,
        request_id,
        when,
    )
    for snap in records.snapshots:
        if snap.warc_file and snap.warc_offset is not None and texts.in_body(snap.body):
            removals[snap.warc_file].setdefault(snap.warc_offset, Removal(text_fields, True))
    page_urls = frozenset(url for _, url in shown_on)
    scan = (
        None if keep_pages else Scan(texts, frozenset(hosts), page_urls, page_fields, text_fields)
    )
    return _Plan(list(images), keep_pages, texts, hosts, shown_on, removals, image_records, scan)


def _unpurged(store: Store, ids: Sequence[int]) -> list[Image]:
    with store.session() as s:
        return unpurged_by_id(s, ids)


def preflight(
    store: Store, warc_dirs: WarcDirs, image_ids: Iterable[int], *, keep_pages: bool = False
) -> None:
    """Raise :class:`NotFoundError` unless every WARC file the purge of these images rewrites
    is in one of ``warc_dirs`` (checked before a request is recorded: a failed purge leaves
    none)."""
    ids = sorted(set(image_ids))
    if not ids:
        return
    plan = _plan(store, _unpurged(store, ids), keep_pages=keep_pages)
    paths: list[Path] = []
    for name in plan.removals:
        folder = locate(warc_dirs, name)
        if folder is None:
            where = ", ".join(str(d) for d in warc_folders(warc_dirs)) or "no WARC folder"
            raise NotFoundError(
                f"WARC file {name} is not in {where}: pass the crawl's --out folder "
                "(nothing was purged)"
            )
        paths.append(folder / name)
    # the store lock keeps this store's crawls out; a process of any other store (or none)
    # may still have a file open: it is never rewritten and deleted under it
    holders = holders_of(*paths)
    if holders:
        raise BusyError(
            f"a WARC file this purge rewrites is open by process {', '.join(map(str, holders))}"
            ": a purge never deletes a file another process has open (nothing was purged)"
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
    keep_pages: bool = False,
) -> PurgeReceipt:
    """Purge the image rows (see the module docstring) for ``request``; return the receipt.

    ``request`` must already be stored (it has an id); it is updated with ``processed_at``,
    ``matched`` and the receipt in the same transaction as the purge. ``tombstone_hashes``
    False keeps only the URL's sha256 in each tombstone (a host opt-out concerns the site's
    URLs, not the photographs). ``keep_pages`` keeps the pages the images appeared on (and
    host-snapshot bodies) as they were. Raises :class:`NotFoundError` when a WARC file to
    rewrite is in none of ``warc_dirs``: a purge that cannot remove the bytes changes nothing.
    """
    if request.id is None:
        raise ValueError("the opt-out request must be stored before it is processed")
    remove_replaced_files(store, warc_dirs)
    now = datetime.now(UTC)
    ids = sorted(set(image_ids))
    images = _unpurged(store, ids)
    existing = {_tomb_key(t) for t in store.all(Tombstone)}
    receipt = PurgeReceipt(purged_at=now, pages="kept" if keep_pages else "removed")
    plan = _plan(
        store, images, keep_pages=keep_pages, reason=reason, request_id=request.id, now=now
    )
    preflight(store, warc_dirs, ids, keep_pages=keep_pages)
    folders = {name: locate(warc_dirs, name) for name in plan.removals}
    rewritten: dict[str, Rewrite] = {}
    try:
        for name, offsets in plan.removals.items():
            folder = folders[name]
            assert folder is not None
            rewritten[name] = rewrite_warc_file(folder, name, offsets, plan.scan)
        _count_removed(plan, rewritten, receipt)
        _commit(
            store,
            plan,
            rewritten,
            request,
            receipt,
            _Tombstoning(tombstone_hashes, existing, extra_tombstones),
            reason,
            now,
            matched,
        )
    except BaseException:
        for old, done in rewritten.items():
            folder = folders[old]
            assert folder is not None
            (folder / done.new_name).unlink(missing_ok=True)
        raise
    replaced = [folder / old for old, folder in folders.items() if folder and old in rewritten]
    still_open = holders_of(*replaced)
    for path in replaced:
        # a file opened since the preflight stays, for a later purge to remove
        if not still_open or not holders_of(path):
            path.unlink(missing_ok=True)
    return receipt


def _count_removed(plan: _Plan, rewritten: dict[str, Rewrite], receipt: PurgeReceipt) -> None:
    pages: set[str] = set()
    for name, done in rewritten.items():
        kinds = plan.image_records.get(name, {})
        for offset, target in done.removed.items():
            kind = kinds.get(offset)
            if kind == "payload":
                receipt.warc_records_removed += 1
            elif kind == "metadata":
                receipt.metadata_records_removed += 1
            else:
                receipt.page_records_removed += 1
                pages.add(target)
    receipt.pages_removed = sorted(pages)
    receipt.warc_files = {old: done.new_name for old, done in rewritten.items()}


@dataclass(slots=True)
class _Tombstoning:
    """How the purge's tombstones are made: with hashes or URL hashes only, and which exist."""

    with_hashes: bool
    existing: set[tuple[Any, ...]]
    extra: Sequence[Tombstone]

    def add(self, tomb: Tombstone, into: list[Tombstone]) -> None:
        if _tomb_key(tomb) not in self.existing:
            self.existing.add(_tomb_key(tomb))
            into.append(tomb)


def _commit(
    store: Store,
    plan: _Plan,
    rewritten: dict[str, Rewrite],
    request: OptOutRequest,
    receipt: PurgeReceipt,
    tombstoning: _Tombstoning,
    reason: str,
    now: datetime,
    matched: list[dict[str, Any]] | None,
) -> None:
    with store.chained() as chain:
        removed = _move_pointers(chain.session, rewritten)
        tombstones = _scrub_images(chain, plan.images, tombstoning, reason, now, receipt)
        _redact_hosts(chain, plan, removed, reason, receipt)
        for tomb in tombstoning.extra:
            tombstoning.add(tomb, tombstones)
        for tomb in tombstones:
            tomb.request_id = request.id
            tomb.created_at = now
            chain.insert(tomb, note=f"{reason}: tombstone (hashes only)")
            receipt.tombstones.append(tomb.id or 0)
        req = chain.session.get(OptOutRequest, request.id)
        assert req is not None
        req.processed_at = now
        if matched is not None:
            req.matched = matched
        req.receipt = receipt.to_dict()
        chain.change(req, "purge", f"receipt for {reason}")
        request.processed_at = req.processed_at
        request.matched = req.matched
        request.receipt = req.receipt


def _move_pointers(s: Session, rewritten: dict[str, Rewrite]) -> set[tuple[str, int]]:
    """Move every pointer into a rewritten file (pointers are outside record digests); return
    where the removed records' metadata records now are."""
    removed: set[tuple[str, int]] = set()
    for old, done in rewritten.items():
        for pointer in pointing_at(s, old):
            if pointer.warc_offset not in done.offsets:
                raise IntegrityError(
                    f"{old}@{pointer.warc_offset} (pointed at by {subject_of(pointer)}) "
                    "is not the start of a record; nothing was purged"
                )
            pointer.warc_file = done.new_name
            pointer.warc_offset = done.offsets[pointer.warc_offset]
        removed.update((done.new_name, done.offsets[o]) for o in done.removed)
    s.flush()
    return removed


def _scrub_images(
    chain: ChainWriter,
    images: Sequence[Image],
    tombstoning: _Tombstoning,
    reason: str,
    now: datetime,
    receipt: PurgeReceipt,
) -> list[Tombstone]:
    """Scrub each image row and its occurrences; return the new tombstones."""
    s = chain.session
    tombstones: list[Tombstone] = []
    for image in sorted(images, key=lambda i: i.id or 0):
        row = s.get(Image, image.id)
        assert row is not None
        tombstoning.add(tombstone_of(row, with_hashes=tombstoning.with_hashes), tombstones)
        _scrub_image(row, now)
        chain.change(row, "purge", f"{reason}: image bytes and personal fields removed")
        receipt.images.append(row.id or 0)
        for occ in occurrences_of(s, [row]):
            if not (occ.alt or occ.title or occ.context or occ.snippets):
                continue
            occ.alt = occ.title = occ.context = None
            occ.snippets = []
            chain.change(occ, "purge", f"{reason}: alt text, title, caption, snippets removed")
            receipt.occurrences += 1
    return tombstones


def _redact_hosts(
    chain: ChainWriter,
    plan: _Plan,
    removed: set[tuple[str, int]],
    reason: str,
    receipt: PurgeReceipt,
) -> None:
    """Remove the person's texts from every record kept on the purged images' hosts; unless
    pages are kept, also the titles of removed pages and the bodies of snapshots holding them."""
    records = records_of_hosts(chain.session, plan.hosts)
    note = f"{reason}: text about a person in a purged image removed"
    changed: list[Any] = []
    if not plan.keep_pages:
        for page in records.pages:
            gone = (page.run_id, page.url) in plan.shown_on or (
                page.warc_file,
                page.warc_offset,
            ) in removed
            if _redact_page(page, plan.texts, gone):
                changed.append(page)
        for snap in records.snapshots:
            if _redact_snapshot(snap, plan.texts, (snap.warc_file, snap.warc_offset) in removed):
                receipt.snapshots_scrubbed += 1
                changed.append(snap)
    for occ in records.occurrences:
        if _redact_fields(occ, plan.texts, ("alt", "title", "context", "snippets")):
            changed.append(occ)
    for image in records.images:
        if _redact_fields(image, plan.texts, ("subject",)):
            changed.append(image)
    for signal in records.signals:
        if _redact_fields(signal, plan.texts, ("evidence", "extra")):
            changed.append(signal)
    for row in changed:
        chain.change(row, "purge", note)
    receipt.rows_redacted += len(changed)


def _redact_fields(row: Any, texts: PersonTexts, names: Sequence[str]) -> bool:
    """Redact the named fields of ``row`` in place (new values: JSON columns see them)."""
    changed = False
    for name in names:
        value, did = texts.redact(getattr(row, name))
        if did:
            setattr(row, name, value)
            changed = True
    return changed


def _redact_page(page: Page, texts: PersonTexts, gone: bool) -> bool:
    changed = _redact_fields(page, texts, ("title", "facts", "site_jurisdiction", "reasons"))
    if gone and page.title:
        page.title = None  # the page's record is gone: its title spoke of what it showed
        changed = True
    return changed


def _redact_snapshot(snap: HostSnapshot, texts: PersonTexts, gone: bool) -> bool:
    changed = _redact_fields(snap, texts, ("parsed", "reason"))
    if snap.body is not None and (gone or texts.in_body(snap.body)):
        snap.body = None  # sha256 and byte size stay: the snapshot existed
        changed = True
    return changed
