"""page_signals: language, title, images (srcset, picture, lazy), and the page's own signals."""

from __future__ import annotations

import pytest

from provenance.observation import Status
from provenance.signals.model import SignalKind
from provenance.signals.page import PAGE_MAX_CHARS, page_signals, parse_srcset
from provenance.signals.tdmrep import TdmFile
from tests.signals.conftest import fixture_dir

PAGE = """<!doctype html>
<HTML LANG="fr-CA"><head>
<base href="/photos/">
<title>
  Portraits   du  jour
</title>
<meta name="robots" content="noimageindex">
</head><body>
<img src="a.jpg" srcset="a-480.jpg 480w, a-1080.jpg 1080w, https://cdn.e.com/w_100,h_100/a.jpg 100w"
     alt="Alice" title="At the beach" width="480" height="320">
<picture>
  <source srcset="b.avif 1x, b@2x.avif 2x" type="image/avif" media="(min-width: 600px)">
  <source srcset="b.webp">
  <img src="b.jpg" alt="Bob">
</picture>
<img src="data:image/png;base64,AAAA">
<img data-src="/lazy/c.jpg" src="">
<img src="javascript:alert(1)">
<img src="a.jpg">
</body></html>"""


def test_title_lang_and_content_language() -> None:
    page = page_signals("https://e.com/people/today.html", PAGE, {"Content-Language": "fr-CA, en"})
    assert page.status is Status.OK
    assert page.title == "Portraits du jour"
    assert page.lang == "fr-CA"
    assert page.content_language == ("fr-CA", "en")
    assert page.base_url == "https://e.com/photos/"


def test_images_resolved_grouped_and_largest_marked() -> None:
    page = page_signals("https://e.com/people/today.html", PAGE, {})
    rows = [
        (i.url, i.element, i.tag, i.attribute, i.descriptor, i.largest, i.alt) for i in page.images
    ]
    assert rows == [
        ("https://e.com/photos/a.jpg", 0, "img", "src", None, False, "Alice"),
        ("https://e.com/photos/a-480.jpg", 0, "img", "srcset", "480w", False, "Alice"),
        ("https://e.com/photos/a-1080.jpg", 0, "img", "srcset", "1080w", True, "Alice"),
        ("https://cdn.e.com/w_100,h_100/a.jpg", 0, "img", "srcset", "100w", False, "Alice"),
        ("https://e.com/photos/b.avif", 1, "picture>source", "srcset", "1x", False, "Bob"),
        ("https://e.com/photos/b@2x.avif", 1, "picture>source", "srcset", "2x", True, "Bob"),
        ("https://e.com/photos/b.webp", 1, "picture>source", "srcset", None, False, "Bob"),
        ("https://e.com/photos/b.jpg", 1, "picture>img", "src", None, False, "Bob"),
        ("https://e.com/lazy/c.jpg", 3, "img", "data-src", None, True, None),
        ("https://e.com/photos/a.jpg", 5, "img", "src", None, True, None),
    ]
    first = page.images[0]
    assert (first.title, first.width, first.height) == ("At the beach", "480", "320")
    avif = page.images[4]
    assert (avif.type, avif.media) == ("image/avif", "(min-width: 600px)")


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("a.jpg 1x, b.jpg 2x", [("a.jpg", "1x"), ("b.jpg", "2x")]),
        ("a.jpg", [("a.jpg", None)]),
        # as in the HTML parsing algorithm, a comma inside a URL belongs to the URL
        ("a.jpg,b.jpg 2x", [("a.jpg,b.jpg", "2x")]),
        ("a.jpg, b.jpg 2x", [("a.jpg", None), ("b.jpg", "2x")]),
        (
            "https://c/w_1,h_2/a.jpg 100w,  https://c/b.jpg 200w",
            [("https://c/w_1,h_2/a.jpg", "100w"), ("https://c/b.jpg", "200w")],
        ),
        ("  , ,", []),
        ("a.jpg 100w (junk, more), b.jpg", [("a.jpg", "100w (junk, more)"), ("b.jpg", None)]),
    ],
)
def test_srcset(value: str, expected: list[tuple[str, str | None]]) -> None:
    assert parse_srcset(value) == expected


def test_page_level_signals_from_headers_and_metas() -> None:
    html = (fixture_dir("tdmrep") / "w3c-spec_example_html-meta.html").read_text("utf-8")
    page = page_signals(
        "https://provider.com/doc.html",
        html.replace("<title>", '<meta name="robots" content="noai"><title>'),
        {
            "X-Robots-Tag": ["otherbot: noimageindex"],
            "tdm-reservation": ["0"],
            "Content-Usage": "train-ai=n",
        },
    )
    kinds = [(s.kind, s.value) for s in page.signals]
    assert (SignalKind.META_ROBOTS, "noai") in kinds
    assert (SignalKind.X_ROBOTS_TAG, "noimageindex") in kinds
    assert (SignalKind.CONTENT_USAGE, "train-ai=n") in kinds
    assert [s.source for s in page.tdm] == [
        "header:tdm-reservation",
        "meta:tdm-reservation",
        "meta:tdm-policy",
    ]
    state = page.tdm_state()
    assert state.reservation == 1
    assert state.decided_by is not None
    assert state.decided_by.source == "meta:tdm-reservation"
    assert state.policy == "https://provider.com/policies/policy.json"
    reserved_file = TdmFile.from_fetch(
        "https://provider.com/.well-known/tdmrep.json",
        200,
        b'[{"location": "/", "tdm-reservation": 0}]',
        None,
    )
    assert page.tdm_state(reserved_file).layers[0].source == "/.well-known/tdmrep.json"


