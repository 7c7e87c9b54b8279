"""The stable export shape of one image record, assembled from the store's tables.

The fields are documented in the README ("Export fields") and only ever gain new keys. The
image's own columns are read through its public shape (:class:`ImagePublic`), by name.
Signals are the image's own (response headers, embedded metadata) plus those of every page it
appears on and of its host (robots.txt, ai.txt, TDMRep, terms), each with its evidence.
"""

from __future__ import annotations

import operator
from collections import defaultdict
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

from provenance.store import Store
from provenance.store.models import (
    HostSnapshotPublic,
    Image,
    ImageOccurrence,
    ImagePublic,
    Page,
    SignalRecordPublic,
)
from provenance.store.queries.exports import export_rows, image_ids, image_ids_named
from provenance.store.verdicts import latest_verdicts
from provenance.vocab import SnapshotKind

EXPORT_VERSION = 1

FIELDS: tuple[str, ...] = (
    *("export_version", "run_id", "image_id", "image_url", "host"),
    *("page_urls", "referrer_chains", "seeds", "alt_texts"),
    *("mode", "decision", "stage", "reasons", "overridden", "fetched_at"),
    *("http_status", "content_type", "server_ip", "byte_size", "sha256", "format"),
    *("width", "height", "phash", "dhash", "pdq", "pdq_quality", "phash_crops", "faces"),
    *("exif", "xmp", "c2pa", "signals", "host_snapshots", "tls", "page_host_snapshots"),
    *("terms", "terms_snapshot", "site_jurisdiction", "subject_jurisdiction", "subject"),
    *("verdicts", "warc_file", "warc_offset", "purged"),
)
"""The export's fields in order (README, "Export fields"; the CSV's columns follow it)."""
JOINED = frozenset(
    {"export_version", "image_id", "image_url", "page_urls", "referrer_chains", "seeds"}
    | {"alt_texts", "fetched_at", "phash_crops", "faces", "exif", "xmp", "c2pa", "signals"}
    | {"host_snapshots", "tls", "page_host_snapshots", "terms", "terms_snapshot", "verdicts"}
    | {"purged"}
)
"""The fields joined from the image's occurrences, signals, snapshots and verdicts, or
derived from its columns (renamed, ISO times, ``faces`` as ``{count, boxes}``, media facts)."""
COLUMNS: tuple[str, ...] = tuple(name for name in FIELDS if name not in JOINED)
"""The fields that are the image's own columns of the same name, as :class:`ImagePublic`
reads them (``faces`` is read too, as the boxes of the ``faces`` field)."""
_COLUMN_SET: set[str] = {*COLUMNS, "faces"}


def _iso(value: datetime | None) -> str | None:
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _host(url: str) -> str:
    return (urlsplit(url).hostname or "").lower()


def _hops(snap: HostSnapshotPublic) -> list[dict[str, Any]]:
    """The redirect chain a document was fetched through: each hop's URL, status, time and
    the certificate its host showed (``null`` over plain HTTP and in stores older than it)."""
    return [
        {
            "url": hop.get("url"),
            "status": hop.get("status"),
            "location": hop.get("location"),
            "fetched_at": hop.get("fetched_at"),
            "tls": hop.get("tls"),
        }
        for hop in (snap.parsed or {}).get("redirects") or []
    ]


def _snapshot_summary(snap: HostSnapshotPublic) -> dict[str, Any]:
    """A host document as the export shows it: outcome, status, digest, time, certificate
    (of the server that answered last), and every hop on the way with its own certificate."""
    return {
        "url": snap.url,
        "final_url": snap.final_url,
        "outcome": snap.outcome,
        "http_status": snap.http_status,
        "sha256": snap.sha256,
        "fetched_at": _iso(snap.fetched_at),
        "tls": (snap.parsed or {}).get("tls"),
        "redirects": _hops(snap),
    }


def _own_tls(snap: HostSnapshotPublic) -> dict[str, Any] | None:
    """The certificate the snapshot's own host showed: its hop in the chain, or the final
    answer when that came from the host itself. A robots.txt redirected to another HTTPS host
    ends with that host's certificate, which is not the image host's."""
    parsed = snap.parsed or {}
    for hop in parsed.get("redirects") or []:
        if _host(str(hop.get("url") or "")) == snap.host and hop.get("tls"):
            return dict(hop["tls"])
    tls = parsed.get("tls")
    if tls and _host(snap.final_url or snap.url) == snap.host:
        return dict(tls)
    return None


def _host_tls(snaps: dict[str, HostSnapshotPublic]) -> dict[str, Any] | None:
    """The certificate the image's host showed (its robots.txt fetch first), or None."""
    order = [SnapshotKind.ROBOTS, *sorted(k for k in snaps if k != SnapshotKind.ROBOTS)]
    for kind in order:
        snap = snaps.get(kind)
        tls = _own_tls(snap) if snap is not None else None
        if tls:
            return tls
    return None


SIGNAL_FIELDS: tuple[str, ...] = (
    *("kind", "value", "source", "evidence", "level", "agent", "restricts", "url"),
)
"""A signal's fields in exports and provenance chains, in order (README, "Export fields",
``signals``): the stored signal's columns of the same name, as :class:`SignalRecordPublic`
reads them."""
_signal_columns = operator.attrgetter(*SIGNAL_FIELDS)


