"""The explorer's lookup indexes follow the store: an opt-out purge made by the CLI while the
indexes are held (as ``provtrack serve`` holds them) is seen by the next lookup, and a lookup
by upload finds a 25 % corner crop through the keypoint index."""

from __future__ import annotations

import io
from pathlib import Path

from PIL import Image as PILImage

from provenance.serve.live import LiveIndexes
from provenance.store.models import Image
from provenance.trace import lookup, warc_pixels
from tests.conftest import DemoCrawl, run_cli
from tests.lookup.suite import jpeg, off_centre_crop
from tests.ops.conftest import (
    collected_row,
    open_copy,
    original_url,
    photo_urls,
    warc_payload,
)


def test_indexes_refresh_when_the_store_changes(
    demo_crawl: DemoCrawl, crawl_copy: Path, tmp_path: Path
) -> None:
    manifest = demo_crawl.manifest
    store = open_copy(crawl_copy)
    warc = [crawl_copy / "warc"]
    live = LiveIndexes(store, warc_pixels(store, warc))
    first = live.current()
    assert live.current() is first  # nothing changed: nothing rebuilt
    assert first.keypoints.n_images == len(store.all(Image, decision="collected"))

    row = collected_row(store, original_url(manifest))
    picture = PILImage.open(io.BytesIO(warc_payload(crawl_copy, row))).convert("RGB")
    crop = jpeg(off_centre_crop(picture, "bottom-right", 0.25), 80)
    copies = {
        r.id
        for r in store.all(Image, decision="collected")
        if r.url in photo_urls(manifest) and r.purged_at is None
    }

    def sources() -> set[int]:
        now = live.current()
        result = lookup(store, crop, warc_dirs=warc, index=now.photos, keypoints=now.keypoints)
        return {c.key for c, _ in result.matches}

    before = sources()
    assert row.id in before
    assert before <= copies

    query = tmp_path / "request.jpg"
    query.write_bytes(jpeg(picture, 90))
    run_cli("optout", "add", "--image", str(query), "--out", str(crawl_copy))
    assert live.current() is not first  # the purge grew the evidence chain
    assert live.rebuilds == 2
    assert sources() == set(), "purged copies are no longer found"
