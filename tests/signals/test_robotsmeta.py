"""Meta robots and X-Robots-Tag: scoping, case, multiple header lines, unavailable_after."""

from __future__ import annotations

import pytest

from provenance.signals._html import meta_tags, parse_html
from provenance.signals.model import Level, SignalKind
from provenance.signals.page import page_signals
from provenance.signals.robotsmeta import (
    meta_robots_signals,
    parse_directives,
    x_robots_tag_signals,
)


def triples(value: str) -> list[tuple[str, str | None, str | None]]:
    return [(d.name, d.argument, d.agent) for d in parse_directives(value, scoped=True)]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("noindex", [("noindex", None, None)]),
        ("NoIndex, NOAI", [("noindex", None, None), ("noai", None, None)]),
        # a ua: prefix scopes every directive after it on the line
        (
            "googlebot: noindex, nofollow",
            [("noindex", None, "googlebot"), ("nofollow", None, "googlebot")],
        ),
        # until another ua: prefix
        (
            "noimageai, googlebot: noai, otherbot: noimageindex, none",
            [
                ("noimageai", None, None),
                ("noai", None, "googlebot"),
                ("noimageindex", None, "otherbot"),
                ("none", None, "otherbot"),
            ],
        ),
        # a date with a colon and a comma
        (
            "unavailable_after: Wednesday, 03-Nov-2027 15:00:00 GMT, noai",
            [
                ("unavailable_after", "Wednesday, 03-Nov-2027 15:00:00 GMT", None),
                ("noai", None, None),
            ],
        ),
        (
            "unavailable_after: 25 Jun 2010 15:00:00 PST",
            [("unavailable_after", "25 Jun 2010 15:00:00 PST", None)],
        ),
        (
            "provtrack: unavailable_after: Wed, 03 Nov 2027 15:00:00 GMT, googlebot: noindex",
            [
                ("unavailable_after", "Wed, 03 Nov 2027 15:00:00 GMT", "provtrack"),
                ("noindex", None, "googlebot"),
            ],
        ),
        (
            "max-snippet:-1, max-image-preview:large",
            [("max-snippet", "-1", None), ("max-image-preview", "large", None)],
        ),
        ("", []),
        (" , ,", []),
        ("bogus-directive", [("bogus-directive", None, None)]),
    ],
)
def test_x_robots_tag_parsing(
    value: str, expected: list[tuple[str, str | None, str | None]]
) -> None:
    assert triples(value) == expected


def test_each_header_line_is_scoped_on_its_own_and_restricts_only_provtrack() -> None:
    headers = {
        "X-Robots-Tag": ["googlebot: noai", "noimageindex", "provtrack: noml", "gptbot: noimageai"]
    }
    signals = x_robots_tag_signals(headers, url="https://e.com/p", level=Level.PAGE)
    assert [(s.value, s.agent, s.restricts) for s in signals] == [
        ("noai", "googlebot", False),
        ("noimageindex", None, True),
        ("noml", "provtrack", True),
        ("noimageai", "gptbot", False),
    ]
    assert signals[0].evidence == "X-Robots-Tag: googlebot: noai"
    assert all(
        s.kind is SignalKind.X_ROBOTS_TAG and s.source == "header:X-Robots-Tag" for s in signals
    )


@pytest.mark.parametrize(
    ("directive", "page_restricts", "image_restricts"),
    [
        ("noindex", False, True),
        ("noimageindex", True, True),
        ("noai", True, True),
        ("noimageai", True, True),
        ("noml", True, True),
        ("none", True, True),
        ("nofollow", False, False),
        ("nosnippet", False, False),
    ],
)
def test_restricts_depends_on_level(
    directive: str, page_restricts: bool, image_restricts: bool
) -> None:
    [page] = x_robots_tag_signals({"x-robots-tag": directive}, level=Level.PAGE)
    [image] = x_robots_tag_signals({b"X-Robots-Tag": [directive.encode()]}, level=Level.IMAGE)
    assert page.restricts is page_restricts
    assert image.restricts is image_restricts


def test_meta_tags_general_and_per_bot_case_insensitive() -> None:
    html = """<html><head>
    <META NAME="Robots" CONTENT="NoImageIndex, NoFollow">
    <meta name="googlebot" content="noai">
    <meta name="GPTBot" content="noimageai">
    <meta name="PROVTRACK" content="noml">
    <meta name="somecrawler" content="noai">
    <meta name="description" content="none">
    <meta name="viewport" content="width=device-width">
    </head></html>"""
    signals = meta_robots_signals(meta_tags(parse_html(html)), url="https://e.com/")
    assert [(s.value, s.agent, s.restricts, s.source) for s in signals] == [
        ("noimageindex", None, True, "meta:robots"),
        ("nofollow", None, False, "meta:robots"),
        ("noai", "googlebot", False, "meta:googlebot"),
        ("noimageai", "gptbot", False, "meta:gptbot"),
        ("noml", "provtrack", True, "meta:provtrack"),
        ("noai", "somecrawler", False, "meta:somecrawler"),
    ]
    assert signals[0].evidence.lower().startswith('<meta name="robots"')
    assert all(s.kind is SignalKind.META_ROBOTS and s.level is Level.PAGE for s in signals)


