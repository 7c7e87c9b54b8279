"""``provtrack export --format wacz|csv`` on the evaluated demo crawl.

The WACZ is checked with py-wacz's own validator (``wacz validate``) and read back: its index
points at real records, its datapackage lists the provenance records with their hash. The CSV
has one row per image record with the verdicts.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from warcio.archiveiterator import ArchiveIterator

from tests.conftest import REPO, run_cli

WACZ_CLI = Path(sys.executable).with_name("wacz")


def _validate(path: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(WACZ_CLI), "validate", "-f", str(path)],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )


def _records(out: Path) -> list[dict[str, object]]:
    run_cli("export", "--out", str(out), "--format", "jsonl", "--dest", str(out / "r.jsonl"))
    return [json.loads(line) for line in (out / "r.jsonl").read_text().splitlines()]


def test_wacz_passes_wacz_validate_and_carries_the_records(
    evaluated_copy: Path, tmp_path: Path
) -> None:
    dest = tmp_path / "crawl.wacz"
    run_cli("export", "--out", str(evaluated_copy), "--format", "wacz", "--dest", str(dest))
    result = _validate(dest)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Validation succeeded" in result.stdout

    with zipfile.ZipFile(dest) as zf:
        names = set(zf.namelist())
        package = json.loads(zf.read("datapackage.json"))
        digest = json.loads(zf.read("datapackage-digest.json"))
        resources = {r["path"]: r for r in package["resources"]}
        assert digest["hash"] == "sha256:" + hashlib.sha256(zf.read("datapackage.json")).hexdigest()
        assert names - {"datapackage.json", "datapackage-digest.json"} == set(resources)
        warcs = sorted(n for n in names if n.startswith("archive/"))
        assert [Path(n).name for n in warcs] == sorted(
            p.name for p in (evaluated_copy / "warc").glob("*.warc.gz")
        )
        for name in warcs:
            assert zf.getinfo(name).compress_type == zipfile.ZIP_STORED
        records = zf.read("provenance/records.jsonl")
        assert resources["provenance/records.jsonl"]["hash"] == (
            "sha256:" + hashlib.sha256(records).hexdigest()
        )
        exported = [json.loads(line) for line in records.decode().splitlines()]
        assert len(exported) == len(_records(evaluated_copy))
        assert any(r["verdicts"] for r in exported)
        evidence = zf.read("provenance/evidence.jsonl").decode().splitlines()
        assert json.loads(evidence[0])["seq"] == 1
        pages = zf.read("pages/pages.jsonl").decode().splitlines()
        assert json.loads(pages[0])["format"] == "json-pages-1.0"
        assert all({"url", "ts"} <= json.loads(p).keys() for p in pages[1:])
        # every index line points at a record of that URL in the packaged WARC
        index = zf.read("indexes/index.cdxj").decode().splitlines()
        assert len(index) > 100
        blobs = {Path(n).name: zf.read(n) for n in warcs}
        for line in index[:: max(1, len(index) // 40)]:
            fields = json.loads(line.split(" ", 2)[2])
            blob = blobs[fields["filename"]]
            start = int(fields["offset"])
            chunk = io.BytesIO(blob[start : start + int(fields["length"])])
            record = next(iter(ArchiveIterator(chunk)))
            assert record.rec_headers.get_header("WARC-Target-URI") == fields["url"]

    # the validator is not a rubber stamp: one changed byte in the ledger fails it
    tampered = tmp_path / "tampered.wacz"
    with zipfile.ZipFile(dest) as src, zipfile.ZipFile(tampered, "w") as dst:
        for info in src.infolist():
            data = src.read(info)
            if info.filename == "provenance/records.jsonl":
                changed = data.replace(b'"decision": "skipped"', b'"decision": "collected"', 1)
                assert changed != data
                data = changed
            dst.writestr(info, data)
    assert _validate(tampered).returncode != 0


def test_csv_has_one_row_per_image_with_verdicts(evaluated_copy: Path, tmp_path: Path) -> None:
    dest = tmp_path / "records.csv"
    run_cli("export", "--out", str(evaluated_copy), "--format", "csv", "--dest", str(dest))
    with dest.open(newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    records = _records(evaluated_copy)
    assert len(rows) == len(records)
    by_id = {(r["run_id"], str(r["image_id"])): r for r in records}
    for row in rows:
        record = by_id[(row["run_id"], row["image_id"])]
        assert row["image_url"] == record["image_url"]
        assert row["decision"] == record["decision"]
        assert json.loads(row["page_urls"]) == record["page_urls"]
        verdicts = json.loads(row["verdicts"])
        assert verdicts == record["verdicts"]
        assert row["verdict_summary"] == "; ".join(f"{v['pack']}:{v['verdict']}" for v in verdicts)
        keys = [part.split(":", 1)[0] for part in row["verdict_summary"].split("; ") if part]
        assert len(keys) == len(set(keys)), "one entry per pack, never two under one key"
        if record["decision"] == "skipped":
            assert row["reason_kinds"], row["image_url"]
    assert sum(1 for r in rows if r["verdict_summary"]) > len(rows) / 2
    assert any("violation" in r["verdict_summary"] for r in rows)
    assert {"subject_jurisdiction_code", "face_count", "overridden_kinds"} <= rows[0].keys()


def test_export_refuses_an_unknown_format(evaluated_copy: Path) -> None:
    result = run_cli("export", "--out", str(evaluated_copy), "--format", "xml", check=False)
    assert result.returncode == 2
    assert "unknown export format" in result.stderr


@pytest.mark.parametrize("fmt", ["jsonl", "csv"])
def test_dest_dash_writes_to_standard_output(
    evaluated_copy: Path, tmp_path: Path, fmt: str
) -> None:
    to_file = tmp_path / f"records.{fmt}"
    run_cli("export", "--out", str(evaluated_copy), "--format", fmt, "--dest", str(to_file))
    result = run_cli("export", "--out", str(evaluated_copy), "--format", fmt, "--dest", "-")
    assert result.stdout == to_file.read_text(encoding="utf-8")
    assert "to standard output" in result.stderr
    assert not (REPO / "-").exists(), "no file named '-'"


def test_dest_dash_refuses_a_wacz(evaluated_copy: Path) -> None:
    result = run_cli(
        "export", "--out", str(evaluated_copy), "--format", "wacz", "--dest", "-", check=False
    )
    assert result.returncode == 2
    assert "needs a file name" in result.stderr
    assert result.stdout == ""


def test_datapackage_states_the_version_the_readme_does(
    evaluated_copy: Path, tmp_path: Path
) -> None:
    dest = tmp_path / "crawl.wacz"
    run_cli("export", "--out", str(evaluated_copy), "--format", "wacz", "--dest", str(dest))
    with zipfile.ZipFile(dest) as zf:
        version = json.loads(zf.read("datapackage.json"))["wacz_version"]
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    assert f"WACZ {version}" in readme
    assert "1.2.0 layout" not in readme
