"""``provtrack audit`` of dataset manifests listing the demo web's images, against the manifest.

Each manifest lists every image URL the demo web serves; the audit must give each the decision
and reasons a compliant collection of that image would have (``expect.audit``): ``url_only``
where the manifest gives the URL alone, ``with_page`` where it names the page too.
"""

from __future__ import annotations

import csv
import json
import sqlite3
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from provenance.warc import read_response
from tests.conftest import DemoWebProcess, run_cli
from tests.dataset.conftest import DECISION, audit, mismatches

HOSTILE_ROWS = [
    "file:///etc/passwd",
    "javascript:alert(document.cookie)",
    "",
    "http:///no-host.jpg",
    "data:image/png;base64,iVBORw0KGgo=",
]


def test_txt_manifest_gives_each_url_what_its_host_says(
    tmp_path: Path, demoweb: DemoWebProcess, manifest: dict[str, Any]
) -> None:
    urls = [i["url"] for i in manifest["images"]]
    path = tmp_path / "urls.txt"
    path.write_text("\n".join(urls) + "\n")
    result = audit(tmp_path / "out", str(path), *demoweb.proxy_args)
    problems = mismatches(result.records, manifest, dict.fromkeys(urls, "url_only"))
    assert not problems, "\n".join(problems)
    assert "dataset rows read" in result.stdout
    # the members' headshots: robots.txt allows their path, and without the page nothing else
    # applies (a crawl never reaches them: their page is disallowed)
    members = [u for u in urls if "/img/members/" in u]
    assert members
    assert all(result.records[u]["decision"] == "collected" for u in members)
    with sqlite3.connect(result.db) as db:
        (mode,) = db.execute("select mode from crawl_run").fetchone()
        entries = db.execute("select count(*), count(distinct url) from dataset_entry").fetchone()
    assert mode == "audit"
    assert entries == (len(urls), len(urls))
    # bytes are hashed, not kept: the WARC holds the exchange's headers, and verify passes
    collected = next(r for r in result.records.values() if r["decision"] == "collected")
    stored = read_response(result.out / "warc", collected["warc_file"], collected["warc_offset"])
    assert stored.truncated == "length"
    assert stored.body == b""
    assert stored.status == 200
    assert any(k.lower() == "content-type" for k, _ in stored.headers)
    run_cli("verify", "--out", str(result.out))


def test_csv_manifest_with_the_page_for_some(
    tmp_path: Path, demoweb: DemoWebProcess, manifest: dict[str, Any]
) -> None:
    path = tmp_path / "dataset.csv"
    which: dict[str, str] = {}
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(["image_url", "text", "found_on"])
        for n, image in enumerate(manifest["images"]):
            # every image whose two answers differ gets its page, and every other one of the rest
            differ = image["expect"]["audit"]["url_only"] != image["expect"]["audit"]["with_page"]
            page = image["pages"][0] if differ or n % 2 == 0 else ""
            which[image["url"]] = "with_page" if page else "url_only"
            writer.writerow([image["url"], f'"{image["alt"]}", a caption, with\nnewline', page])
    result = audit(
        tmp_path / "out",
        str(path),
        "--url-col",
        "image_url",
        "--caption-col",
        "text",
        "--page-col",
        "found_on",
        *demoweb.proxy_args,
    )
    problems = mismatches(result.records, manifest, which)
    assert not problems, "\n".join(problems)
    # a page-level opt-out now counts: fotoblog's meta robots, prairiepros' members' area
    assert any(
        "meta-robots" in {r["kind"] for r in result.records[u]["reasons"]}
        for u, case in which.items()
        if case == "with_page"
    )
    members = [u for u in which if "/img/members/" in u]
    for url in members:
        record = result.records[url]
        assert record["decision"] == "skipped"
        (reason,) = record["reasons"]
        assert reason["kind"] == "robots"
        assert reason["value"] == "disallow"
        assert reason["extra"]["target"].endswith("/members/")  # the page's rule, not the image's
        # prairiepros.ca's members' area, and gated-robots.net's copy of that layout
        host = url.split("/")[2]
        assert record["page_urls"] == [f"http://{host}/members/"]


