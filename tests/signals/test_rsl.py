"""RSL 1.0 licence documents: discovery, safe parsing, the applying <content>, and the verdict.

Every outcome the gate can act on is here both ways: a prohibition that stops the crawl and one
that does not cover its purpose; a paid permission recorded as offered, not taken, and a free
one; documents that cannot be read, which say nothing (never permission).
"""

from __future__ import annotations

import pytest

from provenance.observation import Status
from provenance.signals.gate import HostContext, Mode, check_image_before
from provenance.signals.model import SignalKind
from provenance.signals.robotstxt import RobotsSnapshot
from provenance.signals.rsl import RslDocument, covering, current_token, robots_license_urls

DOC = b"""<?xml version="1.0" encoding="UTF-8"?>
<rsl xmlns="https://rslstandard.org/rsl">
  <content url="/">
    <license><permits type="usage">search</permits></license>
  </content>
  <content url="/photos/*.jpg">
    <license><prohibits type="usage">ai-all</prohibits></license>
  </content>
  <content url="/photos/press/">
    <license>
      <permits type="usage">ai-train,ai-input</permits>
      <payment type="training"><amount currency="USD">0.05</amount></payment>
    </license>
  </content>
  <content url="/free/">
    <license><permits type="usage">ai-train</permits><payment type="free"/></license>
  </content>
  <content url="/drafts/">
    <license><prohibits type="usage">train-ai</prohibits></license>
  </content>
  <content url="/index-only/">
    <license><prohibits type="usage">ai-index</prohibits></license>
  </content>
  <content url="https://other.example/elsewhere/">
    <license><prohibits type="usage">all</prohibits></license>
  </content>
</rsl>
"""
BASE = "https://site.example"


def doc(body: bytes = DOC, status: int | None = 200, error: str | None = None) -> RslDocument:
    return RslDocument.from_fetch(f"{BASE}/license.xml", status, body, error)


def values(url: str, usages: tuple[str, ...] = ("ai-train", "ai-input", "ai-index")) -> list:
    return [(s.value, s.restricts) for s in doc().signals_for(url, usages)]


@pytest.mark.parametrize(
    ("path", "usages", "expected"),
    [
        # prohibits ai-all: covers every AI usage of a face-search crawl -> opt-out
        ("/photos/a.jpg", ("ai-train", "ai-input", "ai-index"), [("prohibits ai-all", True)]),
        # does not fire: a crawl under no AI usage (a classroom demo) is not stopped by ai-all
        ("/photos/a.jpg", (), [("other usages", False)]),
        # the longest <content> wins: the press folder is offered for a price, not prohibited
        (
            "/photos/press/b.jpg",
            ("ai-train",),
            [("licence offered, not taken", False)],
        ),
        # a free permission is a permission, recorded as such
        ("/free/c.jpg", ("ai-train",), [("permits ai-train", False)]),
        # a draft's token (train-ai) means ai-train
        ("/drafts/d.jpg", ("ai-train",), [("prohibits train-ai", True)]),
        # does not fire: ai-index is prohibited but the crawl only trains
        ("/index-only/e.jpg", ("ai-train",), [("other usages", False)]),
        # fires: the face-search crawl indexes too
        ("/index-only/e.jpg", ("ai-index",), [("prohibits ai-index", True)]),
        # the root content permits search only: nothing for an AI crawl
        ("/about", ("ai-train",), [("other usages", False)]),
    ],
)
def test_the_most_specific_content_decides(
    path: str, usages: tuple[str, ...], expected: list
) -> None:
    assert values(f"{BASE}{path}", usages) == expected


def test_a_full_url_content_applies_only_to_its_own_origin() -> None:
    assert values("https://other.example/elsewhere/x.jpg") == [("prohibits all", True)]
    assert values(f"{BASE}/elsewhere/x.jpg") == [("other usages", False)]


def test_evidence_is_the_license_element_and_the_terms_are_kept() -> None:
    [signal] = doc().signals_for(f"{BASE}/photos/press/b.jpg", ("ai-train",))
    assert signal.kind is SignalKind.RSL
    assert signal.evidence.startswith('<license xmlns="https://rslstandard.org/rsl">')
    assert "0.05" in signal.evidence
    assert signal.extra["payment"] == "training"
    assert signal.extra["amounts"] == [["0.05", "USD"]]
    assert signal.extra["document"] == f"{BASE}/license.xml"


@pytest.mark.parametrize(
    ("body", "status", "error", "expected"),
    [
        (
            b'<!DOCTYPE x [<!ENTITY a "aaaa">]><rsl xmlns="https://rslstandard.org/rsl">&a;</rsl>',
            200,
            None,
            Status.UNPARSEABLE,
        ),
        (b"<rsl><content url='/'/></rsl>", 200, None, Status.UNPARSEABLE),  # no namespace
        (b"not xml at all", 200, None, Status.UNPARSEABLE),
        (b"", 404, None, Status.ABSENT),
        (None, None, "TimeoutError: took too long", Status.FETCH_FAILED),
        (b"<" * (600 * 1024), 200, None, Status.TOO_LARGE),
    ],
)
def test_unreadable_documents_say_nothing(
    body: bytes | None, status: int | None, error: str | None, expected: Status
) -> None:
    read = doc(body or b"", status, error) if body is not None else doc(b"", status, error)
    assert read.status is expected
    assert read.signals_for(f"{BASE}/photos/a.jpg", ("ai-train",)) == []


def test_hostile_xml_is_named_as_such() -> None:
    bomb = (
        b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
        b'<!ENTITY lol2 "&lol;&lol;&lol;&lol;">]><rsl xmlns="https://rslstandard.org/rsl">'
        b"&lol2;</rsl>"
    )
    assert "hostile XML refused" in doc(bomb).reason


def test_tokens_and_their_ancestors() -> None:
    assert current_token("Train-AI") == "ai-train"
    assert covering(["ai-train"]) == {"ai-train", "ai-all", "all"}
    assert covering(["search"]) == {"search", "all"}


def test_robots_license_lines_are_global_and_resolved() -> None:
    text = (
        "License: https://cdn.example/rsl.xml\n"
        "User-agent: *\nDisallow: /private/\n"
        "license: /second.xml  # relative, read leniently\n"
    )
    assert robots_license_urls(text, f"{BASE}/robots.txt") == [
        "https://cdn.example/rsl.xml",
        f"{BASE}/second.xml",
    ]
    assert robots_license_urls("User-agent: *\nAllow: /\n", BASE) == []


def test_gate_skips_a_prohibited_image_in_compliant_mode_and_records_it_in_reproduce() -> None:
    robots = RobotsSnapshot.from_fetch(
        f"{BASE}/robots.txt", 200, b"User-agent: *\nAllow: /\n", None
    )
    host = HostContext(robots=robots, rsl=doc())
    url = f"{BASE}/photos/a.jpg"
    compliant = check_image_before(host, url)
    assert not compliant.allowed
    assert compliant.rule_ids == ["rsl-prohibits"]
    reproduce = check_image_before(host, url, mode=Mode.REPRODUCE)
    assert reproduce.allowed
    assert [s.kind for s in reproduce.reasons] == [SignalKind.RSL]
    offered = check_image_before(host, f"{BASE}/photos/press/b.jpg")
    assert offered.allowed
    assert any(s.value == "licence offered, not taken" for s in offered.considered)
