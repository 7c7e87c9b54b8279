"""``provtrack export --format parquet`` of a crawl: the JSONL export's records, typed columns."""

from __future__ import annotations

import io
import json
import subprocess
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from provenance.export.parquet import DATASET_COLUMNS, RECORD_COLUMNS
from tests.conftest import PROVTRACK, REPO, CrawlResult, run_cli


def test_parquet_export_of_a_crawl_equals_its_jsonl_records(
    compliant_crawl: CrawlResult, tmp_path: Path
) -> None:
    dest = tmp_path / "records.parquet"
    result = run_cli(
        "export", "--out", str(compliant_crawl.out), "--format", "parquet", "--dest", str(dest)
    )
    assert f"wrote {len(compliant_crawl.records)} rows" in result.stderr
    table = pq.read_table(dest)
    names = table.schema.names
    # the dataset's key and URL first (a crawl has no dataset: key is null, url the image URL)
    assert names[:2] == ["key", "url"]
    assert names[2 : 2 + len(DATASET_COLUMNS)] == [n for n, _ in DATASET_COLUMNS]
    assert names[2 + len(DATASET_COLUMNS) :] == [n for n, _ in RECORD_COLUMNS]
    assert table.schema.field("page_urls").type == pa.list_(pa.string())
    assert table.schema.field("fetched_at").type == pa.timestamp("us", tz="UTC")
    rows = table.to_pylist()
    assert len(rows) == len(compliant_crawl.records)
    by_url = compliant_crawl.by_url
    for row in rows:
        record = by_url[row["url"]]
        assert row["key"] is None
        assert row["image_url"] == record["image_url"]
        assert row["decision"] == record["decision"]
        assert row["stage"] == record["stage"]
        assert json.loads(row["reasons"]) == record["reasons"]
        assert json.loads(row["signals"]) == record["signals"]
        assert row["reason_kinds"] == [f"{r['kind']}:{r['value']}" for r in record["reasons"]]
        assert row["page_urls"] == record["page_urls"]
        assert row["referrer_chains"] == record["referrer_chains"]
        assert row["phash_crops"] == record["phash_crops"]
        assert row["face_count"] == record["faces"]["count"]
        assert row["face_boxes"] == record["faces"]["boxes"]
        assert row["sha256"] == record["sha256"]
        assert row["http_status"] == record["http_status"]
        exif = json.loads(row["exif"]) if row["exif"] is not None else None
        assert exif == record["exif"]
        if record["fetched_at"]:
            assert row["fetched_at"].isoformat().replace("+00:00", "Z") == record["fetched_at"]


PARQUET_TO_STDOUT = ("--format", "parquet", "--dest", "-")


def test_parquet_to_standard_output(compliant_crawl: CrawlResult) -> None:
    done = subprocess.run(
        [*PROVTRACK, "export", "--out", str(compliant_crawl.out), *PARQUET_TO_STDOUT],
        capture_output=True,
        cwd=REPO,
        timeout=300,
        check=True,
    )
    table = pq.read_table(io.BytesIO(done.stdout))
    assert table.num_rows == len(compliant_crawl.records)
    assert b"standard output" in done.stderr


def test_standard_output_is_refused_for_a_wacz(compliant_crawl: CrawlResult) -> None:
    result = run_cli(
        "export", "--out", str(compliant_crawl.out), "--format", "wacz", "--dest", "-",
        check=False,
    )  # fmt: skip
    assert result.returncode == 2
    assert "parquet" in result.stderr
