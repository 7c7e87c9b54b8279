"""Opt-out requests and jurisdiction purges: what matches, the purge, the registry, the proof.

A request names a photograph (``--image FILE``), an image URL (``--url``) or a whole site
(``--host``); a jurisdiction purge names a jurisdiction code. What each one matches:

- **image**: every stored image that is the same photograph (:mod:`provenance.matching`:
  sha256, PDQ <= 31, pHash of whole image or crops <= 6, the file and its mirror), then every
  record of those URLs in any run;
- **url**: every record of that URL in any run, then every copy of the same photograph (as for
  an image, hashed from the WARC payload where it is still there), then their URLs: a person
  asking for one URL asks for the photograph, and the tombstones would stop the copies anyway;
- **host**: every image record of that host. The tombstones keep only the URLs' sha256, and
  the crawler skips the host's pages and images from then on: a site's request concerns its
  URLs, not photographs re-posted elsewhere;
- **jurisdiction**: every image whose subject jurisdiction has a candidate for that code (a
  country code also matches its subdivisions: ``CA`` takes ``CA-QC``) with confidence at least
  ``min_confidence``, then every copy of the same photographs. The default threshold,
  :data:`DEFAULT_MIN_CONFIDENCE` = 0.15, is the confidence jurisdiction inference gives a
  subject that only its site locates (``site-fallback`` evidence): for a deletion, keeping a
  resident's photo is the worse error, so everything not located elsewhere by stronger
  evidence is taken; trace evidence below 0.15 (a currency sign, a stray place name) is not.

Matched records are purged by :func:`provenance.purge.purge_images`. :class:`TombstoneSet`
is the crawler's registry check, and :func:`optout_report` the compliance proof.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from provenance.errors import ConfigError, IntegrityError
from provenance.matching import (
    STORED_CROPS,
    Comparison,
    HashSet,
    PhotoIndex,
    QueryImage,
    compare,
    find_matches,
    query_from_bytes,
    store_index,
)
from provenance.purge import (
    PurgeReceipt,
    WarcDirs,
    locate,
    preflight,
    purge_images,
    tombstone_from_hashes,
    url_sha256,
    warc_folders,
)
from provenance.reposts import find_photo
from provenance.signals.model import Level, Signal, SignalKind
from provenance.store import Store
from provenance.store.checkpoints import sign_head, signer_for
from provenance.store.models import (
    CrawlRun,
    Image,
    OptOutRequest,
    Page,
    Tombstone,
)
from provenance.store.queries.optouts import (
    images_by_id,
    request_receipts,
    unpurged_at_urls,
    unpurged_images,
    unpurged_on_host,
)
from provenance.vocab import Decision
from provenance.warc import read_response

DEFAULT_MIN_CONFIDENCE = 0.15
KINDS = ("image", "url", "host", "jurisdiction")
REGISTRY_SOURCE = "provtrack:optout-registry"


@dataclass(slots=True)
class OptOutResult:
    """A processed request (``request`` is ``None`` on a dry run), what it matched, the receipt."""

    kind: str
    value: str
    matched: list[dict[str, Any]]
    request: OptOutRequest | None = None
    receipt: PurgeReceipt | None = None
    dry_run: bool = False

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "request_id": self.request.id if self.request else None,
            "kind": self.kind,
            "value": self.value,
            "dry_run": self.dry_run,
            "matched": self.matched,
            "receipt": self.receipt.to_dict() if self.receipt else None,
        }


def _entry(image: Image, why: str, comparison: Comparison | None = None) -> dict[str, Any]:
    return {
        "image_id": image.id,
        "run_id": image.run_id,
        "url": image.url,
        "host": image.host,
        "decision": image.decision,
        "why": why,
        "distances": comparison.to_dict() if comparison else None,
    }


class _Matcher:
    """Accumulates matched rows in the order found, each with why it matched."""

    def __init__(self, store: Store, warc_dirs: WarcDirs, index_dir: Path | None) -> None:
        self.store = store
        self.warc_dirs = warc_dirs
        self.found: dict[int, dict[str, Any]] = {}
        self.index_dir = index_dir
        self._index: PhotoIndex | None = None

    def add(self, image: Image, why: str, comparison: Comparison | None = None) -> bool:
        if image.id is None or image.id in self.found or image.purged_at is not None:
            return False
        self.found[image.id] = _entry(image, why, comparison)
        return True

    @property
    def index(self) -> PhotoIndex:
        if self._index is None:
            self._index = store_index(self.store, self.index_dir)
        return self._index

    def by_query(self, query: QueryImage, why: str) -> list[int]:
        """Rows that are the same photograph as ``query``; return the newly added ids."""
        found = find_matches(self.store, query, collected_only=False, index=self.index)
        rows = images_by_id(self.store, [c.key for c in found])
        return [c.key for c in found if self.add(rows[c.key], why, c)]

    def by_photo(self, data: bytes, why: str) -> list[int]:
        """Rows that are the same photograph as the file ``data`` (a screenshot included:
        the lookup rule, regions confirmed on keypoints); return the newly added ids."""
        from provenance.trace import warc_pixels

        found = find_photo(
            self.store,
            data,
            collected_only=False,
            index=self.index,
            pixels=warc_pixels(self.store, warc_folders(self.warc_dirs)),
        )
        rows = images_by_id(self.store, [c.key for c in found])
        return [c.key for c in found if self.add(rows[c.key], why, c)]

    def query_of(self, image: Image) -> QueryImage | None:
        """The query for a stored row: its WARC payload when still there, else its hashes."""
        folder = locate(self.warc_dirs, image.warc_file) if image.warc_file else None
        if image.decision == Decision.COLLECTED and folder is not None and image.warc_file:
            try:
                assert image.warc_offset is not None
                body = read_response(folder, image.warc_file, image.warc_offset).body
                return query_from_bytes(body)
            except (IntegrityError, ConfigError):
                pass  # fall back to the stored hashes (no mirror then)
        hashes = HashSet(
            sha256=image.sha256,
            pdq=image.pdq,
            pdq_quality=image.pdq_quality,
            phash=image.phash,
            phash_crops=tuple((image.media or {}).get("phash_crops") or ()),
        )
        if not (hashes.sha256 or hashes.phash or hashes.pdq):
            return None
        return QueryImage(hashes)

    def expand_photographs(self) -> None:
        """Add every copy of the photographs matched so far."""
        for image_id in list(self.found):
            image = images_by_id(self.store, [image_id]).get(image_id)
            if image is None:
                continue
            query = self.query_of(image)
            if query is not None:
                self.by_query(query, f"same photograph as image {image_id}")

    def expand_urls(self) -> None:
        """Add every record (any run, any decision) of the URLs matched so far."""
        by_url: dict[str, int] = {}
        for image_id, entry in self.found.items():
            by_url.setdefault(entry["url"], image_id)
        for row in unpurged_at_urls(self.store, by_url):
            self.add(row, f"same URL as image {by_url[row.url]}")

    def matched(self) -> list[dict[str, Any]]:
        return list(self.found.values())


def _normalise_host(host: str) -> str:
    value = host.strip().lower()
    if "://" in value:
        value = urlsplit(value).hostname or ""
    if not value or "/" in value:
        raise ConfigError(f"{host!r} is not a host name")
    return value


def jurisdiction_candidate(
    candidates: Iterable[dict[str, Any]], code: str, min_confidence: float
) -> dict[str, Any] | None:
    """The strongest candidate for ``code`` (or one of its subdivisions) at the threshold."""
    code = code.upper()
    best: dict[str, Any] | None = None
    for c in candidates:
        cand = str(c.get("code") or "").upper()
        if cand != code and not ("-" not in code and cand.startswith(code + "-")):
            continue
        confidence = float(c.get("confidence") or 0)
        if confidence >= min_confidence and (
            best is None or confidence > float(best.get("confidence") or 0)
        ):
            best = c
    return best


def _store_request(store: Store, request: OptOutRequest) -> OptOutRequest:
    store.write([request], note=f"opt-out request received ({request.kind})")
    return request


def add_optout(
    store: Store,
    warc_dirs: WarcDirs,
    *,
    image: bytes | None = None,
    url: str | None = None,
    host: str | None = None,
    note: str = "",
    dry_run: bool = False,
    index_dir: Path | None = None,
    keep_pages: bool = False,
) -> OptOutResult:
    """Record an opt-out request for an image file, a URL or a host, and purge what matches.

    Exactly one of ``image``, ``url``, ``host`` must be given. With ``dry_run`` nothing is
    written and the result lists what would be purged. ``index_dir`` caches the hash index.
    ``keep_pages`` keeps the pages the images appeared on (see :func:`purge_images`).
    """
    given = [k for k, v in (("image", image), ("url", url), ("host", host)) if v is not None]
    if len(given) != 1:
        raise ConfigError("give exactly one of --image, --url or --host")
    matcher = _Matcher(store, warc_dirs, index_dir)
    extra: list[Tombstone] = []
    with_hashes = True
    if image is not None:
        # the request names the photo, not its digest: only its tombstones hold hashes
        kind, value = "image", f"a photo sent with the request ({len(image)} bytes)"
        # a screenshot or a tilted copy finds the photograph too (the lookup rule)
        matcher.by_photo(image, "same photograph as the request's image")
        matcher.expand_urls()
        stored_style = query_from_bytes(image, STORED_CROPS).original
        extra.append(tombstone_from_hashes(stored_style))
    elif url is not None:
        kind, value = "url", url.strip()
        if "://" not in value:
            raise ConfigError(f"{url!r} is not an absolute URL")
        for row in unpurged_at_urls(store, [value]):
            matcher.add(row, "the requested URL")
        matcher.expand_photographs()
        matcher.expand_urls()
        extra.append(Tombstone(url_sha256=url_sha256(value)))
    else:
        assert host is not None
        kind, value = "host", _normalise_host(host)
        for row in unpurged_on_host(store, value):
            matcher.add(row, "the requested host")
        with_hashes = False
    matched = matcher.matched()
    if dry_run:
        return OptOutResult(kind, value, matched, dry_run=True)
    preflight(store, warc_dirs, matcher.found, keep_pages=keep_pages)
    signer = signer_for(store)  # refused before anything is written when the key is missing
    request = _store_request(store, OptOutRequest(kind=kind, value=value, note=note))
    receipt = purge_images(
        store,
        warc_dirs,
        list(matcher.found),
        request,
        reason=f"opt-out request {request.id} ({kind})",
        tombstone_hashes=with_hashes,
        extra_tombstones=extra,
        matched=matched,
        keep_pages=keep_pages,
    )
    sign_head(store, f"opt-out request {request.id} ({kind}) processed", signer)
    return OptOutResult(kind, value, matched, request, receipt)


def purge_jurisdiction(
    store: Store,
    warc_dirs: WarcDirs,
    code: str,
    *,
    min_confidence: float = DEFAULT_MIN_CONFIDENCE,
    note: str = "",
    dry_run: bool = False,
    index_dir: Path | None = None,
    keep_pages: bool = False,
) -> OptOutResult:
    """Purge every image whose subject is inferred to be in ``code`` (and copies of it).

    Recorded as an opt-out request of kind ``jurisdiction`` so that its receipt and report are
    the same as for a person's request.
    """
    code = code.strip().upper()
    if not code or not all(part.isalnum() for part in code.split("-")):
        raise ConfigError(f"{code!r} is not an ISO 3166 country or subdivision code")
    if not 0 <= min_confidence <= 1:
        raise ConfigError("--min-confidence must be between 0 and 1")
    matcher = _Matcher(store, warc_dirs, index_dir)
    for row in unpurged_images(store):
        cand = jurisdiction_candidate(row.subject_jurisdiction, code, min_confidence)
        if cand is not None:
            sources = sorted({str(e.get("source")) for e in cand.get("evidence") or []})
            matcher.add(
                row,
                f"subject jurisdiction {cand.get('code')} (confidence "
                f"{float(cand.get('confidence') or 0):.2f}; {', '.join(sources)})",
            )
    matcher.expand_photographs()
    matcher.expand_urls()
    matched = matcher.matched()
    if dry_run:
        return OptOutResult("jurisdiction", code, matched, dry_run=True)
    preflight(store, warc_dirs, matcher.found, keep_pages=keep_pages)
    signer = signer_for(store)
    text = f"purge --jurisdiction {code} (subject candidates with confidence >= {min_confidence})"
    request = _store_request(
        store,
        OptOutRequest(kind="jurisdiction", value=code, note=f"{text}; {note}" if note else text),
    )
    receipt = purge_images(
        store,
        warc_dirs,
        list(matcher.found),
        request,
        reason=f"jurisdiction purge {code} (request {request.id})",
        matched=matched,
        keep_pages=keep_pages,
    )
    sign_head(store, f"jurisdiction purge {code} (request {request.id}) processed", signer)
    return OptOutResult("jurisdiction", code, matched, request, receipt)


def registry_signal(url: str, evidence: str, level: Level = Level.IMAGE, **extra: Any) -> Signal:
    """The ``optout-registry`` signal a skip rests on; it always restricts and never yields."""
    return Signal(
        kind=SignalKind.OPTOUT_REGISTRY,
        value="opted-out",
        source=REGISTRY_SOURCE,
        evidence=evidence,
        level=level,
        restricts=True,
        url=url,
        extra={"non_overridable": True, **extra},
    )


@dataclass(slots=True)
class TombstoneSet:
    """The opt-out registry as the crawler checks it, loaded once at crawl start.

    ``urls`` maps a URL's sha256 to its tombstone (id, request id); ``photos`` are the
    tombstones that keep hashes; ``hosts`` maps an opted-out host to its request id; ``pages``
    maps the sha256 of each page URL a purge removed (the pages the person appeared on, as
    its receipt lists them) to the request id: such a page is still fetched for its links but
    never archived or read for text again.
    """

    urls: dict[str, tuple[int, int | None]] = field(default_factory=dict)
    photos: list[tuple[int, int | None, HashSet]] = field(default_factory=list)
    hosts: dict[str, int] = field(default_factory=dict)
    pages: dict[str, int] = field(default_factory=dict)

    @classmethod
    def load(cls, store: Store) -> TombstoneSet:
        """Read every tombstone and processed request from the store."""
        return cls.from_rows(store.all(Tombstone), store.all(OptOutRequest))

    @classmethod
    def from_rows(
        cls, tombstones: Iterable[Tombstone], requests: Iterable[OptOutRequest]
    ) -> TombstoneSet:
        """Build the registry from tombstone rows and requests (host requests block their
        host; every purge's removed pages stay removed)."""
        out = cls()
        for t in tombstones:
            assert t.id is not None
            if t.url_sha256:
                out.urls.setdefault(t.url_sha256, (t.id, t.request_id))
            if t.sha256 or t.phash or t.pdq:
                out.photos.append(
                    (
                        t.id,
                        t.request_id,
                        HashSet(
                            sha256=t.sha256,
                            pdq=t.pdq,
                            pdq_quality=t.pdq_quality,
                            phash=t.phash,
                            phash_crops=tuple(t.phash_crops or ()),
                        ),
                    )
                )
        for r in requests:
            if r.processed_at is None or r.id is None:
                continue
            if r.kind == "host":
                out.hosts.setdefault(r.value, r.id)
            for url in (r.receipt or {}).get("pages_removed") or []:
                out.pages.setdefault(url_sha256(str(url)), r.id)
        return out

    def __len__(self) -> int:
        return len(self.urls) + len(self.photos) + len(self.hosts) + len(self.pages)

    def check_page(self, url: str) -> Signal | None:
        """A page (or a response a page fetched) that a purge removed: not to be archived."""
        request_id = self.pages.get(url_sha256(url))
        if request_id is None:
            return None
        return registry_signal(
            url,
            f"a purge removed this page: it showed a person who opted out or was purged "
            f"(opt-out request {request_id})",
            Level.PAGE,
            request_id=request_id,
            matched_by=["page-url-sha256"],
        )

    def check_url(self, url: str) -> Signal | None:
        """Before download: the URL's sha256 is tombstoned, or its host opted out."""
        tomb = self.urls.get(url_sha256(url))
        if tomb is not None:
            return registry_signal(
                url,
                f"sha256 of the URL matches tombstone {tomb[0]} (opt-out request {tomb[1]})",
                tombstone_id=tomb[0],
                request_id=tomb[1],
                matched_by=["url-sha256"],
            )
        host = (urlsplit(url).hostname or "").lower()
        request_id = self.hosts.get(host)
        if request_id is not None:
            return registry_signal(
                url,
                f"host {host} opted out (opt-out request {request_id})",
                request_id=request_id,
                matched_by=["host"],
            )
        return None

    def remember(self, url: str, signal: Signal) -> None:
        """Treat ``url`` as tombstoned for the rest of the crawl (it showed an opted-out photo),
        so later pages showing it get their alt text and captions dropped too."""
        extra = signal.extra
        self.urls.setdefault(
            url_sha256(url), (int(extra.get("tombstone_id") or 0), extra.get("request_id"))
        )

    def hit(self, image: Image) -> bool:
        """Whether a stored record falls under the registry (URL, host or photograph)."""
        if self.check_url(image.url) is not None:
            return True
        hashes = HashSet(
            sha256=image.sha256,
            pdq=image.pdq,
            pdq_quality=image.pdq_quality,
            phash=image.phash,
            phash_crops=tuple((image.media or {}).get("phash_crops") or ()),
        )
        return self.check_image(image.url, QueryImage(hashes)) is not None

    def check_image(self, url: str, query: QueryImage) -> Signal | None:
        """After download: the image is the same photograph as a tombstone (closest first)."""
        best: tuple[Comparison, int, int | None] | None = None
        for tomb_id, request_id, hashes in self.photos:
            c = compare(query, hashes, tomb_id)
            if c.matched and (best is None or c.score < best[0].score):
                best = (c, tomb_id, request_id)
        if best is None:
            return None
        c, tomb_id, request_id = best
        return registry_signal(
            url,
            f"same photograph as tombstone {tomb_id} (opt-out request {request_id}): "
            f"{c.describe()}",
            tombstone_id=tomb_id,
            request_id=request_id,
            matched_by=list(c.matched_by),
            distance=c.to_dict(),
        )


def _iso(value: datetime | None) -> str | None:
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def _page_skips(
    store: Store, run_id: str, request_id: int, registry: TombstoneSet
) -> tuple[list[dict[str, Any]], list[str]]:
    """The run's pages skipped because of the request (a host's), and the pages it fetched
    without archiving them because the request's purge had removed them."""
    skipped: list[dict[str, Any]] = []
    not_archived: list[str] = []
    for page in store.all(Page, run_id=run_id):
        reasons = [
            r
            for r in page.reasons
            if r.get("kind") == SignalKind.OPTOUT_REGISTRY.value
            and (r.get("extra") or {}).get("request_id") == request_id
        ]
        if reasons and page.decision == Decision.SKIPPED:
            skipped.append({"url": page.url, "evidence": reasons[0].get("evidence")})
        elif page.decision == Decision.FETCHED and registry.check_page(page.url) is not None:
            not_archived.append(page.url)
    return skipped, sorted(not_archived)


def optout_report(store: Store) -> list[dict[str, Any]]:
    """The compliance proof, one entry per request.

    Each entry has the request, what matched (with distances), what was deleted and when (the
    receipt and the evidence entries that chain it), and for every crawl started after it was
    processed: the image records that crawl skipped because of it (``skipped``), the pages it
    skipped (``pages_skipped``: a host request's pages) or fetched without archiving them
    (``pages_not_archived``: pages the purge removed), and any record of the same photograph
    or URL that it collected anyway (``collected_again``, which should be empty).
    """
    requests = sorted(store.all(OptOutRequest), key=lambda r: r.id or 0)
    runs = sorted(store.all(CrawlRun), key=lambda r: _aware(r.started_at))
    tombstones = store.all(Tombstone)
    entries = request_receipts(store)
    report = []
    for req in requests:
        assert req.id is not None
        processed = _aware(req.processed_at) if req.processed_at else None
        later = [r for r in runs if processed is not None and _aware(r.started_at) > processed]
        mine = [t for t in tombstones if t.request_id == req.id]
        registry = TombstoneSet.from_rows(mine, [req])
        crawls = []
        for run in later:
            pages_skipped, not_archived = _page_skips(store, run.id, req.id, registry)
            skipped = []
            again = []
            for image in store.all(Image, run_id=run.id):
                reasons = [
                    r
                    for r in image.reasons
                    if r.get("kind") == SignalKind.OPTOUT_REGISTRY.value
                    and (r.get("extra") or {}).get("request_id") == req.id
                ]
                if reasons and image.decision == Decision.SKIPPED:
                    skipped.append(
                        {
                            "image_id": image.id,
                            "url": image.url,
                            "stage": image.stage,
                            "fetched_at": _iso(image.fetched_at),
                            "evidence": reasons[0].get("evidence"),
                            "distance": (reasons[0].get("extra") or {}).get("distance"),
                        }
                    )
                elif image.decision == Decision.COLLECTED and registry.hit(image):
                    again.append({"image_id": image.id, "url": image.url})
            crawls.append(
                {
                    "run_id": run.id,
                    "mode": run.mode,
                    "started_at": _iso(run.started_at),
                    "skipped": skipped,
                    "pages_skipped": pages_skipped,
                    "pages_not_archived": not_archived,
                    "collected_again": again,
                }
            )
        report.append(
            {
                "request_id": req.id,
                "kind": req.kind,
                "value": req.value,
                "note": req.note,
                "received_at": _iso(req.received_at),
                "processed_at": _iso(req.processed_at),
                "matched": req.matched,
                "deleted": req.receipt,
                "tombstones": len(mine),
                "evidence": [
                    {
                        "seq": e.seq,
                        "kind": e.kind,
                        "note": e.note,
                        "entry_hash": e.entry_hash,
                        "created_at": _iso(e.created_at),
                    }
                    for e in entries
                    if e.subject == f"optout_request:{req.id}"
                ],
                "later_crawls": crawls,
            }
        )
    return report
