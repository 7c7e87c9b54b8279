"""Manifests as real datasets ship them, audited row for row without a silent drop.

LAION-style parquet (upper-case ``URL``/``TEXT``, ``similarity``/``pwatermark``/``punsafe``),
an img2dataset *output* table read as a plain manifest (its failed rows still audited by URL),
CSV with a UTF-8 byte-order mark, JSON lines named ``.json`` and an array named ``.jsonl``,
URLs padded with white space, repeated across chunks, protocol-relative, relative, ``data:``,
with an IDN host or an IRI path, and longer than any real one.
"""

from __future__ import annotations

import gzip
import json
import sqlite3
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
from warcio.archiveiterator import ArchiveIterator

from provenance.dataset.manifest import Columns, audited_url, read_manifest, url_problem
from tests.conftest import DemoWebProcess, run_cli
from tests.dataset.conftest import audit, mismatches


def _rows(path: Path, columns: Columns | None = None) -> list[tuple[str, str | None]]:
    chunks = read_manifest(path, columns or Columns())
    return [(r.url, r.caption) for chunk in chunks for r in chunk]


def test_byte_order_marks_and_json_either_way(tmp_path: Path) -> None:
    bom = "\ufeff"
    csv_path = tmp_path / "excel.csv"
    csv_path.write_bytes(f'{bom}url,caption\nhttp://a.example/1.png,"two\nlines"\n'.encode())
    assert _rows(csv_path, Columns(caption="caption")) == [("http://a.example/1.png", "two\nlines")]
    tsv_path = tmp_path / "excel.tsv"
    tsv_path.write_bytes(f"{bom}url\tcaption\nhttp://a.example/1.png\tx\n".encode())
    assert _rows(tsv_path, Columns(caption="caption")) == [("http://a.example/1.png", "x")]
    txt = tmp_path / "urls.txt"
    txt.write_bytes(f"{bom}http://a.example/1.png\n".encode())
    assert _rows(txt) == [("http://a.example/1.png", None)]
    lines = [{"url": "http://a.example/1.png"}, {"url": "http://a.example/2.png"}]
    as_lines = "".join(json.dumps(r) + "\n" for r in lines)
    (tmp_path / "lines.json").write_text(bom + as_lines, encoding="utf-8")
    (tmp_path / "array.jsonl").write_text(json.dumps(lines), encoding="utf-8")
    with gzip.open(tmp_path / "lines.json.gz", "wt", encoding="utf-8") as fh:
        fh.write(as_lines)
    want = [(r["url"], None) for r in lines]
    for name in ("lines.json", "array.jsonl", "lines.json.gz"):
        assert _rows(tmp_path / name) == want, name


def test_url_forms_say_why_they_are_not_audited() -> None:
    assert "protocol-relative" in (url_problem("//cdn.example/a.png") or "")
    assert "no scheme" in (url_problem("/img/a.png") or "")
    assert "no scheme" in (url_problem("www.example.com/a.png") or "")
    assert "scheme 'data'" in (url_problem("data:image/png;base64,AAAA") or "")
    assert "longer than" in (url_problem("http://a.example/" + "a" * 9000) or "")
    assert url_problem("http://bücher.example/café.png") is None
    assert audited_url("http://Bücher.example/café noir.png") == (
        "http://xn--bcher-kva.example/caf%C3%A9%20noir.png"
    )


def _response_count(warc_dir: Path, url: str) -> int:
    count = 0
    for path in warc_dir.glob("*.warc.gz"):
        with path.open("rb") as fh:
            for record in ArchiveIterator(fh):
                target = record.rec_headers.get_header("WARC-Target-URI")
                count += record.rec_type == "response" and target == url
    return count


