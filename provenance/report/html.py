"""The HTML report: one self-contained file that works offline and runs no script.

Rendered with Jinja2 and ``autoescape=True`` from ``template.html`` beside this module: every
value from the data (and so every text that came from the web: URLs, alt text, titles, EXIF,
terms sentences, headers) is escaped. The only markup not produced by the template itself is
the inline SVG of :mod:`provenance.report.charts`, which escapes its own labels. Web text is
never marked safe, never put in a link (``href``) and never in a ``style``. A
Content-Security-Policy meta tag forbids scripts and every load but ``data:`` images, so even
a mistake here could not fetch or execute anything. Thumbnails are ``data:`` URIs.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from markupsafe import Markup

from provenance.report import charts
from provenance.report.data import (
    OPTOUT_KINDS,
    TRAIL_CATEGORIES,
    ImageTrail,
    ReportData,
    SiteRow,
)
from provenance.report.labels import CONFIDENCE_LABELS, OPTOUT_LABELS, VERDICT_LABELS
from provenance.report.metadata import labelled
from provenance.report.verdicts import (
    VERDICT_ORDER,
    capped_note,
    capped_text,
    pack_lines,
    unknown_facts,
    verdict_lines,
    worst_of,
)

CSP = "default-src 'none'; img-src data:; style-src 'unsafe-inline'"
_OUTSIDE = "outside this jurisdiction"


def merged_evidence(candidates: Sequence[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    """The evidence of some jurisdiction candidates, each item once (a country and its
    province usually rest on the same address or phone number)."""
    seen: set[tuple[str, str]] = set()
    out: list[Mapping[str, Any]] = []
    for c in candidates:
        for e in c.get("evidence", []):
            key = (str(e.get("source")), str(e.get("detail") or e.get("value")))
            if key not in seen:
                seen.add(key)
                out.append(e)
    return out


def same_as_host(candidates: Sequence[Mapping[str, Any]], site: SiteRow | None) -> bool:
    """Whether a record's site jurisdiction is the host's, on the same evidence (the sites
    section shows it once instead of in every trail)."""
    if site is None or not candidates or site.site_jurisdiction is None:
        return False
    best = max(candidates, key=lambda c: float(c.get("confidence", 0)))
    evidence = [str(e.get("detail") or e.get("value")) for e in best.get("evidence", [])]
    same_code = best.get("code") == site.site_jurisdiction
    return same_code and evidence == site.site_jurisdiction_evidence


def host_key(host: str) -> str:
    """A stable anchor id for a host's row (no web text ends up in an id)."""
    return "host-" + hashlib.sha256(host.encode("utf-8")).hexdigest()[:12]