@pytest.mark.parametrize(
    ("html", "status"),
    [
        ("", Status.ABSENT),
        (b"", Status.ABSENT),
        (b"<p>caf\xe9</p>", Status.OK),
        ("\x00\x00<img src=a.jpg>", Status.OK),
        ("<img src='a.jpg'" * 3, Status.OK),
    ],
)
def test_odd_inputs(html: str | bytes, status: Status) -> None:
    page = page_signals("https://e.com/", html, None)
    assert page.status is status


def test_oversized_page_is_read_in_part() -> None:
    html = "<img src=first.jpg>" + " " * PAGE_MAX_CHARS + "<img src=late.jpg>"
    page = page_signals("https://e.com/", html, {})
    assert page.status is Status.TOO_LARGE
    assert [i.url for i in page.images] == ["https://e.com/first.jpg"]


# Pages whose charset lies, decoded the way the crawler decodes them (Scrapy's response.text,
# which obeys the header, then <meta charset>). Each came out without a single '<': no meta
# robots, no TDMRep meta, no image, a page that said nothing.
LYING_PAGE = (
    b"<!doctype html><html lang=en><head>{meta}<title>Portraits</title>"
    b'<meta name="robots" content="noai, noimageai">'
    b'<meta name="tdm-reservation" content="1"></head>'
    b'<body><img src="/img/ana.jpg" alt="Ana"></body></html>'
)


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        # the HTML standard reads a UTF-16 meta charset as UTF-8 because pages do this
        (LYING_PAGE.replace(b"{meta}", b'<meta charset="utf-16">'), "text/html"),
        (LYING_PAGE.replace(b"{meta}", b""), "text/html; charset=UTF-16"),
        (LYING_PAGE.replace(b"{meta}", b""), "text/html; charset=utf-16be"),
        (LYING_PAGE.replace(b"{meta}", b""), "text/html; charset=cp500"),
        # a real UTF-16 page with neither BOM nor charset, read one byte per character
        (LYING_PAGE.replace(b"{meta}", b"").decode().encode("utf-16-le"), "text/html"),
    ],
)
def test_a_page_garbled_by_a_lying_charset_keeps_its_signals(
    body: bytes, content_type: str
) -> None:
    from scrapy.http import HtmlResponse

    response = HtmlResponse("https://e.com/p", body=body, headers={"Content-Type": content_type})
    page = page_signals(response.url, response.text, {})
    assert [(s.value, s.restricts) for s in page.meta_robots] == [
        ("noai", True),
        ("noimageai", True),
    ]
    assert page.tdm_state().reserved
    assert [i.url for i in page.images] == ["https://e.com/img/ana.jpg"]
    assert page.title == "Portraits"


def test_a_page_that_reads_as_html_is_not_recovered() -> None:
    page = page_signals("https://e.com/p", "<p>写真</p><meta name=robots content=noai>", {})
    assert page.status is Status.OK
    assert [s.value for s in page.meta_robots] == ["noai"]
    text_only = page_signals("https://e.com/p", "just some text, no markup", {})
    assert text_only.status is Status.OK


@pytest.mark.parametrize(
    "tag",
    [
        '<meta name="robots" content="noai" {x}="1">',
        '<meta name="robots" content="noai" data-{{id}}="1">',  # an unrendered template
        '<meta name="robots" content="noai" <!--{a=1>',
    ],
)
def test_an_attribute_named_with_a_brace_does_not_make_the_page_unreadable(tag: str) -> None:
    """lxml reads '{x}' as a namespace and raised ValueError on every attribute read of the
    element: page_signals raised, and the page, its opt-out and its images were lost."""
    html = f'<html><head>{tag}</head><body><img src="/a.jpg" {{q=1 alt="Ana"></body></html>'
    page = page_signals("https://e.com/p", html, {})
    assert [(s.value, s.restricts) for s in page.meta_robots] == [("noai", True)]
    assert [(i.url, i.alt) for i in page.images] == [("https://e.com/a.jpg", "Ana")]


def test_tdm_reservation_written_as_http_equiv_counts_as_the_pages_meta() -> None:
    """The header written into the page (<meta http-equiv>): it was not read at all."""
    html = (
        '<html><head><meta http-equiv="TDM-Reservation" content="1">'
        '<meta http-equiv="tdm-policy" content="https://e.com/policy.json"></head></html>'
    )
    page = page_signals("https://e.com/p", html, {})
    state = page.tdm_state()
    assert state.reserved
    assert state.policy == "https://e.com/policy.json"
    assert [s.source for s in page.tdm_meta] == ["meta:tdm-reservation", "meta:tdm-policy"]
