"""Opt-out requests end to end: every copy purged, the WARC rewritten, re-crawls skip the photo.

The demo web's photograph ``rocket`` is re-posted on five hosts (original, resized, mirrored,
recompressed). A person sends a cropped, resized, re-encoded copy; every record of every
re-post goes, ``verify`` still passes, a re-crawl of the demo web (reproduce mode, which
overrides every other opt-out) collects none of them, and the report proves both.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from pathlib import Path
from typing import Any

from sqlmodel import col, select
from starlette.testclient import TestClient
from warcio.archiveiterator import ArchiveIterator

from provenance.optout import TombstoneSet, add_optout
from provenance.serve import create_app
from provenance.signals.model import SignalKind
from provenance.store import Store
from provenance.store.models import EvidenceEntry, Image, ImageOccurrence, Tombstone
from provenance.store.readonly import open_store_readonly
from provenance.verify import verify
from tests.conftest import DemoCrawl, DemoWebProcess, run_cli
from tests.ops.conftest import (
    collected_row,
    make_variant,
    open_copy,
    original_url,
    photo_urls,
    warc_payload,
)

OPTOUT = SignalKind.OPTOUT_REGISTRY.value


def _warc_records(warc_dir: Path) -> list[dict[str, Any]]:
    """Every record of every WARC file: type, target, payload sha256, refers-to."""
    out = []
    for path in sorted(warc_dir.glob("*.warc.gz")):
        with path.open("rb") as fh:
            for record in ArchiveIterator(fh, check_digests="raise"):
                body = record.content_stream().read()
                out.append(
                    {
                        "file": path.name,
                        "type": record.rec_type,
                        "url": record.rec_headers.get_header("WARC-Target-URI"),
                        "sha256": hashlib.sha256(body).hexdigest(),
                        "refers_to": record.rec_headers.get_header("WARC-Refers-To"),
                        "body": body if record.rec_type == "metadata" else b"",
                    }
                )
    return out


def _rows(store: Store, urls: set[str], run_id: str | None = None) -> list[Image]:
    with store.session() as s:
        stmt = select(Image).where(col(Image.url).in_(sorted(urls)))
        if run_id:
            stmt = stmt.where(Image.run_id == run_id)
        return list(s.exec(stmt).all())


def _report(out: Path, *extra: str) -> list[dict[str, Any]]:
    data: list[dict[str, Any]] = json.loads(
        run_cli("optout", "report", "--out", str(out), "--json", *extra).stdout
    )
    return data


def _run_ids(out: Path) -> set[str]:
    conn = sqlite3.connect(out / "provtrack.db")
    runs = {str(r[0]) for r in conn.execute("SELECT id FROM crawl_run")}
    conn.close()
    return runs


def test_optout_by_image_removes_every_copy_and_a_recrawl_skips_it(
    crawl_copy: Path, demo_crawl: DemoCrawl, demoweb: DemoWebProcess, tmp_path: Path
) -> None:
    manifest = demo_crawl.manifest
    store = open_copy(crawl_copy)
    urls = photo_urls(manifest)
    before = _rows(store, urls)
    collected_before = [r for r in before if r.decision == "collected"]
    assert len({r.url for r in collected_before}) >= 5, "the photo is re-posted on five hosts"
    payload_shas = {r.sha256 for r in collected_before}
    runs_before = _run_ids(crawl_copy)
    other = collected_row(store, "http://commonsgallery.org/photos/full-moon.jpg")

    source = warc_payload(crawl_copy, collected_row(store, original_url(manifest)))
    request_file = tmp_path / "request.jpg"
    request_file.write_bytes(make_variant(source, crop=0.08, scale=0.6, quality=65))
    result = json.loads(
        run_cli(
            "optout",
            "add",
            "--image",
            str(request_file),
            "--note",
            "subject's request #17",
            "--out",
            str(crawl_copy),
            "--json",
        ).stdout
    )

    # every record of every re-post matched, with distances, and nothing else
    matched = {m["image_id"]: m for m in result["matched"]}
    assert set(matched) == {r.id for r in before}
    for row in collected_before:
        d = matched[row.id]["distances"]
        assert d["matched_by"]
        assert d["phash_distance"] is not None
        assert d["pdq_distance"] is not None
    receipt = result["receipt"]
    assert sorted(receipt["images"]) == sorted(r.id for r in before)
    assert receipt["warc_records_removed"] == len(collected_before)

    # the rows keep URL, host and decision; bytes, hashes and personal fields are gone
    store = open_copy(crawl_copy)
    for row in _rows(store, urls):
        assert row.purged_at is not None
        assert row.decision in ("collected", "skipped", "failed")
        assert row.url
        assert row.host
        assert row.sha256 is None
        assert row.phash is None
        assert row.pdq is None
        assert row.dhash is None
        assert row.faces == []
        assert row.subject == {}
        assert row.subject_jurisdiction == []
        assert set(row.media) <= {
            "status",
            "format",
            "width",
            "height",
            "byte_size",
            "content_type",
            "purged",
        }
    with store.session() as s:
        occurrences = s.exec(
            select(ImageOccurrence).where(col(ImageOccurrence.image_url).in_(sorted(urls)))
        ).all()
        assert occurrences
        assert all(o.alt is None and o.context is None and o.snippets == [] for o in occurrences)
        purge_entries = s.exec(select(EvidenceEntry).where(EvidenceEntry.kind == "purge")).all()
    assert {e.subject for e in purge_entries} >= {f"image:{r.id}" for r in before}
    assert any(e.subject == f"optout_request:{result['request_id']}" for e in purge_entries)

    # the WARC payloads are gone from rewritten files; everything else reads back
    records = _warc_records(crawl_copy / "warc")
    assert not [r for r in records if r["type"] == "response" and r["url"] in urls]
    assert not payload_shas & {r["sha256"] for r in records}
    removals = [r for r in records if r["type"] == "metadata" and r["url"] in urls]
    assert len(removals) == len(collected_before)
    assert all(b"image payload removed" in r["body"] and r["refers_to"] for r in removals)
    assert set(receipt["warc_files"]).isdisjoint(p.name for p in (crawl_copy / "warc").iterdir())
    assert collected_row(store, other.url).sha256 == other.sha256

    # tombstones keep hashes only
    tombstones = store.all(Tombstone)
    assert tombstones
    assert {t.url_sha256 for t in tombstones} >= {
        hashlib.sha256(u.encode()).hexdigest() for u in {r.url for r in before}
    }
    assert any(t.phash_crops and t.pdq for t in tombstones)
    tomb_columns = set(Tombstone.model_fields)
    assert tomb_columns == {
        "id",
        "request_id",
        "sha256",
        "phash",
        "pdq",
        "pdq_quality",
        "phash_crops",
        "url_sha256",
        "created_at",
    }

    report = verify(store, crawl_copy / "warc")
    assert report.ok, report.problems[:3]

    # a re-crawl, in reproduce mode (which overrides every site's opt-out), of every site of
    # the demo web that shows the photograph
    hosts = {u.split("/")[2] for u in urls}
    seeds = [s for s in manifest["seeds"] if s.split("/")[2] in hosts]
    assert len(seeds) == len(hosts)
    run_cli(
        "crawl",
        *seeds,
        "--mode",
        "reproduce",
        "--out",
        str(crawl_copy),
        *demoweb.proxy_args,
    )
    store = open_copy(crawl_copy)
    (new_run,) = _run_ids(crawl_copy) - runs_before
    recrawled = _rows(store, urls, new_run)
    assert {r.url for r in recrawled} == {
        r.url for r in collected_before if "reproduce" in r.run_id
    }
    for row in recrawled:
        assert row.decision == "skipped", (row.url, row.decision)
        assert [r["kind"] for r in row.reasons] == [OPTOUT], row.reasons
        assert row.reasons[0]["extra"]["non_overridable"] is True
        assert row.sha256 is None
        assert row.subject.get("alt") is None
    assert store.count(Image, run_id=new_run, decision="collected") > 10
    records = _warc_records(crawl_copy / "warc")
    assert not [r for r in records if r["type"] == "response" and r["url"] in urls]
    assert verify(store, crawl_copy / "warc").ok

    # the compliance proof: the request, what matched, what was deleted, the later skips
    (entry,) = _report(crawl_copy)
    assert entry["kind"] == "image"
    assert entry["note"] == "subject's request #17"
    assert {m["url"] for m in entry["matched"]} == {r.url for r in before}
    assert entry["deleted"]["warc_records_removed"] == len(collected_before)
    assert entry["processed_at"]
    assert entry["evidence"]
    (later,) = entry["later_crawls"]
    assert later["run_id"] == new_run
    assert {s["url"] for s in later["skipped"]} == {r.url for r in recrawled}
    assert later["collected_again"] == []
    text = run_cli("optout", "report", "--out", str(crawl_copy)).stdout
    assert f"later crawl {new_run}" in text
    assert "collected again 0" in text

    # the explorer's compliance and site views show the same (the app over the store as
    # `provtrack serve` opens it, read-only)
    explorer = TestClient(
        create_app(open_store_readonly(str(crawl_copy / "provtrack.db")), [crawl_copy / "warc"])
    )
    page = explorer.get("/compliance").text
    assert "subject&#39;s request #17" in page
    assert f"later crawl {new_run} (reproduce" in page
    assert page.count('<li class="skipped">') == len(recrawled)
    assert all(f">{r.url}</a> skipped at" in page for r in recrawled)
    assert "COLLECTED AGAIN" not in page
    assert f"{len(receipt['images'])} rows scrubbed" in page
    host = sorted(hosts)[0]
    site = explorer.get(f"/site/{host}").text
    assert f"<h3>{new_run}</h3>" in site  # what the later run collected and skipped there
    assert site.count(f"<code>http://{host}/robots.txt</code>") >= 2  # snapshots over time


def test_recrawl_skips_reposts_by_hash_after_download(
    demo_crawl: DemoCrawl, demoweb: DemoWebProcess, tmp_path: Path
) -> None:
    """A fresh store that never saw the photo: only the request's hashes can stop it."""
    manifest = demo_crawl.manifest
    source_store = open_copy(demo_crawl.out)
    source = warc_payload(demo_crawl.out, collected_row(source_store, original_url(manifest)))
    request_file = tmp_path / "request.jpg"
    request_file.write_bytes(make_variant(source, crop=0.1, scale=0.7, quality=70))
    out = tmp_path / "fresh"
    out.mkdir()
    db = str(out / "provtrack.db")
    result = json.loads(
        run_cli(
            "optout", "add", "--image", str(request_file), "--db", db, "--out", str(out), "--json"
        ).stdout
    )
    assert result["matched"] == []
    assert result["receipt"]["tombstones"]

    seeds = ["http://commonsgallery.org/", "http://broken-media.net/", "http://flaky-robots.net/"]
    run_cli("crawl", *seeds, "--mode", "reproduce", "--out", str(out), *demoweb.proxy_args)
    store = open_copy(out)
    urls = {u for u in photo_urls(manifest) if u.split("/")[2] in {s.split("/")[2] for s in seeds}}
    rows = _rows(store, urls)
    assert {r.url for r in rows} == urls
    for row in rows:
        assert (row.decision, row.stage) == ("skipped", "after-download"), row.url
        (reason,) = row.reasons
        assert reason["kind"] == OPTOUT
        distance = reason["extra"]["distance"]
        assert distance["phash_distance"] <= 6
        assert distance["pdq_distance"] is not None
        assert "same photograph as tombstone" in reason["evidence"]
        assert set(row.media) <= {"status", "byte_size", "format", "width", "height"}
    mirrored = next(r for r in rows if "flaky-robots" in r.url)
    assert mirrored.reasons[0]["extra"]["distance"]["orientation"] == "mirror"
    records = _warc_records(out / "warc")
    assert not [r for r in records if r["type"] == "response" and r["url"] in urls]
    assert {r["url"] for r in records if r["type"] == "metadata"} >= urls
    assert store.count(Image, decision="collected") > 5
    (entry,) = _report(out)
    (later,) = entry["later_crawls"]
    assert {s["url"] for s in later["skipped"]} == urls
    assert all(s["stage"] == "after-download" and s["distance"] for s in later["skipped"])
    assert later["collected_again"] == []


