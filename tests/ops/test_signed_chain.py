"""A chain that cannot be rewritten quietly: tampering as a careful attacker would do it.

Each case works on a private copy of the demo crawl (signed at each run's end and at its
evaluation) and goes further than flipping a byte: WARC records are rewritten with warcio, so
their WARC digests are valid again, and the rows' pointers moved to the rewritten file (pointers
are outside the record digests, as purges move them); rows are added with their evidence entry
recomputed. ``provtrack verify`` must exit 5 naming the problem. A WACZ export is signed as
the WACZ signing recommendation describes, and one changed file in it is named.
"""

from __future__ import annotations

import base64
import io
import json
import sqlite3
import subprocess
import sys
import zipfile
from collections.abc import Callable
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from warcio.archiveiterator import ArchiveIterator
from warcio.warcwriter import WARCWriter

from provenance.store.checkpoints import checkpoint_message, key_id_of, raw_public
from provenance.store.db import entry_hash
from tests.conftest import run_cli
from tests.ops.conftest import copy_crawl

WACZ_CLI = Path(sys.executable).with_name("wacz")


def _db(out: Path) -> sqlite3.Connection:
    return sqlite3.connect(out / "provtrack.db")


def _rewrite_record(out: Path, file: str, offset: int, change: Callable[[bytes], bytes]) -> None:
    """Rewrite the record at ``file@offset`` with ``change`` applied to its payload (warcio
    recomputes its digests) and move every row's pointer into the file to its new offset."""
    path = out / "warc" / file
    members: list[tuple[int, bytes]] = []
    with path.open("rb") as fh:
        it = ArchiveIterator(fh)
        for record in it:
            start = it.get_record_offset()
            if start == offset:
                payload = change(record.content_stream().read())
                buf = io.BytesIO()
                writer = WARCWriter(buf, gzip=True, warc_version="WARC/1.1")
                headers = [
                    (k, v)
                    for k, v in record.rec_headers.headers
                    if k not in ("WARC-Block-Digest", "WARC-Payload-Digest", "Content-Length")
                ]
                http = record.http_headers
                http.headers = [(k, v) for k, v in http.headers if k.lower() != "content-length"]
                rewritten = writer.create_warc_record(
                    record.rec_headers.get_header("WARC-Target-URI"),
                    "response",
                    payload=io.BytesIO(payload),
                    length=len(payload),
                    http_headers=http,
                    warc_headers_dict=dict(headers),
                )
                writer.write_record(rewritten)
                members.append((start, buf.getvalue()))
            else:
                it.read_to_end(record)
                members.append((start, b""))
    raw = path.read_bytes()
    ends = [s for s, _ in members[1:]] + [len(raw)]
    data = bytearray()
    moved: dict[int, int] = {}
    for (start, replacement), end in zip(members, ends, strict=True):
        moved[start] = len(data)
        data += replacement or raw[start:end]
    path.write_bytes(bytes(data))
    conn = _db(out)
    with conn:
        for table in ("image", "page", "host_snapshot"):
            rows = conn.execute(
                f"SELECT id, warc_offset FROM {table} WHERE warc_file = ?",  # noqa: S608
                (file,),
            ).fetchall()
            for row_id, old in rows:
                conn.execute(
                    f"UPDATE {table} SET warc_offset = ? WHERE id = ?",  # noqa: S608
                    (moved[old], row_id),
                )
    conn.close()
    # the rewritten record is whole and its digests hold (warcio checks them)
    with path.open("rb") as fh:
        for record in ArchiveIterator(fh, check_digests="raise"):
            record.content_stream().read()


def _verify_fails(out: Path, *expected: str) -> str:
    result = run_cli("verify", "--out", str(out), check=False)
    assert result.returncode == 5, result.stdout + result.stderr
    line = result.stderr.strip().splitlines()[-1]
    for text in expected:
        assert text in line, line
    return line


def _one(out: Path, query: str) -> tuple[object, ...]:
    conn = _db(out)
    row = conn.execute(query).fetchone()
    conn.close()
    assert row is not None, query
    return tuple(row)


def test_the_untouched_copy_passes_signed_with_its_head(evaluated_copy: Path) -> None:
    result = run_cli("verify", "--out", str(evaluated_copy))
    assert "pass" in result.stdout
    (head_seq, head_hash) = _one(
        evaluated_copy, "SELECT seq, entry_hash FROM evidence_entry ORDER BY seq DESC LIMIT 1"
    )
    assert f"head: entry {head_seq} {head_hash}" in result.stdout
    assert f"signed up to entry {head_seq}" in result.stdout
    # an older head recorded elsewhere is still a prefix of the chain; a made-up one is not
    (seq, digest) = _one(evaluated_copy, "SELECT seq, entry_hash FROM evidence_entry WHERE seq=50")
    run_cli("verify", "--out", str(evaluated_copy), "--expect-head", f"{seq}:{digest}")
    wrong = run_cli(
        "verify", "--out", str(evaluated_copy), "--expect-head", f"50:{'a' * 64}", check=False
    )
    assert wrong.returncode == 5
    assert "is not a prefix of this chain: entry 50" in wrong.stderr
    beyond = run_cli(
        "verify",
        "--out",
        str(evaluated_copy),
        "--expect-head",
        f"{int(str(head_seq)) + 5}:{'b' * 64}",
        check=False,
    )
    assert beyond.returncode == 5
    assert "the log was truncated" in beyond.stderr


