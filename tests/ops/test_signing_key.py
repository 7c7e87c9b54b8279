"""``--key FILE``: the private signing key named on the command line of every signing command.

Stores are made by ``optout add`` (an opt-out recorded before any crawl signs the chain's
head), which takes a second, so these tests need no crawl. A key that cannot be used is one
line, exit 2, before anything is written; ``verify`` needs no private key at all.
"""

from __future__ import annotations

import base64
import hashlib
import sqlite3
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from tests.conftest import run_cli


def _pem(key: Ed25519PrivateKey | rsa.RSAPrivateKey, password: bytes | None = None) -> bytes:
    encryption: serialization.KeySerializationEncryption = (
        serialization.BestAvailableEncryption(password)
        if password
        else serialization.NoEncryption()
    )
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, encryption
    )


def _key_file(path: Path) -> tuple[Path, Ed25519PrivateKey]:
    key = Ed25519PrivateKey.generate()
    path.write_bytes(_pem(key))
    path.chmod(0o600)
    return path, key


def _raw_public(key: Ed25519PrivateKey) -> bytes:
    return key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def _rows(db: Path, sql: str) -> list[tuple[object, ...]]:
    conn = sqlite3.connect(db)
    try:
        return list(conn.execute(sql))
    finally:
        conn.close()


def _store_state(db: Path) -> tuple[int, int, int]:
    """Evidence entries, checkpoints and opt-out requests of a store."""
    (counts,) = _rows(
        db,
        "SELECT (SELECT count(*) FROM evidence_entry), (SELECT count(*) FROM checkpoint), "
        "(SELECT count(*) FROM optout_request)",
    )
    return int(str(counts[0])), int(str(counts[1])), int(str(counts[2]))


def _one_line(stderr: str) -> str:
    lines = [line for line in stderr.strip().splitlines() if line.strip()]
    assert len(lines) == 1, stderr
    assert lines[0].startswith("error: "), stderr
    return lines[0]


def _new_store(out: Path, key: Path) -> None:
    run_cli(
        "optout", "add", "--url", "http://a.example/x.jpg", "--out", str(out), "--key", str(key)
    )


def test_the_key_named_is_the_new_stores_key_and_verify_needs_no_private_key(
    tmp_path: Path,
) -> None:
    key_dir = tmp_path / "keys"
    key_file, key = _key_file(tmp_path / "mine.pem")
    out = tmp_path / "out"
    result = run_cli(
        "optout",
        "add",
        "--url",
        "http://a.example/x.jpg",
        "--out",
        str(out),
        "--key",
        str(key_file),
        env={"PROVTRACK_KEY_DIR": str(key_dir)},
    )
    assert "purged 0 image records" in result.stdout
    (row,) = _rows(out / "provtrack.db", "SELECT id, public_key FROM signing_key")
    assert row[0] == hashlib.sha256(_raw_public(key)).hexdigest()
    assert base64.b64decode(str(row[1])) == _raw_public(key)
    assert not key_dir.exists(), "a key named on the command line is not copied anywhere"
    # a later writer signs with the same file; without it, the store's key is not at hand
    run_cli("purge", "--jurisdiction", "CA", "--out", str(out), "--key", str(key_file))
    refused = run_cli(
        "purge",
        "--jurisdiction",
        "CA",
        "--out",
        str(out),
        check=False,
        env={"PROVTRACK_KEY_DIR": str(key_dir)},
    )
    assert refused.returncode == 2
    assert "whose private key is not in" in _one_line(refused.stderr)
    # verify reads the public key from the store: no private key anywhere, and it passes
    public = tmp_path / "public.pem"
    public.write_bytes(
        key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
    )
    empty = tmp_path / "no-keys"
    empty.mkdir()
    for extra in ([], ["--public-key", str(public)]):
        checked = run_cli(
            "verify", "--out", str(out), *extra, env={"PROVTRACK_KEY_DIR": str(empty)}
        )
        assert "2 signed checkpoints: pass" in checked.stdout
        # the key's id is printed beside the head: both are what to keep elsewhere
        assert f"by key {row[0]}" in checked.stdout
    assert list(empty.iterdir()) == []


