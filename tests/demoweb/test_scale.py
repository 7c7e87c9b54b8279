"""The scale web: 50,000 distinct image URLs answered from an index, never built in memory."""

from __future__ import annotations

import hashlib
import io
import re
import time
from typing import Any

from PIL import Image

from demoweb import scale
from demoweb.scale import ScaleWeb

from .conftest import SCALE, Proxy


def test_summary_counts(manifest: dict[str, Any]) -> None:
    summary = manifest["scale"]
    assert summary["images"] == SCALE
    assert len(summary["hosts"]) == SCALE // 1000
    assert sum(h["images"] for h in summary["hosts"]) == SCALE
    assert summary["hosts"][0]["host"] == "bulk-000.example"
    assert summary["hosts"][-1]["host"] == "bulk-049.example"
    blocked = summary["noimageai"]
    assert 0.08 * SCALE < blocked < 0.12 * SCALE
    assert summary["expect"]["compliant"] == {
        "collect": SCALE - blocked,
        "skip": {"x-robots-tag": blocked},
    }
    assert 0.2 * SCALE < summary["faces"] < 0.3 * SCALE


def test_pages_show_forty_images_and_link_onward(proxy: Proxy) -> None:
    home = proxy.fetch("http://bulk-007.example/").body.decode()
    albums = re.findall(r'href="(/p/\d+)"', home)
    assert albums == [f"/p/{p}" for p in range(25)]
    page = proxy.fetch("http://bulk-007.example/p/3").body.decode()
    srcs = re.findall(r'<img src="(/img/\d+\.jpg)"', page)
    assert srcs == [f"/img/{i}.jpg" for i in range(7120, 7160)]
    assert 'href="/p/4"' in page
    last = proxy.fetch("http://bulk-007.example/p/24").body.decode()
    assert 'href="/p/25"' not in last
    assert proxy.fetch("http://bulk-007.example/p/25").status == 404
    assert proxy.fetch("http://bulk-050.example/").status == 502  # beyond the scale: not ours
    assert proxy.fetch("http://bulk-007.example/img/8000.jpg").status == 404  # another host's
    assert proxy.fetch("http://bulk-007.example/robots.txt").body == b"User-agent: *\nAllow: /\n"


def test_images_are_distinct_deterministic_and_as_the_index_says(
    proxy: Proxy, manifest: dict[str, Any]
) -> None:
    web = ScaleWeb(SCALE)
    indices = [0, 1, 39, 40, 999, 1000, 12_345, 31_337, SCALE - 1]
    digests = set()
    for i in indices:
        entry = web.image_entry(i)
        got = proxy.fetch(entry["url"])
        assert got.status == 200
        assert hashlib.sha256(got.body).hexdigest() == entry["sha256"]
        assert len(got.body) == entry["byte_size"]
        assert (got.headers["X-Robots-Tag"] == "noimageai") == scale.noimageai(i)
        assert f"demoweb scale image {i}".encode() in got.body
        with Image.open(io.BytesIO(got.body)) as im:
            assert im.size == (320, 240)
        assert 7_000 < len(got.body) < 23_000  # faces ~9 KB, landscapes ~20 KB
        digests.add(entry["sha256"])
    assert len(digests) == len(indices)
    for sample in manifest["scale"]["sample"]:
        assert sample == web.image_entry(int(sample["url"].rsplit("/", 1)[1][:-4]))


def test_same_pool_photo_still_gives_distinct_bytes() -> None:
    by_pool: dict[int, list[int]] = {}
    for i in range(5000):
        by_pool.setdefault(scale.pool_index(i), []).append(i)
    a, b = next(ids for ids in by_pool.values() if len(ids) >= 2)[:2]
    assert scale.image_bytes(a) != scale.image_bytes(b)
    assert scale.image_bytes(a) == scale.image_bytes(a)


def test_nothing_of_the_scale_web_is_held_in_memory() -> None:
    started = time.monotonic()
    web = ScaleWeb(1_000_000)
    summary_free = time.monotonic() - started
    assert summary_free < 0.01  # the index is just a number
    assert web.has_host("bulk-999.example")
    assert not web.has_host("bulk-1000.example")
    assert web.image_url(999_999) == "http://bulk-999.example/img/999999.jpg"
    assert len(scale.pool()) == scale.POOL_SIZE  # the only thing built: 256 small JPEGs
    assert sum(len(b) for b in scale.pool()) < 256 * 30_000
