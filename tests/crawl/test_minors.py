"""Minors on the demo crawl, scored against the manifest in both modes (issue 16).

The manifest says, per image URL, whether the person pictured is a minor. Every record must
agree exactly (no minor missed, none invented), and every copy of one photograph on one host
(a thumbnail and its full image) must carry the same minor flag and subject jurisdiction.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import pytest

from tests.conftest import DemoCrawl


def _truth_minor(image: dict[str, Any]) -> bool:
    return bool(image["subject"] and image["subject"]["is_minor"])


@pytest.mark.parametrize("mode", ["reproduce", "compliant"])
def test_minors_are_exactly_the_manifest(demo_crawl: DemoCrawl, mode: str) -> None:
    records = demo_crawl.runs[mode].by_url
    truth = {i["url"]: _truth_minor(i) for i in demo_crawl.manifest["images"]}
    flagged = {url for url, r in records.items() if (r["subject"] or {}).get("is_minor") is True}
    expected = {url for url in records if truth.get(url)}
    print(f"\n{mode}: {len(flagged)} minors flagged, {len(expected)} in the manifest")
    assert flagged - expected == set(), "flagged as minors, not minors in the manifest"
    assert expected - flagged == set(), "minors in the manifest not flagged"
    if mode == "reproduce":
        # reproduce reaches every image: the whole ground truth, not a subset of it
        assert len(flagged) == sum(truth.values())


def test_every_copy_on_a_host_has_one_subject(demo_crawl: DemoCrawl) -> None:
    records = demo_crawl.runs["reproduce"].by_url
    copies: dict[tuple[str, str], list[str]] = defaultdict(list)
    for image in demo_crawl.manifest["images"]:
        if image["photo_id"] and image["url"] in records:
            copies[(image["host"], image["photo_id"])].append(image["url"])
    checked = 0
    for (host, photo), urls in copies.items():
        collected = [u for u in urls if records[u]["decision"] == "collected"]
        if len(collected) < 2:
            continue
        checked += 1
        subjects = {
            (
                (records[u]["subject"] or {}).get("is_minor"),
                tuple(c["code"] for c in records[u]["subject_jurisdiction"]),
            )
            for u in collected
        }
        assert len(subjects) == 1, f"{photo} on {host}: copies disagree: {subjects}"
    assert checked >= 10, "the demo web has thumbnails and full images on several hosts"
