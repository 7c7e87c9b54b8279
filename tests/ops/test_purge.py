"""``provtrack purge --jurisdiction``: what the commissioners asked of Clearview, on real records.

After ``purge --jurisdiction CA`` no record of the store is still inferred to be in Canada (or
a province) at the documented threshold, copies of those photographs elsewhere are gone too,
records elsewhere are untouched, and ``verify`` passes.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from provenance.optout import DEFAULT_MIN_CONFIDENCE, jurisdiction_candidate
from provenance.store.models import EvidenceEntry, Image, OptOutRequest
from provenance.verify import verify
from tests.conftest import run_cli
from tests.ops.conftest import open_copy


def _in(row: Image, code: str) -> bool:
    return (
        jurisdiction_candidate(row.subject_jurisdiction, code, DEFAULT_MIN_CONFIDENCE) is not None
    )


def test_purge_by_jurisdiction_leaves_no_record_inferred_there(crawl_copy: Path) -> None:
    store = open_copy(crawl_copy)
    rows = store.all(Image)
    canadian = {r.id for r in rows if _in(r, "CA")}
    assert len(canadian) > 20, "the demo web has Canadian profiles, news, schools, directories"
    us_only = [
        r for r in rows if r.decision == "collected" and _in(r, "US") and r.id not in canadian
    ]
    assert us_only

    entries = store.count(EvidenceEntry)
    dry: dict[str, Any] = json.loads(
        run_cli(
            "purge", "--jurisdiction", "CA", "--dry-run", "--out", str(crawl_copy), "--json"
        ).stdout
    )
    assert dry["dry_run"] is True
    assert store.count(EvidenceEntry) == entries, "a dry run writes nothing"
    assert store.count(Image, decision="collected") == sum(
        1 for r in rows if r.decision == "collected"
    )
    dry_ids = {m["image_id"] for m in dry["matched"]}
    assert canadian <= dry_ids
    copies = [m for m in dry["matched"] if m["why"].startswith("same photograph as image")]
    assert copies, "re-posts of Canadian subjects' photos on other sites are taken too"
    for m in dry["matched"]:
        if m["image_id"] in canadian:
            assert m["why"].startswith("subject jurisdiction CA")

    text = run_cli("purge", "--jurisdiction", "CA", "--out", str(crawl_copy)).stdout
    assert f"purged {len(dry_ids)} image records" in text

    store = open_copy(crawl_copy)
    after = {r.id: r for r in store.all(Image)}
    assert not [r.url for r in after.values() if _in(r, "CA")], "nothing inferred CA remains"
    assert not [r.url for r in after.values() if _in(r, "CA-QC") or _in(r, "CA-BC")]
    for image_id in dry_ids:
        row = after[image_id]
        assert row.purged_at is not None
        assert row.sha256 is None
        assert row.subject == {}
    for row in us_only:
        kept = after[row.id]
        if kept.id in dry_ids:
            continue  # a copy of a Canadian subject's photo
        assert kept.purged_at is None
        assert kept.sha256 == row.sha256
        assert kept.subject_jurisdiction == row.subject_jurisdiction
    (request,) = store.all(OptOutRequest)
    assert request.kind == "jurisdiction"
    assert request.value == "CA"
    assert str(DEFAULT_MIN_CONFIDENCE) in request.note
    assert request.receipt["warc_records_removed"] > 0

    report = verify(store, crawl_copy / "warc")
    assert report.ok, report.problems[:3]
    assert "pass" in run_cli("verify", "--out", str(crawl_copy)).stdout

    # a second purge has nothing left to take, and verify still passes
    again = json.loads(
        run_cli("purge", "--jurisdiction", "CA", "--out", str(crawl_copy), "--json").stdout
    )
    assert again["matched"] == []
    assert verify(open_copy(crawl_copy), crawl_copy / "warc").ok


def test_subdivision_purge_is_narrower_than_the_country(crawl_copy: Path) -> None:
    out = str(crawl_copy)
    quebec = json.loads(
        run_cli("purge", "--jurisdiction", "ca-qc", "--dry-run", "--out", out, "--json").stdout
    )
    canada = json.loads(
        run_cli("purge", "--jurisdiction", "CA", "--dry-run", "--out", out, "--json").stdout
    )
    quebec_ids = {m["image_id"] for m in quebec["matched"]}
    assert quebec_ids
    assert quebec_ids < {m["image_id"] for m in canada["matched"]}
    assert quebec["value"] == "CA-QC"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--jurisdiction", "C A"], "not an ISO 3166"),
        (["--jurisdiction", "CA", "--min-confidence", "1.5"], "between 0 and 1"),
    ],
)
def test_purge_refuses_bad_arguments(crawl_copy: Path, args: list[str], message: str) -> None:
    result = run_cli("purge", *args, "--out", str(crawl_copy), check=False)
    assert result.returncode == 2
    assert message in result.stderr


def test_purge_without_the_warc_folder_changes_nothing(crawl_copy: Path, tmp_path: Path) -> None:
    store = open_copy(crawl_copy)
    entries = store.count(EvidenceEntry)
    result = run_cli(
        "purge",
        "--jurisdiction",
        "CA",
        "--out",
        str(crawl_copy),
        "--warc-dir",
        str(tmp_path / "elsewhere"),
        check=False,
    )
    assert result.returncode == 4
    assert "nothing was purged" in result.stderr
    assert store.count(EvidenceEntry) == entries
    assert store.count(OptOutRequest) == 0