def test_unknown_directives_are_kept_and_marked() -> None:
    [signal] = x_robots_tag_signals({"X-Robots-Tag": "nofuture"})
    assert signal.value == "nofuture"
    assert signal.extra["known"] is False
    assert not signal.restricts


# Values as real servers and pages send them. Each was read as one unknown directive
# ("noai noimageai") and restricted nothing, although the page states an opt-out.
@pytest.mark.parametrize(
    ("value", "expected"),
    [
        # space-separated, as in the many pages that write content="noindex nofollow"
        ("noai noimageai", [("noai", None, None), ("noimageai", None, None)]),
        ("NOINDEX  NOFOLLOW", [("noindex", None, None), ("nofollow", None, None)]),
        # semicolons, and a trailing one
        ("noai; noimageai;", [("noai", None, None), ("noimageai", None, None)]),
        (
            "googlebot: noindex; provtrack: noai",
            [("noindex", None, "googlebot"), ("noai", None, "provtrack")],
        ),
        # a value whose quotes a server setting kept (Header set X-Robots-Tag "\"noai\"")
        ('"noai"', [("noai", None, None)]),
        ("'noimageai, noai'", [("noimageai", None, None), ("noai", None, None)]),
        # a versioned product token as scope
        ("provtrack/1.0: noai", [("noai", None, "provtrack/1.0")]),
        ("provtrack: noai noml", [("noai", None, "provtrack"), ("noml", None, "provtrack")]),
        # a space-separated list after a date is not part of the date
        (
            "unavailable_after: 25 Jun 2027 15:00:00 PST, noai noimageai",
            [
                ("unavailable_after", "25 Jun 2027 15:00:00 PST", None),
                ("noai", None, None),
                ("noimageai", None, None),
            ],
        ),
        # words that are no directive stay one unknown directive
        ("hello world", [("hello world", None, None)]),
    ],
)
def test_real_world_separators_and_quotes(
    value: str, expected: list[tuple[str, str | None, str | None]]
) -> None:
    assert triples(value) == expected


def test_space_separated_opt_outs_restrict_in_headers_and_metas() -> None:
    headers = {"X-Robots-Tag": ["noindex nofollow", "provtrack/1.0: noimageai", "otherbot: noai"]}
    signals = x_robots_tag_signals(headers, level=Level.PAGE)
    assert [(s.value, s.restricts) for s in signals] == [
        ("noindex", False),
        ("nofollow", False),
        ("noimageai", True),
        ("noai", False),
    ]
    html = '<html><head><meta name="robots" content="index follow noai"></head></html>'
    metas = meta_robots_signals(meta_tags(parse_html(html)))
    assert [(s.value, s.restricts) for s in metas] == [
        ("index", False),
        ("follow", False),
        ("noai", True),
    ]


def test_meta_http_equiv_x_robots_tag_and_a_robots_meta_in_the_body_count() -> None:
    html = """<html><head><meta http-equiv="X-Robots-Tag" content="otherbot: noai, noimageai">
    </head><body><p>profile</p><meta name="robots" content="noml"></body></html>"""
    page = page_signals("https://e.com/p", html, {})
    assert [(s.value, s.agent, s.restricts, s.source) for s in page.meta_robots] == [
        ("noml", None, True, "meta:robots"),
        ("noai", "otherbot", False, "meta:http-equiv:x-robots-tag"),
        ("noimageai", "otherbot", False, "meta:http-equiv:x-robots-tag"),
    ]
    provtrack = page_signals(
        "https://e.com/p", '<meta http-equiv="x-robots-tag" content="provtrack: noimageai">', {}
    )
    assert [(s.value, s.restricts) for s in provtrack.meta_robots] == [("noimageai", True)]


# unavailable_after on an image's own response: after the date, the server asks what noindex
# asks of that image. It was kept as an argument and never restricted, whatever the date.
@pytest.mark.parametrize(
    ("value", "image_restricts"),
    [
        ("unavailable_after: Wednesday, 03-Nov-2019 15:00:00 GMT", True),  # RFC 850
        ("unavailable_after: 25 Jun 2010 15:00:00 PST", True),  # RFC 822
        ("unavailable_after: 2020-01-01T00:00:00Z", True),  # ISO 8601
        ("provtrack: unavailable_after: 2020-01-01", True),
        ("otherbot: unavailable_after: 2020-01-01", False),
        ("unavailable_after: 2999-01-01", False),  # not yet
        ("unavailable_after: next tuesday", False),  # unreadable: no date to have passed
    ],
)
def test_a_passed_unavailable_after_restricts_the_image_it_is_sent_with(
    value: str, image_restricts: bool
) -> None:
    from provenance.signals.gate import check_image_after

    [image] = x_robots_tag_signals({"X-Robots-Tag": value}, level=Level.IMAGE)
    assert image.value == "unavailable_after"
    assert image.restricts is image_restricts
    # on a page it asks what noindex asks of the page: nothing of its images
    [page] = x_robots_tag_signals({"X-Robots-Tag": value}, level=Level.PAGE)
    assert not page.restricts
    decision = check_image_after("https://e.com/a.jpg", {"X-Robots-Tag": [value]}, [])
    assert decision.allowed is not image_restricts
    if image_restricts:
        assert decision.rule_ids == ["image-x-robots-tag"]
