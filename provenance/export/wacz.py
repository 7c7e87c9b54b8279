"""WACZ export (Web Archive Collection Zipped 1.1.1) with the provenance ledger inside.

The version is the one ``datapackage.json`` states (``wacz_version: 1.1.1``, profile
``data-package``): what py-wacz 0.6, the reference implementation, writes and validates, and
what ReplayWeb.page reads. The 1.2.0 draft drops ``wacz_version`` (its profile is ``wacz``);
py-wacz's validator still requires the field, so the package follows 1.1.1 and says so. The
package holds, per the specification:

- ``archive/``: the crawl's WARC files, copied as they are (ZIP ``STORED``, so replay tools can
  range-read records);
- ``indexes/index.cdxj``: a sorted CDXJ index of every response, metadata and resource record
  (built with ``cdxj-indexer``, the indexer py-wacz uses);
- ``pages/pages.jsonl``: the fetched HTML pages (url, ts, title);
- ``provenance/records.jsonl``: the JSONL export (one provenance record per image) and
  ``provenance/evidence.jsonl``: the evidence hash chain, so the ledger travels with the
  archive (custom files sit outside ``archive/``, ``indexes/`` and ``pages/`` as the spec asks);
- ``datapackage.json``: a Frictionless data package listing every file with its
  ``sha256:`` hash and size, and ``datapackage-digest.json`` with the hash of that file,
  signed with the store's key (:mod:`provenance.export.wacz_sign`); ``provenance/`` also
  holds the checkpoints and the public key.

``wacz validate`` (py-wacz) accepts the result; the tests check it.
"""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from cdxj_indexer.main import CDXJIndexer

from provenance import __version__
from provenance.errors import NotFoundError
from provenance.export.records import iter_exports
from provenance.export.wacz_sign import digest_document
from provenance.store import Store
from provenance.store.checkpoints import Signer, find_signer, public_pem
from provenance.store.queries.archive import (
    archived_pages,
    checkpoints,
    evidence_chain,
    warc_file_names,
)

WACZ_VERSION = "1.1.1"
"""The WACZ version of the package, as ``datapackage.json`` states it (module docstring)."""
PAGES_HEADER = {"format": "json-pages-1.0", "id": "pages", "title": "Pages provtrack fetched"}


@dataclass(frozen=True, slots=True)
class WaczSummary:
    """What went into a WACZ file."""

    path: Path
    warc_files: list[str]
    records: int
    pages: int
    index_lines: int
    evidence_entries: int


def _iso(value: datetime) -> str:
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _warc_files(store: Store, warc_dirs: Sequence[Path], run_id: str | None) -> list[Path]:
    """Every WARC file of the folders, or those a run's records point at (plus its own)."""
    on_disk = sorted(
        (p for d in warc_dirs if d.is_dir() for p in d.glob("*.warc.gz")), key=lambda p: p.name
    )
    if run_id is None:
        return on_disk
    names = warc_file_names(store, run_id)
    prefix = f"provtrack-{run_id}-"
    return [p for p in on_disk if p.name in names or p.name.startswith(prefix)]


def _cdxj(files: list[Path]) -> bytes:
    out = io.StringIO()
    indexer = CDXJIndexer(
        out,
        [str(p) for p in files],
        sort=True,
        post_append=True,
        fields="referrer",
        records="response,revisit,resource,metadata",
    )
    indexer.process_all()
    return out.getvalue().encode("utf-8")


def _pages(store: Store, run_id: str | None) -> list[dict[str, Any]]:
    pages = archived_pages(store, run_id)
    seen: set[tuple[str, str]] = set()
    out = []
    for p in pages:
        ts = _iso(p.fetched_at)
        if (p.url, ts) in seen:
            continue
        seen.add((p.url, ts))
        entry: dict[str, Any] = {"id": f"{p.run_id}:{p.id}", "url": p.url, "ts": ts}
        if p.title:
            entry["title"] = p.title
        out.append(entry)
    return out


def _evidence(store: Store) -> bytes:
    lines = []
    for e in evidence_chain(store):
        lines.append(
            json.dumps(
                {
                    "seq": e.seq,
                    "kind": e.kind,
                    "subject": e.subject,
                    "digest": e.digest,
                    "prev_hash": e.prev_hash,
                    "entry_hash": e.entry_hash,
                    "note": e.note,
                    "created_at": _iso(e.created_at),
                },
                sort_keys=True,
            )
        )
    return ("\n".join(lines) + "\n").encode("utf-8") if lines else b""


def _checkpoints(store: Store) -> bytes:
    rows = checkpoints(store)
    lines = [
        json.dumps(
            {
                "seq": c.seq,
                "entry_hash": c.entry_hash,
                "signed_at": c.signed_at,
                "reason": c.reason,
                "key_id": c.key_id,
                "signature": c.signature,
            },
            sort_keys=True,
        )
        for c in rows
    ]
    return ("\n".join(lines) + "\n").encode("utf-8") if lines else b""


