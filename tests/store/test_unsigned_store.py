"""Stores written before signed checkpoints (schema 0005, no ``signing_key``/``checkpoint``).

The store is built as provtrack before migration 0006 built it: Alembic up to 0005 only, then
rows written through the store's chain. ``verify`` must still walk its chain and compare its
records, and say "unsigned (store predates signed checkpoints)" instead of passing as if signed
or failing as if forged; the other readers refuse it with one line until it is migrated, and
the first writer after the migration signs it.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from pathlib import Path

from alembic import command
from sqlalchemy import create_engine

from provenance.store import open_store
from provenance.store.db import alembic_config
from provenance.store.models import CrawlRun, Image, Page
from tests.conftest import run_cli

PREDATES = "unsigned (store predates signed checkpoints)"


def _old_store(out: Path) -> Path:
    """A crawl's store at schema 0005 with a run, a page and two images, chained."""
    out.mkdir()
    db = out / "provtrack.db"
    engine = create_engine(f"sqlite:///{db}")
    with engine.begin() as connection:
        command.upgrade(alembic_config(connection), "0005")
    engine.dispose()
    store = open_store(str(db), create=False)
    store.write([CrawlRun(id="r-old", mode="compliant", seeds=["http://a.example/"])])
    store.write(
        [Page(run_id="r-old", url="http://a.example/", host="a.example", decision="fetched")]
    )
    store.write(
        [
            Image(
                run_id="r-old",
                url=f"http://a.example/{name}.jpg",
                host="a.example",
                mode="compliant",
                decision="collected",
            )
            for name in ("one", "two")
        ]
    )
    store.engine.dispose()
    return db


def _files(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def _sql(db: Path, statement: str) -> None:
    conn = sqlite3.connect(db)
    with conn:
        conn.execute(statement)
    conn.close()


def _one_line(stderr: str) -> str:
    lines = [line for line in stderr.strip().splitlines() if line.strip()]
    assert len(lines) == 1, stderr
    return lines[0]


def test_verify_checks_an_old_store_and_says_it_is_unsigned(tmp_path: Path) -> None:
    out = tmp_path / "out"
    _old_store(out)
    before = _files(out)
    result = run_cli("verify", "--out", str(out))
    checked = "checked 4 evidence entries, 4 records, 0 WARC records, 0 signed checkpoints"
    assert f"{checked}: pass, {PREDATES}" in result.stdout
    assert "nothing outside the store anchors it" in result.stdout
    as_json = json.loads(run_cli("verify", "--out", str(out), "--json").stdout)
    assert (as_json["ok"], as_json["signing"], as_json["checkpoints"]) == (True, PREDATES, 0)
    # the head it prints is checked like any other
    head = as_json["head"]
    run_cli("verify", "--out", str(out), "--expect-head", head)
    wrong = run_cli("verify", "--out", str(out), "--expect-head", "2:" + "0" * 64, check=False)
    assert wrong.returncode == 5
    assert "is not a prefix of this chain" in _one_line(wrong.stderr)
    assert _files(out) == before, "verify read the old store as it is: nothing migrated"


def test_the_chain_of_an_old_store_is_still_checked(tmp_path: Path) -> None:
    out = tmp_path / "out"
    db = _old_store(out)
    _sql(db, "UPDATE image SET url = 'http://elsewhere.example/one.jpg' WHERE id = 1")
    altered = run_cli("verify", "--out", str(out), check=False)
    assert altered.returncode == 5
    assert "record image:1 was altered after it was logged" in _one_line(altered.stderr)
    _sql(db, "DELETE FROM evidence_entry WHERE seq = (SELECT max(seq) FROM evidence_entry)")
    _sql(db, "UPDATE image SET url = 'http://a.example/one.jpg' WHERE id = 1")
    cut = run_cli("verify", "--out", str(out), check=False)
    assert cut.returncode == 5
    assert "record image:2 is not in the evidence log" in _one_line(cut.stderr)


def test_an_unsigned_store_fails_against_a_public_key_kept_elsewhere(tmp_path: Path) -> None:
    """Nothing in a store tells one from before checkpoints from a signed one stripped of its
    key and checkpoints: a public key kept elsewhere does."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    out = tmp_path / "out"
    _old_store(out)
    public = tmp_path / "public.pem"
    public.write_bytes(
        Ed25519PrivateKey.generate()
        .public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    )
    result = run_cli("verify", "--out", str(out), "--public-key", str(public), check=False)
    assert result.returncode == 5
    assert "no checkpoint is signed by the public key given" in _one_line(result.stderr)


def test_other_readers_refuse_until_migrated_and_the_first_writer_signs(tmp_path: Path) -> None:
    out = tmp_path / "out"
    db = _old_store(out)
    for reader in (["report"], ["export", "--dest", "-"], ["optout", "report"]):
        refused = run_cli(*reader, "--out", str(out), check=False)
        assert refused.returncode == 1, (reader, refused.stderr)
        line = _one_line(refused.stderr)
        assert "is at schema 0005, older than this provtrack's" in line
        assert "provtrack migrate" in line
    run_cli("migrate", "--out", str(out))
    migrated = run_cli("verify", "--out", str(out))
    assert f"pass, {PREDATES}" in migrated.stdout
    # a writer signs the head: the entries from before are covered from now on
    run_cli("optout", "add", "--url", "http://b.example/x.jpg", "--out", str(out))
    signed = json.loads(run_cli("verify", "--out", str(out), "--json").stdout)
    assert signed["ok"]
    assert signed["signing"] == "signed"
    assert signed["signed_to"] == signed["entries"]
    assert signed["checkpoints"] == 1
    # the chain itself says which entries were written before the store had a key
    conn = sqlite3.connect(db)
    (note,) = conn.execute(
        "SELECT note FROM evidence_entry WHERE subject LIKE 'signing_key:%'"
    ).fetchone()
    conn.close()
    assert "entries 1-4 were written before the store had a key" in note
    assert db.exists()


def test_a_current_store_whose_signing_tables_were_dropped_fails(tmp_path: Path) -> None:
    out = tmp_path / "out"
    run_cli("optout", "add", "--url", "http://b.example/x.jpg", "--out", str(out))
    db = out / "provtrack.db"
    _sql(db, "DROP TABLE checkpoint")
    result = run_cli("verify", "--out", str(out), check=False)
    assert result.returncode == 5
    assert "has no checkpoint table: its signing key and checkpoints were dropped" in _one_line(
        result.stderr
    )