def test_laion_and_img2dataset_tables_audit_every_row(
    tmp_path: Path, demoweb: DemoWebProcess, manifest: dict[str, Any]
) -> None:
    images = [i["url"] for i in manifest["images"]][:6]
    collected = [
        i["url"]
        for i in manifest["images"]
        if i["expect"]["audit"]["url_only"]["decision"] == "collect"
    ]
    images = [collected[0], *(u for u in images if u != collected[0])][:6]
    first, second = images[0], images[1]  # first: one a compliant audit downloads
    odd = {
        "pad": f"  {first}\t",  # white space around the URL: the same image
        "protocol-relative": "//" + first.split("://", 1)[1],
        "relative": "/img/a.png",
        "data": "data:image/png;base64,iVBORw0KGgo=",
        "long": "http://pixgram.com/" + "a" * 9000,
        "idn": "http://bücher.example/café noir.png",
    }
    rows = [{"key": f"k{n}", "URL": url} for n, url in enumerate(images)]
    rows += [{"key": name, "URL": url} for name, url in odd.items()]
    # the first image again, in later chunks (chunks of 3 rows): one fetch, every row an entry
    rows += [{"key": f"again{n}", "URL": first} for n in range(3)]
    for n, row in enumerate(rows):
        row.update(TEXT=f"caption {n}", similarity=0.31, pwatermark=0.1, punsafe=0.01)
    laion = tmp_path / "laion.parquet"
    pq.write_table(pa.Table.from_pylist(rows), laion)
    # an img2dataset output table, read as a manifest: failed rows are still audited by URL
    shard = tmp_path / "00000.parquet"
    pq.write_table(
        pa.table(
            {
                "key": ["000000000", "000000001"],
                "url": [second, images[2]],
                "caption": ["ok", "failed"],
                "status": ["success", "failed_to_download"],
                "error_message": [None, "HTTP Error 403: Forbidden"],
            }
        ),
        shard,
    )
    out = tmp_path / "out"
    result = audit(
        out, str(laion), "--url-col", "URL", "--caption-col", "TEXT", "--key-col", "key",
        "--chunk-rows", "3", *demoweb.proxy_args,
    )  # fmt: skip
    problems = mismatches(result.records, manifest, dict.fromkeys(images, "url_only"))
    assert not problems, "\n".join(problems)
    with sqlite3.connect(result.db) as db:
        entries = {
            key: (url, problem, json.loads(local or "{}"))
            for key, url, problem, local in db.execute(
                "select key, url, problem, local from dataset_entry"
            )
        }
        joined = dict(
            db.execute(
                "select e.key, i.decision from dataset_entry e join image i "
                "on i.run_id = e.run_id and i.url = e.url"
            ).fetchall()
        )
        (repeated,) = db.execute("select count(*) from image where url = ?", (first,)).fetchone()
    assert set(entries) == {r["key"] for r in rows}  # every row has its entry
    for key in ("protocol-relative", "relative", "data", "long"):
        assert entries[key][1], key  # a problem, never fetched
        assert key not in joined
    # padded and repeated rows join the one record of their URL, fetched once
    for key in ("pad", "again0", "again1", "again2"):
        assert entries[key][0] == first, key
        assert joined[key] == result.records[first]["decision"], key
    assert repeated == 1
    assert _response_count(out / "warc", first) == 1
    # the IDN row is requested in punycode and its entry joins that record (not on the demo
    # web: its robots.txt is unreachable, a complete disallow), keeping the dataset's spelling
    idn = audited_url(odd["idn"])
    assert entries["idn"][0] == idn
    assert entries["idn"][2]["dataset_url"] == odd["idn"]
    assert joined["idn"] == "skipped"
    assert {r["kind"] for r in result.records[idn]["reasons"]} == {"robots"}

    # the export joins every row back by key, the IDN row included
    export = tmp_path / "audited.parquet"
    run_cli("export", "--out", str(out), "--format", "parquet", "--dest", str(export))
    exported = {r["key"]: r for r in pq.read_table(export).to_pylist()}
    assert exported["idn"]["decision"] == "skipped"
    assert exported["again2"]["image_id"] == exported["k0"]["image_id"]

    out2 = tmp_path / "out2"
    result2 = audit(out2, str(shard), *demoweb.proxy_args)
    assert set(result2.records) == {second, images[2]}
    problems = mismatches(result2.records, manifest, {second: "url_only", images[2]: "url_only"})
    assert not problems, "\n".join(problems)


def test_a_missing_url_column_names_the_columns_found(tmp_path: Path) -> None:
    path = tmp_path / "laion.parquet"
    pq.write_table(pa.table({"URL": ["http://a.example/1.png"], "TEXT": ["t"]}), path)
    result = run_cli("audit", str(path), "--out", str(tmp_path / "out"), check=False)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, lines
    assert "no column 'url'" in lines[0]
    assert "'URL', 'TEXT'" in lines[0]
