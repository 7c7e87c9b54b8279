"""From a photo to how it was gathered: near-duplicate lookup plus each match's provenance chain.

:func:`lookup` hashes the query file (and its mirror, and its centred crops) the way the media
pipeline hashes collected images, finds every collected image that is the same photograph
(:mod:`provenance.matching`: sha256, PDQ <= 31, pHash of whole or crops <= 6) and assembles
for each one its provenance chain (:func:`provenance_chains`): the crawl run, the seed, every
page it appeared on with the referrer chain from the seed, the image URL and fetch facts, the
robots.txt and terms snapshots of its host as they were fetched during that crawl (outcome,
sha256, time, the robots lines that matched the image, the terms clauses), every signal, the
latest verdicts and the WARC record. Chains are plain JSON-ready dicts.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from provenance.errors import IntegrityError
from provenance.export.records import signal_export
from provenance.jurisdiction.cctld import host_of
from provenance.lookup.keypoints import KeypointIndex
from provenance.matching import (
    PDQ_THRESHOLD,
    PHASH_THRESHOLD,
    Comparison,
    PhotoIndex,
    QueryImage,
    store_index,
)
from provenance.purge import locate
from provenance.report.verdicts import capped_fields
from provenance.reposts import (
    PixelSource,
    find_photo,
    keypoint_index,
    nearest_non_matches,
    query_parts,
)
from provenance.signals._vocab import PROVTRACK_AGENT
from provenance.signals.robotstxt import RobotsOutcome, RobotsSnapshot, ai_agent_panel
from provenance.store import Store
from provenance.store.models import (
    HostSnapshot,
    ImageOccurrence,
    ImageOccurrencePublic,
    ImagePublic,
    PagePublic,
    SignalRecordPublic,
)
from provenance.store.queries.trace import chain_rows, image_row
from provenance.store.verdicts import latest_verdicts
from provenance.vocab import SignalKind, SnapshotKind
from provenance.warc import read_response


def robots_view(snap: HostSnapshot) -> RobotsSnapshot | None:
    """The robots.txt snapshot re-read from the stored bytes (never fetched again), or ``None``.

    Only a parsed file has lines to re-read; an unreachable or unavailable one is answered by
    its recorded outcome (:func:`panel_for`).
    """
    if snap.outcome != RobotsOutcome.PARSED.value:
        return None
    body = snap.body
    if body is None:
        text = snap.parsed.get("text")
        body = text.encode("utf-8") if isinstance(text, str) else None
    return RobotsSnapshot.from_fetch(snap.url, snap.http_status, body, None, snap.fetched_at)


def panel_for(
    snap: HostSnapshot | None, parsed: RobotsSnapshot | None, url: str
) -> list[dict[str, Any]]:
    """robots.txt's answer for ``url`` to provtrack, ``*`` and each agent of the AI panel
    (GPTBot, CCBot, ...), each with its deciding line: what the site told every crawler."""
    if snap is None:
        return []
    names = [PROVTRACK_AGENT, "*", *ai_agent_panel()]
    if parsed is None:
        # not parsed: every agent gets the fetch outcome (unreachable = complete disallow)
        return [
            {"agent": n, "verdict": snap.outcome, "line": None, "evidence": snap.reason}
            for n in names
        ]
    return [
        {
            "agent": name,
            "verdict": d.verdict.value,
            "line": d.line,
            "evidence": d.evidence,
            "matched_agent": d.matched_agent,
        }
        for name, d in parsed.evaluate_panel(url, names).items()
    ]


def iso(value: datetime | None) -> str | None:
    """UTC ISO-8601 with a ``Z`` (stores return naive UTC datetimes)."""
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


@dataclass(frozen=True, slots=True)
class LookupResult:
    """The query's hashes, how many stored images the index holds, each match with its chain,
    the photo regions found in the query and the nearest non-matches (``--near``)."""

    query: QueryImage
    compared: int
    matches: list[tuple[Comparison, dict[str, Any]]]
    parts: list[str] = field(default_factory=list)
    near: list[tuple[Comparison, dict[str, Any]]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (``provtrack lookup --json``)."""
        return {
            "query": {
                "sha256": self.query.original.sha256,
                "hashes": self.query.original.to_dict(),
                "mirror": self.query.mirror.to_dict() if self.query.mirror else None,
                "parts": self.parts,
            },
            "thresholds": {"pdq": PDQ_THRESHOLD, "phash": PHASH_THRESHOLD},
            "compared": self.compared,
            "matches": [chain for _, chain in self.matches],
            "near": [
                {
                    "image_id": c.key,
                    "image_url": row.get("image_url"),
                    "run_id": row.get("run_id"),
                    "distances": c.to_dict(),
                }
                for c, row in self.near
            ],
        }