def _environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(Path(__file__).resolve().parent),
        autoescape=select_autoescape(default=True, default_for_string=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["labelled"] = labelled
    env.globals.update(
        capped_note=capped_note,
        host_key=host_key,
        merged_evidence=merged_evidence,
        same_as_host=same_as_host,
        capped_text=capped_text,
        pack_lines=pack_lines,
        unknown_facts=unknown_facts,
        verdict_lines=verdict_lines,
        worst_of=worst_of,
    )
    return env


def report_charts(data: ReportData) -> dict[str, Markup]:
    """The report's SVG charts, by name."""
    primary = data.headline_of(data.primary_run)
    out: dict[str, Markup] = {}
    kinds = [k for k in OPTOUT_KINDS if primary.optouts_by_kind.get(k)]
    out["optouts"] = charts.bar_chart(
        f"Images carrying each opt-out ({primary.mode} run)",
        [(k, primary.optouts_by_kind[k]) for k in kinds],
        colour="#5f6368",
    )
    out["verdicts"] = charts.stacked_bar_chart(
        f"Verdicts per jurisdiction pack ({primary.mode} run, image records)",
        [
            (
                f"{p.jurisdiction} · {p.pack}",
                {
                    **p.counts.get(data.primary_run, {}),
                    _OUTSIDE: p.outside.get(data.primary_run, 0),
                },
            )
            for p in data.verdicts
        ],
        [(v, charts.VERDICT_COLOURS[v]) for v in VERDICT_ORDER] + [(_OUTSIDE, "#e8eaed")],
    )
    if data.comparison is not None:
        cmp = data.comparison
        out["modes"] = charts.grouped_bar_chart(
            "Compliant versus reproduce (Clearview-style) crawl",
            [row.label for row in cmp.rows],
            [
                (
                    "compliant",
                    [row.compliant for row in cmp.rows],
                    charts.MODE_COLOURS["compliant"],
                ),
                (
                    "reproduce",
                    [row.reproduce for row in cmp.rows],
                    charts.MODE_COLOURS["reproduce"],
                ),
            ],
        )
        out["taken"] = charts.bar_chart(
            "Images only the Clearview-style crawl took, by what stopped the compliant one",
            [(k, v) for k, v in cmp.taken_by_kind.items()],
            colour=charts.MODE_COLOURS["reproduce"],
        )
    return out


def section_numbers(data: ReportData) -> dict[str, int]:
    """Each section's number, by its anchor (the comparison is there with both modes only)."""
    ids = ["intro", "headline", "verdicts"]
    ids += ["comparison"] if data.comparison is not None else []
    ids += ["sites", "optouts", "images", "verify"]
    return {anchor: number for number, anchor in enumerate(ids, 1)}


TRAILS_PER_PAGE = 40
"""Evidence trails per page of their own: the main report stays small (a trail with its
thumbnail, two runs and sixteen packs is some 15 kB) and a page of trails stays readable."""


@dataclass(slots=True)
class TrailPage:
    """One page of evidence trails beside the main report."""

    number: int
    name: str
    images: list[ImageTrail]


def trail_pages(data: ReportData, stem: str, per_page: int = TRAILS_PER_PAGE) -> list[TrailPage]:
    """The trails on pages named ``STEM-trails-N.html``, in the order of the contents (by why
    each is shown, then host and URL); none when they fit on one page of the report."""
    if len(data.images) <= per_page:
        return []
    order = {name: i for i, (name, _) in enumerate(TRAIL_CATEGORIES)}
    ordered = sorted(data.images, key=lambda t: (order.get(t.category, len(order)), t.host, t.url))
    return [
        TrailPage(n, f"{stem}-trails-{n}.html", ordered[start : start + per_page])
        for n, start in enumerate(range(0, len(ordered), per_page), 1)
    ]


def _context(data: ReportData) -> dict[str, Any]:
    """What both templates read."""
    return {
        "data": data,
        "n": section_numbers(data),
        "csp": CSP,
        "verdict_order": VERDICT_ORDER,
        "confidence_labels": CONFIDENCE_LABELS,
        "sites_by_host": {s.host: s for s in data.sites},
    }


def render_html(data: ReportData, pages: Sequence[TrailPage] = ()) -> str:
    """The HTML report of ``data`` (a self-contained document, no script); with ``pages``,
    its last section links to the trails on them instead of holding them."""
    where = {img.key: f"{page.name}#{img.key}" for page in pages for img in page.images}
    template = _environment().get_template("template.html")
    return template.render(
        **_context(data),
        charts=report_charts(data),
        optout_labels=OPTOUT_LABELS,
        verdict_labels=VERDICT_LABELS,
        hosts=len(data.sites),
        seeds=sorted({s for r in data.runs for s in r.seeds}),
        trail_href={img.key: where.get(img.key, f"#{img.key}") for img in data.images},
        trail_categories=TRAIL_CATEGORIES,
        pages=list(pages),
        per_page=TRAILS_PER_PAGE,
    )


def render_html_files(data: ReportData, name: str = "report.html") -> dict[str, str]:
    """The report as files by name: ``name`` and, when the trails need them, their pages."""
    pages = trail_pages(data, Path(name).stem)
    files = {name: render_html(data, pages)}
    template = _environment().get_template("trails.html")
    for page in pages:
        files[page.name] = template.render(**_context(data), page=page, pages=pages, main=name)
    return files
