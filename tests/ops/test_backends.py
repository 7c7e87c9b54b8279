"""Lookup, opt-out purge, report and verify on both stores: SQLite and the machine's PostgreSQL.

A small crawl-shaped store is written through the real store and WARC writer (three photos,
one re-posted as a thumbnail on a second host), then a person's opt-out removes both copies.
"""

from __future__ import annotations

import io
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from PIL import Image as PILImage
from skimage import data as skdata

from provenance.media import analyze
from provenance.optout import TombstoneSet, add_optout, optout_report
from provenance.records import ImageRecord, OccurrenceRecord, WarcRef
from provenance.store import Store, open_store
from provenance.store.mapping import image_rows, occurrence_rows
from provenance.store.models import CrawlRun, Image
from provenance.trace import lookup
from provenance.verify import verify
from provenance.warc import WarcWriter
from tests.ops.conftest import make_variant

RUN = "20240501T000000-reproduce-unit01"


def _jpeg(array: Any, size: tuple[int, int] | None = None) -> bytes:
    im = PILImage.fromarray(array).convert("RGB")
    if size:
        im = im.resize(size)
    buf = io.BytesIO()
    im.save(buf, "JPEG", quality=88)
    return buf.getvalue()


PHOTOS = {
    "http://a.example/astronaut.jpg": _jpeg(skdata.astronaut()),
    "http://b.example/thumbs/astronaut.jpg": _jpeg(skdata.astronaut(), (160, 160)),
    "http://a.example/coffee.jpg": _jpeg(skdata.coffee()),
    "http://b.example/cat.jpg": _jpeg(skdata.chelsea()),
}


def _crawl(store: Store, warc_dir: Path) -> None:
    writer = WarcWriter(warc_dir, run_id=RUN)
    when = datetime(2024, 5, 1, tzinfo=UTC)
    store.write([CrawlRun(id=RUN, mode="reproduce", started_at=when)])
    rows = []
    for url, body in PHOTOS.items():
        pointer = writer.write_exchange(
            url=url,
            method="GET",
            request_headers=[("User-Agent", "provtrack")],
            status=200,
            reason="OK",
            response_headers=[("Content-Type", "image/jpeg")],
            body=body,
            ip="127.0.0.1",
            fetched_at=when,
        )
        record = ImageRecord(
            url=url,
            host=url.split("/")[2],
            mode="reproduce",
            decision="collected",
            fetched_at=when,
            media=analyze(body, content_type="image/jpeg").to_dict(),
            subject={"alt": "a person's photo"},
            warc=WarcRef(pointer.file, pointer.offset),
        )
        rows.append(image_rows(RUN, record))
        page = url.rsplit("/", 1)[0] + "/"
        rows.append(
            occurrence_rows(
                RUN,
                OccurrenceRecord(url, page, alt="Jane at work", seed=page, referrer_chain=[page]),
            )
        )
    writer.close()
    store.write(rows)


@pytest.mark.parametrize(
    "backend", ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]
)
def test_lookup_optout_report_and_verify(
    backend: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    url = str(tmp_path / "store.db") if backend == "sqlite" else request.getfixturevalue("pg_url")
    store = open_store(url)
    warc_dir = tmp_path / "warc"
    _crawl(store, warc_dir)
    assert verify(store, warc_dir).ok

    query = make_variant(PHOTOS["http://a.example/astronaut.jpg"], crop=0.1, scale=0.5)
    found = lookup(store, query)
    assert {chain["image_url"] for _, chain in found.matches} == {
        "http://a.example/astronaut.jpg",
        "http://b.example/thumbs/astronaut.jpg",
    }
    assert all(chain["pages"] for _, chain in found.matches)

    result = add_optout(store, warc_dir, image=query, note="backend test")
    assert len(result.matched) == 2
    assert result.receipt is not None
    assert result.receipt.warc_records_removed == 2
    purged = [i for i in store.all(Image) if i.purged_at is not None]
    assert {i.url for i in purged} == {m["url"] for m in result.matched}
    assert all(i.sha256 is None and i.subject == {} for i in purged)
    assert lookup(store, query).matches == []
    registry = TombstoneSet.load(store)
    assert registry.check_url("http://b.example/thumbs/astronaut.jpg") is not None
    assert registry.check_url("http://a.example/coffee.jpg") is None
    (entry,) = optout_report(store)
    assert entry["deleted"]["images"] == sorted(i.id for i in purged)
    report = verify(store, warc_dir)
    assert report.ok, report.problems[:3]