def warc_pixels(store: Store, warc_dirs: list[Path]) -> PixelSource:
    """The stored bytes of an image id, read from its WARC record (digests checked), or
    ``None`` when the record keeps none (skipped, purged) or cannot be read."""

    def read(image_id: int) -> bytes | None:
        row = image_row(store, image_id)
        if row is None or row.purged_at is not None or not row.warc_file:
            return None
        folder = locate(warc_dirs, row.warc_file)
        if folder is None or row.warc_offset is None:
            return None
        try:
            return read_response(folder, row.warc_file, row.warc_offset).body
        except IntegrityError:
            return None

    return read


def lookup(
    store: Store,
    data: bytes,
    *,
    index_dir: Path | None = None,
    warc_dirs: list[Path] | None = None,
    near: int = 0,
    index: PhotoIndex | None = None,
    keypoints: KeypointIndex | None = None,
) -> LookupResult:
    """Every collected image that is the same photograph as ``data``, with its provenance chain.

    The file is read as it is and through each photo region found in it (a screenshot's
    photo); the stored hashes are searched through the multi-index hash index
    (:func:`provenance.matching.store_index`, cached in ``index_dir`` when given) and matches
    through a region are confirmed on keypoints against the stored bytes in ``warc_dirs``
    (:func:`provenance.reposts.find_photo`); the keypoint index that finds crops and
    rotations is built from the same WARC files (cached in ``index_dir`` too). ``index`` and
    ``keypoints`` pass indexes a caller keeps up to date (the explorer). ``near`` lists that
    many closest non-matches. Raises :class:`~provenance.errors.ConfigError` when ``data`` is
    not a decodable image.
    """
    parts = query_parts(data)
    photo_index = index or store_index(store, index_dir)
    pixels = warc_pixels(store, warc_dirs) if warc_dirs else None
    if keypoints is None and pixels is not None:
        keypoints = keypoint_index(store, pixels, index_dir)
    found = find_photo(
        store, data, index=photo_index, pixels=pixels, parts=parts, keypoints=keypoints
    )
    closest = nearest_non_matches(store, parts, {c.key for c in found}, near)
    chains = provenance_chains(store, [c.key for c in found] + [c.key for c in closest])
    result = []
    for comparison in found:
        chain = chains[comparison.key]
        chain["match"] = comparison.to_dict()
        result.append((comparison, chain))
    near_rows = [(c, chains.get(c.key, {})) for c in closest]
    return LookupResult(
        parts[0].query, photo_index.images, result, [p.name for p in parts], near_rows
    )


def _snapshot(snap: HostSnapshot) -> dict[str, Any]:
    return {
        "url": snap.url,
        "final_url": snap.final_url,
        "outcome": snap.outcome,
        "status": snap.status,
        "reason": snap.reason,
        "http_status": snap.http_status,
        "sha256": snap.sha256,
        "fetched_at": iso(snap.fetched_at),
        "warc": {"file": snap.warc_file, "offset": snap.warc_offset},
    }


def _robots_lines(
    signals: Iterable[SignalRecordPublic | dict[str, Any]],
) -> list[dict[str, Any]]:
    """The robots.txt lines that decided for a URL (provtrack's own group, else ``*``), from
    signal rows or from the signal dicts a fetched page keeps in ``facts["robots"]``."""
    out = []
    for s in signals:
        data = s if isinstance(s, dict) else {**signal_export(s), "extra": s.extra}
        if data.get("kind") != SignalKind.ROBOTS or data.get("source") != "robots.txt":
            continue
        extra = data.get("extra") or {}
        out.append(
            {
                "agent": data.get("agent"),
                "value": data.get("value"),
                "line": extra.get("line"),
                "evidence": data.get("evidence"),
                "reason": extra.get("reason"),
                "restricts": data.get("restricts"),
            }
        )
    return out


