"""Auditing an img2dataset output folder: the local copies against what the URLs serve now.

The folder is made here the way img2dataset 1.47 writes output format ``files``: a shard table
``00000.parquet`` (url, caption, key, status, error_message, sizes, and the sha256 of the bytes
it downloaded, before resizing) and ``00000/KEY.jpg`` (re-encoded at 256 px), ``KEY.json``,
``KEY.txt`` beside it. Some URLs still serve those bytes, some serve others, some are gone.
"""

from __future__ import annotations

import hashlib
import io
import json
import sqlite3
import urllib.request
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
from PIL import Image

from provenance.warc import read_response
from tests.conftest import DemoWebProcess, run_cli
from tests.dataset.conftest import DECISION, audit, reason_kinds

SCHEMA = pa.schema(
    [
        ("url", pa.string()),
        ("caption", pa.string()),
        ("key", pa.string()),
        ("status", pa.string()),
        ("error_message", pa.string()),
        ("width", pa.int32()),
        ("height", pa.int32()),
        ("original_width", pa.int32()),
        ("original_height", pa.int32()),
        ("sha256", pa.string()),
    ]
)


def _get(proxy: str, url: str) -> bytes:
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({"http": proxy}))
    with opener.open(url, timeout=10) as response:
        data: bytes = response.read()
        return data


def _resized(data: bytes, quality: int = 90) -> tuple[bytes, tuple[int, int], tuple[int, int]]:
    """img2dataset's default: the longer side to 256 px, re-encoded as JPEG."""
    with Image.open(io.BytesIO(data)) as im:
        original = im.size
        rgb = im.convert("RGB")
        rgb.thumbnail((256, 256))
        out = io.BytesIO()
        rgb.save(out, "JPEG", quality=quality)
        return out.getvalue(), rgb.size, original


def _recompressed(data: bytes, quality: int) -> bytes:
    with Image.open(io.BytesIO(data)) as im:
        out = io.BytesIO()
        im.convert("RGB").save(out, "JPEG", quality=quality)
        return out.getvalue()


def _folder(root: Path, rows: list[tuple[str, str, bytes | None, bytes | None, str]]) -> Path:
    """Write shard 00000: (key-suffix, url, downloaded bytes, None, status) per row."""
    folder = root / "i2d-output"
    shard = folder / "00000"
    shard.mkdir(parents=True)
    table: list[dict[str, Any]] = []
    for n, (caption, url, downloaded, _, status) in enumerate(rows):
        key = f"{n:09d}"
        meta: dict[str, Any] = {
            "url": url,
            "caption": caption,
            "key": key,
            "status": status,
            "error_message": None if status == "success" else "HTTP Error 404: Not Found",
            "width": None,
            "height": None,
            "original_width": None,
            "original_height": None,
            "sha256": None,
        }
        if status == "success" and downloaded is not None:
            local, size, original = _resized(downloaded)
            meta.update(
                width=size[0],
                height=size[1],
                original_width=original[0],
                original_height=original[1],
                sha256=hashlib.sha256(downloaded).hexdigest(),
            )
            (shard / f"{key}.jpg").write_bytes(local)
            (shard / f"{key}.txt").write_text(caption)
            (shard / f"{key}.json").write_text(json.dumps(meta, indent=4))
        table.append(meta)
    pq.write_table(pa.Table.from_pylist(table, schema=SCHEMA), folder / "00000.parquet")
    (folder / "00000_stats.json").write_text(json.dumps({"count": len(rows)}))
    return folder


