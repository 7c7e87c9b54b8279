"""The Markdown report: the HTML report's sections as text tables, without thumbnails or charts.

Figures are the same ``ReportData`` the HTML and JSON reports render, so the three agree.
Text from the web is escaped so that it stays text whatever renders the file: inside code
spans when it is an identifier (URL, hash, header value), with Markdown and HTML
metacharacters escaped otherwise, and never spread over several lines (a newline would end
a table row).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from provenance.report.data import OPTOUT_KINDS, TRAIL_CATEGORIES, VERDICT_ORDER, ReportData
from provenance.report.labels import CONFIDENCE_LABELS, OPTOUT_LABELS, VERDICT_LABELS

# inline metacharacters: text never starts a line here, so list/heading marks cannot trigger
_MD_SPECIAL = re.compile(r"([\\`*_\[\]|~])")
_WS = re.compile(r"\s+")


def text(value: object) -> str:
    """Web or record text made inert for Markdown: one line, HTML and Markdown escaped."""
    s = _WS.sub(" ", "" if value is None else str(value)).strip()
    s = s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return _MD_SPECIAL.sub(r"\\\1", s)


def code(value: object) -> str:
    """A code span holding ``value`` verbatim (on one line); ``text`` if it holds a backtick."""
    s = _WS.sub(" ", "" if value is None else str(value)).strip()
    if not s:
        return ""
    if "`" in s:
        return text(s)
    # a pipe ends a table cell even inside a code span in GFM tables
    return "`" + s.replace("|", "\\|") + "`"


def _table(header: Sequence[str], rows: Iterable[Sequence[object]], right: int = 0) -> list[str]:
    """A GFM table; the last ``right`` columns are right-aligned numbers."""
    aligns = ["---"] * (len(header) - right) + ["---:"] * right
    out = ["| " + " | ".join(header) + " |", "| " + " | ".join(aligns) + " |"]
    out += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return [*out, ""]


def render_markdown(data: ReportData) -> str:
    """The Markdown report of ``data``."""
    head = data.headline_of(data.primary_run)
    section = iter(range(1, 10))
    lines: list[str] = [
        "# Publicly available is not consent: provtrack report",
        "",
        f"- generated at: {code(data.generated_at)} by provtrack {text(data.provtrack_version)}",
        f"- store: {code(data.store)}; WARC folder: {code(data.warc_dir)}",
    ]
    for run in data.runs:
        lines.append(
            f"- {text(run.mode)} run {code(run.run_id)}: {text(run.status)}, "
            f"{text(run.started_at)} to {text(run.finished_at or '?')}, {run.records} image "
            f"records, purpose {code(run.purpose)}, evaluation "
            f"{', '.join(code(e) for e in run.evaluations)} ({run.verdicts} verdicts)"
        )
    lines.append(
        "- policy packs: "
        + ", ".join(f"{code(p.id)} {text('/'.join(p.versions))}" for p in data.packs)
    )
    lines += [f"- schema: {code(data.schema)}", ""]

    lines += [
        f"## {next(section)}. What this report is about",
        "",
        f"provtrack started from {len({s for r in data.runs for s in r.seeds})} home pages "
        f"({len(data.sites)} hosts in all), followed links within those sites and recorded every "
        "image it found, the page and the chain of links that led there, and everything the site "
        "said about collection at that moment: robots.txt, the terms of service and every "
        "machine-readable opt-out signal on the page, in the headers and inside the file. It "
        "flagged faces (detection only, never identification) and inferred the site's and the "
        "person's likely jurisdiction.",
        "",
        "**Publicly available is not consent.** Clearview AI scraped billions of face photos "
        "from social media and other public sites to build a face-search tool for police, "
        "arguing the photos were public. In February 2021 four Canadian privacy commissioners "
        "(federal, Quebec, British Columbia, Alberta; PIPEDA Findings #2021-001) found that "
        "Clearview needed the consent of the people pictured and did not have it, that photos "
        'scraped from social media fall outside the narrow "publicly available" exceptions, '
        "and that identifying everyone by their face was not an appropriate purpose: mass "
        "surveillance.",
        "",
        "**A licence is not consent.** A Creative Commons licence is granted by the "
        "photographer about the photo as a work; it says nothing about the people in it, who "
        "never agreed to have their face collected.",
        "",
        "**Reading a verdict.** Each policy pack encodes one jurisdiction's rules; a record's "
        "verdict is the most severe rule that fired. Unknown facts (often: which jurisdiction the "
        "person is in) cap it at needs-review; unknown is never read as allowed.",
        "",
        f"**Jurisdictions judged ({len(data.packs)} packs) and their sources:**",
        "",
        *(
            f"- {text(p.name)} ({text(', '.join(p.jurisdictions))}): "
            + "; ".join(text(s) for s in p.sources)
            for p in data.packs
        ),
        "",
    ]
    lines += _table(["verdict", "meaning"], [(code(v), VERDICT_LABELS[v]) for v in VERDICT_ORDER])
    lines += _table(["mark", "confidence"], [(code(k), v) for k, v in CONFIDENCE_LABELS.items()])

    lines += [
        f"## {next(section)}. Headline figures",
        "",
        f"**{head.faces_reachable_without_consent}** images of faces were publicly reachable "
        f"({head.mode} run); {head.with_subject_consent} came with the consent of the person "
        f"pictured; {head.with_licence} carry a copyright licence (the photographer's, not "
        f"theirs); {head.minors} are of minors.",
        "",
    ]
    rows: list[tuple[str, list[int]]] = [
        ("image records", [h.images for h in data.headline]),
        ("publicly reachable", [h.reachable for h in data.headline]),
        ("collected (bytes kept)", [h.collected for h in data.headline]),
        ("skipped for an opt-out", [h.skipped for h in data.headline]),
        ("failed (broken or hostile file)", [h.failed for h in data.headline]),
        ("carrying an opt-out", [h.with_optout for h in data.headline]),
        *(
            (
                f"  {code(k)}: {OPTOUT_LABELS[k]}",
                [h.optouts_by_kind.get(k, 0) for h in data.headline],
            )
            for k in OPTOUT_KINDS
        ),
        ("showing faces", [h.with_faces for h in data.headline]),
        ("face unknown (bytes never examined)", [h.faces_unknown for h in data.headline]),
        ("with a copyright licence (not consent)", [h.with_licence for h in data.headline]),
        ("with consent of the person pictured", [h.with_subject_consent for h in data.headline]),
        (
            "faces reachable without that consent",
            [h.faces_reachable_without_consent for h in data.headline],
        ),
        ("of minors", [h.minors for h in data.headline]),
        ("of minors, face visible", [h.minors_with_faces for h in data.headline]),
    ]
    lines += _table(
        ["figure", *(f"{text(h.mode)} {code(h.run_id)}" for h in data.headline)],
        [(label, *values) for label, values in rows],
        right=len(data.headline),
    )

    lines += [f"## {next(section)}. Verdicts per jurisdiction", ""]
    for p in data.purposes:
        lines += [
            f"Purpose profile {code(p.name)} (runs {', '.join(code(r) for r in p.runs)}): "
            f"{text(p.description)}",
            "",
        ]
    for pack in data.verdicts:
        lines += [
            f"### {text(pack.name)} ({code(pack.pack)} {text(', '.join(pack.versions))}; "
            f"{text(', '.join(pack.jurisdictions))})",
            "",
        ]
        lines += _table(
            ["run", *VERDICT_ORDER, "jurisdiction unknown"],
            [
                (
                    f"{text(run.mode)} {code(run.run_id)}",
                    *(pack.counts.get(run.run_id, {}).get(v, 0) for v in VERDICT_ORDER),
                    pack.jurisdiction_unknown.get(run.run_id, 0),
                )
                for run in data.runs
            ],
            right=len(VERDICT_ORDER) + 1,
        )
        lines += _table(
            [
                "rule",
                "verdict",
                "citation",
                "explanation",
                "conf.",
                *(f"fired / undecided ({text(r.mode)})" for r in data.runs),
            ],
            [
                (
                    code(rule.id),
                    rule.verdict,
                    text(rule.citation),
                    text(rule.explanation),
                    code(rule.confidence),
                    *(
                        f"{rule.fired.get(r.run_id, 0)} / {rule.undecided.get(r.run_id, 0)}"
                        for r in data.runs
                    ),
                )
                for rule in pack.rules
            ],
            right=len(data.runs),
        )

    if data.comparison is not None:
        cmp = data.comparison
        lines += [
            f"## {next(section)}. Compliant versus Clearview-style",
            "",
            f"The reproduce run {code(cmp.reproduce_run)} collected **{cmp.taken_total}** images "
            f"that the compliant run {code(cmp.compliant_run)} did not ({cmp.taken_with_faces} "
            f"showing faces, {cmp.taken_minors} of minors).",
            "",
        ]
        if len(cmp.taken) < cmp.taken_total:
            lines += [
                f"The last table lists {len(cmp.taken)} of these {cmp.taken_total} images (those "
                "whose evidence trail is below first, then one per stopping signal, host and "
                "compliant outcome in turn); the counts cover all of them, and `provtrack export` "
                "lists every record.",
                "",
            ]
        lines += _table(
            ["figure", "compliant", "reproduce"],
            [(row.label, row.compliant, row.reproduce) for row in cmp.rows],
            right=2,
        )
        lines += _table(
            ["signal that stopped the compliant crawl", "images"],
            [(f"{code(k)}: {OPTOUT_LABELS.get(k, k)}", v) for k, v in cmp.taken_by_kind.items()],
            right=1,
        )
        lines += _table(
            ["image", "compliant crawl", "faces", "signals", "evidence"],
            [
                (
                    code(t.url),
                    text(t.compliant + (f" ({t.stage})" if t.stage else "")),
                    "?" if t.faces is None else t.faces,
                    ", ".join(code(k) for k in t.kinds),
                    "; ".join(f"{code(r['kind'])} {text(r['evidence'])}" for r in t.reasons)
                    + f" (from the {text(t.reasons_from)})",
                )
                for t in cmp.taken
            ],
        )

    lines += [f"## {next(section)}. Sites", ""]
    lines += _table(
        ["host", "source type", "site jurisdiction", "robots.txt", "terms clauses"],
        [
            (
                code(s.host),
                text(s.source_type),
                (
                    f"{code(s.site_jurisdiction)} ({s.site_jurisdiction_confidence:.2f})"
                    if s.site_jurisdiction and s.site_jurisdiction_confidence is not None
                    else "unknown"
                ),
                text(s.robots) + (f" {code(s.robots_evidence)}" if s.robots_evidence else ""),
                "<br>".join(f"{code(c['kind'])}: {text(c['sentence'])}" for c in s.terms_clauses)
                or text(s.terms_outcome or "no terms"),
            )
            for s in data.sites
        ],
    )
    modes = [r.mode for r in data.runs]
    lines += _table(
        [
            "host",
            "reachable",
            *(f"collected ({text(m)})" for m in modes),
            "skipped",
            "unseen",
            "failed",
            "faces",
            "minors",
            "most severe verdict",
        ],
        [
            (
                code(s.host),
                s.reachable,
                *(s.collected.get(m, 0) for m in modes),
                s.skipped,
                s.unseen,
                s.failed,
                s.faces,
                s.minors,
                (s.most_severe or "")
                + (f" ({text(', '.join(s.most_severe_packs))})" if s.most_severe else ""),
            )
            for s in data.sites
        ],
    )

    lines += _optouts(data, next(section))

    shown, total = len(data.images), data.images_total
    if shown < total:
        lines += [
            f"## {next(section)}. Evidence trails of {shown} of {total} images",
            "",
            f"**This section shows the evidence trail of {shown} of the {total} image URLs** (at "
            f"most {data.max_trails}); every figure, verdict count and site row above covers all "
            "of them. The trails shown are every failed or hostile fetch (up to a quarter of "
            "the trails), one image of every other kind below per host (and per opt-out kind), "
            "then minors, violations, faces and overridden opt-outs in turn, and a stratified "
            "sample of the rest:",
            "",
        ]
        lines += _table(
            ["why shown", "images", "trails shown"],
            [
                (
                    text(label),
                    data.trail_selection[name]["images"],
                    data.trail_selection[name]["shown"],
                )
                for name, label in TRAIL_CATEGORIES
                if name in data.trail_selection
            ],
            right=2,
        )
        lines += [
            "Every record's full trail is in the store: `provtrack export --out DIR` writes them "
            "all as JSON lines, and `provtrack show IMAGE_URL --out DIR` prints one.",
            "",
        ]
    else:
        lines += [f"## {next(section)}. Every image and its evidence", ""]
    for img in data.images:
        lines += [f"### {code(img.url)}", "", f"host {code(img.host)}", ""]
        for rec in img.records:
            lines += [
                f"#### {text(rec.mode)} run {code(rec.run_id)}: {text(rec.decision)}"
                + (f" ({text(rec.stage)})" if rec.stage else ""),
                "",
            ]
            for label, reasons in (("reason", rec.reasons), ("overridden", rec.overridden)):
                for r in reasons:
                    lines.append(
                        f"- {label}: {code(r['kind'])} = {code(r['value'])}: {text(r['evidence'])}"
                        + (f" ({code(r['url'])})" if r.get("url") else "")
                    )
            lines += [f"- appears on: {code(u)}" for u in rec.page_urls]
            lines += [
                "- path from the seed: " + " → ".join(code(u) for u in chain)
                for chain in rec.referrer_chains
            ]
            lines += [f"- alt text: {text(a)}" for a in rec.alt_texts]
            lines += [f"- title: {text(a)}" for a in rec.titles]
            lines.append(
                f"- fetched {text(rec.fetched_at)}, HTTP {text(rec.http_status)}, "
                f"{code(rec.content_type)}"
            )
            if rec.sha256:
                lines.append(
                    f"- sha256 {code(rec.sha256)}, {rec.byte_size} bytes, {text(rec.format)} "
                    f"{rec.width}×{rec.height}; pHash {code(rec.phash)}, dHash {code(rec.dhash)}, "
                    f"PDQ {code(rec.pdq)}"
                )
            minor = "unknown" if rec.is_minor is None else "yes" if rec.is_minor else "no"
            lines.append(
                f"- faces: {'unknown' if rec.face_count is None else rec.face_count}; "
                f"minor: {minor}; "
                f"consent: {text(rec.consent_evidence)}"
                + (
                    f" (licence {code(rec.licence)}: not the subject's consent)"
                    if rec.licence
                    else ""
                )
            )
            exif = rec.exif or {}
            fields = {
                k: v
                for k, v in exif.items()
                if v not in (None, "", []) and k not in ("status", "reason")
            }
            if fields:
                lines.append(
                    "- EXIF: " + "; ".join(f"{text(k)}: {text(v)}" for k, v in fields.items())
                )
            xmp = rec.xmp or {}
            if xmp.get("data_mining"):
                lines.append(f"- XMP plus:DataMining: {code(xmp['data_mining'])}")
            for label, cands in (
                ("site jurisdiction", rec.site_jurisdiction),
                ("subject jurisdiction", rec.subject_jurisdiction),
            ):
                for c in cands:
                    evidence = "; ".join(
                        text(e.get("detail") or e.get("value")) for e in c.get("evidence", [])
                    )
                    lines.append(
                        f"- {label}: {code(c.get('code'))} "
                        f"{float(c.get('confidence', 0)):.2f} ({evidence})"
                    )
            for v in rec.verdicts:
                fired = ", ".join(
                    f"{code(r['id'])} {text(r['verdict'])} [{text(r['confidence'])}]"
                    for r in v["fired"]
                )
                lines.append(
                    f"- verdict {code(v['pack'])} {text(v['pack_version'])}: "
                    f"**{text(v['verdict'])}**"
                    + (f"; fired {fired}" if fired else "")
                    + (f"; {text('; '.join(v['reasons']))}" if v["reasons"] else "")
                )
            lines.append(
                f"- WARC: {code(rec.warc_file)} offset {code(rec.warc_offset)}"
                if rec.warc_file
                else "- WARC: no response record"
            )
            lines.append("")
    return "\n".join(lines) + "\n"


def _optouts(data: ReportData, number: int) -> list[str]:
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
        pages = {
            "kept": "kept as evidence (`--keep-pages`); only the records derived from them "
            "were redacted",
            "removed": f"{o.page_records_removed} WARC records of pages and responses holding "
            "the person's texts removed",
        }.get(o.pages, "not part of this receipt (a purge from before pages were removed)")
        lines += [
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
        lines += [
            f"- WARC rewritten: {code(old)} → {code(new)}" for old, new in o.warc_files.items()
        ]
        lines += [f"- evidence entry {e.seq} ({text(e.kind)}): {text(e.note)}" for e in o.evidence]
        lines += [
            f"- later {text(c.mode)} crawl {code(c.run_id)}: {c.images_skipped} images and "
            f"{c.pages_skipped} pages skipped, {c.pages_not_archived} pages fetched but not "
            f"archived, {len(c.collected_again)} collected again"
            for c in o.later_crawls
        ] or ["- no crawl since"]
        lines.append("")
    return lines
