"""Manifest readers: every img2dataset input format, read back row for row, in chunks."""

from __future__ import annotations

import csv
import gzip
import io
import json
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from provenance.dataset.manifest import (
    Columns,
    ManifestRow,
    detect_format,
    iter_json_array,
    manifest_files,
    read_manifest,
    url_problem,
)
from provenance.errors import InputError

ROWS = [
    {"URL": "http://a.example/1.jpg", "TEXT": 'a "quoted", caption', "id": "k1", "page": None},
    {
        "URL": "http://a.example/2.jpg",
        "TEXT": "line one\nline two",
        "id": "k2",
        "page": "http://a.example/",
    },
    {"URL": "https://b.example/3.png", "TEXT": "tab\there", "id": "k3", "page": None},
    {"URL": "", "TEXT": "no url", "id": "k4", "page": None},
    {"URL": "file:///etc/passwd", "TEXT": "hostile", "id": "k5", "page": None},
]
TEXT = st.characters(blacklist_categories=("Cs",))
COLS = Columns(url="URL", caption="TEXT", key="id", page="page")


def _write(path: Path, fmt: str, rows: list[dict[str, str | None]]) -> Path:
    if fmt == "parquet":
        pq.write_table(pa.Table.from_pylist(rows), path, row_group_size=2)
    elif fmt in ("csv", "tsv"):
        with path.open("w", newline="", encoding="utf-8") as fh:
            delimiter = "\t" if fmt == "tsv" else ","
            writer = csv.DictWriter(fh, fieldnames=list(rows[0]), delimiter=delimiter)
            writer.writeheader()
            writer.writerows(rows)
    elif fmt == "jsonl":
        path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    elif fmt == "json":
        path.write_text(json.dumps(rows, indent=2), encoding="utf-8")
    return path


def _flat(chunks: object) -> list[ManifestRow]:
    return [row for chunk in chunks for row in chunk]  # type: ignore[attr-defined]


def _expected(rows: list[dict[str, str | None]], source: Path) -> list[ManifestRow]:
    return [
        ManifestRow(str(source), i, r["URL"] or "", r["id"], r["TEXT"], r["page"])
        for i, r in enumerate(rows)
    ]


@pytest.mark.parametrize("fmt", ["csv", "tsv", "json", "jsonl", "parquet"])
def test_every_format_reads_back_every_row(tmp_path: Path, fmt: str) -> None:
    path = _write(tmp_path / f"m.{fmt}", fmt, ROWS)
    assert detect_format(path) == fmt
    chunks = list(read_manifest(path, COLS, chunk_rows=2))
    assert [len(c) for c in chunks] == [2, 2, 1]
    got = _flat(chunks)
    want = _expected(ROWS, path)
    if fmt == "tsv":
        # csv.DictWriter quotes the cell with the tab; pyarrow (as img2dataset) unquotes it
        assert got[2].caption == "tab\there"
    assert got == want


def test_txt_is_one_url_per_line_and_blank_lines_are_not_rows(tmp_path: Path) -> None:
    path = tmp_path / "urls.txt"
    path.write_text("http://a.example/1.jpg\n\n  http://a.example/2.jpg  \nhttp://x,y/3.jpg\n")
    got = _flat(read_manifest(path))
    assert [(r.row, r.url) for r in got] == [
        (0, "http://a.example/1.jpg"),
        (1, "http://a.example/2.jpg"),
        (2, "http://x,y/3.jpg"),
    ]
    with pytest.raises(InputError, match="one URL per line"):
        list(read_manifest(path, Columns(caption="TEXT")))


def test_gzip_and_folder_of_parts(tmp_path: Path) -> None:
    folder = tmp_path / "parts"
    folder.mkdir()
    for n in range(3):
        with gzip.open(folder / f"part-{n}.jsonl.gz", "wt", encoding="utf-8") as fh:
            fh.write(json.dumps({"url": f"http://a.example/{n}.jpg"}) + "\n")
    (folder / "README").write_text("not a manifest")
    files = manifest_files(folder)
    assert [f.name for f in files] == ["part-0.jsonl.gz", "part-1.jsonl.gz", "part-2.jsonl.gz"]
    assert [r.url for f in files for r in _flat(read_manifest(f))] == [
        f"http://a.example/{n}.jpg" for n in range(3)
    ]