def test_an_img2dataset_folder_is_compared_with_what_the_urls_serve_now(
    tmp_path: Path, demoweb: DemoWebProcess, manifest: dict[str, Any]
) -> None:
    images = {i["url"]: i for i in manifest["images"]}
    # one image of each photograph (the gallery shows each as a thumbnail and in full)
    by_photo: dict[str, str] = {}
    for image in manifest["images"]:
        if (
            image["host"] == "commonsgallery.org"
            and image["expect"]["audit"]["url_only"]["decision"] == "collect"
            and not str(image["photo_id"]).startswith("china")  # two crops of one photograph
        ):
            by_photo.setdefault(image["photo_id"], image["url"])
    collect = list(by_photo.values())
    assert len(collect) >= 4
    robots = next(
        i["url"]
        for i in manifest["images"]
        if i["expect"]["audit"]["url_only"]["reasons"] == ["robots"] and i["status"] == 200
    )
    same, recoded, replaced, other = collect[:4]
    serve = {url: _get(demoweb.url, url) for url in (same, recoded, other, robots)}
    gone = "http://commonsgallery.org/photos/taken-down-since.jpg"
    rows = [
        ("unchanged since", same, serve[same], None, "success"),
        # the site re-encoded the photograph since: other bytes, same picture
        ("re-encoded since", recoded, _recompressed(serve[recoded], 40), None, "success"),
        # the URL now serves another photograph
        ("replaced since", replaced, serve[other], None, "success"),
        ("taken down since", gone, serve[same], None, "success"),
        ("img2dataset could not download it", collect[1], None, None, "failed_to_download"),
        # robots.txt forbids the path: a compliant audit does not request it, the copy is read
        ("forbidden path", robots, serve[robots], None, "success"),
    ]
    folder = _folder(tmp_path, rows)
    out = tmp_path / "out"
    result = audit(out, str(folder), *demoweb.proxy_args, "--keep-bytes")
    with sqlite3.connect(result.db) as db:
        entries = {
            key: (url, presence, json.loads(detail), json.loads(local))
            for key, url, presence, detail, local in db.execute(
                "select key, url, presence, presence_detail, local from dataset_entry"
            )
        }
    keys = [f"{n:09d}" for n in range(len(rows))]
    assert set(entries) == set(keys)
    state = {key: entries[key][1] for key in keys}
    assert state == {
        keys[0]: "same",
        keys[1]: "changed",
        keys[2]: "changed",
        keys[3]: "gone",
        keys[4]: "unknown",
        keys[5]: "unknown",
    }
    assert entries[keys[0]][2]["matched"] == "sha256 of the recorded download"
    assert entries[keys[1]][2]["same_photograph"] is True
    assert entries[keys[2]][2]["same_photograph"] is False
    assert entries[keys[3]][2]["why"] == "http_404"
    assert "not requested" in entries[keys[5]][2]["why"]
    # the local copies are analysed as they are: their own hashes, size and faces
    for key in (keys[0], keys[5]):
        local = entries[key][3]
        data = (folder / "00000" / f"{key}.jpg").read_bytes()
        assert local["media"]["sha256"] == hashlib.sha256(data).hexdigest()
        with Image.open(io.BytesIO(data)) as im:
            assert (local["media"]["width"], local["media"]["height"]) == im.size
        assert local["media"]["phash"]
        assert local["media"]["faces"]["count"] is not None
        assert local["img2dataset_status"] == "success"
    # the records themselves are the URL's, as for a plain manifest
    for _, url, _, _, _ in rows:
        if url in images:
            expect = images[url]["expect"]["audit"]["url_only"]
            record = result.records[url]
            assert record["decision"] == DECISION[expect["decision"]], url
            assert reason_kinds(record) == set(expect["reasons"]), url
    assert result.records[gone]["decision"] == "failed"
    # --keep-bytes: the WARC holds what the URL served
    kept = result.records[same]
    stored = read_response(out / "warc", kept["warc_file"], kept["warc_offset"])
    assert stored.truncated is None
    assert (
        hashlib.sha256(stored.body).hexdigest()
        == kept["sha256"]
        == entries[keys[0]][3]["img2dataset_sha256"]
    )
    assert "same" in result.stdout
    assert "gone" in result.stdout

    export = tmp_path / "i2d.parquet"
    run_cli("export", "--out", str(out), "--format", "parquet", "--dest", str(export))
    table = {r["key"]: r for r in pq.read_table(export).to_pylist()}
    assert [table[k]["dataset_presence"] for k in keys] == [state[k] for k in keys]
    assert table[keys[0]]["url"] == same
