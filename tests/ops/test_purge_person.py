"""A purge removes the person, not only the picture: what the commissioners asked of Clearview.

Emma Tremblay (maplebook.ca, Montreal) sends her profile photo; then every subject in Quebec
is purged. Afterwards no WARC record (decompressed, headers and payload) and no text column of
any table holds her name, an alt text, a caption, her location or her profile texts, and no
digest of her photographs is left outside their tombstones; ``verify`` passes; a re-crawl of
the site collects nothing of her. With ``--keep-pages`` her texts are left in the page records
only (the WARC pages and feeds, page titles, host-snapshot bodies), kept as evidence.
"""

from __future__ import annotations

import html
import json
import re
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from warcio.archiveiterator import ArchiveIterator

from demoweb.sites.maplebook import PROFILES, Profile
from provenance.store.models import Image
from provenance.verify import verify
from tests.conftest import DemoCrawl, DemoWebProcess, run_cli
from tests.ops.conftest import collected_row, open_copy, warc_payload

PERSON = "emma.tremblay"
TOMBSTONE_DIGESTS = frozenset({"tombstone.sha256"})
_WS = re.compile(r"\s+")


def _profile() -> Profile:
    return next(p for p in PROFILES if p.user == PERSON)


def person_texts(profile: Profile) -> list[str]:
    """What the demo web says about her (its ground truth): name, alt texts, captions,
    location and profile texts."""
    posts = [post for page in profile.pages for post in page]
    return [
        profile.name,
        profile.avatar.alt,
        *(post.photo.alt for post in posts),
        *(post.caption for post in posts),
        f"Lives in {profile.location}",
        profile.location,
        *profile.about,
    ]


def _norm(text: str) -> str:
    return _WS.sub(" ", html.unescape(text)).casefold()


@dataclass(frozen=True)
class Hit:
    """Where a text was found: a WARC record (file, type, target) or a table column."""

    where: str
    kind: str
    name: str
    text: str


def warc_hits(warc_dir: Path, texts: list[str]) -> Iterator[Hit]:
    """Every WARC record, decompressed (WARC headers, HTTP headers, payload), holding a text."""
    wanted = [_norm(t) for t in texts]
    for path in sorted(warc_dir.glob("*.warc.gz")):
        with path.open("rb") as fh:
            for record in ArchiveIterator(fh):
                parts = [str(record.rec_headers)]
                if record.http_headers is not None:
                    parts.append(str(record.http_headers))
                parts.append(record.content_stream().read().decode("utf-8", "replace"))
                haystack = _norm(" ".join(parts))
                target = record.rec_headers.get_header("WARC-Target-URI") or ""
                for text, norm in zip(texts, wanted, strict=True):
                    if norm in haystack:
                        yield Hit(path.name, str(record.rec_type), target, text)


def db_hits(db: Path, texts: list[str], skip: frozenset[str] = frozenset()) -> Iterator[Hit]:
    """Every text column (and bytes column, decoded) of every table holding a text."""
    wanted = [_norm(t) for t in texts]
    conn = sqlite3.connect(db)
    tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")]
    for table in tables:
        columns = [r[1] for r in conn.execute(f"PRAGMA table_info('{table}')")]
        for row in conn.execute(f"SELECT * FROM '{table}'"):  # noqa: S608 - names from the schema
            for column, value in zip(columns, row, strict=True):
                if value is None or f"{table}.{column}" in skip:
                    continue
                raw = value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)
                haystack = _norm(raw)
                if "\\u" in raw:  # JSON columns escape non-ASCII text
                    haystack += " " + _norm(raw.encode().decode("unicode_escape", "replace"))
                for text, norm in zip(texts, wanted, strict=True):
                    if norm in haystack:
                        yield Hit(table, column, str(row[0]), text)
    conn.close()


def _photo_digests(manifest: dict[str, Any]) -> list[str]:
    """The sha256 of every photograph of hers the demo web serves (the collected payloads)."""
    return [i["sha256"] for i in manifest["images"] if f"/{PERSON}" in i["url"]]


def _request_photo(out: Path, tmp_path: Path) -> Path:
    """Her profile photo as she would send it: the avatar's bytes, read from the WARC."""
    store = open_copy(out)
    avatar = f"http://maplebook.ca{_profile().avatar.path}"
    path = tmp_path / "my-photo.jpg"
    path.write_bytes(warc_payload(out, collected_row(store, avatar)))
    return path


def _purge_person(out: Path, tmp_path: Path, *extra: str) -> list[dict[str, Any]]:
    photo = _request_photo(out, tmp_path)
    by_image = json.loads(
        run_cli("optout", "add", "--image", str(photo), "--out", str(out), "--json", *extra).stdout
    )
    by_place = json.loads(
        run_cli("purge", "--jurisdiction", "CA-QC", "--out", str(out), "--json", *extra).stdout
    )
    return [by_image, by_place]


