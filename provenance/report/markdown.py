"""The Markdown report: the HTML report's sections as text tables, without thumbnails or charts.

Figures are the same ``ReportData`` the HTML and JSON reports render, so the three agree.
Text from the web is escaped so that it stays text whatever renders the file: inside code
spans when it is an identifier (URL, hash, header value), with Markdown and HTML
metacharacters escaped otherwise, and never spread over several lines (a newline would end
a table row). No Python value ever reaches the file: an absent value leaves its phrase out
(see :mod:`provenance.report.metadata` for the embedded metadata).

One function per section, in the report's order; the evidence trails and the opt-out
receipts are in :mod:`provenance.report.markdown_trails`.
"""

from __future__ import annotations

from collections.abc import Iterator

from provenance.report.data import OPTOUT_KINDS, ReportData
from provenance.report.dataset import dataset_markdown
from provenance.report.labels import CONFIDENCE_LABELS, OPTOUT_LABELS, VERDICT_LABELS
from provenance.report.markdown_trails import optouts_section, trails_section
from provenance.report.mdtext import code, table, text
from provenance.report.verdicts import VERDICT_ORDER, PackSummary, capped_note

__all__ = ["code", "render_markdown", "table", "text"]


def render_markdown(data: ReportData) -> str:
    """The Markdown report of ``data``."""
    section: Iterator[int] = iter(range(1, 10))
    lines = _front(data)
    lines += _intro(data, next(section))
    lines += _headline(data, next(section))
    lines += dataset_markdown(data.datasets)
    lines += _verdicts(data, next(section))
    if data.comparison is not None:
        lines += _comparison(data, next(section))
    lines += _sites(data, next(section))
    lines += optouts_section(data, next(section))
    lines += trails_section(data, next(section))
    return "\n".join(lines) + "\n"


def _front(data: ReportData) -> list[str]:
    """Title and the list of what the report covers (store, runs, packs)."""
    lines = [
        "# Publicly available is not consent: provtrack report",
        "",
        f"- generated at: {code(data.generated_at)} by provtrack {text(data.provtrack_version)}",
        f"- store: {code(data.store)}; WARC folder: {code(data.warc_dir)}",
    ]
    for run in data.runs:
        evaluations = ", ".join(code(e) for e in run.evaluations) or "none"
        lines.append(
            f"- {text(run.mode)} run {code(run.run_id)}: {text(run.status)}, "
            f"{text(run.started_at or '?')} to {text(run.finished_at or '?')}, {run.records} "
            f"image records, purpose {code(run.purpose)}, evaluation {evaluations} "
            f"({run.verdicts} verdicts)"
        )
    lines.append(
        "- policy packs: "
        + ", ".join(f"{code(p.id)} {text('/'.join(p.versions))}" for p in data.packs)
    )
    return [*lines, f"- schema: {code(data.schema)}", ""]


