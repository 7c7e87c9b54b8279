"""Inline SVG charts, written by hand: no script, no external asset, every label escaped.

Each function returns ``markupsafe.Markup`` built with ``Markup.format``, which escapes every
argument, so a label taken from the web (a host name, a pack id) can never become markup.
Charts are horizontal bars: long labels stay readable and the SVG keeps a fixed width; the
height grows with the number of rows. Every chart carries a ``<title>`` and a ``<desc>``
listing its numbers, so screen readers and text-only readers get the same facts.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from markupsafe import Markup

from provenance.vocab import CrawlMode

WIDTH = 720
_LABEL_MIN, _LABEL_MAX, _CHAR_W = 90, 340, 7  # label column: fits the longest label (12px font)
_ROW_H = 22
_BAR_H = 16
_TOP = 34
_GAP = 10
_FONT = "font-family:system-ui,sans-serif;font-size:12px"

VERDICT_COLOURS = {
    "violation": "#b3261e",
    "requires-consent": "#e8710a",
    "needs-review": "#9aa0a6",
    "permitted": "#188038",
}
MODE_COLOURS: dict[str, str] = {CrawlMode.COMPLIANT: "#1a73e8", CrawlMode.REPRODUCE: "#b3261e"}


def _label_width(labels: Sequence[str]) -> int:
    longest = max((len(label) for label in labels), default=0)
    return min(max(_LABEL_MIN, longest * _CHAR_W + 12), _LABEL_MAX)


def _scale(maximum: int, label_w: int) -> float:
    return (WIDTH - label_w - 60) / maximum if maximum > 0 else 0.0


def _frame(title: str, desc: str, height: int, body: Sequence[Markup]) -> Markup:
    head = Markup(
        '<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" width="{w}" '
        'height="{h}" viewBox="0 0 {w} {h}" style="{font}"><title>{t}</title><desc>{d}</desc>'
        '<text x="0" y="16" font-weight="bold" font-size="14">{t}</text>'
    ).format(w=WIDTH, h=height, font=_FONT, t=title, d=desc)
    return head + Markup("").join(body) + Markup("</svg>")


def _row(label_w: int, y: int, label: str) -> Markup:
    return Markup('<text x="{x}" y="{y}" text-anchor="end">{label}</text>').format(
        x=label_w - 8, y=y + _BAR_H - 4, label=label
    )


def _rect(x: float, y: int, w: float, h: int, colour: str, tip: str) -> Markup:
    return Markup(
        '<rect x="{x:.1f}" y="{y}" width="{w:.1f}" height="{h}" fill="{c}">'
        "<title>{tip}</title></rect>"
    ).format(x=x, y=y, w=w, h=h, c=colour, tip=tip)


def _value(x: float, y: int, value: int) -> Markup:
    return Markup('<text x="{x:.1f}" y="{y}">{v}</text>').format(x=x + 4, y=y + _BAR_H - 4, v=value)


def bar_chart(title: str, rows: Sequence[tuple[str, int]], *, colour: str = "#1a73e8") -> Markup:
    """One bar per row, its value at the end of the bar."""
    label_w = _label_width([label for label, _ in rows])
    scale = _scale(max((v for _, v in rows), default=0), label_w)
    body: list[Markup] = []
    for i, (label, value) in enumerate(rows):
        y = _TOP + i * _ROW_H
        body += [
            _row(label_w, y, label),
            _rect(label_w, y, value * scale, _BAR_H, colour, f"{label}: {value}"),
            _value(label_w + value * scale, y, value),
        ]
    desc = "; ".join(f"{label}: {value}" for label, value in rows)
    return _frame(title, desc, _TOP + max(len(rows), 1) * _ROW_H + _GAP, body)


def grouped_bar_chart(
    title: str,
    categories: Sequence[str],
    series: Sequence[tuple[str, Sequence[int], str]],
) -> Markup:
    """For each category, one bar per series (``(name, values, colour)``), with a legend."""
    maximum = max((v for _, values, _ in series for v in values), default=0)
    label_w = _label_width(categories)
    scale = _scale(maximum, label_w)
    group_h = len(series) * (_BAR_H + 2) + _GAP
    body: list[Markup] = []
    legend_x = label_w
    for name, _, colour in series:
        body.append(
            Markup(
                '<rect x="{x}" y="22" width="10" height="10" fill="{c}"/>'
                '<text x="{tx}" y="31">{n}</text>'
            ).format(x=legend_x, c=colour, tx=legend_x + 14, n=name)
        )
        legend_x += 14 + 8 * len(name) + 20
    top = _TOP + 8
    for i, category in enumerate(categories):
        y0 = top + i * group_h
        body.append(_row(label_w, y0 + (group_h - _GAP) // 2 - _BAR_H // 2, category))
        for j, (name, values, colour) in enumerate(series):
            y = y0 + j * (_BAR_H + 2)
            value = values[i]
            body += [
                _rect(label_w, y, value * scale, _BAR_H, colour, f"{category}, {name}: {value}"),
                _value(label_w + value * scale, y, value),
            ]
    desc = "; ".join(
        f"{category}: " + ", ".join(f"{name} {values[i]}" for name, values, _ in series)
        for i, category in enumerate(categories)
    )
    return _frame(title, desc, top + max(len(categories), 1) * group_h + _GAP, body)


def stacked_bar_chart(
    title: str,
    rows: Sequence[tuple[str, Mapping[str, int]]],
    segments: Sequence[tuple[str, str]],
) -> Markup:
    """One bar per row split into segments (``(name, colour)``, in order), with a legend."""
    totals = [sum(parts.get(name, 0) for name, _ in segments) for _, parts in rows]
    label_w = _label_width([label for label, _ in rows])
    scale = _scale(max(totals, default=0), label_w)
    body: list[Markup] = []
    legend_x = label_w
    for name, colour in segments:
        body.append(
            Markup(
                '<rect x="{x}" y="22" width="10" height="10" fill="{c}"/>'
                '<text x="{tx}" y="31">{n}</text>'
            ).format(x=legend_x, c=colour, tx=legend_x + 14, n=name)
        )
        legend_x += 14 + 7 * len(name) + 20
    top = _TOP + 8
    for i, (label, parts) in enumerate(rows):
        y = top + i * _ROW_H
        body.append(_row(label_w, y, label))
        x = float(label_w)
        for name, colour in segments:
            value = parts.get(name, 0)
            if value:
                body.append(_rect(x, y, value * scale, _BAR_H, colour, f"{label}, {name}: {value}"))
                x += value * scale
        body.append(_value(x, y, totals[i]))
    desc = "; ".join(
        f"{label}: " + ", ".join(f"{name} {parts.get(name, 0)}" for name, _ in segments)
        for label, parts in rows
    )
    return _frame(title, desc, top + max(len(rows), 1) * _ROW_H + _GAP, body)
