"""The manifest: its shape, its vocabulary, its determinism and the gate's expectations."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from demoweb.manifest import SCHEMA, build_manifest
from demoweb.sites import robotscases, xmpforms
from provenance.signals.model import SignalKind

SOURCE_TYPES = {
    "social_media",
    "news_publication",
    "business_directory",
    "statutory_registry",
    "court_record",
    "personal_site",
    "school_newsletter",
    "photo_sharing",
    "video_platform",
    "payment_feed",
    "image_gallery",
    "other",
}
WHERE = {
    "robots.txt",
    "ai.txt",
    "/.well-known/tdmrep.json",
    "header",
    "meta",
    "link",
    "json-ld",
    "xmp",
    "c2pa",
    "terms",
    "rsl",
}
HOSTS = {
    "maplebook.ca",
    "pixgram.com",
    "vidtube.com",
    "paylink.com",
    "nouvelles-mtl.ca",
    "prairiepros.ca",
    "countyrecords-il.us",
    "commonsgallery.org",
    "fotoblog-berlin.de",
    "northshore-school.ca",
    "portraitcircle.co.uk",
    "flaky-robots.net",
    "slow-robots.net",
    "broken-media.net",
    "www.lumen-social.com",
    "media.lumencdn.net",
    "softpage-robots.net",
    "gated-robots.net",
}
SMALL = {"flaky-robots.net", "slow-robots.net", "softpage-robots.net", "gated-robots.net"}
ROBOTS_CASES = robotscases.CASE_HOSTS
XMP_FORMS = frozenset({xmpforms.NAME})


def _all_signals(manifest: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        s
        for section in ("hosts", "pages", "images")
        for entry in manifest[section]
        for s in entry["signals"]
    ]


def test_top_level_shape(manifest: dict[str, Any]) -> None:
    assert manifest["schema"] == SCHEMA
    assert manifest["user_agent"] == "provtrack"
    assert {h["host"] for h in manifest["hosts"]} == HOSTS | ROBOTS_CASES | XMP_FORMS
    # the seed is the name a user types: the apex over http, even for an HTTPS www site;
    # a host that serves only files (the image CDN) is no seed
    seeds = [h["seed"] for h in manifest["hosts"] if h["seed"]]
    assert manifest["seeds"] == seeds
    for host in manifest["hosts"]:
        names = [host["host"], *(a["host"] for a in host["aliases"])]
        assert host["seed"] is None or host["seed"] in {f"http://{n}/" for n in names}
    assert {h["host"] for h in manifest["hosts"] if not h["seed"]} == {"media.lumencdn.net"}
    content = [i for i in manifest["images"] if i["host"] not in ROBOTS_CASES | XMP_FORMS]
    assert 95 <= len(content) <= 160
    cases = len(manifest["images"]) - len(content)
    # two photos per robots case, one on the mirror and one on the group host
    assert cases == 2 * len(ROBOTS_CASES) - 2 + len(xmpforms.IMAGES)
    per_host: dict[str, int] = {}
    for image in manifest["images"]:
        per_host[image["host"]] = per_host.get(image["host"], 0) + 1
    for host in HOSTS - SMALL - {"www.lumen-social.com"}:
        assert 6 <= per_host[host] <= 14, host


def test_host_entries(manifest: dict[str, Any]) -> None:
    for host in manifest["hosts"]:
        assert host["source_type"] in SOURCE_TYPES
        assert host["robots"]["outcome"] in {"parsed", "unavailable", "unreachable"}
        assert host["robots"]["status"] in {200, 404, 503, "timeout"}
        assert len(host["robots"]["redirects"]) <= 6
        assert set(host["robots"]["agents"].values()) <= {"allow", "disallow"}
        assert {"provtrack", "*", "GPTBot", "CCBot", "Googlebot"} <= host["robots"]["agents"].keys()
        juris = host["site_jurisdiction"]
        assert juris["evidence"], host["host"]
        if juris["subdivision"]:
            assert juris["subdivision"].startswith(juris["country"] + "-")


def test_signal_vocabulary_is_provtracks(manifest: dict[str, Any]) -> None:
    kinds = {k.value for k in SignalKind}
    signals = _all_signals(manifest)
    assert signals
    for s in signals:
        assert set(s) == {"kind", "value", "where", "agent", "restricts", "evidence"}
        assert s["kind"] in kinds, s
        assert s["where"] in WHERE, s
        assert isinstance(s["restricts"], bool)
        assert s["evidence"]
    seen = {s["kind"] for s in signals}
    assert seen == kinds - {"optout-registry"}  # every kind the web can carry is exercised


def test_one_signal_per_directive(pages: dict[str, dict[str, Any]]) -> None:
    meta = [s for s in pages["http://fotoblog-berlin.de/"]["signals"] if s["kind"] == "meta-robots"]
    assert [s["value"] for s in meta] == ["noai", "noimageai"]
    assert all(s["evidence"] == '<meta name="robots" content="noai, noimageai">' for s in meta)


def test_scoped_signals_do_not_restrict(
    images: dict[str, dict[str, Any]], pages: dict[str, dict[str, Any]]
) -> None:
    (googlebot,) = images["http://pixgram.com/media/studio-portrait.jpg"]["signals"]
    assert (googlebot["agent"], googlebot["value"], googlebot["restricts"]) == (
        "googlebot",
        "noimageindex",
        False,
    )
    (ours,) = images["http://pixgram.com/media/mirror-selfie.jpg"]["signals"]
    assert (ours["agent"], ours["value"], ours["restricts"]) == ("provtrack", "noai", True)
    (gpt,) = pages["http://prairiepros.ca/"]["signals"]
    assert (gpt["agent"], gpt["value"], gpt["restricts"]) == ("GPTBot", "noai", False)


def test_every_image_is_on_a_page_that_lists_it(
    manifest: dict[str, Any], pages: dict[str, dict[str, Any]]
) -> None:
    for image in manifest["images"]:
        assert image["pages"]
        for page in image["pages"]:
            assert image["url"] in pages[page]["images"]
    listed = {u for p in manifest["pages"] for u in p["images"]}
    assert listed == {i["url"] for i in manifest["images"]}


def test_shared_images_sit_on_pages_with_identical_signals(
    manifest: dict[str, Any], pages: dict[str, dict[str, Any]]
) -> None:
    shared = [i for i in manifest["images"] if len(i["pages"]) > 1]
    assert len(shared) >= 5
    for image in shared:
        first = pages[image["pages"][0]]
        for other in image["pages"][1:]:
            assert pages[other]["signals"] == first["signals"], image["url"]
            assert pages[other]["expect"] == first["expect"], image["url"]


def test_variants_of_one_photograph_span_hosts(manifest: dict[str, Any]) -> None:
    hosts_by_photo: dict[str, set[str]] = {}
    variants: set[str] = set()
    for image in manifest["images"]:
        if image["photo_id"]:
            hosts_by_photo.setdefault(image["photo_id"], set()).add(image["host"])
            variants.add(image["variant"])
    assert variants == {"original", "resized", "cropped", "recompressed", "mirrored"}
    assert hosts_by_photo["astronaut"] >= {"pixgram.com", "nouvelles-mtl.ca", "vidtube.com"}
    assert hosts_by_photo["lfw-012"] == {"maplebook.ca", "pixgram.com"}
    assert hosts_by_photo["lfw-070"] == {"nouvelles-mtl.ca", "pixgram.com"}


def test_determinism() -> None:
    first, second = build_manifest(), build_manifest()

    def mask(m: dict[str, Any]) -> dict[str, Any]:
        # c2pa-rs salts assertions with random bytes: signed files differ only in those.
        m = copy.deepcopy(m)
        for image in m["images"]:
            if image["c2pa"]:
                image["sha256"] = None
        return m

    signed = [i["url"] for i in first["images"] if i["c2pa"]]
    assert len(signed) == 2
    assert mask(first) == mask(second)
    assert [i["byte_size"] for i in first["images"]] == [i["byte_size"] for i in second["images"]]


# (url, compliant decision, stage, reasons) — one row per rule of the gate, and its negatives.
IMAGE_CASES = [
    # robots.txt closes the whole site: every page skipped, its images unseen
    ("http://maplebook.ca/media/avatars/emma.tremblay.jpg", "unseen", None, ["robots"]),
    ("http://maplebook.ca/media/posts/olivia.park/squad.jpg", "unseen", None, ["robots"]),
    # robots.txt 503 and timeout: unreachable means full disallow
    ("http://flaky-robots.net/img/portrait.jpg", "unseen", None, ["robots"]),
    ("http://slow-robots.net/img/portrait.jpg", "unseen", None, ["robots"]),
    # robots.txt disallows only the image path
    ("http://pixgram.com/raw/astronaut-full.jpg", "skip", "before-download", ["robots"]),
    # terms forbid scraping: home page read as a policy document, its images not collected
    ("http://vidtube.com/vi/k3Jd9xQ/hqdefault.jpg", "skip", "before-download", ["terms"]),
    ("http://vidtube.com/vi/Tq8NcYe/hqdefault.jpg", "unseen", None, ["terms"]),
    (
        "http://nouvelles-mtl.ca/photos/2024/06/festival-foule-vignette.jpg",
        "skip",
        "before-download",
        ["terms", "tdm-reservation"],
    ),
    ("http://nouvelles-mtl.ca/photos/2024/05/cafe-mile-end.jpg", "unseen", None, ["terms"]),
    # page-level meta robots and ai.txt
    (
        "http://fotoblog-berlin.de/bilder/2024/06/portraet-mia.jpg",
        "skip",
        "before-download",
        ["meta-robots", "ai-txt"],
    ),
    (
        "http://prairiepros.ca/img/pros/ken-takahashi.jpg",
        "skip",
        "before-download",
        ["meta-robots"],
    ),
    ("http://prairiepros.ca/img/pros/thumbs/ken-takahashi.jpg", "collect", None, []),
    ("http://prairiepros.ca/img/pros/li-wei.jpg", "skip", "before-download", ["x-robots-tag"]),
    (
        "http://prairiepros.ca/img/pros/sarah-olsen.jpg",
        "skip",
        "before-download",
        ["content-signal"],
    ),
    ("http://pixgram.com/media/lena-portrait.jpg", "skip", "before-download", ["content-usage"]),
    # page X-Robots-Tag: noindex says nothing about the page's images
    ("http://countyrecords-il.us/mugshots/2024-0312017.jpg", "collect", None, []),
    # image-level signals, read after download
    (
        "http://countyrecords-il.us/mugshots/2024-0312044.jpg",
        "skip",
        "after-download",
        ["x-robots-tag"],
    ),
    ("http://pixgram.com/media/ny-portrait.jpg", "skip", "after-download", ["x-robots-tag"]),
    ("http://pixgram.com/media/mirror-selfie.jpg", "skip", "after-download", ["x-robots-tag"]),
    ("http://pixgram.com/media/studio-portrait.jpg", "collect", None, []),
    ("http://pixgram.com/media/harbour-dawn.jpg", "skip", "after-download", ["tdm-reservation"]),
    ("http://pixgram.com/media/metro-commute.jpg", "skip", "after-download", ["iptc-data-mining"]),
    ("http://pixgram.com/media/astronaut.jpg", "skip", "after-download", ["c2pa-training-mining"]),
    (
        "http://pixgram.com/media/wicker-park-alley.jpg",
        "skip",
        "after-download",
        ["c2pa-training-mining"],
    ),
    # nothing said: collected (and licences / ai-train=yes restrict nothing)
    ("http://pixgram.com/media/jm-portrait.jpg", "collect", None, []),
    ("http://paylink.com/avatars/dev-patel.jpg", "collect", None, []),
    ("http://northshore-school.ca/images/2024/spring/grade4-class.jpg", "collect", None, []),
    ("http://commonsgallery.org/photos/mountain-temple.jpg", "collect", None, []),
    # hostile media
    ("http://broken-media.net/img/truncated.jpg", "fail", "after-download", ["unparseable"]),
    ("http://broken-media.net/img/corrupt.png", "fail", "after-download", ["unparseable"]),
    ("http://broken-media.net/img/not-an-image.jpg", "fail", "after-download", ["unparseable"]),
    ("http://broken-media.net/img/bomb.png", "fail", "after-download", ["too_large"]),
    ("http://broken-media.net/img/huge.png", "fail", "after-download", ["too_large"]),
    ("http://broken-media.net/img/loop-a.jpg", "fail", "after-download", ["redirect_loop"]),
    ("http://169.254.169.254/latest/meta-data/", "fail", "before-download", ["refused_address"]),
    ("http://broken-media.net/img/wrong-type.jpg", "collect", None, []),
    ("http://broken-media.net/img/scripted.jpg", "collect", None, []),
]


@pytest.mark.parametrize(("url", "decision", "stage", "reasons"), IMAGE_CASES)
def test_compliant_expectations(
    images: dict[str, dict[str, Any]],
    url: str,
    decision: str,
    stage: str | None,
    reasons: list[str],
) -> None:
    expect = images[url]["expect"]
    assert expect["compliant"] == {"decision": decision, "stage": stage, "reasons": reasons}
    reproduce = expect["reproduce"]
    if decision == "fail":
        assert reproduce["decision"] == "fail"
        assert reproduce["reasons"] == reasons
    else:
        assert reproduce["decision"] == "collect"
    assert reproduce["overrides"] == (reasons if decision in ("skip", "unseen") else [])


@pytest.mark.parametrize(
    ("url", "decision", "reasons", "policy_document"),
    [
        ("http://maplebook.ca/", "skip", ["robots"], False),
        ("http://maplebook.ca/terms", "skip", ["robots"], False),
        ("http://vidtube.com/", "fetch", [], True),
        ("http://vidtube.com/terms", "fetch", [], True),
        ("http://vidtube.com/c/torontoeats", "skip", ["terms"], False),
        ("http://nouvelles-mtl.ca/conditions-d-utilisation", "fetch", [], True),
        ("http://nouvelles-mtl.ca/actualites/2024/04/metro-ligne-bleue", "skip", ["terms"], False),
        ("http://flaky-robots.net/", "skip", ["robots"], False),
        ("http://slow-robots.net/photos", "skip", ["robots"], False),
        ("http://fotoblog-berlin.de/", "fetch", [], False),
        ("http://pixgram.com/terms", "fetch", [], False),
        ("http://broken-media.net/loop/a", "fetch", [], False),
    ],
)
def test_page_expectations(
    pages: dict[str, dict[str, Any]],
    url: str,
    decision: str,
    reasons: list[str],
    policy_document: bool,
) -> None:
    assert pages[url]["expect"]["compliant"] == {
        "decision": decision,
        "reasons": reasons,
        "policy_document": policy_document,
    }


def test_robots_agent_table(hosts: dict[str, dict[str, Any]]) -> None:
    maple = hosts["maplebook.ca"]["robots"]["agents"]
    assert maple["provtrack"] == "disallow"
    assert maple["Googlebot"] == "allow"
    foto = hosts["fotoblog-berlin.de"]["robots"]["agents"]
    assert (foto["provtrack"], foto["GPTBot"], foto["CCBot"]) == ("allow", "disallow", "disallow")
    assert hosts["paylink.com"]["robots"]["outcome"] == "unavailable"
    assert hosts["flaky-robots.net"]["robots"]["outcome"] == "unreachable"
    assert hosts["slow-robots.net"]["robots"]["status"] == "timeout"
    assert set(hosts["slow-robots.net"]["robots"]["agents"].values()) == {"disallow"}


def test_subjects(images: dict[str, dict[str, Any]], manifest: dict[str, Any]) -> None:
    olivia = images["http://maplebook.ca/media/posts/olivia.park/new-haircut.jpg"]["subject"]
    assert olivia == {
        "jurisdiction": "CA-AB",
        "country": "CA",
        "is_minor": True,
        "evidence": "profile text 'Lives in Calgary, AB' and 'Age 15' (rendered from /api/feed)",
    }
    assert images["http://pixgram.com/media/jm-portrait.jpg"]["subject"]["jurisdiction"] == "US-IL"
    assert (
        images["http://countyrecords-il.us/mugshots/2024-0313008.jpg"]["subject"]["jurisdiction"]
        == "US-IN"
    )
    for image in manifest["images"]:
        if image["subject"] is not None:
            assert image["face"], image["url"]  # subjects are people pictured
        if image["host"] == "northshore-school.ca" and image["face"]:
            assert image["subject"]["is_minor"]