def test_resume_from_a_row(tmp_path: Path) -> None:
    path = _write(tmp_path / "m.parquet", "parquet", ROWS)
    got = _flat(read_manifest(path, COLS, start_row=3))
    assert [r.row for r in got] == [3, 4]


@pytest.mark.parametrize("fmt", ["csv", "tsv", "json", "jsonl", "parquet"])
def test_missing_column_is_one_clear_error(tmp_path: Path, fmt: str) -> None:
    path = _write(tmp_path / f"m.{fmt}", fmt, ROWS)
    with pytest.raises(InputError) as err:
        list(read_manifest(path, Columns(url="url")))
    message = str(err.value)
    assert str(path) in message
    assert "'url'" in message
    assert "--url-col" in message
    assert "\n" not in message


@pytest.mark.parametrize(
    ("name", "content", "reason"),
    [
        # an object where rows should be (a .json of JSON lines is read as lines)
        ("bad.json", '"url"', "array of objects"),
        ("bad5.json", '{"url": "x"}\n{oops\n', "bad5.json:2"),
        ("bad2.json", '[{"url": "x"}, ', "not closed"),
        ("bad3.json", '[{"url": "x"} {"url": "y"}]', "expected ','"),
        ("bad4.json", "[1, 2]", "not a JSON object"),
        ("bad.jsonl", '{"url": "x"}\n{oops\n', "bad.jsonl:2"),
        ("bad.parquet", "PAR1 not really", "not a readable parquet"),
        ("bad.csv", "", None),
    ],
)
def test_broken_files_raise_input_error_or_read_nothing(
    tmp_path: Path, name: str, content: str, reason: str | None
) -> None:
    path = tmp_path / name
    path.write_text(content)
    if reason is None:
        assert _flat(read_manifest(path)) == []
        return
    with pytest.raises(InputError, match=reason):
        list(read_manifest(path))


def test_unknown_extension_and_missing_path(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="--input-format"):
        detect_format(tmp_path / "urls.data")
    with pytest.raises(InputError, match="no such file"):
        manifest_files(tmp_path / "absent")


@pytest.mark.parametrize(
    ("url", "problem"),
    [
        ("http://a.example/x.jpg", None),
        ("HTTPS://a.example/x.jpg", None),
        ("", "empty URL"),
        ("file:///etc/passwd", "not an http(s) URL"),
        ("javascript:alert(1)", "not an http(s) URL"),
        ("data:image/png;base64,AAAA", "not an http(s) URL"),
        ("http:///nohost.jpg", "no host"),
        ("http://[::1/x", "not a URL"),
        ("http://a.example/" + "x" * 9000, "longer than"),
    ],
)
def test_url_problem(url: str, problem: str | None) -> None:
    found = url_problem(url)
    if problem is None:
        assert found is None
    else:
        assert found is not None
        assert problem in found


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=5), inner, max_size=4)
    ),
    max_leaves=12,
)


@settings(max_examples=150, deadline=None)
@given(st.lists(json_values, max_size=12), st.integers(min_value=1, max_value=17), st.booleans())
def test_json_array_streams_like_json_load(
    values: list[object], read_chars: int, indent: bool
) -> None:
    text = json.dumps(values, indent=2 if indent else None)
    assert list(iter_json_array(io.StringIO(text), "x", read_chars=read_chars)) == json.loads(text)


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.fixed_dictionaries(
            {
                "url": st.text(alphabet=TEXT, max_size=30),
                "caption": st.text(alphabet=TEXT, max_size=40),
            }
        ),
        min_size=1,
        max_size=20,
    ),
    st.sampled_from(["csv", "tsv", "jsonl", "json", "parquet"]),
)
def test_hostile_captions_round_trip(
    tmp_path_factory: pytest.TempPathFactory, rows: list[dict[str, str]], fmt: str
) -> None:
    path = _write(tmp_path_factory.mktemp("h") / f"m.{fmt}", fmt, rows)  # type: ignore[arg-type]
    got = _flat(read_manifest(path, Columns(caption="caption"), chunk_rows=3))
    assert len(got) == len(rows)
    for row, want in zip(got, rows, strict=True):
        assert row.url == want["url"].strip()
        assert row.caption == (want["caption"].strip() or None)
