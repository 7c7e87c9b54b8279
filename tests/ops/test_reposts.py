"""Lookup finds re-posts as people make them: screenshots of the demo photographs with an app
bar and a caption, pasted straight or tilted, through the whole query (regions, hashes and the
keypoint check), against the demo crawl's store.

Ground truth is the demo web's manifest: every collected copy of the photograph (its
``photo_id``) is a source to find; a match with another photograph is a false match, except
photographs the demo web cut out of one another (``astronaut-suit`` is part of ``astronaut``,
the ``china`` halves of ``china``), which are the same pixels.
"""

from __future__ import annotations

import io

import pytest
from PIL import Image as PILImage
from PIL import ImageDraw

from provenance.lookup.geometry import MIN_INLIERS
from provenance.matching import find_photo, query_parts, store_index
from provenance.purge import locate
from provenance.store.models import Image
from provenance.warc import read_response
from tests.conftest import DemoCrawl
from tests.ops.conftest import open_copy

SAME_PIXELS = {
    frozenset({"astronaut", "astronaut-suit"}),
    frozenset({"china", "china-temple"}),
    frozenset({"china", "china-hills"}),
}


def screenshot(photo: PILImage.Image, *, angle: float, seed: int) -> bytes:
    """A social-app screenshot: white page, dark app bar, the photo (tilted by ``angle``
    degrees), a caption and a like count under it; saved as a PNG."""
    w, h = photo.size
    width, height = int(w * 1.6) + 40, int(h * 1.5) + 120
    page = PILImage.new("RGB", (width, height), (255, 255, 255))
    draw = ImageDraw.Draw(page)
    draw.rectangle((0, 0, width, 48), fill=(32, 32, 40))
    draw.text((12, 16), "pixgram  @someone shared a photo", fill=(240, 240, 240))
    shown = (
        photo.rotate(angle, expand=True, fillcolor=(255, 255, 255), resample=PILImage.BICUBIC)
        if angle
        else photo
    )
    x = 10 + (seed * 37) % max(1, width - shown.width - 20)
    page.paste(shown, (x, 70))
    y = 70 + shown.height + 12
    draw.text((x, y), "Look who I found! #throwback", fill=(20, 20, 20))
    draw.text((x, y + 18), "124 likes  3 comments", fill=(90, 90, 90))
    buf = io.BytesIO()
    page.save(buf, "PNG")
    return buf.getvalue()


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
            matches = find_photo(store, data, index=index, pixels=pixels, parts=parts)
            got = {c.key for c in matches}
            wanted += len(ids)
            found += len(ids & got)
            if ids - got:
                misses.append(f"{photo} at {angle}°")
            for c in matches:
                other = photo_of.get(by_id[c.key].url) if c.key in by_id else None
                if other != photo and frozenset({photo, other}) not in SAME_PIXELS:
                    false += 1
                geometry = c.extra.get("geometry")
                if geometry is not None:
                    assert geometry["inliers"] >= MIN_INLIERS
            comparisons += len(by_id)
    recall = found / wanted
    assert recall >= 0.99, f"recall {recall:.3f}; missed {misses}"
    assert false / comparisons <= 0.001, f"{false} false matches in {comparisons} comparisons"
