"""Jurisdiction inference over the demo crawl, scored against the manifest (issue 4).

Prints an accuracy table (run pytest with ``-s`` to see it) and asserts: the site country is
right for every host; the subject country is right for at least 95 % of the face images whose
person the site places somewhere, and the subdivision for at least 85 %; every terms clause the
manifest lists is found with its sentence, and none is invented.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from tests.conftest import DemoCrawl


def _top(candidates: list[dict[str, Any]], *, subdivision: bool) -> str | None:
    for candidate in candidates:
        code = candidate["code"]
        if ("-" in code) == subdivision:
            return str(code)
    return None


def _country(candidates: list[dict[str, Any]]) -> str | None:
    return candidates[0]["code"].split("-")[0] if candidates else None


def test_jurisdiction_accuracy_table(demo_crawl: DemoCrawl) -> None:
    run = demo_crawl.runs["reproduce"]
    records = run.by_url
    rows: list[tuple[str, str, str, str]] = []

    site_right = 0
    for host in demo_crawl.manifest["hosts"]:
        truth = host["site_jurisdiction"]
        tops = Counter(
            _country(r["site_jurisdiction"]) for r in run.records if r["host"] == host["host"]
        )
        found = tops.most_common(1)[0][0] if tops else None
        ok = found == truth["country"]
        site_right += ok
        rows.append(
            ("site", host["host"], f"{truth['country']}", f"{found} {'ok' if ok else 'WRONG'}")
        )

    faces = [
        i
        for i in demo_crawl.manifest["images"]
        if i["face"] and i["subject"] and records[i["url"]]["decision"] == "collected"
    ]
    country_right = subdivision_right = 0
    wrong: list[str] = []
    for image in faces:
        record = records[image["url"]]
        candidates = record["subject_jurisdiction"]
        country = _country(candidates)
        subdivision = _top(candidates, subdivision=True)
        country_right += country == image["subject"]["country"]
        subdivision_right += subdivision == image["subject"]["jurisdiction"]
        if subdivision != image["subject"]["jurisdiction"]:
            wrong.append(
                f"{image['url']}: {subdivision or country} != {image['subject']['jurisdiction']}"
            )

    total = len(faces)
    print("\njurisdiction accuracy against the demo web's manifest")
    print(f"{'what':<8} {'host':<24} {'truth':<6} found")
    for what, host, truth, found in rows:
        print(f"{what:<8} {host:<24} {truth:<6} {found}")
    print(f"site country: {site_right}/{len(rows)}")
    print(f"subject country: {country_right}/{total} = {country_right / total:.0%}")
    print(f"subject subdivision: {subdivision_right}/{total} = {subdivision_right / total:.0%}")
    for line in wrong:
        print("  subdivision miss:", line)

    assert site_right == len(rows), rows
    assert total >= 30, "the demo web places at least 30 pictured people"
    assert country_right / total >= 0.95
    assert subdivision_right / total >= 0.85


def test_subject_unknown_stays_unknown(demo_crawl: DemoCrawl) -> None:
    """Landscapes with nobody in them get no subject jurisdiction beyond the site fallback."""
    records = demo_crawl.runs["reproduce"].by_url
    for image in demo_crawl.manifest["images"]:
        record = records.get(image["url"])
        if image["subject"] is None and record and record["decision"] == "collected":
            for candidate in record["subject_jurisdiction"]:
                sources = {e["source"] for e in candidate["evidence"]}
                assert sources <= {
                    "site-fallback",
                    "exif-gps",
                    "xmp-location",
                    "location-text",
                    "phone",
                    "postal-address",
                }, (image["url"], sources)
                if sources == {"site-fallback"}:
                    assert candidate["confidence"] <= 0.15
