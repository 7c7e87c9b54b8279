"""The opt-out gate's rule table, one positive and one negative case per rule (and then some).

Each case builds real snapshots from text (robots.txt, ai.txt, tdmrep.json, HTML, headers) and
asks the gate; ``expected`` is the list of rule ids that forbid the step (empty = allowed).
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from provenance.signals.aitxt import AiTxt
from provenance.signals.gate import (
    RULES,
    GateDecision,
    HostContext,
    Mode,
    Stage,
    check_image_after,
    check_image_before,
    check_page,
)
from provenance.signals.model import Level, Signal, SignalKind
from provenance.signals.page import page_signals
from provenance.signals.robotstxt import RobotsSnapshot
from provenance.signals.rsl import RslDocument
from provenance.signals.tdmrep import TdmFile

SITE = "https://photos.example"
PAGE_URL = f"{SITE}/people/today.html"
IMAGE_URL = f"{SITE}/img/face.jpg"
ALLOW_ALL = "User-agent: *\nAllow: /\n"


def host(
    robots: str = ALLOW_ALL,
    robots_status: int | None = 200,
    robots_error: str | None = None,
    ai: str | None = None,
    ai_status: int | None = 200,
    tdm: Any = None,
    terms: tuple[tuple[str, str], ...] = (),
    rsl: str | None = None,
) -> HostContext:
    return HostContext(
        rsl=None
        if rsl is None
        else RslDocument.from_fetch(f"{SITE}/license.xml", 200, rsl.encode(), None),
        robots=RobotsSnapshot.from_fetch(
            f"{SITE}/robots.txt", robots_status, robots.encode(), robots_error
        ),
        ai_txt=None
        if ai is None
        else AiTxt.from_fetch(f"{SITE}/ai.txt", ai_status, ai.encode(), None),
        tdmrep=None
        if tdm is None
        else TdmFile.from_fetch(
            f"{SITE}/.well-known/tdmrep.json", 200, json.dumps(tdm).encode(), None
        ),
        terms=terms,
        terms_url=f"{SITE}/terms",
    )


def page_decision(**kwargs: Any) -> GateDecision:
    return check_page(host(**kwargs), PAGE_URL)


PAGE_CASES = [
    # robots-unreachable: 5xx or timeout means complete disallow
    ("robots 503", {"robots_status": 503}, ["robots-unreachable"]),
    (
        "robots timeout",
        {"robots_status": None, "robots_error": "timed out"},
        ["robots-unreachable"],
    ),
    # ... but 4xx means no restriction
    ("robots 404", {"robots_status": 404, "robots": "User-agent: *\nDisallow: /"}, []),
    # robots-disallow: the '*' group applies to provtrack when it has no group of its own
    ("robots * disallow", {"robots": "User-agent: *\nDisallow: /people/"}, ["robots-disallow"]),
    # ... provtrack's own group wins over '*'
    (
        "own group allows",
        {"robots": "User-agent: provtrack\nAllow: /\n\nUser-agent: *\nDisallow: /"},
        [],
    ),
    # ... another bot's group is recorded, never applied
    ("GPTBot disallowed", {"robots": "User-agent: GPTBot\nDisallow: /\n"}, []),
    # terms-prohibit-scraping
    (
        "terms no scraping",
        {"terms": (("prohibits-scraping", "You may not scrape this site."),)},
        ["terms-prohibit-scraping"],
    ),
    (
        "terms no bots",
        {"terms": (("prohibits-automated-access", "No robots or spiders."),)},
        ["terms-prohibit-scraping"],
    ),
    # ... other terms findings inform policies, not the gate
    ("terms biometric", {"terms": (("prohibits-biometric-use", "No face recognition."),)}, []),
]


@pytest.mark.parametrize(("case", "kwargs", "expected"), PAGE_CASES, ids=[c[0] for c in PAGE_CASES])
def test_page_gate(case: str, kwargs: dict[str, Any], expected: list[str]) -> None:
    decision = page_decision(**kwargs)
    assert decision.stage is Stage.PAGE
    assert decision.rule_ids == expected, case
    assert decision.allowed == (not expected)
    for reason in decision.reasons:
        assert reason.evidence
        assert reason.restricts


def before(
    page_html: str = "<html><body><img src='/img/face.jpg'></body></html>",
    page_headers: dict[str, Any] | None = None,
    image_url: str = IMAGE_URL,
    **host_kwargs: Any,
) -> GateDecision:
    page = page_signals(PAGE_URL, page_html, page_headers or {})
    return check_image_before(host(**host_kwargs), image_url, page)


def meta(name: str, content: str) -> str:
    return f'<html><head><meta name="{name}" content="{content}"></head><body></body></html>'


def rsl_doc(element: str, url: str = "/img/") -> str:
    """An RSL document with one <content> and one <license> holding ``element``."""
    return (
        '<rsl xmlns="https://rslstandard.org/rsl">'
        f'<content url="{url}"><license>{element}</license></content></rsl>'
    )


BEFORE_CASES = [
    # rsl-prohibits: the host's RSL licence prohibits the crawl's usages for the image URL
    (
        "rsl prohibits ai-all",
        {"rsl": rsl_doc('<prohibits type="usage">ai-all</prohibits>')},
        ["rsl-prohibits"],
    ),
    # ... not for a usage the face-search crawl is not (search)
    ("rsl prohibits search", {"rsl": rsl_doc('<prohibits type="usage">search</prohibits>')}, []),
    # ... nor for another path
    (
        "rsl prohibits elsewhere",
        {"rsl": rsl_doc('<prohibits type="usage">all</prohibits>', "/private/")},
        [],
    ),
    # ... a paid permission is recorded (licence offered, not taken), never an opt-out
    (
        "rsl permits for payment",
        {
            "rsl": rsl_doc(
                '<permits type="usage">ai-train</permits><payment type="crawl">'
                '<amount currency="USD">1</amount></payment>'
            )
        },
        [],
    ),
    # terms-prohibit-scraping: the terms cover the host's images as well as its pages
    (
        "image host terms no scraping",
        {"terms": (("prohibits-scraping", "You may not scrape this site."),)},
        ["terms-prohibit-scraping"],
    ),
    ("image host terms biometric only", {"terms": (("prohibits-biometric-use", "No FR."),)}, []),
    # robots-unreachable / robots-disallow on the image URL
    ("image robots 500", {"robots_status": 500}, ["robots-unreachable"]),
    ("image robots 410", {"robots_status": 410}, []),
    ("image path disallowed", {"robots": "User-agent: *\nDisallow: /img/"}, ["robots-disallow"]),
    (
        "longer allow wins",
        {"robots": "User-agent: *\nDisallow: /img/\nAllow: /img/face"},
        [],
    ),
    # page-robots-directive: page-level image opt-outs, for all crawlers or for provtrack
    ("meta noimageindex", {"page_html": meta("robots", "noimageindex")}, ["page-robots-directive"]),
    ("meta provtrack noml", {"page_html": meta("provtrack", "noml")}, ["page-robots-directive"]),
    ("meta none", {"page_html": meta("ROBOTS", "NONE")}, ["page-robots-directive"]),
    ("header noai", {"page_headers": {"X-Robots-Tag": "noai"}}, ["page-robots-directive"]),
    (
        "header noimageai",
        {"page_headers": {"X-Robots-Tag": "provtrack: noimageai"}},
        ["page-robots-directive"],
    ),
    # ... scoped to another bot: recorded, never restricts
    ("meta GPTBot noimageai", {"page_html": meta("GPTBot", "noimageai")}, []),
    ("header otherbot noai", {"page_headers": {"X-Robots-Tag": "otherbot: noai"}}, []),
    # ... noindex on the page is about the page, not its images
    ("meta noindex", {"page_html": meta("robots", "noindex, nofollow")}, []),
    # page-tdm-reservation: header or meta, meta overriding header
    ("page tdm header", {"page_headers": {"tdm-reservation": "1"}}, ["page-tdm-reservation"]),
    ("page tdm meta", {"page_html": meta("tdm-reservation", "1")}, ["page-tdm-reservation"]),
    (
        "page tdm meta overrides header",
        {"page_headers": {"tdm-reservation": "1"}, "page_html": meta("tdm-reservation", "0")},
        [],
    ),
    ("page tdm protocol error", {"page_headers": {"tdm-reservation": "2"}}, []),
    # tdmrep-file-reservation: a rule reserving the image path
    (
        "tdmrep reserves /img/",
        {"tdm": [{"location": "/img/", "tdm-reservation": 1}]},
        ["tdmrep-file-reservation"],
    ),
    ("tdmrep reserves /docs/", {"tdm": [{"location": "/docs/", "tdm-reservation": 1}]}, []),
    (
        "tdmrep first in sequence is 0",
        {
            "tdm": [
                {"location": "/img/", "tdm-reservation": 0},
                {"location": "/", "tdm-reservation": 1},
            ]
        },
        [],
    ),
    # ai-txt-disallow
    ("ai.txt *.jpg", {"ai": "User-Agent: *\nDisallow: *.jpg\n"}, ["ai-txt-disallow"]),
    ("ai.txt unreachable", {"ai": "User-Agent: *\nDisallow: /\n", "ai_status": 503}, []),
    ("ai.txt GPTBot only", {"ai": "User-Agent: GPTBot\nDisallow: /\n"}, []),
    # content-usage-no-training: page header or provtrack's robots group
    (
        "page Content-Usage",
        {"page_headers": {"Content-Usage": "train-ai=n"}},
        ["content-usage-no-training"],
    ),
    (
        "page Content-Usage genai",
        {"page_headers": {"Content-Usage": "train-genai=n"}},
        ["content-usage-no-training"],
    ),
    (
        "page Content-Usage bots=n",
        {"page_headers": {"Content-Usage": "bots=n"}},
        ["content-usage-no-training"],
    ),
    (
        "robots Content-Usage for the image path",
        {"robots": "User-agent: *\nContent-Usage: /img/ train-ai=n\nAllow: /\n"},
        ["content-usage-no-training"],
    ),
    ("page Content-Usage y", {"page_headers": {"Content-Usage": "train-ai=y, search=n"}}, []),
    (
        "robots Content-Usage in another bot's group",
        {"robots": "User-agent: GPTBot\nContent-Usage: train-ai=n\n\nUser-agent: *\nAllow: /\n"},
        [],
    ),
    # content-signal-no-training
    (
        "robots Content-Signal",
        {"robots": "User-agent: *\nContent-Signal: search=yes, ai-train=no\nAllow: /\n"},
        ["content-signal-no-training"],
    ),
    (
        "page Content-Signal",
        {"page_headers": {"Content-Signal": "ai-train=no"}},
        ["content-signal-no-training"],
    ),
    ("Content-Signal yes", {"page_headers": {"Content-Signal": "ai-train=yes, search=no"}}, []),
    # licences restrict nothing
    (
        "licence",
        {
            "page_html": '<link rel="license" href="https://creativecommons.org/licenses/by-nd/4.0/">'
        },
        [],
    ),
]


@pytest.mark.parametrize(
    ("case", "kwargs", "expected"), BEFORE_CASES, ids=[c[0] for c in BEFORE_CASES]
)
def test_image_before_download_gate(case: str, kwargs: dict[str, Any], expected: list[str]) -> None:
    decision = before(**kwargs)
    assert decision.stage is Stage.IMAGE_BEFORE
    assert decision.rule_ids == expected, case
    assert decision.allowed == (not expected)
    assert all(reason in decision.considered for reason in decision.reasons)


def iptc(value: str, restricts: bool) -> Signal:
    return Signal(
        SignalKind.IPTC_DATA_MINING,
        value,
        "xmp",
        f"plus:DataMining={value}",
        Level.IMAGE,
        restricts=restricts,
    )


AFTER_CASES = [
    # image-x-robots-tag: on the image itself noindex counts too
    ("image noindex", {"X-Robots-Tag": "noindex"}, (), ["image-x-robots-tag"]),
    (
        "image provtrack noimageai",
        {"X-Robots-Tag": ["provtrack: noimageai"]},
        (),
        ["image-x-robots-tag"],
    ),
    ("image googlebot noai", {"X-Robots-Tag": "googlebot: noai"}, (), []),
    ("image nosnippet", {"X-Robots-Tag": "nosnippet"}, (), []),
    # image-tdm-reservation
    ("image tdm 1", {"tdm-reservation": "1"}, (), ["image-tdm-reservation"]),
    ("image tdm 0", {"tdm-reservation": "0"}, (), []),
    # embedded-data-mining: IPTC plus:DataMining / C2PA training-mining from the media module
    ("iptc prohibited", {}, (iptc("DMI-PROHIBITED-AIMLTRAINING", True),), ["embedded-data-mining"]),
    (
        "c2pa notAllowed",
        {},
        (
            Signal(
                SignalKind.C2PA_TRAINING_MINING,
                "notAllowed",
                "c2pa",
                "cawg.ai_training",
                Level.IMAGE,
                restricts=True,
            ),
        ),
        ["embedded-data-mining"],
    ),
    ("iptc allowed", {}, (iptc("DMI-ALLOWED", False),), []),
    # the image's own Content-Usage is recorded but is not a rule of this stage
    ("image Content-Usage", {"Content-Usage": "train-ai=n"}, (), []),
]


@pytest.mark.parametrize(
    ("case", "headers", "embedded", "expected"), AFTER_CASES, ids=[c[0] for c in AFTER_CASES]
)
def test_image_after_download_gate(
    case: str, headers: dict[str, Any], embedded: tuple[Signal, ...], expected: list[str]
) -> None:
    decision = check_image_after(IMAGE_URL, headers, embedded)
    assert decision.stage is Stage.IMAGE_AFTER
    assert decision.rule_ids == expected, case
    assert decision.allowed == (not expected)


def test_every_rule_has_a_positive_case() -> None:
    positive = {(Stage.PAGE, r) for _, _, ids in PAGE_CASES for r in ids}
    positive |= {(Stage.IMAGE_BEFORE, r) for _, _, ids in BEFORE_CASES for r in ids}
    positive |= {(Stage.IMAGE_AFTER, r) for _, _, _, ids in AFTER_CASES for r in ids}
    assert positive == {(rule.stage, rule.id) for rule in RULES}


def test_several_reasons_each_with_evidence() -> None:
    decision = before(
        page_html=meta("robots", "noimageindex"),
        page_headers={"tdm-reservation": "1"},
        ai="User-Agent: *\nDisallow: /\n",
        robots="User-agent: *\nDisallow: /img/\n",
    )
    assert decision.rule_ids == [
        "robots-disallow",
        "ai-txt-disallow",
        "page-robots-directive",
        "page-tdm-reservation",
    ]
    evidence = [r.evidence for r in decision.reasons]
    assert evidence == [
        "Disallow: /img/",
        "Disallow: /",
        '<meta name="robots" content="noimageindex">',
        "tdm-reservation: 1",
    ]


def test_reproduce_mode_fetches_and_lists_what_it_overrides() -> None:
    compliant = before(page_html=meta("robots", "noai"))
    reproduce = check_image_before(
        host(), IMAGE_URL, page_signals(PAGE_URL, meta("robots", "noai"), {}), mode=Mode.REPRODUCE
    )
    assert not compliant.allowed
    assert reproduce.allowed
    assert reproduce.mode is Mode.REPRODUCE
    assert reproduce.reasons == compliant.reasons
    assert reproduce.rule_ids == ["page-robots-directive"]


def test_other_bot_signals_are_considered_but_not_reasons() -> None:
    decision = before(page_html=meta("GPTBot", "noai"))
    assert decision.allowed
    assert any(s.agent == "gptbot" and s.value == "noai" for s in decision.considered)


def test_missing_inputs_are_named() -> None:
    decision = check_image_before(host(), IMAGE_URL)
    assert decision.allowed
    assert decision.not_consulted == ["tdmrep.json", "ai.txt", "page"]


def test_cross_host_image_uses_the_image_hosts_robots_and_the_page_hosts_preferences() -> None:
    cdn = HostContext(
        robots=RobotsSnapshot.from_fetch(
            "https://cdn.example/robots.txt", 200, b"User-agent: *\nDisallow: /private/\n", None
        )
    )
    site = host(robots="User-agent: *\nContent-Signal: ai-train=no\nAllow: /\n")
    page = page_signals(PAGE_URL, "<img src='https://cdn.example/private/x.jpg'>", {})
    decision = check_image_before(cdn, "https://cdn.example/private/x.jpg", page, page_host=site)
    assert decision.rule_ids == ["robots-disallow", "content-signal-no-training"]
    assert decision.reasons[0].url == "https://cdn.example/robots.txt"
    assert decision.reasons[1].url == f"{SITE}/robots.txt"