def write_wacz(
    store: Store,
    warc_dirs: Path | Sequence[Path],
    path: Path,
    run_id: str | None = None,
    signer: Signer | None = None,
) -> WaczSummary:
    """Write a WACZ of a crawl (one run, or every run of the store) to ``path``.

    ``warc_dirs`` is the crawl's WARC folder, or one per process of a distributed crawl (file
    names are unique across them). Raises :class:`NotFoundError` when there is no WARC file.
    The package is signed with the store's key (``signer``, else found outside the store:
    :func:`provenance.store.checkpoints.find_signer`), whose public key and checkpoints it
    carries in ``provenance/``.
    """
    signer = signer or find_signer(store)
    dirs = [warc_dirs] if isinstance(warc_dirs, Path) else list(warc_dirs)
    files = _warc_files(store, dirs, run_id)
    if not files:
        raise NotFoundError(f"no WARC file to package in {', '.join(map(str, dirs))}")
    exports = iter_exports(store, run_id)
    records = [json.dumps(r, ensure_ascii=False, sort_keys=True) for r in exports]
    records_bytes = ("\n".join(records) + "\n").encode("utf-8") if records else b""
    pages = _pages(store, run_id)
    pages_bytes = "\n".join(json.dumps(x, ensure_ascii=False) for x in [PAGES_HEADER, *pages])
    index = _cdxj(files)
    evidence = _evidence(store)
    path.parent.mkdir(parents=True, exist_ok=True)
    resources: list[dict[str, Any]] = []
    tmp = path.with_name(path.name + ".part")
    with zipfile.ZipFile(tmp, "w", allowZip64=True) as zf:

        def add(name: str, data: bytes, compress: int = zipfile.ZIP_DEFLATED) -> None:
            zf.writestr(zipfile.ZipInfo(name, _zip_time()), data, compress_type=compress)
            resources.append(_resource(name, data))

        for warc in files:
            info = zipfile.ZipInfo(f"archive/{warc.name}", _zip_time())
            info.compress_type = zipfile.ZIP_STORED
            digest = hashlib.sha256()
            size = 0
            with warc.open("rb") as src, zf.open(info, "w", force_zip64=True) as dst:
                while chunk := src.read(1 << 20):
                    digest.update(chunk)
                    size += len(chunk)
                    dst.write(chunk)
            resources.append(
                {
                    "name": warc.name.lower(),
                    "path": f"archive/{warc.name}",
                    "hash": f"sha256:{digest.hexdigest()}",
                    "bytes": size,
                }
            )
        add("indexes/index.cdxj", index)
        add("pages/pages.jsonl", pages_bytes.encode("utf-8"))
        add("provenance/records.jsonl", records_bytes)
        add("provenance/evidence.jsonl", evidence)
        add("provenance/checkpoints.jsonl", _checkpoints(store))
        add("provenance/public-key.pem", public_pem(signer.public))
        _declare_records_schema(resources, records_bytes)
        package = {
            "profile": "data-package",
            "resources": resources,
            "wacz_version": WACZ_VERSION,
            "software": f"provtrack {__version__}",
            "created": _iso(datetime.now(UTC)),
            "title": f"provtrack crawl {run_id}" if run_id else "provtrack crawls",
            "description": (
                "Web archive of a provtrack crawl; provenance/records.jsonl holds one provenance "
                "record per image and provenance/evidence.jsonl the evidence hash chain."
            ),
        }
        package_bytes = json.dumps(package, indent=2).encode("utf-8")
        zf.writestr(zipfile.ZipInfo("datapackage.json", _zip_time()), package_bytes)
        digest_doc = digest_document(package_bytes, signer)
        zf.writestr(
            zipfile.ZipInfo("datapackage-digest.json", _zip_time()),
            json.dumps(digest_doc, indent=2).encode("utf-8"),
        )
    tmp.replace(path)
    return WaczSummary(
        path=path,
        warc_files=[p.name for p in files],
        records=len(records),
        pages=len(pages),
        index_lines=index.count(b"\n"),
        evidence_entries=evidence.count(b"\n"),
    )


def _declare_records_schema(resources: list[dict[str, Any]], records: bytes) -> None:
    """Declare every field of the records as ``any``: validators otherwise infer each field's
    type from a sample of rows, and a field that is empty in the sample (``tls``, set only for
    HTTPS hosts) gets a type the later rows then fail."""
    names: dict[str, None] = {}
    for line in records.splitlines():
        if line.strip():
            names.update(dict.fromkeys(json.loads(line)))
    for resource in resources:
        if resource["path"] == "provenance/records.jsonl":
            resource["schema"] = {"fields": [{"name": n, "type": "any"} for n in names]}


def _resource(name: str, data: bytes) -> dict[str, Any]:
    return {
        "name": Path(name).name.lower(),
        "path": name,
        "hash": "sha256:" + hashlib.sha256(data).hexdigest(),
        "bytes": len(data),
    }


def _zip_time() -> tuple[int, int, int, int, int, int]:
    now = datetime.now(UTC)
    return (now.year, now.month, now.day, now.hour, now.minute, now.second)
