"""The report's parts on their own: SVG charts, Markdown escaping, thumbnails of hostile bytes,
format and destination choices."""

from __future__ import annotations

import io
import struct
import zlib
from pathlib import Path

import pytest
from defusedxml import ElementTree
from PIL import Image

from provenance.errors import ConfigError
from provenance.report import default_paths, parse_formats
from provenance.report.charts import bar_chart, grouped_bar_chart, stacked_bar_chart
from provenance.report.markdown import code, text
from provenance.report.thumbnails import MAX_SIDE, thumbnail_from_bytes

SVG = "{http://www.w3.org/2000/svg}"
HOSTILE = '<script>alert(1)</script>" onload="alert(2)'


def _bars(svg: str) -> list[float]:
    root = ElementTree.fromstring(svg)
    return [
        float(r.get("width")) for r in root.iter(f"{SVG}rect") if r.find(f"{SVG}title") is not None
    ]


def test_bar_chart_is_well_formed_svg_with_proportional_bars() -> None:
    svg = str(bar_chart("opt-outs", [("robots", 20), ("terms", 10), ("ai-txt", 0)]))
    root = ElementTree.fromstring(svg)
    assert root.tag == f"{SVG}svg"
    assert int(root.get("width")) > 0
    assert int(root.get("height")) > 0
    assert root.find(f"{SVG}title").text == "opt-outs"
    widths = _bars(svg)
    assert widths[0] == pytest.approx(2 * widths[1])
    assert widths[2] == 0
    assert "robots: 20" in root.find(f"{SVG}desc").text


def test_chart_labels_are_escaped() -> None:
    for svg in (
        bar_chart(HOSTILE, [(HOSTILE, 3)]),
        grouped_bar_chart(HOSTILE, [HOSTILE], [(HOSTILE, [1], "#000")]),
        stacked_bar_chart(HOSTILE, [(HOSTILE, {"violation": 2})], [("violation", "#f00")]),
    ):
        assert "<script" not in str(svg)
        assert 'onload="' not in str(svg)
        root = ElementTree.fromstring(str(svg))
        assert HOSTILE in {t.text for t in root.iter(f"{SVG}text")}


def test_stacked_and_grouped_bars_add_up() -> None:
    stacked = str(
        stacked_bar_chart(
            "verdicts",
            [("ca", {"violation": 3, "needs-review": 1}), ("eu", {"needs-review": 2})],
            [("violation", "#f00"), ("needs-review", "#999")],
        )
    )
    ca_violation, ca_review, eu_review = _bars(stacked)
    assert ca_violation == pytest.approx(3 * ca_review)
    assert eu_review == pytest.approx(2 * ca_review)
    grouped = str(
        grouped_bar_chart("modes", ["collected"], [("a", [4], "#00f"), ("b", [8], "#f00")])
    )
    a, b = _bars(grouped)
    assert b == pytest.approx(2 * a)


@pytest.mark.parametrize(
    ("raw", "rendered"),
    [
        ("<script>alert(1)</script>", "&lt;script&gt;alert(1)&lt;/script&gt;"),
        ("a | b\nc", "a \\| b c"),
        ("**bold** [link](javascript:x)", "\\*\\*bold\\*\\* \\[link\\](javascript:x)"),
        ("`tick`", "\\`tick\\`"),
    ],
)
def test_markdown_text_is_inert(raw: str, rendered: str) -> None:
    assert text(raw) == rendered


def test_markdown_code_spans_keep_urls_verbatim() -> None:
    assert code("http://a.example/x_y.jpg") == "`http://a.example/x_y.jpg`"
    assert code("a|b") == "`a\\|b`"
    assert code("a`b<i>") == "a\\`b&lt;i&gt;"
    assert code(None) == ""


def _jpeg(size: tuple[int, int]) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(out, "JPEG")
    return out.getvalue()


def test_thumbnail_is_a_small_jpeg_data_uri() -> None:
    thumb = thumbnail_from_bytes(_jpeg((640, 320)))
    assert thumb.uri is not None
    assert thumb.uri.startswith("data:image/jpeg;base64,")
    import base64

    with Image.open(io.BytesIO(base64.b64decode(thumb.uri.split(",", 1)[1]))) as img:
        assert img.size == (MAX_SIDE, MAX_SIDE // 2)


def _png_header(width: int, height: int) -> bytes:
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    chunk = b"IHDR" + ihdr
    return (
        b"\x89PNG\r\n\x1a\n"
        + struct.pack(">I", len(ihdr))
        + chunk
        + struct.pack(">I", zlib.crc32(chunk))
    )


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"not an image at all",
        _jpeg((64, 64))[:200],  # truncated
        _png_header(100_000, 100_000),  # a decompression bomb's header
    ],
)
def test_thumbnail_never_raises_on_hostile_bytes(body: bytes) -> None:
    thumb = thumbnail_from_bytes(body)
    assert thumb.uri is None
    assert thumb.note


def test_formats_and_destinations(tmp_path: Path) -> None:
    assert parse_formats(["all"]) == ["html", "md", "json"]
    assert parse_formats(["json", "html,json", "markdown"]) == ["json", "html", "md"]
    with pytest.raises(ConfigError, match="pdf"):
        parse_formats(["pdf"])
    out = tmp_path / "out"
    assert default_paths(out, ["html"]) == {"html": out / "report" / "report.html"}
    assert default_paths(out, ["md"], tmp_path / "x.txt") == {"md": tmp_path / "x.txt"}
    assert default_paths(out, ["md", "json"], tmp_path / "x.txt") == {
        "md": tmp_path / "x.md",
        "json": tmp_path / "x.json",
    }
    assert default_paths(out, ["json"], tmp_path) == {"json": tmp_path / "report.json"}


def test_every_json_key_is_documented() -> None:
    import dataclasses

    from provenance.report import data, verdicts

    doc = data.__doc__ or ""
    classes = [
        data.ReportData,
        data.RunInfo,
        data.PurposeNote,
        data.PackInfo,
        data.Headline,
        data.PackSummary,
        data.RuleSummary,
        data.Comparison,
        data.ComparisonRow,
        data.TakenImage,
        data.SiteRow,
        data.HostSignal,
        verdicts.FiredGroup,
        data.ImageTrail,
        data.RecordTrail,
    ]
    missing = [
        f"{cls.__name__}.{f.name}"
        for cls in classes
        for f in dataclasses.fields(cls)
        if f.name not in doc
    ]
    assert missing == []