def _top(candidates: list[dict[str, Any]], n: int = 3) -> list[dict[str, Any]]:
    ranked = sorted(candidates, key=lambda c: -float(c.get("confidence", 0)))
    return [
        {
            "code": c.get("code"),
            "confidence": c.get("confidence"),
            "sources": sorted({e.get("source") for e in c.get("evidence") or []}),
        }
        for c in ranked[:n]
    ]


CHAIN_FIELDS: tuple[str, ...] = (
    *("image_id", "run_id", "mode", "purpose", "run_started_at", "image_url", "host"),
    *("decision", "stage", "fetched_at", "http_status", "content_type", "response_headers"),
    *("server_ip", "sha256", "byte_size", "format", "width", "height", "face_count", "seeds"),
    *("pages", "robots", "terms", "snapshots", "signals", "reasons", "overridden", "verdicts"),
    *("site_jurisdiction", "subject_jurisdiction", "warc"),
)
"""A provenance chain's fields in order; those not joined from the run, the image's pages,
snapshots, signals and verdicts (or ranked, renamed, ISO times) are the image's columns of
the same name, read through :class:`ImagePublic` (:data:`CHAIN_COLUMNS`)."""
_CHAIN_JOINED = frozenset(
    {"image_id", "purpose", "run_started_at", "image_url", "fetched_at", "seeds", "pages"}
    | {"robots", "terms", "snapshots", "signals", "verdicts", "site_jurisdiction"}
    | {"subject_jurisdiction", "warc"}
)
CHAIN_COLUMNS: tuple[str, ...] = tuple(n for n in CHAIN_FIELDS if n not in _CHAIN_JOINED)
_CHAIN_COLUMN_SET: set[str] = set(CHAIN_COLUMNS)
PAGE_ENTRY_FIELDS: tuple[str, ...] = (
    *("url", "seed", "referrer_chain", "alt", "found_at", "fetched_at", "http_status"),
    *("decision", "title", "depth", "robots", "panel", "warc"),
)
"""A chain's page entry in order: the occurrence's columns :data:`PAGE_ENTRY_OCCURRENCE_COLUMNS`
and the page's :data:`PAGE_ENTRY_PAGE_COLUMNS` (``None`` when the page has no record), read
through their public shapes, and the rest joined (URL, ISO times, robots lines, WARC)."""
PAGE_ENTRY_OCCURRENCE_COLUMNS: tuple[str, ...] = ("seed", "referrer_chain", "alt")
PAGE_ENTRY_PAGE_COLUMNS: tuple[str, ...] = ("http_status", "decision", "title", "depth")
_OCCURRENCE_COLUMN_SET: set[str] = set(PAGE_ENTRY_OCCURRENCE_COLUMNS)
_PAGE_COLUMN_SET: set[str] = set(PAGE_ENTRY_PAGE_COLUMNS)