def test_a_page_rewritten_with_valid_warc_digests_is_named(crawl_copy: Path) -> None:
    page_id, file, offset = _one(
        crawl_copy,
        "SELECT id, warc_file, warc_offset FROM page WHERE decision='fetched' "
        "AND warc_file IS NOT NULL AND content_type LIKE 'text/html%' ORDER BY id LIMIT 1",
    )
    _rewrite_record(
        crawl_copy,
        str(file),
        int(str(offset)),
        lambda body: body.replace(b"</body>", b"<p>nothing to see</p></body>", 1),
    )
    _verify_fails(crawl_copy, f"page:{page_id}: WARC record at {file}@", "page's sha256")


def test_a_robots_txt_rewritten_with_valid_warc_digests_is_named(crawl_copy: Path) -> None:
    snap_id, file, offset = _one(
        crawl_copy,
        "SELECT id, warc_file, warc_offset FROM host_snapshot WHERE kind='robots' "
        "AND warc_file IS NOT NULL AND http_status = 200 ORDER BY id LIMIT 1",
    )
    _rewrite_record(
        crawl_copy, str(file), int(str(offset)), lambda body: b"User-agent: *\nAllow: /\n"
    )
    _verify_fails(crawl_copy, f"host_snapshot:{snap_id}: WARC record at {file}@", "robots")


def test_the_tail_cut_below_the_last_checkpoint_is_truncation(
    evaluated_copy: Path, tmp_path: Path
) -> None:
    out = copy_crawl(evaluated_copy, tmp_path / "cut")
    (last,) = _one(out, "SELECT max(seq) FROM checkpoint")
    conn = _db(out)
    with conn:  # the last evaluation's finishing entries, as if it never finished
        conn.execute("DELETE FROM evidence_entry WHERE seq > ?", (int(str(last)) - 3,))
    conn.close()
    _verify_fails(out, "the log was truncated", f"signed entry {last}")


def _forge_entry(out: Path, subject: str, digest: str) -> tuple[int, str]:
    conn = _db(out)
    seq, prev = conn.execute(
        "SELECT seq, entry_hash FROM evidence_entry ORDER BY seq DESC LIMIT 1"
    ).fetchone()
    seq += 1
    h = entry_hash(prev, seq, "signal", subject, digest, "")
    with conn:
        conn.execute(
            "INSERT INTO evidence_entry (seq, kind, subject, digest, prev_hash, entry_hash, "
            "created_at, note) VALUES (?, 'signal', ?, ?, ?, ?, '2026-12-01 10:00:00', '')",
            (seq, subject, digest, prev, h),
        )
    conn.close()
    return int(seq), h


def _forge_signal(out: Path) -> tuple[int, str]:
    """A row saying a site allowed AI training, with its evidence entry recomputed."""
    from provenance.store import open_store
    from provenance.store.canonical import record_digest
    from provenance.store.db import subject_of
    from provenance.store.models import SignalRecord

    store = open_store(str(out / "provtrack.db"))
    (run_id,) = _one(out, "SELECT id FROM crawl_run LIMIT 1")
    row = SignalRecord(
        run_id=str(run_id),
        level="host",
        subject="maplebook.ca",
        kind="robots",
        value="allow",
        source="robots.txt",
        evidence="User-agent: GPTBot\nAllow: /",
    )
    with store.session() as s:  # raw insert: no entry, no checkpoint
        s.add(row)
    store.engine.dispose()
    return _forge_entry(out, subject_of(row), record_digest(row))


def test_a_forged_row_with_a_recomputed_entry_is_unsigned(crawl_copy: Path) -> None:
    seq, _ = _forge_signal(crawl_copy)
    _verify_fails(crawl_copy, f"evidence entries {seq}-{seq} (1) come after the last signed")


def test_a_forged_checkpoint_is_named(crawl_copy: Path) -> None:
    seq, head = _forge_signal(crawl_copy)
    (key_id,) = _one(crawl_copy, "SELECT id FROM signing_key")
    conn = _db(crawl_copy)
    with conn:  # a signature that is not the key's
        conn.execute(
            "INSERT INTO checkpoint (seq, entry_hash, signed_at, reason, key_id, signature) "
            "VALUES (?, ?, '2026-12-02T00:00:00.000000Z', 'run finished', ?, ?)",
            (seq, head, key_id, base64.b64encode(b"x" * 64).decode()),
        )
    conn.close()
    _verify_fails(crawl_copy, f"(entry {seq}, ", "has no valid signature: forged")


