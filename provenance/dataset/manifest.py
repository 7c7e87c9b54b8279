"""Dataset manifests as img2dataset reads them: the image URLs someone collected, row by row.

The formats are img2dataset's ``--input_format`` values: ``txt`` (one URL per line), ``csv``,
``tsv``, ``json`` (an array of objects), ``jsonl`` and ``parquet``, with the same column
options (``url``, ``caption``) plus the key that joins results back to the dataset and the
page an image was found on. Every reader streams: rows come out in chunks and nothing holds
more than one chunk (a LAION part file has millions of rows), which is why CSV and Parquet go
through pyarrow's batch readers and JSON arrays through an incremental decoder.

A reader never judges a URL; :func:`url_problem` says which rows cannot be audited (not
http(s), empty, too long) so the audit records them as failed instead of fetching them.
"""

from __future__ import annotations

import csv
import gzip
import io
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any
from urllib.parse import urlsplit

from provenance.errors import InputError

FORMATS = ("txt", "csv", "tsv", "json", "jsonl", "parquet")
CHUNK_ROWS = 1000
MAX_URL_CHARS = 8192  # longer "URLs" are junk or an attack on whatever stores them
_NUMBER_CHARS = frozenset("0123456789.eE+-")
_SUFFIXES = {
    ".txt": "txt",
    ".csv": "csv",
    ".tsv": "tsv",
    ".json": "json",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".parquet": "parquet",
}


@dataclass(frozen=True, slots=True)
class Columns:
    """Which manifest columns hold the URL, caption, key and page (img2dataset's names)."""

    url: str = "url"
    caption: str | None = None
    key: str | None = None
    page: str | None = None

    def wanted(self) -> list[str]:
        """The columns to read, URL first."""
        return [c for c in (self.url, self.caption, self.key, self.page) if c]


@dataclass(frozen=True, slots=True)
class ManifestRow:
    """One row of a manifest: where it is (file, 0-based row) and the values the audit needs."""

    source: str
    row: int
    url: str
    key: str | None = None
    caption: str | None = None
    page_url: str | None = None


def detect_format(path: Path) -> str:
    """The manifest format named by the file's extension (``.gz`` looked through)."""
    suffixes = [s.lower() for s in path.suffixes]
    if suffixes and suffixes[-1] == ".gz":
        suffixes.pop()
    fmt = _SUFFIXES.get(suffixes[-1]) if suffixes else None
    if fmt is None:
        raise InputError(
            f"{path}: cannot tell the manifest format from the name; pass --input-format "
            f"({', '.join(FORMATS)})"
        )
    return fmt


def manifest_files(path: Path, fmt: str | None = None) -> list[Path]:
    """The manifest files under ``path``: the file itself, or a folder's files of one format.

    img2dataset accepts a folder of part files (``part-00000.parquet``...); so does the audit.
    """
    if path.is_file():
        return [path]
    if not path.is_dir():
        raise InputError(f"{path}: no such file or folder")
    found = sorted(
        p
        for p in path.iterdir()
        if p.is_file() and not p.name.startswith(".") and _format_or_none(p) is not None
    )
    if fmt is not None:
        found = [p for p in found if _format_or_none(p) == fmt]
    if not found:
        raise InputError(f"{path}: no manifest file ({', '.join(FORMATS)}) in this folder")
    return found


def _format_or_none(path: Path) -> str | None:
    try:
        return detect_format(path)
    except InputError:
        return None


def url_problem(url: str) -> str | None:
    """Why a manifest URL cannot be audited (never fetched), or None when it can."""
    if not url:
        return "empty URL"
    if len(url) > MAX_URL_CHARS:
        return f"URL longer than {MAX_URL_CHARS} characters"
    try:
        parts = urlsplit(url)
    except ValueError as err:
        return f"not a URL: {err}"
    if not parts.scheme and url.startswith("//"):
        # which scheme the collector used is unknown, and http and https are two origins with
        # two robots.txt files: never guessed
        return "protocol-relative URL (no scheme: http and https are different origins)"
    if not parts.scheme:
        return "no scheme: a relative URL, or a host without http:// or https://"
    if parts.scheme.lower() not in ("http", "https"):
        # file:, data:, javascript:, ftp: ... a dataset row must never make the audit read a
        # local file or run anything
        return f"not an http(s) URL (scheme {parts.scheme!r})"
    if not parts.hostname:
        return "no host in URL"
    return None


def audited_url(url: str) -> str:
    """The URL as the audit requests it (and its record is stored under): an IRI in UTF-8
    percent-encoding, an IDN host in punycode, spaces as ``%20`` (Scrapy's own form)."""
    if url.isascii() and " " not in url:
        return url
    from w3lib.url import safe_url_string

    try:
        return str(safe_url_string(url))
    except ValueError:
        return url


