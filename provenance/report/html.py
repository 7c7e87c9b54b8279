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

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from markupsafe import Markup

from provenance.report import charts
from provenance.report.data import (
    OPTOUT_KINDS,
    TRAIL_CATEGORIES,
    VERDICT_ORDER,
    ReportData,
    RuleSummary,
)
from provenance.report.labels import CONFIDENCE_LABELS, OPTOUT_LABELS, VERDICT_LABELS

CSP = "default-src 'none'; img-src data:; style-src 'unsafe-inline'"

_SKIP_KEYS = frozenset({"status", "reason"})


def _compact(value: Mapping[str, Any] | None) -> list[tuple[str, str]]:
    """Non-empty fields of a metadata dict as (name, text) pairs, for a definition list."""
    if not value:
        return []
    out: list[tuple[str, str]] = []
    for key, item in value.items():
        if key in _SKIP_KEYS or item in (None, "", [], {}, False):
            continue
        if isinstance(item, list):
            text = ", ".join(
                json.dumps(i, ensure_ascii=False) if isinstance(i, dict) else str(i) for i in item
            )
        elif isinstance(item, dict):
            text = json.dumps(item, ensure_ascii=False, sort_keys=True)
        else:
            text = str(item)
        out.append((key.replace("_", " "), text))
    return out


def _environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(Path(__file__).resolve().parent),
        autoescape=select_autoescape(default=True, default_for_string=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["compact"] = _compact
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
            (f"{p.jurisdiction} · {p.pack}", p.counts.get(data.primary_run, {}))
            for p in data.verdicts
        ],
        [(v, charts.VERDICT_COLOURS[v]) for v in VERDICT_ORDER],
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


def render_html(data: ReportData) -> str:
    """The HTML report of ``data`` (one self-contained document, no script)."""
    rules: dict[tuple[str, str], RuleSummary] = {
        (p.pack, r.id): r for p in data.verdicts for r in p.rules
    }
    template = _environment().get_template("template.html")
    return template.render(
        data=data,
        n=section_numbers(data),
        csp=CSP,
        charts=report_charts(data),
        rules=rules,
        optout_labels=OPTOUT_LABELS,
        verdict_labels=VERDICT_LABELS,
        verdict_order=VERDICT_ORDER,
        confidence_labels=CONFIDENCE_LABELS,
        hosts=len(data.sites),
        seeds=sorted({s for r in data.runs for s in r.seeds}),
        shown={img.key for img in data.images},
        trail_categories=TRAIL_CATEGORIES,
    )