def test_parquet_manifest_joins_back_by_key(
    tmp_path: Path, demoweb: DemoWebProcess, manifest: dict[str, Any]
) -> None:
    rows: list[dict[str, Any]] = []
    for n, image in enumerate(manifest["images"]):
        rows.append({"id": f"laion-{n:05d}", "URL": image["url"], "page": image["pages"][0]})
    # the same URL listed twice (datasets repeat images) and rows nobody may fetch
    rows.append({"id": "dup-00000", "URL": manifest["images"][0]["url"], "page": None})
    hostile = [{"id": f"bad-{n}", "URL": url, "page": None} for n, url in enumerate(HOSTILE_ROWS)]
    rows.extend(hostile)
    path = tmp_path / "part-00000.parquet"
    pq.write_table(pa.Table.from_pylist(rows), path, row_group_size=17)
    out = tmp_path / "out"
    result = audit(
        out, str(path), "--url-col", "URL", "--key-col", "id", "--page-col", "page",
        *demoweb.proxy_args,
    )  # fmt: skip
    which = {i["url"]: "with_page" for i in manifest["images"]}
    problems = mismatches(result.records, manifest, which)
    assert not problems, "\n".join(problems)
    assert "rows that are not auditable URLs" in result.stdout

    export = tmp_path / "audit.parquet"
    run_cli("export", "--out", str(out), "--format", "parquet", "--dest", str(export))
    table = pq.read_table(export)
    assert table.schema.names[:2] == ["id", "URL"]  # the manifest's own key and url columns
    exported = {r["id"]: r for r in table.to_pylist()}
    assert set(exported) == {r["id"] for r in rows}
    for row in rows:
        got = exported[row["id"]]
        assert got["URL"] == row["URL"]
        assert got["dataset_source"] == str(path)
    for n, image in enumerate(manifest["images"]):
        got = exported[f"laion-{n:05d}"]
        assert got["decision"] == DECISION[image["expect"]["audit"]["with_page"]["decision"]]
        assert json.loads(got["reasons"]) == result.records[image["url"]]["reasons"]
        assert got["dataset_page_url"] == image["pages"][0]
    first = manifest["images"][0]["url"]
    assert exported["dup-00000"]["image_id"] == exported["laion-00000"]["image_id"]
    assert exported["dup-00000"]["decision"] == result.records[first]["decision"]
    for row in hostile:
        got = exported[row["id"]]
        assert got["dataset_problem"], row
        assert got["decision"] is None  # never fetched: no record
    with sqlite3.connect(result.db) as db:
        fetched = {u for (u,) in db.execute("select url from image")}
    assert not fetched & set(HOSTILE_ROWS)

    # the report's dataset section counts the rows by what a compliant collection would do
    run_cli("evaluate", "--out", str(out))
    report = tmp_path / "report"
    run_cli(
        "report", "--out", str(out), "--format", "json", "--format", "md", "--dest", str(report)
    )
    (section,) = json.loads((tmp_path / "report.json").read_text())["datasets"]
    expected = [i["expect"]["audit"]["with_page"] for i in manifest["images"]]
    expected.append(manifest["images"][0]["expect"]["audit"]["with_page"])  # the repeated row
    left = [e for e in expected if e["decision"] == "skip"]
    assert section["rows"] == len(rows)
    assert section["not_auditable"] == len(hostile)
    assert section["left"] == len(left)
    assert section["taken"] == sum(e["decision"] == "collect" for e in expected)
    by_signal = {c["key"]: c["rows"] for c in section["by_signal"]}
    for kind in {k for e in left for k in e["reasons"]}:
        assert by_signal[kind] == sum(kind in e["reasons"] for e in left), kind
    faces = sum(
        i["faces"] > 0
        for i in manifest["images"]
        if i["expect"]["audit"]["with_page"]["decision"] == "skip"
        and i["expect"]["audit"]["with_page"]["stage"] == "after-download"
    )
    assert section["left_faces"] >= faces  # bytes read after download: faces known
    markdown = (tmp_path / "report.md").read_text()
    assert "What this dataset holds that a compliant collection would have left" in markdown


def test_a_manifest_that_cannot_be_read_is_one_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "m.csv"
    path.write_text("URL,TEXT\nhttp://a.example/x.jpg,x\n")
    result = run_cli("audit", str(path), "--out", str(tmp_path / "out"), check=False)
    assert result.returncode == 2
    assert "no column 'url'" in result.stderr
    assert "--url-col" in result.stderr
    missing = run_cli(
        "audit", str(tmp_path / "none.parquet"), "--out", str(tmp_path / "o"), check=False
    )
    assert missing.returncode == 2
    assert "no such file" in missing.stderr
