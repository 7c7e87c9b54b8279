"""The crawler's own DOM walk over pages as hostile or broken templates leave them."""

from __future__ import annotations

from crawler.extract import extract_page

# An unrendered template leaves attribute names holding braces; lxml reads such a name as a
# namespace ("{ns}local") and raised ValueError on every read of the element's attributes.
BRACED = (
    "<html lang=en><head><title>Posts</title></head><body>"
    '<figure data-{{id}}="card"><img src="/img/a.jpg" {q=1 alt="A dune">'
    "<figcaption>Dunes near Tofino</figcaption></figure>"
    '<p><a href="/next" {{attrs}}>Next</a></p>'
    "<dl><dt {x}=1>Residence</dt><dd>Gary, IN</dd></dl>"
    "</body></html>"
)


def test_braced_attribute_names_keep_links_images_and_captions() -> None:
    page = extract_page("http://example.test/posts", BRACED)
    assert page.title == "Posts"
    assert page.lang == "en"
    assert [link.url for link in page.links] == ["http://example.test/next"]
    assert page.captions == {"http://example.test/img/a.jpg": "Dunes near Tofino"}
    assert page.labelled_fields == ["Residence: Gary, IN"]


def test_control_characters_and_surrogates_do_not_raise() -> None:
    page = extract_page("http://example.test/", "<p>\x00\x0b\ud800<a href='/x'>x</a></p>")
    assert [link.url for link in page.links] == ["http://example.test/x"]


def test_a_page_garbled_by_a_lying_charset_keeps_its_links_and_captions() -> None:
    """<meta charset="utf-16"> on UTF-8 bytes: Scrapy's response.text held no '<'."""
    from scrapy.http import HtmlResponse

    body = (
        b'<html><head><meta charset="utf-16"><title>Posts</title></head><body>'
        b'<figure><img src="/img/a.jpg"><figcaption>Dunes</figcaption></figure>'
        b'<a href="/next">Next</a></body></html>'
    )
    response = HtmlResponse("http://example.test/", body=body)
    assert "<" not in response.text
    page = extract_page(response.url, response.text)
    assert [link.url for link in page.links] == ["http://example.test/next"]
    assert page.captions == {"http://example.test/img/a.jpg": "Dunes"}