def signal_export(signal: SignalRecordPublic) -> dict[str, Any]:
    """One stored signal as exports and ``show``/``lookup`` chains give it (its columns
    :data:`SIGNAL_FIELDS`, by name); the row is read through its public shape once, by the
    caller, since a host's signals are shared by every image of the host."""
    return dict(zip(SIGNAL_FIELDS, _signal_columns(signal), strict=True))


class ExportView:
    """Loads one run's tables (or every run's) once and assembles export objects from them.

    With ``image_ids`` only those images are loaded, with just the occurrences, pages, signals
    and snapshots they need (the report's evidence trails for a few images of a large store).
    Verdicts are those of each run's latest finished evaluation.
    """

    def __init__(
        self, store: Store, run_id: str | None = None, *, image_ids: Sequence[int] | None = None
    ) -> None:
        rows = export_rows(store, run_id, image_ids=image_ids)
        self.images: list[Image] = rows.images
        occurrences, signals, snapshots, pages = (
            rows.occurrences,
            rows.signals,
            rows.snapshots,
            rows.pages,
        )
        self.occurrences: dict[tuple[str, str], list[ImageOccurrence]] = defaultdict(list)
        for occ in occurrences:
            self.occurrences[(occ.run_id, occ.image_url)].append(occ)
        self.signals: dict[tuple[str, str], list[SignalRecordPublic]] = defaultdict(list)
        for sig in signals:  # read through the public shape once, shared by every image
            shown_signal = SignalRecordPublic.model_validate(sig)
            self.signals[(shown_signal.run_id, shown_signal.subject)].append(shown_signal)
        self.snapshots: dict[tuple[str, str], dict[str, HostSnapshotPublic]] = defaultdict(dict)
        for row in snapshots:  # read through the public shape once, shared by every image
            snap = HostSnapshotPublic.model_validate(row)
            self.snapshots[(snap.run_id, snap.host)][snap.kind] = snap
        self.pages: dict[tuple[str, str], Page] = {(p.run_id, p.url): p for p in pages}
        self.verdicts: dict[int, list[dict[str, Any]]] = {
            image_id: [v.export() for v in found]
            for image_id, found in latest_verdicts(
                store, self.images, subset=image_ids is not None
            ).items()
        }

    def image_export(self, image: Image) -> dict[str, Any]:
        """The export object of one image: its row read through :class:`ImagePublic`, the
        columns it exports as they are (:data:`COLUMNS`) and the rest (:data:`JOINED`)."""
        shown = ImagePublic.model_validate(image)
        columns = shown.model_dump(include=_COLUMN_SET)
        run = shown.run_id
        occs = self.occurrences.get((run, shown.url), [])
        page_urls = list(dict.fromkeys(o.page_url for o in occs))
        signals = [signal_export(s) for s in self.signals.get((run, shown.url), [])]
        for page_url in page_urls:
            signals.extend(signal_export(s) for s in self.signals.get((run, page_url), []))
        signals.extend(signal_export(s) for s in self.signals.get((run, shown.host), []))
        snaps = self.snapshots.get((run, shown.host), {})
        media = shown.media or {}
        terms = snaps.get(SnapshotKind.TERMS)
        joined = {
            "export_version": EXPORT_VERSION,
            "image_id": shown.id,
            "image_url": shown.url,
            "page_urls": page_urls,
            "referrer_chains": [o.referrer_chain for o in occs],
            "seeds": sorted({o.seed for o in occs if o.seed}),
            "alt_texts": [o.alt for o in occs if o.alt],
            "fetched_at": _iso(shown.fetched_at),
            "phash_crops": media.get("phash_crops", []),
            "faces": {"count": shown.face_count, "boxes": columns.pop("faces")},
            "exif": media.get("exif"),
            "xmp": media.get("xmp"),
            "c2pa": media.get("c2pa"),
            "signals": signals,
            "host_snapshots": {k: _snapshot_summary(v) for k, v in snaps.items()},
            "tls": _host_tls(snaps),
            # the image's pages on other hosts (an image CDN): their hosts' documents decided
            # for the pages, the image host's for the image
            "page_host_snapshots": {
                host: {k: _snapshot_summary(v) for k, v in self.snapshots[(run, host)].items()}
                for host in sorted({_host(u) for u in page_urls} - {shown.host})
                if (run, host) in self.snapshots
            },
            "terms": (terms.parsed.get("clauses", []) if terms else []),
            "terms_snapshot": (
                {
                    "url": terms.url,
                    "sha256": terms.sha256,
                    "fetched_at": _iso(terms.fetched_at),
                    "outcome": terms.outcome,
                }
                if terms
                else None
            ),
            "verdicts": self.verdicts.get(shown.id, []),
            "purged": shown.purged_at is not None,
        }
        return {name: joined[name] if name in joined else columns[name] for name in FIELDS}

    def __iter__(self) -> Iterator[dict[str, Any]]:
        for image in self.images:
            yield self.image_export(image)


def iter_exports(
    store: Store, run_id: str | None = None, *, batch: int = 2000
) -> Iterator[dict[str, Any]]:
    """Every image's export object, loaded ``batch`` images at a time (memory stays flat)."""
    ids = image_ids(store, run_id)
    for start in range(0, len(ids), batch):
        yield from ExportView(store, run_id, image_ids=ids[start : start + batch])


def find_exports(store: Store, url_or_sha256: str) -> list[dict[str, Any]]:
    """The export objects of the images with this URL or this sha256 (every run)."""
    ids = image_ids_named(store, url_or_sha256)
    return list(ExportView(store, image_ids=ids)) if ids else []