BAD_KEYS = {
    "missing": "does not exist",
    "folder": "cannot read the private key file",
    "public": "holds a public key: signing needs the private key",
    "encrypted": "is encrypted",
    "rsa": "private key of type RSA, not Ed25519",
    "junk": "is not a PEM private key",
    "shared": "can be read by other users (mode 644)",
}


def _bad_key(tmp_path: Path, kind: str) -> Path:
    path = tmp_path / f"{kind}.pem"
    if kind == "folder":
        path.mkdir()
    elif kind == "public":
        path.write_bytes(
            Ed25519PrivateKey.generate()
            .public_key()
            .public_bytes(
                serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
            )
        )
    elif kind == "encrypted":
        path.write_bytes(_pem(Ed25519PrivateKey.generate(), b"secret"))
    elif kind == "rsa":
        path.write_bytes(_pem(rsa.generate_private_key(public_exponent=65537, key_size=2048)))
    elif kind == "junk":
        path.write_text("not a key\n")
    elif kind == "shared":
        path.write_bytes(_pem(Ed25519PrivateKey.generate()))
        path.chmod(0o644)
    return path


def test_an_unusable_key_file_is_one_line_and_nothing_is_written(tmp_path: Path) -> None:
    good, _ = _key_file(tmp_path / "good.pem")
    out = tmp_path / "out"
    _new_store(out, good)
    before = _store_state(out / "provtrack.db")
    for kind, why in BAD_KEYS.items():
        bad = _bad_key(tmp_path, kind)
        result = run_cli(
            "optout",
            "add",
            "--url",
            "http://b.example/y.jpg",
            "--out",
            str(out),
            "--key",
            str(bad),
            check=False,
        )
        assert result.returncode == 2, (kind, result.stderr)
        line = _one_line(result.stderr)
        assert why in line, (kind, line)
        assert str(bad) in line
    # the environment's PROVTRACK_KEY is the same option, checked the same way
    env = run_cli(
        "purge",
        "--jurisdiction",
        "CA",
        "--out",
        str(out),
        check=False,
        env={"PROVTRACK_KEY": str(tmp_path / "rsa.pem")},
    )
    assert env.returncode == 2
    assert "private key of type RSA" in _one_line(env.stderr)
    assert _store_state(out / "provtrack.db") == before


SIGNING_COMMANDS = {
    "crawl": ["crawl", "http://a.example/"],
    "audit": ["audit", "URLS"],
    "demo": ["demo"],
    "evaluate": ["evaluate"],
    "optout add": ["optout", "add", "--url", "http://b.example/y.jpg"],
    "purge": ["purge", "--jurisdiction", "CA"],
    "export wacz": ["export", "--format", "wacz"],
}


@pytest.mark.parametrize("command", sorted(SIGNING_COMMANDS))
def test_every_signing_command_takes_key_and_refuses_a_missing_one(
    tmp_path: Path, command: str
) -> None:
    urls = tmp_path / "urls.txt"
    urls.write_text("http://a.example/x.jpg\n")
    args = [str(urls) if a == "URLS" else a for a in SIGNING_COMMANDS[command]]
    out = tmp_path / "out"
    missing = tmp_path / "nowhere" / "key.pem"
    result = run_cli(*args, "--out", str(out), "--key", str(missing), check=False)
    assert result.returncode == 2, result.stderr
    line = _one_line(result.stderr)
    assert f"the private key file {missing} does not exist" in line
    assert not out.exists(), "refused before anything was made"


def test_a_key_that_is_not_the_stores_is_refused_before_crawling(tmp_path: Path) -> None:
    """A crawl, an evaluation and a WACZ export given another key than the store's refuse it
    (never a second key, never a quiet fall-back to the key folder)."""
    good, _ = _key_file(tmp_path / "good.pem")
    other, _ = _key_file(tmp_path / "other.pem")
    out = tmp_path / "out"
    _new_store(out, good)
    before = _store_state(out / "provtrack.db")
    for args in (
        ["crawl", "http://a.example/", "--render", "never"],
        ["evaluate"],
        ["export", "--format", "wacz"],
    ):
        result = run_cli(*args, "--out", str(out), "--key", str(other), check=False)
        assert result.returncode == 2, (args, result.stderr)
        assert "is not the store's signing key" in _one_line(result.stderr), args
    assert _store_state(out / "provtrack.db") == before
    assert not (out / "export").exists()
    assert not list((out / "warc").glob("*.warc*")), "the crawl never started"
