"""Reading commands open the store read-only: nothing migrated, nothing created, bad stores named.

``verify``, ``report``, ``export``, ``show``, ``lookup`` and ``optout report`` are run as users
run them against a missing path, a non-URL, an empty file, another program's database, a store
older than the code and an empty store beside a WARC full of records: each exits non-zero with
one line, and the folder holds exactly what it held before.
"""

from __future__ import annotations

import hashlib
import shutil
import sqlite3
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import create_engine

from provenance.errors import StoreError
from provenance.store import open_store
from provenance.store.db import alembic_config
from provenance.store.models import CrawlRun, EvidenceEntry
from provenance.store.readonly import head_revision, open_reader
from tests.conftest import REPO, run_cli

READERS: dict[str, list[str]] = {
    "verify": ["verify"],
    "export": ["export", "--dest", "-"],
    "show": ["show", "http://example.org/a.jpg"],
    "report": ["report"],
    "optout-report": ["optout", "report"],
    "lookup": ["lookup", str(REPO / "demoweb" / "__init__.py")],
}


def _state(folder: Path) -> dict[str, tuple[int, int, str]]:
    """Every file under ``folder``: size, mtime and sha256."""
    return {
        str(p.relative_to(folder)): (
            p.stat().st_size,
            p.stat().st_mtime_ns,
            hashlib.sha256(p.read_bytes()).hexdigest(),
        )
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def _one_line_error(stderr: str) -> str:
    lines = [line for line in stderr.strip().splitlines() if line.strip()]
    assert len(lines) == 1, stderr
    assert lines[0].startswith("error: "), stderr
    return lines[0]


@pytest.mark.parametrize("reader", sorted(READERS))
def test_a_missing_store_is_named_and_not_created(tmp_path: Path, reader: str) -> None:
    places = [["--db", str(tmp_path / "sub" / "none.db")]]
    if reader == "verify":
        places += [
            ["--out", str(tmp_path / "none")],
            ["--db", "notaurl"],  # relative: the working directory (the repository)
        ]
    for where in places:
        result = run_cli(*READERS[reader], *where, check=False)
        assert result.returncode == 4, (where, result.stderr)
        assert "no store at" in _one_line_error(result.stderr)
    assert list(tmp_path.iterdir()) == []
    assert not (REPO / "notaurl").exists()


def test_files_that_are_not_stores_are_refused_unchanged(tmp_path: Path) -> None:
    empty = tmp_path / "empty.db"
    empty.touch()
    foreign = tmp_path / "foreign.db"
    conn = sqlite3.connect(foreign)
    conn.execute("CREATE TABLE notes (text TEXT)")
    conn.commit()
    conn.close()
    junk = tmp_path / "junk.db"
    junk.write_bytes(b"not a database at all\n" * 100)
    before = _state(tmp_path)
    for path, why in (
        (empty, "an empty store: no provtrack schema"),
        (foreign, "another program's database"),
        (junk, "file is not a database"),
    ):
        for reader in ("verify", "report") if path == empty else ("verify",):
            result = run_cli(*READERS[reader], "--db", str(path), check=False)
            assert result.returncode == 1, (reader, path, result.stderr)
            line = _one_line_error(result.stderr)
            assert "is not a provtrack store" in line
            assert why in line
    assert _state(tmp_path) == before


def _store_at(path: Path, revision: str) -> None:
    engine = create_engine(f"sqlite:///{path}")
    with engine.begin() as connection:
        command.upgrade(alembic_config(connection), revision)
    engine.dispose()


def test_a_store_older_than_the_code_is_refused_until_migrated(tmp_path: Path) -> None:
    db = tmp_path / "provtrack.db"
    _store_at(db, "0004")
    before = _state(tmp_path)
    for reader in ("verify", "export", "optout-report"):
        result = run_cli(*READERS[reader], "--out", str(tmp_path), check=False)
        assert result.returncode == 1, (reader, result.stderr)
        line = _one_line_error(result.stderr)
        assert f"is at schema 0004, older than this provtrack's {head_revision()}" in line
        assert "provtrack migrate" in line
    assert _state(tmp_path) == before, "a reader neither migrated nor left files"
    migrated = run_cli("migrate", "--out", str(tmp_path))
    assert f"store at schema {head_revision()}" in migrated.stdout
    # now at the code's schema, and empty: verify says so
    result = run_cli("verify", "--out", str(tmp_path), check=False)
    assert result.returncode == 5
    assert "the store holds no evidence entries" in _one_line_error(result.stderr)


def test_a_store_newer_than_the_code_is_refused(tmp_path: Path) -> None:
    db = tmp_path / "provtrack.db"
    open_store(str(db)).write([CrawlRun(id="r1", mode="compliant")])
    conn = sqlite3.connect(db)
    conn.execute("UPDATE alembic_version SET version_num = '9999'")
    conn.commit()
    conn.close()
    result = run_cli("verify", "--db", str(db), check=False)
    assert result.returncode == 1
    assert "written by a newer provtrack" in _one_line_error(result.stderr)


def test_an_empty_store_beside_a_warc_full_of_records_fails(
    tmp_path: Path, crawl_copy: Path
) -> None:
    out = tmp_path / "bare"
    out.mkdir()
    shutil.copytree(crawl_copy / "warc", out / "warc")
    open_store(str(out / "provtrack.db"))  # the schema, no record
    result = run_cli("verify", "--out", str(out), "--json", check=False)
    assert result.returncode == 5
    assert "holds records no row of this store points at" in result.stdout
    assert "the store holds no evidence entries" in result.stdout


def test_reading_commands_leave_the_crawl_folder_as_it_was(crawl_copy: Path) -> None:
    before = _state(crawl_copy)
    assert "pass" in run_cli("verify", "--out", str(crawl_copy)).stdout
    run_cli("export", "--out", str(crawl_copy), "--dest", "-")
    run_cli("optout", "report", "--out", str(crawl_copy))
    run_cli("show", "http://commonsgallery.org/", "--out", str(crawl_copy), check=False)
    assert _state(crawl_copy) == before


def test_a_reader_cannot_write(crawl_copy: Path) -> None:
    store = open_reader(str(crawl_copy / "provtrack.db"))
    entries = store.count(EvidenceEntry)
    with pytest.raises(StoreError, match="readonly database"):
        store.write([CrawlRun(id="forged", mode="compliant")])
    with pytest.raises(StoreError, match="never migrated"):
        store.create_schema()
    assert open_reader(str(crawl_copy / "provtrack.db")).count(EvidenceEntry) == entries


def test_evaluate_with_a_missing_packs_folder_is_an_error(crawl_copy: Path) -> None:
    before = _state(crawl_copy)
    result = run_cli(
        "evaluate", "--out", str(crawl_copy), "--packs", "/does/not/exist", check=False
    )
    assert result.returncode == 6
    assert "/does/not/exist: no such folder of policy packs" in _one_line_error(result.stderr)
    assert _state(crawl_copy) == before
