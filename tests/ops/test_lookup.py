"""``provtrack lookup``: a re-post made in the test is traced to every page of its photograph.

Ground truth is the demo web's manifest: the expected pages are every page showing any variant
of the photograph among the records the crawl collected.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from PIL import Image as PILImage

from provenance.matching import (
    PDQ_THRESHOLD,
    PHASH_THRESHOLD,
    find_matches,
    matches,
    query_from_bytes,
    store_index,
    stored_hashsets,
)
from provenance.optout import add_optout
from provenance.store.models import Image
from tests.conftest import DemoCrawl, run_cli
from tests.ops.conftest import (
    PHOTO,
    collected_row,
    make_variant,
    open_copy,
    original_url,
    photo_urls,
    warc_payload,
)


def _lookup(out: Path, image: Path) -> dict[str, Any]:
    result = run_cli("lookup", str(image), "--out", str(out), "--json")
    data: dict[str, Any] = json.loads(result.stdout)
    return data


def _collected_urls(records: list[dict[str, Any]]) -> set[str]:
    return {r["image_url"] for r in records if r["decision"] == "collected"}


def _expected_pages(manifest: dict[str, Any], collected: set[str], photo_id: str) -> set[str]:
    return {
        page
        for i in manifest["images"]
        if i.get("photo_id") == photo_id and i["url"] in collected
        for page in i["pages"]
    }


@pytest.mark.parametrize(
    ("crop", "scale", "quality", "mirror"),
    [
        pytest.param(0.10, 0.7, 70, False, id="crop10-resize70-q70"),
        pytest.param(0.05, 0.5, 60, True, id="mirrored-crop5-resize50-q60"),
    ],
)
def test_variant_is_traced_to_every_source_page(
    demo_crawl: DemoCrawl,
    evaluated_copy: Path,
    tmp_path: Path,
    crop: float,
    scale: float,
    quality: int,
    mirror: bool,
) -> None:
    manifest = demo_crawl.manifest
    store = open_copy(evaluated_copy)
    source = warc_payload(evaluated_copy, collected_row(store, original_url(manifest)))
    query = tmp_path / "repost.jpg"
    query.write_bytes(make_variant(source, crop=crop, scale=scale, quality=quality, mirror=mirror))

    data = _lookup(evaluated_copy, query)

    records = [r for run in demo_crawl.runs.values() for r in run.records]
    collected = _collected_urls(records)
    wanted_urls = photo_urls(manifest) & collected
    found_urls = {m["image_url"] for m in data["matches"]}
    assert found_urls == wanted_urls, "lookup must find every collected copy and nothing else"
    # every collected record of those URLs, in both runs
    wanted_records = {
        (r["run_id"], r["image_url"])
        for r in records
        if r["image_url"] in wanted_urls and r["decision"] == "collected"
    }
    assert {(m["run_id"], m["image_url"]) for m in data["matches"]} == wanted_records
    pages = {p["url"] for m in data["matches"] for p in m["pages"]}
    assert pages == _expected_pages(manifest, collected, PHOTO)

    stored_variant = {i["url"]: i.get("variant") for i in manifest["images"]}
    for m in data["matches"]:
        match = m["match"]
        assert match["matched_by"], m["image_url"]
        assert match["phash_distance"] is not None
        assert match["pdq_distance"] is not None  # shown even when PDQ did not decide
        assert match["phash_distance"] <= PHASH_THRESHOLD or match["pdq_distance"] <= (
            PDQ_THRESHOLD
        )
        assert match["via"]
        if mirror:
            # a mirrored query is the original orientation of a copy served mirrored
            # (flaky-robots.net and the robots.txt-case hosts serve harbour.jpg mirrored)
            served_mirrored = stored_variant.get(m["image_url"]) == "mirrored"
            expected = "original" if served_mirrored else "mirror"
            assert match["orientation"] == expected, (m["image_url"], match)
        # the provenance chain, as it was at fetch time
        assert m["seeds"]
        assert m["fetched_at"]
        assert m["warc"]["file"]
        assert m["warc"]["offset"] is not None
        for page in m["pages"]:
            assert page["referrer_chain"][0] in m["seeds"]
            assert page["referrer_chain"][-1] == page["url"]
            assert page["fetched_at"]
        robots = m["robots"]
        assert robots is not None
        assert robots["fetched_at"]
        assert robots["outcome"]
        if robots["status"] == "fetch_failed":
            # no document to keep (deep-robots.net: a sixth redirect), a full disallow with
            # its reason in the chain
            assert robots["outcome"] == "unreachable", robots
            assert robots["reason"], robots
        else:
            assert robots["sha256"]
            assert any(line["agent"] == "provtrack" for line in robots["matching_lines"])
        assert m["verdicts"], "the copy was evaluated: verdicts are part of the chain"
    gallery = next(m for m in data["matches"] if m["image_url"] == original_url(manifest))
    assert gallery["terms"]["clauses"], "commonsgallery's terms clauses are in the chain"
    assert gallery["terms"]["sha256"]


def test_lookup_text_output_and_no_match(
    demo_crawl: DemoCrawl, evaluated_copy: Path, tmp_path: Path
) -> None:
    store = open_copy(evaluated_copy)
    source = warc_payload(evaluated_copy, collected_row(store, original_url(demo_crawl.manifest)))
    query = tmp_path / "repost.jpg"
    query.write_bytes(make_variant(source))
    text = run_cli("lookup", str(query), "--out", str(evaluated_copy)).stdout
    assert "match: " in text
    assert "PDQ " in text
    assert "pHash " in text
    assert "robots.txt http://commonsgallery.org/robots.txt" in text
    assert "WARC: " in text

    # a photograph that is not in the store: exit 0 and say so
    other = tmp_path / "other.png"
    PILImage.radial_gradient("L").resize((300, 200)).save(other)
    result = run_cli("lookup", str(other), "--out", str(evaluated_copy))
    assert "no match" in result.stdout


@pytest.mark.parametrize(
    ("content", "expected"),
    [(b"not an image at all", "not an image"), (None, "cannot read")],
)
def test_lookup_refuses_unreadable_input_with_one_line(
    demo_crawl: DemoCrawl, tmp_path: Path, content: bytes | None, expected: str
) -> None:
    path = tmp_path / "query.jpg"
    if content is not None:
        path.write_bytes(content)
    result = run_cli("lookup", str(path), "--out", str(demo_crawl.out), check=False)
    assert result.returncode != 0
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    assert expected in lines[0]


def test_index_answers_exactly_what_a_scan_answers(demo_crawl: DemoCrawl) -> None:
    """Every collected image of the demo web as a query (and a re-post of it): the hash index
    returns the same matches, with the same distances, as comparing with every stored image."""
    store = open_copy(demo_crawl.out)
    photo_index = store_index(store)
    everything = list(stored_hashsets(store, collected_only=False))
    assert photo_index.images == sum(1 for _, h in everything if h.pdq or h.phash)
    rows = store.all(Image, decision="collected", run_id=demo_crawl.runs["reproduce"].run_id)
    assert len(rows) > 50
    for row in rows[::3]:
        data = warc_payload(demo_crawl.out, row)
        for blob in (data, make_variant(data, crop=0.08, scale=0.6, quality=65)):
            query = query_from_bytes(blob)
            by_index = find_matches(store, query, collected_only=False, index=photo_index)
            by_scan = matches(query, everything)
            assert by_index == by_scan, row.url


def test_index_cache_follows_the_evidence_chain(crawl_copy: Path) -> None:
    store = open_copy(crawl_copy)
    cache = crawl_copy / "index"
    first = store_index(store, cache)
    assert (cache / "photo-index" / "meta.json").is_file()
    again = store_index(store, cache)
    assert again.chain_seq == first.chain_seq
    assert again.images == first.images
    assert len(again.index) == len(first.index)
    # a purge appends to the chain: the cached index is rebuilt without the purged images
    add_optout(store, crawl_copy / "warc", url="http://commonsgallery.org/photos/full-moon.jpg")
    after = store_index(store, cache)
    assert after.chain_seq > first.chain_seq
    assert after.images < first.images
