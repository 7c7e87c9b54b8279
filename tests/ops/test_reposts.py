"""Lookup finds re-posts as people make them: screenshots of the demo photographs with an app
bar and a caption, pasted straight or tilted, through the whole query (regions, hashes and the
keypoint check), against the demo crawl's store.

Ground truth is the demo web's manifest: every collected copy of the photograph (its
``photo_id``) is a source to find; a match with another photograph is a false match, except
photographs the demo web built from one another's pixels (``tests/lookup/suite.py``).
"""

from __future__ import annotations

import io

import pytest
from PIL import Image as PILImage

from provenance.lookup.geometry import MIN_INLIERS
from provenance.matching import store_index
from provenance.purge import locate
from provenance.reposts import find_photo, keypoint_index, query_parts
from provenance.store.models import Image
from provenance.warc import read_response
from tests.conftest import DemoCrawl
from tests.lookup.suite import related, screenshot
from tests.ops.conftest import open_copy

ANGLES = (0.0, 6.0, -4.0, 9.0, -3.0)


@pytest.mark.slow
@pytest.mark.timeout(900)
def test_screenshots_find_every_source_and_nothing_else(demo_crawl: DemoCrawl) -> None:
    store = open_copy(demo_crawl.out)
    warc = demo_crawl.out / "warc"
    photo_of = {i["url"]: i.get("photo_id") for i in demo_crawl.manifest["images"]}
    rows = [r for r in store.all(Image, decision="collected") if photo_of.get(r.url)]
    by_id = {r.id: r for r in rows}

    def pixels(image_id: int) -> bytes | None:
        row = by_id.get(image_id)
        if row is None or not row.warc_file or row.warc_offset is None:
            return None
        folder = locate([warc], row.warc_file)
        return read_response(folder, row.warc_file, row.warc_offset).body if folder else None

    sources: dict[str, set[int]] = {}
    for r in rows:
        assert r.id is not None
        sources.setdefault(str(photo_of[r.url]), set()).add(r.id)
    index = store_index(store)
    keypoints = keypoint_index(store, pixels)
    found = wanted = false = comparisons = 0
    misses: list[str] = []
    for n, (photo, ids) in enumerate(sorted(sources.items())):
        original = pixels(min(ids))
        assert original is not None
        picture = PILImage.open(io.BytesIO(original)).convert("RGB")
        # one screenshot per photograph, straight or tilted (the angles cycle): 58 lookups
        for angle in (ANGLES[n % len(ANGLES)],):
            data = screenshot(picture, angle=angle, seed=n)
            parts = query_parts(data)
            matches = find_photo(
                store, data, index=index, pixels=pixels, parts=parts, keypoints=keypoints
            )
            got = {c.key for c in matches}
            wanted += len(ids)
            found += len(ids & got)
            if ids - got:
                misses.append(f"{photo} at {angle}°")
            for c in matches:
                other = photo_of.get(by_id[c.key].url) if c.key in by_id else None
                if other is None or not related(photo, other):
                    false += 1
                geometry = c.extra.get("geometry")
                if geometry is not None:
                    assert geometry["inliers"] >= MIN_INLIERS
            comparisons += len(by_id)
    recall = found / wanted
    assert recall >= 0.99, f"recall {recall:.3f}; missed {misses}"
    assert false / comparisons <= 0.001, f"{false} false matches in {comparisons} comparisons"