def test_optout_by_host_blocks_the_site_and_keeps_url_hashes_only(crawl_copy: Path) -> None:
    store = open_copy(crawl_copy)
    pixgram = [r for r in store.all(Image) if r.host == "pixgram.com"]
    assert pixgram
    result = add_optout(store, crawl_copy / "warc", host="http://PixGram.com/")
    assert result.value == "pixgram.com"
    assert {m["image_id"] for m in result.matched} == {r.id for r in pixgram}
    tombstones = store.all(Tombstone)
    assert tombstones
    assert all(
        t.url_sha256 and t.sha256 is None and t.phash is None and t.pdq is None for t in tombstones
    )
    registry = TombstoneSet.load(store)
    signal = registry.check_url("http://pixgram.com/media/never-seen.jpg")
    assert signal is not None
    assert signal.extra["matched_by"] == ["host"]
    assert registry.check_url("http://commonsgallery.org/photos/full-moon.jpg") is None
    assert verify(store, crawl_copy / "warc").ok


def test_optout_by_url_dry_run_changes_nothing_then_takes_every_copy(
    crawl_copy: Path, demo_crawl: DemoCrawl
) -> None:
    store = open_copy(crawl_copy)
    url = "http://flaky-robots.net/img/harbour.jpg"  # the mirrored re-post of the photo
    entries = store.count(EvidenceEntry)
    dry = json.loads(
        run_cli(
            "optout", "add", "--url", url, "--dry-run", "--out", str(crawl_copy), "--json"
        ).stdout
    )
    assert dry["dry_run"] is True
    assert dry["request_id"] is None
    assert dry["receipt"] is None
    assert store.count(EvidenceEntry) == entries
    assert {m["url"] for m in dry["matched"]} == photo_urls(demo_crawl.manifest) & {
        r.url for r in store.all(Image)
    }
    result = add_optout(store, crawl_copy / "warc", url=url)
    assert {m["image_id"] for m in result.matched} == {m["image_id"] for m in dry["matched"]}
    assert all(r.purged_at is not None for r in _rows(store, {m["url"] for m in dry["matched"]}))
    assert verify(store, crawl_copy / "warc").ok