def test_purge_removes_the_person_everywhere_and_a_recrawl_collects_nothing_of_her(
    crawl_copy: Path, demo_crawl: DemoCrawl, demoweb: DemoWebProcess, tmp_path: Path
) -> None:
    texts = person_texts(_profile())
    before = list(warc_hits(crawl_copy / "warc", texts))
    assert {h.text for h in before} >= {_profile().name, f"Lives in {_profile().location}"}
    assert {h.text for h in db_hits(crawl_copy / "provtrack.db", texts)} >= {
        _profile().name,
        _profile().avatar.alt,
    }, "the crawl recorded her texts in the store"

    results = _purge_person(crawl_copy, tmp_path)
    for result in results:
        receipt = result["receipt"]
        assert receipt["pages"] == "removed"
        assert receipt["page_records_removed"] > 0
    first = results[0]["receipt"]
    assert "http://maplebook.ca/u/emma.tremblay" in first["pages_removed"]
    assert any("api/feed" in u for u in first["pages_removed"]), "the feed the page fetched"
    assert first["snapshots_scrubbed"] >= 1, "maplebook's home page snapshot listed her"
    assert first["rows_redacted"] >= 1, "the other profiles' snippets named her"

    assert list(warc_hits(crawl_copy / "warc", texts)) == []
    assert list(db_hits(crawl_copy / "provtrack.db", texts)) == []
    digests = _photo_digests(demo_crawl.manifest)
    assert list(warc_hits(crawl_copy / "warc", digests)) == []
    assert (
        list(db_hits(crawl_copy / "provtrack.db", digests, frozenset({"tombstone.sha256"}))) == []
    )
    store = open_copy(crawl_copy)
    report = verify(store, crawl_copy / "warc")
    assert report.ok, report.problems[:3]

    run_cli(
        "crawl",
        "http://maplebook.ca/",
        "--mode",
        "reproduce",
        "--out",
        str(crawl_copy),
        *demoweb.proxy_args,
    )
    store = open_copy(crawl_copy)
    assert list(warc_hits(crawl_copy / "warc", texts)) == []
    assert list(db_hits(crawl_copy / "provtrack.db", texts)) == []
    new_run = max(store.all(Image), key=lambda i: i.fetched_at).run_id
    rows = store.all(Image, run_id=new_run)
    hers = [r for r in rows if f"/{PERSON}" in r.url]
    assert hers
    assert all(r.decision == "skipped" for r in hers), [(r.url, r.decision) for r in hers]
    others = [r for r in rows if r.decision == "collected"]
    assert len(others) >= len(PROFILES) - 1, "the other profiles are collected as before"
    assert verify(store, crawl_copy / "warc").ok

    (image_request, _) = json.loads(
        run_cli("optout", "report", "--out", str(crawl_copy), "--json").stdout
    )
    (later,) = image_request["later_crawls"]
    assert "http://maplebook.ca/u/emma.tremblay" in later["pages_not_archived"]
    text = run_cli("optout", "report", "--out", str(crawl_copy)).stdout
    assert "WARC rewritten:" in text
    assert "pages fetched but not archived" in text


def test_keep_pages_leaves_her_texts_in_the_page_records_only(
    crawl_copy: Path, demo_crawl: DemoCrawl, tmp_path: Path
) -> None:
    texts = person_texts(_profile())
    results = _purge_person(crawl_copy, tmp_path, "--keep-pages")
    assert all(r["receipt"]["pages"] == "kept" for r in results)
    assert all(r["receipt"]["page_records_removed"] == 0 for r in results)
    image_urls = {i["url"] for i in demo_crawl.manifest["images"]}
    warc = list(warc_hits(crawl_copy / "warc", texts))
    assert warc, "the pages are kept as evidence"
    assert {(h.kind, h.name in image_urls) for h in warc} == {("response", False)}
    db = {(h.where, h.kind) for h in db_hits(crawl_copy / "provtrack.db", texts)}
    assert db
    assert db <= {("page", "title"), ("host_snapshot", "body")}, db
    digests = _photo_digests(demo_crawl.manifest)
    assert list(warc_hits(crawl_copy / "warc", digests)) == []
    assert (
        list(db_hits(crawl_copy / "provtrack.db", digests, frozenset({"tombstone.sha256"}))) == []
    )
    assert verify(open_copy(crawl_copy), crawl_copy / "warc").ok
    text = run_cli("optout", "report", "--out", str(crawl_copy)).stdout
    assert "pages: kept as evidence (--keep-pages)" in text
