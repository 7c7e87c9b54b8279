"""The report's evidence trails: which images get one, and each image's trail across runs.

:func:`select_trails` picks at most ``max_trails`` image URLs by category and stratum (every
figure still covers every record); :func:`image_trails` assembles their full records through
:class:`provenance.export.records.ExportView`, a chunk at a time, with their thumbnails.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from provenance.evaluation import ImageFacts
from provenance.export.records import ExportView
from provenance.report.builder import (
    Builder,
    dedupe,
    gate_reason,
    image_key,
    most_severe,
)
from provenance.report.comparison import (
    sample_order,
)
from provenance.report.thumbnails import Thumbnail, thumbnail_from_warc
from provenance.report.verdicts import (
    cap_reason,
    would_be,
)
from provenance.store.models import CrawlRun
from provenance.vocab import Decision

_TRAIL_CHUNK = 400  # trails assembled per export view (bounds the images held at once)


@dataclass(slots=True)
class RecordTrail:
    """One run's record of an image: the evidence trail, verdicts included."""

    run_id: str
    mode: str
    decision: str
    stage: str | None
    reasons: list[dict[str, Any]]
    overridden: list[dict[str, Any]]
    page_urls: list[str]
    page_titles: dict[str, str]
    referrer_chains: list[list[str]]
    seeds: list[str]
    alt_texts: list[str]
    titles: list[str]
    fetched_at: str | None
    http_status: int | None
    content_type: str | None
    server_ip: str | None
    byte_size: int | None
    sha256: str | None
    format: str | None
    width: int | None
    height: int | None
    phash: str | None
    dhash: str | None
    pdq: str | None
    pdq_quality: int | None
    face_count: int | None
    exif: dict[str, Any] | None
    xmp: dict[str, Any] | None
    c2pa: dict[str, Any] | None
    signals: list[dict[str, Any]]
    site_jurisdiction: list[dict[str, Any]]
    subject_jurisdiction: list[dict[str, Any]]
    is_minor: bool | None
    minor_reason: str | None
    consent_evidence: str
    licence: str | None
    verdicts: list[dict[str, Any]]
    most_severe: str | None
    warc_file: str | None
    warc_offset: int | None
    purged: bool


@dataclass(slots=True)
class ImageTrail:
    """One image URL across the runs that recorded it."""

    key: str
    url: str
    host: str
    thumbnail: str | None
    thumbnail_note: str
    records: list[RecordTrail]
    category: str = "sample"  # why its trail is shown: a name of TRAIL_CATEGORIES


# why an image's evidence trail is shown, in order of precedence (the first that applies)
TRAIL_CATEGORIES = (
    ("failed", "a failed or hostile fetch (broken, too large, refused, redirect loop...)"),
    ("minor", "the person pictured is a minor, by what the page says"),
    ("violation", "a pack found a violation"),
    ("face", "shows a face"),
    ("opt-out", "a Clearview-style crawl went against an opt-out, or a compliant one honoured it"),
    ("sample", "a stratified sample of the rest, by host and decision"),
)


def select_trails(
    builder: Builder, max_trails: int | None
) -> tuple[dict[str, str], dict[str, dict[str, int]]]:
    """The image URLs whose evidence trail the report shows (with the category each is shown
    for), and how many per category.

    Every URL gets the first category of :data:`TRAIL_CATEGORIES` that applies to any of
    its records, and a stratum within it (host, and the failure or opt-out kind). Within a
    stratum URLs come in a stable pseudo-random order. Up to ``max_trails`` are chosen, in
    passes that each take one URL per stratum in turn:

    1. every failed or hostile record, up to a quarter of the trails (every failure reason
       and host first);
    2. one URL of every other stratum (every host and opt-out kind appears);
    3. minors, violations, faces and opt-outs, keeping a fifth of the trails for
    4. the stratified sample of the rest;
    5. whatever is left, if a category ran out.

    ``None`` (or a cap above the number of URLs) shows every URL.
    """
    by_url: dict[str, list[ImageFacts]] = defaultdict(list)
    for recs in builder.records.values():
        for rec in recs:
            by_url[rec.url].append(rec)
    strata: dict[tuple[Any, ...], list[str]] = defaultdict(list)
    category_of: dict[str, str] = {}
    for url, recs in by_url.items():
        category, stratum = _trail_category(builder, recs)
        category_of[url] = category
        strata[stratum].append(url)
    counts = Counter(category_of.values())
    if max_trails is None or len(by_url) <= max_trails:
        selected = set(by_url)
    else:
        selected = _choose(strata, max_trails)
    shown = Counter(category_of[u] for u in selected)
    selection = {
        name: {"images": counts[name], "shown": shown[name]}
        for name, _ in TRAIL_CATEGORIES
        if counts[name]
    }
    return {u: category_of[u] for u in selected}, selection