def test_a_key_put_in_the_stores_place_is_named(crawl_copy: Path) -> None:
    """The attacker adds their own key (chained, entry recomputed) and signs with it."""
    _forge_signal(crawl_copy)
    mine = Ed25519PrivateKey.generate()
    key_id = key_id_of(mine.public_key())
    public = base64.b64encode(raw_public(mine.public_key())).decode()
    conn = _db(crawl_copy)
    with conn:
        conn.execute(
            "INSERT INTO signing_key (id, algorithm, public_key, created_at) "
            "VALUES (?, 'ed25519', ?, '2026-12-02 00:00:00.000000')",
            (key_id, public),
        )
    conn.close()
    from provenance.store import open_store
    from provenance.store.models import SigningKey

    store = open_store(str(crawl_copy / "provtrack.db"))
    row = store.all(SigningKey, id=key_id)[0]
    store.engine.dispose()
    from provenance.store.canonical import record_digest

    seq, head = _forge_entry(crawl_copy, f"signing_key:{key_id}", record_digest(row))
    signed_at = "2026-12-02T00:00:00.000000Z"
    signature = mine.sign(checkpoint_message(seq, head, signed_at, "run finished", key_id))
    conn = _db(crawl_copy)
    with conn:
        conn.execute(
            "INSERT INTO checkpoint (seq, entry_hash, signed_at, reason, key_id, signature) "
            "VALUES (?, ?, ?, 'run finished', ?, ?)",
            (seq, head, signed_at, key_id, base64.b64encode(signature).decode()),
        )
    conn.close()
    _verify_fails(crawl_copy, "which no checkpoint of the store's trusted key vouched for")


def test_the_wacz_is_signed_and_one_changed_file_is_named(
    evaluated_copy: Path, tmp_path: Path
) -> None:
    dest = tmp_path / "crawl.wacz"
    run_cli("export", "--out", str(evaluated_copy), "--format", "wacz", "--dest", str(dest))
    validated = subprocess.run(
        [str(WACZ_CLI), "validate", "-f", str(dest)],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert validated.returncode == 0, validated.stdout + validated.stderr
    with zipfile.ZipFile(dest) as zf:
        signed = json.loads(zf.read("datapackage-digest.json"))["signedData"]
        assert {"hash", "created", "software", "signature", "publicKey"} <= set(signed)
        pem = zf.read("provenance/public-key.pem")
        assert b"BEGIN PUBLIC KEY" in pem
        assert zf.read("provenance/checkpoints.jsonl").count(b"\n") >= 2
    key_file = tmp_path / "key.pem"
    key_file.write_bytes(pem)
    good = run_cli("verify", "--wacz", str(dest), "--public-key", str(key_file))
    assert "signature valid" in good.stdout
    assert "pass" in good.stdout

    tampered = tmp_path / "tampered.wacz"
    with zipfile.ZipFile(dest) as src, zipfile.ZipFile(tampered, "w") as dst:
        for info in src.infolist():
            data = src.read(info)
            if info.filename == "provenance/records.jsonl":
                data = data.replace(b'"decision": "skipped"', b'"decision": "collected"', 1)
            dst.writestr(info, data)
    bad = run_cli("verify", "--wacz", str(tampered), check=False)
    assert bad.returncode == 5
    assert "provenance/records.jsonl was changed" in bad.stderr

    # a re-signed package is signed by another key than the one kept elsewhere
    other = Ed25519PrivateKey.generate()
    with zipfile.ZipFile(dest) as zf:
        parts = {i.filename: zf.read(i) for i in zf.infolist()}
    digest = json.loads(parts["datapackage-digest.json"])
    from provenance.store.checkpoints import public_der_b64

    digest["signedData"]["signature"] = base64.b64encode(
        other.sign(digest["hash"].encode())
    ).decode()
    digest["signedData"]["publicKey"] = public_der_b64(other.public_key())
    parts["datapackage-digest.json"] = json.dumps(digest).encode()
    resigned = tmp_path / "resigned.wacz"
    with zipfile.ZipFile(resigned, "w") as zf:
        for name, data in parts.items():
            zf.writestr(name, data)
    assert "pass" in run_cli("verify", "--wacz", str(resigned)).stdout  # valid, but whose?
    wrong = run_cli("verify", "--wacz", str(resigned), "--public-key", str(key_file), check=False)
    assert wrong.returncode == 5
    assert "not by the public key given" in wrong.stderr


def test_a_purge_still_verifies_signed(crawl_copy: Path) -> None:
    (url,) = _one(crawl_copy, "SELECT url FROM image WHERE decision='collected' LIMIT 1")
    run_cli("optout", "add", "--url", str(url), "--out", str(crawl_copy))
    result = run_cli("verify", "--out", str(crawl_copy))
    assert "pass" in result.stdout
    (reason,) = _one(crawl_copy, "SELECT reason FROM checkpoint ORDER BY id DESC LIMIT 1")
    assert str(reason).startswith("opt-out request ")


def test_a_missing_warc_folder_is_not_a_pass(crawl_copy: Path) -> None:
    (crawl_copy / "warc").rename(crawl_copy / "elsewhere")
    _verify_fails(crawl_copy, "records point at WARC files but there is no WARC folder")
