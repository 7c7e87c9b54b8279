"""``provtrack verify`` on real crawl output: it passes untouched and names what was tampered.

Each case changes one thing in a private copy of the demo crawl, the way an attacker or a bug
would (raw SQL on the SQLite file, a flipped byte inside a WARC record), and checks that verify
fails and names that record first.
"""

from __future__ import annotations

import gzip
import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest
from warcio.archiveiterator import ArchiveIterator

from provenance.verify import verify
from provenance.warc import GZIP_LEVEL, STORED_GZIP_LEVEL
from tests.conftest import DemoCrawl, run_cli
from tests.ops.conftest import collected_row, open_copy, original_url


def _sql(out: Path, statement: str, *params: object) -> None:
    conn = sqlite3.connect(out / "provtrack.db")
    with conn:
        conn.execute(statement, params)
    conn.close()


def _scalar(out: Path, query: str) -> object:
    conn = sqlite3.connect(out / "provtrack.db")
    value = conn.execute(query).fetchone()[0]
    conn.close()
    return value


def test_untouched_crawl_passes(crawl_copy: Path) -> None:
    result = run_cli("verify", "--out", str(crawl_copy))
    assert "pass" in result.stdout
    report = verify(open_copy(crawl_copy), crawl_copy / "warc")
    assert report.ok, report.problems[:3]
    assert report.entries > 1000
    assert report.records > 1000
    assert report.warc_records > 100


def _image_sha(out: Path) -> str:
    image_id = _scalar(out, "SELECT id FROM image WHERE decision='collected' ORDER BY id LIMIT 1")
    _sql(out, "UPDATE image SET sha256 = ? WHERE id = ?", "0" * 64, image_id)
    return f"record image:{image_id} was altered"


def _signal_evidence(out: Path) -> str:
    signal_id = _scalar(out, "SELECT id FROM signal WHERE kind='robots' ORDER BY id DESC LIMIT 1")
    _sql(out, "UPDATE signal SET evidence = 'Allow: /' || evidence WHERE id = ?", signal_id)
    return f"record signal:{signal_id} was altered"


def _snapshot_outcome(out: Path) -> str:
    snap_id = _scalar(out, "SELECT id FROM host_snapshot WHERE kind='robots' LIMIT 1")
    _sql(out, "UPDATE host_snapshot SET outcome = 'parsed', reason = '' WHERE id = ?", snap_id)
    return f"record host_snapshot:{snap_id} was altered"


def _deleted_page(out: Path) -> str:
    page_id = _scalar(out, "SELECT id FROM page ORDER BY id DESC LIMIT 1")
    _sql(out, "DELETE FROM page WHERE id = ?", page_id)
    return f"record page:{page_id} is in the evidence log but no longer in the store"


def _deleted_entry(out: Path) -> str:
    _sql(out, "DELETE FROM evidence_entry WHERE seq = 100")
    return "evidence entry 100 is missing"


def _reordered_entries(out: Path) -> str:
    # swap the contents of entries 200 and 201 (the primary key is the position)
    _sql(out, "UPDATE evidence_entry SET seq = -1 WHERE seq = 200")
    _sql(out, "UPDATE evidence_entry SET seq = 200 WHERE seq = 201")
    _sql(out, "UPDATE evidence_entry SET seq = 201 WHERE seq = -1")
    return "evidence entry 200"


def _altered_entry_note(out: Path) -> str:
    _sql(out, "UPDATE evidence_entry SET note = 'nothing to see' WHERE seq = 300")
    return "evidence entry 300"


TAMPERING: dict[str, Callable[[Path], str]] = {
    "image-sha256": _image_sha,
    "signal-evidence": _signal_evidence,
    "robots-snapshot-outcome": _snapshot_outcome,
    "page-row-deleted": _deleted_page,
    "evidence-entry-deleted": _deleted_entry,
    "evidence-entries-reordered": _reordered_entries,
    "evidence-entry-note": _altered_entry_note,
}


@pytest.mark.parametrize("case", sorted(TAMPERING))
def test_one_changed_field_is_named(crawl_copy: Path, case: str) -> None:
    expected = TAMPERING[case](crawl_copy)
    report = verify(open_copy(crawl_copy), crawl_copy / "warc")
    assert not report.ok
    assert expected in report.problems[0], report.problems[:3]


def test_cli_exit_code_names_the_problem(crawl_copy: Path) -> None:
    expected = _signal_evidence(crawl_copy)
    result = run_cli("verify", "--out", str(crawl_copy), check=False)
    assert result.returncode == 5
    assert "FAIL" in result.stdout
    assert expected in result.stderr


def _flip_payload_byte(path: Path, offset: int) -> None:
    """Flip one byte of the record's payload, recompressing its gzip member to the same size."""
    data = bytearray(path.read_bytes())
    with path.open("rb") as fh:
        fh.seek(offset)
        it = ArchiveIterator(fh)
        record = next(iter(it))
        it.read_to_end(record)
        length = it.get_record_length()
    raw = bytearray(gzip.decompress(bytes(data[offset : offset + length])))
    for position in range(len(raw) - 100, len(raw) - 1000, -1):
        changed = bytearray(raw)
        changed[position] ^= 0x01
        # provtrack writes at GZIP_LEVEL (STORED_GZIP_LEVEL for JPEGs); other tools at 9
        for level in (GZIP_LEVEL, STORED_GZIP_LEVEL, 9):
            member = gzip.compress(bytes(changed), compresslevel=level, mtime=0)
            if len(member) == length:
                data[offset : offset + length] = member
                path.write_bytes(bytes(data))
                return
    pytest.fail("no single-byte change kept the member's size")


def test_flipped_warc_payload_byte_is_named(crawl_copy: Path, demo_crawl: DemoCrawl) -> None:
    row = collected_row(open_copy(crawl_copy), original_url(demo_crawl.manifest))
    assert row.warc_file is not None
    assert row.warc_offset is not None
    _flip_payload_byte(crawl_copy / "warc" / row.warc_file, row.warc_offset)
    report = verify(open_copy(crawl_copy), crawl_copy / "warc")
    assert not report.ok
    first = report.problems[0]
    assert f"image:{row.id}" in first, report.problems[:3]
    assert f"{row.warc_file}@{row.warc_offset}" in first
    assert "digest" in first
    assert len(report.problems) == 1, "only that record was touched"
    result = run_cli("verify", "--out", str(crawl_copy), check=False)
    assert result.returncode == 5
    assert f"image:{row.id}" in result.stderr


def test_removed_warc_file_is_named(crawl_copy: Path) -> None:
    victim = sorted((crawl_copy / "warc").glob("*.warc.gz"))[0]
    victim.unlink()
    report = verify(open_copy(crawl_copy), crawl_copy / "warc")
    assert not report.ok
    assert victim.name in report.problems[0]
