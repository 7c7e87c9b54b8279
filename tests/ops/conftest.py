"""Helpers for the ops tests: private copies of the demo crawl, photo variants, WARC reading.

Tests that change a store (verify tampering, opt-outs, purges) work on a copy of the session's
demo crawl (SQLite backup API plus the WARC folder), never on the shared one.
"""

from __future__ import annotations

import io
import shutil
import sqlite3
from pathlib import Path
from typing import Any

import pytest
from PIL import Image as PILImage
from sqlmodel import select

from provenance.store import Store, open_store
from provenance.store.models import Evaluation, Image
from provenance.warc import read_response
from tests.conftest import DemoCrawl, run_cli

PHOTO = "rocket"
"""The demo web photograph the ops tests opt out and look up: six re-posts on five hosts
(original, two resizes, a mirror, a recompression), collected in both modes."""


def copy_crawl(src: Path, dst: Path) -> Path:
    """Copy a crawl's output folder (store through SQLite's backup API, WARC files, manifest)."""
    dst.mkdir(parents=True, exist_ok=True)
    shutil.copytree(src / "warc", dst / "warc")
    manifest = src / "demoweb-manifest.json"
    if manifest.exists():
        shutil.copy(manifest, dst / manifest.name)
    source = sqlite3.connect(src / "provtrack.db")
    target = sqlite3.connect(dst / "provtrack.db")
    with target:
        source.backup(target)
    source.close()
    target.close()
    return dst


@pytest.fixture
def crawl_copy(demo_crawl: DemoCrawl, tmp_path: Path) -> Path:
    """A private copy of the demo crawl's output folder."""
    return copy_crawl(demo_crawl.out, tmp_path / "out")


@pytest.fixture(scope="session")
def evaluated_copy(demo_crawl: DemoCrawl, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A read-only copy of the demo crawl, with the policy verdicts ``provtrack demo`` stores
    (evaluated here only if the demo did not)."""
    out = copy_crawl(demo_crawl.out, tmp_path_factory.mktemp("evaluated") / "out")
    if not open_copy(out).count(Evaluation, status="finished"):
        run_cli("evaluate", "--out", str(out))
    return out


def photo_urls(manifest: dict[str, Any], photo_id: str = PHOTO) -> set[str]:
    """Every URL of the demo web that shows a variant of the photograph."""
    return {i["url"] for i in manifest["images"] if i.get("photo_id") == photo_id}


def original_url(manifest: dict[str, Any], photo_id: str = PHOTO) -> str:
    """The collected-in-both-modes original of the photograph (commonsgallery.org)."""
    return next(
        i["url"]
        for i in manifest["images"]
        if i.get("photo_id") == photo_id
        and i["variant"] == "original"
        and i["expect"]["compliant"]["decision"] == "collect"
    )


def collected_row(store: Store, url: str) -> Image:
    """A collected record of ``url`` (any run)."""
    with store.session() as s:
        row = s.exec(
            select(Image).where(Image.url == url).where(Image.decision == "collected")
        ).first()
    assert row is not None, f"{url} was not collected"
    return row


def warc_payload(out: Path, row: Image) -> bytes:
    """The payload of an image's response record, read back from the crawl's WARC."""
    assert row.warc_file is not None
    assert row.warc_offset is not None
    return read_response(out / "warc", row.warc_file, row.warc_offset).body


def make_variant(
    data: bytes,
    *,
    crop: float = 0.10,
    scale: float = 0.7,
    quality: int = 70,
    mirror: bool = False,
) -> bytes:
    """A re-post: centred crop of ``crop`` per side, resized by ``scale``, re-encoded as JPEG."""
    im = PILImage.open(io.BytesIO(data)).convert("RGB")
    w, h = im.size
    dx, dy = round(w * crop), round(h * crop)
    im = im.crop((dx, dy, w - dx, h - dy))
    im = im.resize((max(16, round(im.width * scale)), max(16, round(im.height * scale))))
    if mirror:
        im = im.transpose(PILImage.Transpose.FLIP_LEFT_RIGHT)
    buf = io.BytesIO()
    im.save(buf, "JPEG", quality=quality)
    return buf.getvalue()


def open_copy(out: Path) -> Store:
    """The store of a copied crawl."""
    return open_store(str(out / "provtrack.db"))
