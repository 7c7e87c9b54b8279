"""Licence statements: rel=license, JSON-LD (nested, @graph), CC marks; never restricting."""

from __future__ import annotations

import pytest

from provenance.observation import Status
from provenance.signals._html import parse_html
from provenance.signals.license import cc_short_id, license_signals


@pytest.mark.parametrize(
    ("url", "short"),
    [
        ("https://creativecommons.org/licenses/by-sa/4.0/", "CC-BY-SA-4.0"),
        ("http://creativecommons.org/licenses/by-nc-nd/3.0/de/", "CC-BY-NC-ND-3.0-DE"),
        ("https://creativecommons.org/licenses/by/2.0", "CC-BY-2.0"),
        ("https://creativecommons.org/licenses/by/", "CC-BY"),
        ("https://creativecommons.org/publicdomain/zero/1.0/", "CC0-1.0"),
        ("https://creativecommons.org/publicdomain/mark/1.0/", "PDM-1.0"),
        ("https://i.creativecommons.org/l/by-sa/4.0/88x31.png", "CC-BY-SA-4.0"),
        ("https://licensebuttons.net/p/zero/1.0/88x31.png", "CC0-1.0"),
        ("https://www.gnu.org/licenses/gpl-3.0.html", None),
        ("https://creativecommons.org/about/", None),
        ("not a url [", None),
    ],
)
def test_cc_short_ids(url: str, short: str | None) -> None:
    assert cc_short_id(url) == short


HTML = """<html><head>
<link rel="License" href="https://creativecommons.org/licenses/by/4.0/">
<meta name="DC.rights" content="All rights reserved">
<script type="application/ld+json">
{"@context": "https://schema.org", "@graph": [
  {"@type": "WebPage", "license": {"@id": "https://creativecommons.org/licenses/by-nc/4.0/"}},
  {"@type": "ImageObject", "contentUrl": "/photos/1.jpg",
   "license": ["https://creativecommons.org/publicdomain/zero/1.0/", "/terms#photos"]}
]}
</script>
<script type="application/ld+json"><!-- {"license": "https://example.org/l",} --></script>
<script type="application/ld+json">{oops</script>
</head><body>
<a rel="nofollow license" href="/licence.html">licence</a>
<a href="https://creativecommons.org/licenses/by-sa/3.0/"><img src="https://i.creativecommons.org/l/by-sa/3.0/80x15.png"></a>
</body></html>"""


def test_every_licence_statement_with_its_source() -> None:
    found = license_signals(
        parse_html(HTML), base_url="https://e.com/a/", url="https://e.com/a/page"
    )
    got = [(s.source, s.value, s.extra.get("applies_to")) for s in found.signals]
    assert got == [
        ("html:link[rel=license]", "CC-BY-4.0", None),
        ("html:a[rel=license]", "https://e.com/licence.html", None),
        ("meta:dc.rights", "All rights reserved", None),
        ("json-ld:license", "CC-BY-NC-4.0", None),
        ("json-ld:license", "CC0-1.0", "https://e.com/photos/1.jpg"),
        ("json-ld:license", "https://e.com/terms#photos", "https://e.com/photos/1.jpg"),
        ("json-ld:license", "https://example.org/l", None),
        ("html:cc-mark", "CC-BY-SA-3.0", None),
        ("html:cc-mark", "CC-BY-SA-3.0", None),
    ]
    assert not any(s.restricts for s in found.signals)
    assert found.jsonld_status is Status.UNPARSEABLE
    assert "1 of 3" in found.jsonld_reason


def test_page_without_licence() -> None:
    found = license_signals(parse_html("<p>hello</p>"), base_url="https://e.com/")
    assert found.signals == ()
    assert found.jsonld_status is Status.ABSENT