def _intro(data: ReportData, number: int) -> list[str]:
    """Section 1: what was crawled, the Clearview finding, how to read a verdict."""
    lines = [
        f"## {number}. What this report is about",
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
        "person is in) cap it at needs-review, and the report says what it would have been; "
        "unknown is never read as allowed.",
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
    lines += table(["verdict", "meaning"], [(code(v), VERDICT_LABELS[v]) for v in VERDICT_ORDER])
    return lines + table(
        ["mark", "confidence"], [(code(k), v) for k, v in CONFIDENCE_LABELS.items()]
    )


def _headline(data: ReportData, number: int) -> list[str]:
    """Section 2: the headline sentence and the figures of every run."""
    head = data.headline_of(data.primary_run)
    lines = [
        f"## {number}. Headline figures",
        "",
        f"**{head.faces_reachable_without_consent}** images of faces were publicly reachable "
        f"({head.mode} run); {head.with_subject_consent} came with the consent of the person "
        f"pictured; {head.with_licence} carry a copyright licence (the photographer's, not "
        f"theirs); {head.minors} are of minors.",
        "",
    ]
    hs = data.headline
    rows: list[tuple[str, list[int]]] = [
        ("image records", [h.images for h in hs]),
        ("publicly reachable", [h.reachable for h in hs]),
        ("collected (bytes kept)", [h.collected for h in hs]),
        ("skipped for an opt-out", [h.skipped for h in hs]),
        ("failed (broken or hostile file)", [h.failed for h in hs]),
        ("carrying an opt-out", [h.with_optout for h in hs]),
        *(
            (f"  {code(k)}: {OPTOUT_LABELS[k]}", [h.optouts_by_kind.get(k, 0) for h in hs])
            for k in OPTOUT_KINDS
        ),
        ("showing faces", [h.with_faces for h in hs]),
        ("face unknown (bytes never examined)", [h.faces_unknown for h in hs]),
        ("with a copyright licence (not consent)", [h.with_licence for h in hs]),
        ("with consent of the person pictured", [h.with_subject_consent for h in hs]),
        ("faces reachable without that consent", [h.faces_reachable_without_consent for h in hs]),
        ("of minors", [h.minors for h in hs]),
        ("of minors, face visible", [h.minors_with_faces for h in hs]),
    ]
    return lines + table(
        ["figure", *(f"{text(h.mode)} {code(h.run_id)}" for h in hs)],
        [(label, *values) for label, values in rows],
        right=len(hs),
    )


def _verdicts(data: ReportData, number: int) -> list[str]:
    """Section 3: per pack, its counts (adding up to the records) and its rules explained."""
    lines = [
        f"## {number}. Verdicts per jurisdiction",
        "",
        "Counts are image records; each pack's row adds up to the run's records, those placed "
        "outside the pack's jurisdiction included. A rule that fired on a record whose "
        "jurisdiction could not be placed is capped at needs-review: the last column says what "
        "it would have been, and each rule's row explains its counts.",
        "",
    ]
    for p in data.purposes:
        lines += [
            f"Purpose profile {code(p.name)} (runs {', '.join(code(r) for r in p.runs)}): "
            f"{text(p.description)}",
            "",
        ]
    for pack in data.verdicts:
        lines += _pack(data, pack)
    return lines


def _pack(data: ReportData, pack: PackSummary) -> list[str]:
    """One pack's heading, counts table and rules table."""
    lines = [
        f"### {text(pack.name)} ({code(pack.pack)} {text(', '.join(pack.versions))}; "
        f"{text(', '.join(pack.jurisdictions))})",
        "",
    ]
    lines += table(
        ["run", *VERDICT_ORDER, "outside this jurisdiction", "records", "of the needs-review"],
        [
            (
                f"{text(run.mode)} {code(run.run_id)}",
                *(pack.counts.get(run.run_id, {}).get(v, 0) for v in VERDICT_ORDER),
                pack.outside.get(run.run_id, 0),
                run.records,
                text(capped_note(pack, run.run_id)),
            )
            for run in data.runs
        ],
    )
    return lines + table(
        [
            "rule",
            "verdict",
            "citation",
            "explanation",
            "conf.",
            *(f"fired / undecided ({text(r.mode)})" for r in data.runs),
            "why these counts",
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
                "<br>".join(
                    f"{text(r.mode)}: {text(why)}" for r in data.runs if (why := rule.why(r.run_id))
                ),
            )
            for rule in pack.rules
        ],
    )


def _comparison(data: ReportData, number: int) -> list[str]:
    """Section 4 (both modes only): what the Clearview-style crawl took that the other left."""
    cmp = data.comparison
    assert cmp is not None
    lines = [
        f"## {number}. Compliant versus Clearview-style",
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
    lines += table(
        ["figure", "compliant", "reproduce"],
        [(row.label, row.compliant, row.reproduce) for row in cmp.rows],
        right=2,
    )
    lines += table(
        ["signal that stopped the compliant crawl", "images"],
        [(f"{code(k)}: {OPTOUT_LABELS.get(k, k)}", v) for k, v in cmp.taken_by_kind.items()],
        right=1,
    )
    return lines + table(
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


def _sites(data: ReportData, number: int) -> list[str]:
    """The sites section: what each host is and said, and what was taken from it."""
    lines = [f"## {number}. Sites", ""]
    lines += table(
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
    header = ["host", "reachable", *(f"collected ({text(m)})" for m in modes)]
    header += ["skipped", "unseen", "failed", "faces", "minors", "most severe verdict"]
    return lines + table(
        header,
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
