"""The "publicly available is not consent" report: HTML (with charts), Markdown and JSON.

Typical use::

    from provenance.report import build_report, write_reports, default_paths

    data = build_report(store, warc_dir=out / "warc")          # after provtrack evaluate
    paths = write_reports(data, default_paths(out, ["html", "md", "json"]))

``build_report`` reads the store once (through the export view) into a plain ``ReportData``;
the three renderers only format it, so the three files always agree.
"""

from __future__ import annotations

import glob
from collections.abc import Iterable, Mapping
from pathlib import Path

from provenance.errors import ConfigError
from provenance.report.data import ReportData, build_report, render_json

FORMATS = ("html", "md", "json")

__all__ = [
    "FORMATS",
    "ReportData",
    "build_report",
    "default_paths",
    "parse_formats",
    "render",
    "render_json",
    "write_reports",
]


def parse_formats(values: Iterable[str]) -> list[str]:
    """The formats named (``all`` = every one), de-duplicated in order; ``ConfigError`` else."""
    out: list[str] = []
    for value in values:
        for item in value.split(","):
            name = item.strip().lower()
            names = FORMATS if name == "all" else ("md",) if name == "markdown" else (name,)
            for n in names:
                if n not in FORMATS:
                    raise ConfigError(
                        f"unknown report format {item!r} (choose {', '.join(FORMATS)} or all)"
                    )
                if n not in out:
                    out.append(n)
    return out


def default_paths(out: Path, formats: Iterable[str], dest: Path | None = None) -> dict[str, Path]:
    """Where each format goes: ``dest`` (one format), ``dest`` with each suffix, or a folder.

    Without ``dest``: ``OUT/report/report.<format>``. An existing folder as ``dest`` holds
    ``report.<format>`` files.
    """
    names = list(formats)
    if dest is None:
        return {f: out / "report" / f"report.{f}" for f in names}
    if dest.is_dir():
        return {f: dest / f"report.{f}" for f in names}
    if len(names) == 1:
        return {names[0]: dest}
    return {f: dest.with_suffix(f".{f}") for f in names}


def render(data: ReportData, fmt: str) -> str:
    """One format of the report as text."""
    if fmt == "html":
        from provenance.report.html import render_html

        return render_html(data)
    if fmt == "md":
        from provenance.report.markdown import render_markdown

        return render_markdown(data)
    if fmt == "json":
        return render_json(data)
    raise ConfigError(f"unknown report format {fmt!r} (choose {', '.join(FORMATS)})")


def write_reports(data: ReportData, paths: Mapping[str, Path]) -> dict[str, Path]:
    """Write each format to its path (folders created) and return the paths written.

    The HTML report's evidence trails go on pages of their own beside it
    (``STEM-trails-N.html``) when there are more than fit on one; pages of an earlier report
    at that path that this one does not have are removed, so a folder never mixes two.
    """
    written: dict[str, Path] = {}
    for fmt, path in paths.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        if fmt == "html":
            from provenance.report.html import render_html_files

            files = render_html_files(data, path.name)
            for stale in path.parent.glob(f"{glob.escape(path.stem)}-trails-*.html"):
                if stale.name not in files:
                    stale.unlink()
            for name, text in files.items():
                _write(path.parent / name, text)
        else:
            _write(path, render(data, fmt))
        written[fmt] = path
    return written


def _write(path: Path, text: str) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(path)
