"""The Markdown report's last sections: opt-out receipts and the images' evidence trails.

Each line of a trail is written by a small function that leaves out what the record does not
hold (no status, no dimensions, no hash): ``HTTP , ``, ``None×None`` or an empty
``pHash ,`` would tell a reader nothing and look like a fault.
"""

from __future__ import annotations

from typing import Any

from provenance.report.data import TRAIL_CATEGORIES, ImageTrail, RecordTrail, ReportData
from provenance.report.mdtext import code, table, text
from provenance.report.metadata import labelled
from provenance.report.optouts import OptOutSummary
from provenance.report.verdicts import capped_text


def optouts_section(data: ReportData, number: int) -> list[str]:
    """The "Opt-out requests and purges" section: each request and its receipt."""
    lines = [
        f"## {number}. Opt-out requests and purges",
        "",
        "A purge removes the photograph and what was written about the person: the pages it "
        "appeared on (unless kept as evidence with `--keep-pages`, as the receipt says), the "
        "alt texts, captions and profile texts in every record; a tombstone of hashes keeps "
        "it from being collected again. Each receipt is chained in the evidence log.",
        "",
    ]
    if not data.optouts:
        return [*lines, "No opt-out request or purge is recorded in this store.", ""]
    for o in data.optouts:
        lines += _receipt(o)
    return lines


def _receipt(o: OptOutSummary) -> list[str]:
    pages = {
        "kept": "kept as evidence (`--keep-pages`); only the records derived from them "
        "were redacted",
        "removed": f"{o.page_records_removed} WARC records of pages and responses holding "
        "the person's texts removed",
    }.get(o.pages, "not part of this receipt (a purge from before pages were removed)")
    lines = [
        f"### Request {o.request_id}: {text(o.kind)} {code(o.value)}",
        "",
        f"- received {text(o.received_at or '?')}, processed "
        f"{text(o.processed_at or 'not processed')}"
        + (f"; note: {text(o.note)}" if o.note else ""),
        f"- {o.matched} image records matched; {o.images_scrubbed} scrubbed; "
        f"{o.occurrences} appearances lost their alt text, caption and nearby text",
        f"- {o.warc_payloads_removed} WARC image payloads and {o.metadata_records_removed} "
        "records of copies skipped after download removed",
        f"- pages: {pages}; {o.snapshots_scrubbed} host-snapshot bodies removed; "
        f"{o.rows_redacted} other records redacted; {o.tombstones} tombstones",
    ]
    lines += [f"- page removed: {code(u)}" for u in o.pages_removed]
    lines += [f"- WARC rewritten: {code(old)} → {code(new)}" for old, new in o.warc_files.items()]
    lines += [f"- evidence entry {e.seq} ({text(e.kind)}): {text(e.note)}" for e in o.evidence]
    lines += [
        f"- later {text(c.mode)} crawl {code(c.run_id)}: {c.images_skipped} images and "
        f"{c.pages_skipped} pages skipped, {c.pages_not_archived} pages fetched but not "
        f"archived, {len(c.collected_again)} collected again"
        for c in o.later_crawls
    ] or ["- no crawl since"]
    return [*lines, ""]


def trails_section(data: ReportData, number: int) -> list[str]:
    """The evidence trails: what is shown (and why, when capped), a contents list, each trail."""
    shown, total = len(data.images), data.images_total
    if shown < total:
        lines = [
            f"## {number}. Evidence trails of {shown} of {total} images",
            "",
            f"**This section shows the evidence trail of {shown} of the {total} image URLs** (at "
            f"most {data.max_trails}); every figure, verdict count and site row above covers all "
            "of them. The trails shown are every failed or hostile fetch (up to a quarter of "
            "the trails), one image of every other kind below per host (and per opt-out kind), "
            "then minors, violations, faces and overridden opt-outs in turn, and a stratified "
            "sample of the rest:",
            "",
        ]
        lines += table(
            ["why shown", "images", "trails shown"],
            [
                (text(label), data.trail_selection[n]["images"], data.trail_selection[n]["shown"])
                for n, label in TRAIL_CATEGORIES
                if n in data.trail_selection
            ],
            right=2,
        )
        lines += [
            "Every record's full trail is in the store: `provtrack export --out DIR` writes them "
            "all as JSON lines, and `provtrack show IMAGE_URL --out DIR` prints one.",
            "",
        ]
    else:
        lines = [f"## {number}. Every image and its evidence", ""]
    lines += _contents(data.images)
    for img in data.images:
        lines += _trail(img)
    return lines


def _contents(images: list[ImageTrail]) -> list[str]:
    """The trails by why each is shown, as a list of the image URLs."""
    lines: list[str] = []
    for name, label in TRAIL_CATEGORIES:
        urls = [img.url for img in images if img.category == name]
        if urls:
            lines += [f"**{text(label)}** ({len(urls)}):", ""]
            lines += [f"- {code(u)}" for u in urls]
            lines.append("")
    return lines