def read_manifest(
    path: Path,
    columns: Columns = Columns(),
    *,
    fmt: str | None = None,
    chunk_rows: int = CHUNK_ROWS,
    start_row: int = 0,
) -> Iterator[list[ManifestRow]]:
    """The rows of one manifest file in chunks of at most ``chunk_rows``, from ``start_row``.

    Raises :class:`InputError` (file and reason) when the file cannot be read as ``fmt`` or a
    named column is missing; rows whose URL cell is empty are yielded with an empty URL so the
    audit records them (their row numbers stay the file's).
    """
    fmt = fmt or detect_format(path)
    if fmt not in FORMATS:
        raise InputError(f"unknown manifest format {fmt!r}; choose one of {', '.join(FORMATS)}")
    if fmt == "txt" and (columns.caption or columns.key or columns.page):
        raise InputError(f"{path}: a txt manifest has one URL per line and no other columns")
    readers = {
        "txt": _txt_rows,
        "csv": _csv_rows,
        "tsv": _csv_rows,
        "json": _json_rows,
        "jsonl": _jsonl_rows,
        "parquet": _parquet_rows,
    }
    try:
        rows = readers[fmt](path, columns, fmt)
        yield from _chunked(_from(rows, start_row), chunk_rows)
    except InputError:
        raise
    except (OSError, ValueError, UnicodeDecodeError) as err:
        raise InputError(f"{path}: not a readable {fmt} manifest: {err}") from err
    except Exception as err:  # pyarrow's errors (ArrowInvalid...) carry the useful message
        if type(err).__module__.startswith("pyarrow"):
            raise InputError(f"{path}: not a readable {fmt} manifest: {err}") from err
        raise


def _from(rows: Iterable[ManifestRow], start: int) -> Iterator[ManifestRow]:
    for row in rows:
        if row.row >= start:
            yield row


def _chunked(rows: Iterable[ManifestRow], size: int) -> Iterator[list[ManifestRow]]:
    chunk: list[ManifestRow] = []
    for row in rows:
        chunk.append(row)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _open_text(path: Path) -> IO[str]:
    """UTF-8 text, a byte-order mark dropped (Excel and Windows tools write one; pyarrow's CSV
    reader drops it too, so the header named ``\ufeffurl`` no longer hides the url column)."""
    if path.suffix.lower() == ".gz":
        return io.TextIOWrapper(gzip.open(path, "rb"), encoding="utf-8-sig", errors="strict")
    return path.open(encoding="utf-8-sig", newline="")


def _starts_with(path: Path) -> str | None:
    """The first character of a text manifest that is not white space (None when empty)."""
    with _open_text(path) as fh:
        while chunk := fh.read(4096):
            text = chunk.lstrip()
            if text:
                return text[0]
    return None


def _text(value: Any) -> str | None:
    if value is None:
        return None
    text = str(value).strip()
    return text or None


def _row(source: str, index: int, values: dict[str, Any], columns: Columns) -> ManifestRow:
    return ManifestRow(
        source=source,
        row=index,
        url=_text(values.get(columns.url)) or "",
        key=_text(values.get(columns.key)) if columns.key else None,
        caption=_text(values.get(columns.caption)) if columns.caption else None,
        page_url=_text(values.get(columns.page)) if columns.page else None,
    )


def _check_columns(path: Path, have: Iterable[str], columns: Columns) -> None:
    names = list(have)
    missing = [c for c in columns.wanted() if c not in names]
    if missing:
        shown = ", ".join(repr(n) for n in names[:20]) or "none"
        raise InputError(
            f"{path}: no column {', '.join(repr(m) for m in missing)} (columns: {shown}); "
            "name them with --url-col, --caption-col, --key-col, --page-col"
        )


def _txt_rows(path: Path, columns: Columns, fmt: str) -> Iterator[ManifestRow]:
    source = str(path)
    with _open_text(path) as fh:
        index = 0
        for line in fh:
            url = line.strip()
            if not url:
                continue  # img2dataset skips blank lines too; they are not rows
            yield ManifestRow(source=source, row=index, url=url)
            index += 1