def _choose(strata: dict[tuple[Any, ...], list[str]], cap: int) -> set[str]:
    """The passes of :func:`select_trails` over the strata (keys start with the category)."""
    order = {name: i for i, (name, _) in enumerate(TRAIL_CATEGORIES)}
    keys = sorted(strata, key=lambda k: (order[k[0]], k[1:]))
    queues = {k: sorted(strata[k], key=sample_order) for k in keys}
    taken = dict.fromkeys(keys, 0)
    chosen: list[str] = []

    def take(of: list[tuple[Any, ...]], budget: int, rounds: int | None = None) -> None:
        done = 0
        while len(chosen) < cap and budget > 0 and (rounds is None or done < rounds):
            progressed = False
            for k in of:
                if taken[k] < len(queues[k]) and budget > 0 and len(chosen) < cap:
                    chosen.append(queues[k][taken[k]])
                    taken[k] += 1
                    budget -= 1
                    progressed = True
            done += 1
            if not progressed:
                return

    failed = [k for k in keys if k[0] == "failed"]
    favoured = [k for k in keys if k[0] not in ("failed", "sample")]
    sample = [k for k in keys if k[0] == "sample"]
    take(failed, max(cap // 4, min(len(failed), cap)))
    take([k for k in keys if k[0] != "failed"], cap, rounds=1)
    sample_left = sum(len(queues[k]) - taken[k] for k in sample)
    reserve = min(cap // 5, sample_left)
    take(favoured, cap - len(chosen) - reserve)
    take(sample, cap - len(chosen))
    take(keys, cap - len(chosen))
    return set(chosen)


def _trail_category(builder: Builder, recs: list[ImageFacts]) -> tuple[str, tuple[Any, ...]]:
    host = recs[0].host
    failed = [r for r in recs if r.decision == Decision.FAILED]
    if failed:
        reasons = failed[0].reasons or []
        value = str(reasons[0].get("value")) if reasons else "failed"
        return "failed", ("failed", value, host)
    if any(r.is_minor is True for r in recs):
        return "minor", ("minor", host)
    if any(builder.most_severe(r) == "violation" for r in recs):
        return "violation", ("violation", host)
    if any(r.face_count for r in recs):
        return "face", ("face", host)
    kinds = sorted({k for r in recs for k in r.gate_kinds})
    if kinds:
        return "opt-out", ("opt-out", kinds[0], host)
    return "sample", ("sample", host, recs[0].decision)


def image_trails(
    builder: Builder, selected: Mapping[str, str], warc_dir: Path, thumbnails: bool
) -> list[ImageTrail]:
    """The evidence trails of the selected image URLs (URL → the category it is shown for),
    each with its thumbnail."""
    chosen = [rec for run in builder.runs for rec in builder.records[run.id] if rec.url in selected]
    facts = {(rec.run_id, rec.image_id): rec.facts for rec in chosen}
    total = len(chosen)
    by_url: dict[str, ImageTrail] = {}
    done = 0
    for start in range(0, total, _TRAIL_CHUNK):
        part = chosen[start : start + _TRAIL_CHUNK]
        view = ExportView(builder.store, image_ids=[r.image_id for r in part])
        runs = {r.id: r for r in builder.runs}
        for image in view.images:
            rec = view.image_export(image)
            url = rec["image_url"]
            trail = by_url.setdefault(
                url, ImageTrail(image_key(url), url, rec["host"], None, "", [], selected[url])
            )
            trail.records.append(
                _record_trail(runs[image.run_id], rec, view, facts[(image.run_id, image.id or 0)])
            )
        done += len(part)
        builder._step("evidence trails", done, total)
    order = {r.id: i for i, r in enumerate(builder.runs)}
    trails = sorted(by_url.values(), key=lambda t: (t.host, t.url))
    cache: dict[tuple[str, int, str | None], Thumbnail] = {}
    for index, trail in enumerate(trails):
        trail.records.sort(key=lambda r: order[r.run_id])
        if thumbnails:
            _thumbnail(trail, warc_dir, cache)
        else:
            trail.thumbnail_note = "thumbnails not requested"
        if index % 50 == 0 or index + 1 == len(trails):
            builder._step("thumbnails", index + 1, len(trails))
    return trails


def _thumbnail(
    trail: ImageTrail, warc_dir: Path, cache: dict[tuple[str, int, str | None], Thumbnail]
) -> None:
    """Set the trail's thumbnail from a collected, unpurged record's WARC bytes, if any."""
    candidates = [
        r
        for r in trail.records
        if r.decision == Decision.COLLECTED
        and not r.purged
        and r.warc_file
        and r.warc_offset is not None
    ]
    if not candidates:
        decisions = {r.decision for r in trail.records}
        if any(r.purged for r in trail.records):
            trail.thumbnail_note = "no thumbnail: the image was purged"
        elif Decision.COLLECTED in decisions:
            trail.thumbnail_note = "no thumbnail: no WARC record of the bytes"
        else:
            trail.thumbnail_note = (
                "no thumbnail: the bytes were never kept (" + ", ".join(sorted(decisions)) + ")"
            )
        return
    note = ""
    for rec in candidates:
        # replicated or re-posted records can point at the same bytes: decode them once
        where = (str(rec.warc_file), int(rec.warc_offset or 0), rec.sha256)
        thumb = cache.get(where)
        if thumb is None:
            thumb = cache[where] = thumbnail_from_warc(warc_dir, where[0], where[1], where[2])
        if thumb.uri:
            trail.thumbnail, trail.thumbnail_note = thumb.uri, ""
            return
        note = thumb.note
    trail.thumbnail_note = f"no thumbnail: {note}"


def _record_trail(run: CrawlRun, rec: dict[str, Any], view: ExportView, f: Any) -> RecordTrail:
    occurrences = view.occurrences.get((run.id, rec["image_url"]), [])
    page_titles = {
        u: page.title
        for u in rec["page_urls"]
        if (page := view.pages.get((run.id, u))) is not None and page.title
    }
    subject = rec.get("subject") or {}
    minor = subject.get("minor") or {}
    verdicts = [_verdict(v) for v in rec["verdicts"]]
    return RecordTrail(
        run_id=run.id,
        mode=run.mode,
        decision=rec["decision"],
        stage=rec["stage"],
        reasons=[gate_reason(r) for r in rec["reasons"]],
        overridden=[gate_reason(r) for r in rec["overridden"]],
        page_urls=list(rec["page_urls"]),
        page_titles=page_titles,
        referrer_chains=[list(c) for c in rec["referrer_chains"]],
        seeds=list(rec["seeds"]),
        alt_texts=list(rec["alt_texts"]),
        titles=[o.title for o in occurrences if o.title],
        fetched_at=rec["fetched_at"],
        http_status=rec["http_status"],
        content_type=rec["content_type"],
        server_ip=rec["server_ip"],
        byte_size=rec["byte_size"],
        sha256=rec["sha256"],
        format=rec["format"],
        width=rec["width"],
        height=rec["height"],
        phash=rec["phash"],
        dhash=rec["dhash"],
        pdq=rec["pdq"],
        pdq_quality=rec["pdq_quality"],
        face_count=rec["faces"]["count"],
        exif=rec["exif"],
        xmp=rec["xmp"],
        c2pa=rec["c2pa"],
        signals=dedupe(
            {k: s.get(k) for k in ("kind", "value", "source", "evidence", "level", "agent", "url")}
            | {"restricts": bool(s.get("restricts"))}
            for s in rec["signals"]
        ),
        site_jurisdiction=list(rec["site_jurisdiction"] or []),
        subject_jurisdiction=list(rec["subject_jurisdiction"] or []),
        is_minor=subject.get("is_minor"),
        minor_reason=minor.get("reason"),
        consent_evidence=str(f.consent_evidence),
        licence=f.license,
        verdicts=verdicts,
        most_severe=most_severe(v["verdict"] for v in verdicts),
        warc_file=rec["warc_file"],
        warc_offset=rec["warc_offset"],
        purged=bool(rec.get("purged")),
    )


def _verdict(v: dict[str, Any]) -> dict[str, Any]:
    fired = [r for r in v["rules"] if "verdict" in r]
    undecided = [r for r in v["rules"] if "verdict" not in r]
    worse = would_be(v["verdict"], fired)
    return {
        "pack": v["pack"],
        "pack_version": v["pack_version"],
        "jurisdiction": v["jurisdiction"],
        "verdict": v["verdict"],
        "would_be": worse,
        "capped_because": (cap_reason(v["reasons"]) or "") if worse else "",
        "reasons": list(v["reasons"]),
        "fired": [{k: r.get(k) for k in ("id", "verdict", "confidence")} for r in fired],
        "undecided": [
            {k: r.get(k) for k in ("id", "would_yield", "unknown_fields", "confidence")}
            for r in undecided
        ],
        "evaluation": v["evaluation"],
        "purpose": v["purpose"],
    }