def _trail(img: ImageTrail) -> list[str]:
    lines = [f"### {code(img.url)}", "", f"host {code(img.host)}", ""]
    for rec in img.records:
        lines += [
            f"#### {text(rec.mode)} run {code(rec.run_id)}: {text(rec.decision)}"
            + (f" ({text(rec.stage)})" if rec.stage else ""),
            "",
        ]
        lines += _where(rec)
        lines += [_fetch(rec), *_bytes(rec), _subject(rec)]
        lines += _metadata(rec)
        lines += _jurisdictions(rec)
        lines += [_verdict(v) for v in rec.verdicts]
        lines.append(
            f"- WARC: {code(rec.warc_file)}"
            + (f" offset {code(rec.warc_offset)}" if rec.warc_offset is not None else "")
            if rec.warc_file
            else "- WARC: no response record"
        )
        lines.append("")
    return lines


def _reason(label: str, r: dict[str, Any]) -> str:
    value = f" = {code(r['value'])}" if r.get("value") not in (None, "") else ""
    evidence = f": {text(r['evidence'])}" if r.get("evidence") else ""
    where = f" ({code(r['url'])})" if r.get("url") else ""
    return f"- {label}: {code(r['kind'])}{value}{evidence}{where}"


def _where(rec: RecordTrail) -> list[str]:
    """Why it was skipped or what it went against, where it appears, how the crawl got there."""
    lines = [_reason("reason", r) for r in rec.reasons]
    lines += [_reason("overridden", r) for r in rec.overridden]
    lines += [f"- appears on: {code(u)}" for u in rec.page_urls]
    lines += [
        "- path from the seed: " + " → ".join(code(u) for u in chain)
        for chain in rec.referrer_chains
    ]
    lines += [f"- alt text: {text(a)}" for a in rec.alt_texts]
    return lines + [f"- title: {text(a)}" for a in rec.titles]


def _fetch(rec: RecordTrail) -> str:
    parts = [f"fetched {text(rec.fetched_at)}" if rec.fetched_at else "not fetched"]
    if rec.http_status is not None:
        parts.append(f"HTTP {rec.http_status}")
    if rec.content_type:
        parts.append(code(rec.content_type))
    if rec.server_ip:
        parts.append(f"server {code(rec.server_ip)}")
    return "- " + ", ".join(parts)


def _bytes(rec: RecordTrail) -> list[str]:
    """The bytes' digest, size, format and perceptual hashes (nothing without bytes)."""
    if not rec.sha256:
        return []
    size = [f"sha256 {code(rec.sha256)}"]
    if rec.byte_size is not None:
        size.append(f"{rec.byte_size} bytes")
    shape = " ".join(
        p
        for p in (
            text(rec.format) if rec.format else "",
            f"{rec.width}×{rec.height}" if rec.width and rec.height else "",
        )
        if p
    )
    if shape:
        size.append(shape)
    hashes = [
        f"{name} {code(value)}"
        for name, value in (("pHash", rec.phash), ("dHash", rec.dhash), ("PDQ", rec.pdq))
        if value
    ]
    return [f"- {', '.join(size)}"] + (
        [f"- perceptual hashes: {', '.join(hashes)}"] if hashes else []
    )


def _subject(rec: RecordTrail) -> str:
    minor = "unknown" if rec.is_minor is None else "yes" if rec.is_minor else "no"
    faces = "unknown" if rec.face_count is None else str(rec.face_count)
    licence = f" (licence {code(rec.licence)}: not the subject's consent)" if rec.licence else ""
    return f"- faces: {faces}; minor: {minor}; consent: {text(rec.consent_evidence)}{licence}"


def _metadata(rec: RecordTrail) -> list[str]:
    lines: list[str] = []
    for name, section in (("EXIF", rec.exif), ("XMP / IPTC", rec.xmp), ("C2PA", rec.c2pa)):
        if name == "C2PA" and not (section or {}).get("present"):
            continue
        fields = labelled(section)
        if fields:
            lines.append(f"- {name}: " + "; ".join(f"{text(k)}: {text(v)}" for k, v in fields))
    return lines


def _jurisdictions(rec: RecordTrail) -> list[str]:
    lines: list[str] = []
    for label, cands in (
        ("site jurisdiction", rec.site_jurisdiction),
        ("subject jurisdiction", rec.subject_jurisdiction),
    ):
        for c in cands:
            evidence = "; ".join(
                text(e.get("detail") or e.get("value") or e.get("source") or "")
                for e in c.get("evidence", [])
            )
            lines.append(
                f"- {label}: {code(c.get('code'))} {float(c.get('confidence', 0)):.2f}"
                + (f" ({evidence})" if evidence else "")
            )
    return lines


def _verdict(v: dict[str, Any]) -> str:
    fired = ", ".join(
        f"{code(r['id'])} {text(r['verdict'])} [{text(r['confidence'])}]" for r in v["fired"]
    )
    capped = (
        f" ({text(capped_text(v['would_be'], v['capped_because']))})" if v.get("would_be") else ""
    )
    return (
        f"- verdict {code(v['pack'])} {text(v['pack_version'])}: **{text(v['verdict'])}**"
        + capped
        + (f"; fired {fired}" if fired else "")
        + (f"; {text('; '.join(v['reasons']))}" if v["reasons"] else "")
    )