def _csv_rows(path: Path, columns: Columns, fmt: str) -> Iterator[ManifestRow]:
    import pyarrow as pa
    import pyarrow.csv as pacsv

    delimiter = "\t" if fmt == "tsv" else ","
    with _open_text(path) as fh:
        header = next(csv.reader(fh, delimiter=delimiter), None)
    if header is None:
        return
    _check_columns(path, header, columns)
    wanted = columns.wanted()
    reader = pacsv.open_csv(
        str(path),
        read_options=pacsv.ReadOptions(block_size=4 << 20),
        # captions hold quotes, delimiters and newlines: quoted cells, as img2dataset's pyarrow
        # reader takes them in both CSV and TSV
        parse_options=pacsv.ParseOptions(delimiter=delimiter, newlines_in_values=True),
        convert_options=pacsv.ConvertOptions(
            include_columns=wanted,
            column_types=dict.fromkeys(wanted, pa.string()),
            strings_can_be_null=True,
        ),
    )
    yield from _batches(str(path), reader, columns)


def _batches(source: str, batches: Iterable[Any], columns: Columns) -> Iterator[ManifestRow]:
    index = 0
    for batch in batches:
        data = {name: batch.column(name).to_pylist() for name in columns.wanted()}
        for i in range(batch.num_rows):
            yield _row(source, index, {name: values[i] for name, values in data.items()}, columns)
            index += 1


def _parquet_rows(path: Path, columns: Columns, fmt: str) -> Iterator[ManifestRow]:
    import pyarrow.parquet as pq

    file = pq.ParquetFile(str(path))
    _check_columns(path, file.schema_arrow.names, columns)
    yield from _batches(
        str(path), file.iter_batches(batch_size=CHUNK_ROWS, columns=columns.wanted()), columns
    )


def _object(path: Path, index: int, value: Any, columns: Columns) -> ManifestRow:
    if not isinstance(value, dict):
        raise InputError(f"{path}: row {index} is not a JSON object")
    if index == 0:
        _check_columns(path, value.keys(), columns)
    return _row(str(path), index, value, columns)


def _jsonl_rows(path: Path, columns: Columns, fmt: str) -> Iterator[ManifestRow]:
    if _starts_with(path) == "[":
        yield from _json_rows(path, columns, "json")  # an array named .jsonl
        return
    with _open_text(path) as fh:
        index = 0
        for number, line in enumerate(fh, start=1):
            if not line.strip():
                continue
            try:
                value = json.loads(line)
            except json.JSONDecodeError as err:
                raise InputError(f"{path}:{number}: not JSON: {err.msg}") from err
            yield _object(path, index, value, columns)
            index += 1


def _json_rows(path: Path, columns: Columns, fmt: str) -> Iterator[ManifestRow]:
    if fmt == "json" and _starts_with(path) == "{":
        yield from _jsonl_rows(path, columns, "jsonl")  # JSON lines named .json
        return
    with _open_text(path) as fh:
        for index, value in enumerate(iter_json_array(fh, str(path))):
            yield _object(path, index, value, columns)


def iter_json_array(fh: IO[str], name: str, *, read_chars: int = 1 << 16) -> Iterator[Any]:
    """The elements of a top-level JSON array, decoded one at a time from a text stream.

    ``json.load`` would hold the whole array (and its Python objects) at once; this keeps one
    read buffer and one element. img2dataset's ``json`` input is such an array of objects.
    """
    decoder = json.JSONDecoder()
    buffer = ""
    pos = 0
    eof = False

    def fill() -> bool:
        nonlocal buffer, pos, eof
        if eof:
            return False
        more = fh.read(read_chars)
        if not more:
            eof = True
            return False
        buffer = buffer[pos:] + more
        pos = 0
        return True

    def skip_space() -> str | None:
        nonlocal pos
        while True:
            while pos < len(buffer) and buffer[pos] in " \t\r\n":
                pos += 1
            if pos < len(buffer):
                return buffer[pos]
            if not fill():
                return None

    if skip_space() != "[":
        raise InputError(f"{name}: a json manifest must be an array of objects")
    pos += 1
    expect_value = True
    first = True
    while True:
        char = skip_space()
        if char is None:
            raise InputError(f"{name}: the JSON array is not closed")
        if char == "]" and (first or not expect_value):
            return
        if not expect_value:
            if char != ",":
                raise InputError(f"{name}: expected ',' or ']' in the JSON array")
            pos += 1
            expect_value = True
            continue
        while True:
            try:
                value, end = decoder.raw_decode(buffer, pos)
            except json.JSONDecodeError as err:
                if fill():
                    continue  # the element runs past the buffer
                raise InputError(f"{name}: not JSON: {err.msg}") from err
            number = isinstance(value, int | float) and not isinstance(value, bool)
            if number and (end == len(buffer) or buffer[end] in _NUMBER_CHARS) and fill():
                # a number cut by the read buffer ("1" of "12", "0" of "0.5") continues
                continue
            break
        pos = end
        first = False
        expect_value = False
        yield value