def provenance_chains(store: Store, image_ids: Iterable[int]) -> dict[int, dict[str, Any]]:
    """The provenance chain of each image id (missing ids are left out).

    A handful of ``IN`` queries fetch exactly the rows the chains need, so the cost follows the
    number of matches, not the size of the store.
    """
    ids = list(dict.fromkeys(image_ids))
    if not ids:
        return {}
    rows = chain_rows(store, ids, host_of)
    images, runs, occurrences, pages = rows.images, rows.runs, rows.occurrences, rows.pages
    # each page read through its public shape once (the images of a page share it)
    shown_pages = {key: PagePublic.model_validate(page) for key, page in pages.items()}
    snapshots, signals = rows.snapshots, rows.signals
    occ_by: dict[tuple[str, str], list[ImageOccurrence]] = defaultdict(list)
    for o in occurrences:
        occ_by[(o.run_id, o.image_url)].append(o)
    snap_by: dict[tuple[str, str], dict[str, HostSnapshot]] = defaultdict(dict)
    for snap in snapshots:
        snap_by[(snap.run_id, snap.host)][snap.kind] = snap
    sig_by: dict[tuple[str, str], list[SignalRecordPublic]] = defaultdict(list)
    for sig in signals:  # read through the public shape once, shared by every image
        shown_signal = SignalRecordPublic.model_validate(sig)
        sig_by[(shown_signal.run_id, shown_signal.subject)].append(shown_signal)
    verdicts_by = latest_verdicts(store, images)
    robots_by = {
        key: robots_view(kinds["robots"]) for key, kinds in snap_by.items() if "robots" in kinds
    }

    def page_panel(run_id: str, url: str) -> list[dict[str, Any]]:
        key = (run_id, host_of(url))
        return panel_for(snap_by.get(key, {}).get("robots"), robots_by.get(key), url)

    chains: dict[int, dict[str, Any]] = {}
    for image in images:
        assert image.id is not None
        run = runs.get(image.run_id)
        occs = occ_by.get((image.run_id, image.url), [])
        page_entries = []
        for o in occs:
            occ = ImageOccurrencePublic.model_validate(o)
            page = shown_pages.get((image.run_id, occ.page_url))
            columns = {
                **occ.model_dump(include=_OCCURRENCE_COLUMN_SET),
                **(
                    page.model_dump(include=_PAGE_COLUMN_SET)
                    if page
                    else dict.fromkeys(PAGE_ENTRY_PAGE_COLUMNS)
                ),
            }
            joined_page = {
                "url": occ.page_url,
                "found_at": iso(occ.found_at),
                "fetched_at": iso(page.fetched_at) if page else None,
                "robots": _robots_lines(
                    [
                        *sig_by.get((image.run_id, occ.page_url), []),
                        *((page.facts or {}).get("robots", []) if page else []),
                    ]
                ),
                "panel": page_panel(image.run_id, occ.page_url),
                "warc": {
                    "file": page.warc_file if page else None,
                    "offset": page.warc_offset if page else None,
                },
            }
            page_entries.append(
                {
                    name: joined_page[name] if name in joined_page else columns[name]
                    for name in PAGE_ENTRY_FIELDS
                }
            )
        snaps = snap_by.get((image.run_id, image.host), {})
        robots = snaps.get(SnapshotKind.ROBOTS)
        terms = snaps.get(SnapshotKind.TERMS)
        image_signals = sig_by.get((image.run_id, image.url), [])
        all_signals = [signal_export(x) for x in image_signals]
        for o in occs:
            page_signals = sig_by.get((image.run_id, o.page_url), [])
            all_signals.extend(signal_export(x) for x in page_signals)
        all_signals.extend(signal_export(x) for x in sig_by.get((image.run_id, image.host), []))
        all_signals = list({json.dumps(x, sort_keys=True): x for x in all_signals}.values())
        shown = ImagePublic.model_validate(image)
        joined = {
            "image_id": image.id,
            "purpose": run.purpose if run else None,
            "run_started_at": iso(run.started_at) if run else None,
            "image_url": shown.url,
            "fetched_at": iso(shown.fetched_at),
            "seeds": sorted({o.seed for o in occs if o.seed}),
            "pages": page_entries,
            "robots": (
                {
                    **_snapshot(robots),
                    "matching_lines": _robots_lines(image_signals),
                    "text": robots.parsed.get("text"),
                    "panel": page_panel(image.run_id, image.url),
                }
                if robots
                else None
            ),
            "terms": (
                {**_snapshot(terms), "clauses": terms.parsed.get("clauses", [])} if terms else None
            ),
            "snapshots": {
                kind: _snapshot(snap)
                for kind, snap in sorted(snaps.items())
                if kind not in ("robots", "terms")
            },
            "signals": all_signals,
            "verdicts": [
                {
                    "pack": v.outcome.pack,
                    "pack_version": v.outcome.pack_version,
                    "jurisdiction": v.outcome.jurisdiction,
                    "verdict": v.outcome.verdict,
                    **capped_fields(v.outcome.verdict, v.outcome.rules, v.outcome.reasons),
                    "reasons": v.outcome.reasons,
                    "evaluation": v.evaluation,
                    "evaluated_at": iso(v.evaluated_at),
                }
                for v in verdicts_by.get(image.id, [])
            ],
            "site_jurisdiction": _top(shown.site_jurisdiction),
            "subject_jurisdiction": _top(shown.subject_jurisdiction),
            "warc": {"file": shown.warc_file, "offset": shown.warc_offset},
        }
        columns = shown.model_dump(include=_CHAIN_COLUMN_SET)
        chains[image.id] = {
            name: joined[name] if name in joined else columns[name] for name in CHAIN_FIELDS
        }
    return chains
