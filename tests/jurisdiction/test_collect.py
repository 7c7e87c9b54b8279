"""site_evidence and subject_evidence on pages shaped like the demo web's sites."""

from __future__ import annotations

import json
from typing import Any

import pytest

from provenance.jurisdiction import (
    Candidate,
    EvidenceSource,
    infer_site,
    infer_subject,
    site_evidence,
    subject_evidence,
)

pytestmark = pytest.mark.usefixtures("geocoder")


def page(body: str, lang: str = "en", head: str = "") -> str:
    return (
        f'<!doctype html><html lang="{lang}"><head><meta charset="utf-8">{head}</head>'
        f"<body>{body}</body></html>"
    )


def top(cands: list[Candidate], n: int = 2) -> list[str]:
    return [c.code for c in cands[:n]]


def codes(cands: list[Candidate]) -> set[str]:
    return {c.code for c in cands}


MAPLEBOOK = page(
    """<nav><a href="/">Maplebook</a></nav>
    <main><h1>Sam Tremblay</h1><p class="location">Lives in Montreal, QC</p>
    <img src="/img/sam.jpg" alt="Sam at the lookout"></main>
    <footer><p>Maplebook Inc.</p><address>100 King St W, Toronto, ON M5X 1A9</address>
    <a href="/terms">Terms</a></footer>""",
    lang="en-CA",
)


def test_maplebook_site_is_ontario_not_the_profile_city() -> None:
    ev = site_evidence("http://maplebook.ca/u/sam", MAPLEBOOK, {}, None, "127.0.0.1")
    cands = infer_site(ev)
    assert top(cands) == ["CA", "CA-ON"]
    assert "CA-QC" not in codes(cands)  # the member's city is not the operator's
    assert not any(e.source is EvidenceSource.SERVER_IP for e in ev)  # loopback: nothing


def test_maplebook_subject_is_the_profile_city_and_site_is_only_fallback() -> None:
    site = infer_site(site_evidence("http://maplebook.ca/u/sam", MAPLEBOOK))
    ev = subject_evidence(None, None, "Sam at the lookout", None, ["Lives in Montreal, QC"], site)
    subject = infer_subject(ev)
    assert top(subject) == ["CA", "CA-QC"]
    assert not any(c.fallback_only for c in subject)
    assert any(e.source is EvidenceSource.SITE_FALLBACK for e in ev)  # recorded, not used


def test_profile_without_location_falls_back_weakly_to_the_site() -> None:
    site = infer_site(site_evidence("http://maplebook.ca/u/x", MAPLEBOOK))
    subject = infer_subject(subject_evidence(None, None, "A photo", None, [], site))
    assert top(subject) == ["CA", "CA-ON"]
    assert all(c.fallback_only and c.confidence <= 0.15 for c in subject)


PIXGRAM = page(
    """<main><img src="/p/1.jpg" alt="Deep dish"></main>
    <footer>Pixgram, Inc. · 1 Market St, San Francisco, CA 94105 · Prices in USD</footer>"""
)


@pytest.mark.parametrize(
    ("gps", "expected"), [((41.8781, -87.6298), "US-IL"), ((52.52, 13.405), "DE-BE")]
)
def test_pixgram_site_us_california_subject_from_exif(
    gps: tuple[float, float], expected: str
) -> None:
    site = infer_site(site_evidence("http://pixgram.com/p/1", PIXGRAM))
    assert top(site) == ["US", "US-CA"]
    subject = infer_subject(subject_evidence(gps, None, "Deep dish", None, [], site))
    assert subject[1].code == expected
    assert subject[1].evidence[0].source is EvidenceSource.EXIF_GPS


NOUVELLES = page(
    """<main><article><h1>Festival</h1><figure><img src="/f.jpg" alt="Foule au festival">
    <figcaption>Des élèves de 4e année au festival.</figcaption></figure>
    <p>Abonnement : 12,99 $ par mois</p></article></main>
    <footer><p>Nouvelles MTL inc.</p><p>1000 rue Sherbrooke O., Montréal (Québec) H3A 1A1</p>
    <p>Tél. : <a href="tel:+15145550199">(514) 555-0199</a></p></footer>""",
    lang="fr-CA",
    head='<meta name="geo.region" content="CA-QC">',
)


def test_nouvelles_mtl_site_and_subject_are_quebec() -> None:
    ev = site_evidence(
        "http://nouvelles-mtl.ca/festival", NOUVELLES.encode(), {b"Content-Language": [b"fr-CA"]}
    )
    site = infer_site(ev)
    assert top(site) == ["CA", "CA-QC"]
    assert site[1].confidence > 0.9
    sources = set(site[1].sources)
    assert {"html-lang", "geo-meta", "postal-address", "phone", "location-text"} <= sources
    xmp = {"photoshop:City": "Montréal", "photoshop:State": "QC"}
    subject = infer_subject(subject_evidence(None, xmp, "Foule au festival", None, [], site))
    assert top(subject) == ["CA", "CA-QC"]


PRAIRIE_LD = [
    {
        "@context": "https://schema.org",
        "@type": "LocalBusiness",
        "name": "Bow River Plumbing",
        "telephone": "(403) 555-0142",
        "address": {
            "@type": "PostalAddress",
            "streetAddress": "215 9 Ave SW",
            "addressLocality": "Calgary",
            "addressRegion": "AB",
            "postalCode": "T2P 1K3",
            "addressCountry": "CA",
        },
    },
    {
        "@type": "LocalBusiness",
        "name": "Edmonton Electric",
        "telephone": "780-555-0188",
        "address": {"@type": "PostalAddress", "addressLocality": "Edmonton", "addressRegion": "AB"},
    },
]


def test_prairiepros_json_ld_from_extruct_or_from_the_page() -> None:
    body = "<main><h1>Find a pro in Calgary</h1></main>"
    given = site_evidence("http://prairiepros.ca/", page(body), {}, PRAIRIE_LD)
    script = f'<script type="application/ld+json">{json.dumps(PRAIRIE_LD)}</script>'
    parsed = site_evidence("http://prairiepros.ca/", page(body, head=script))
    for ev in (given, parsed):
        site = infer_site(ev)
        assert top(site) == ["CA", "CA-AB"]
        phones = [e for e in ev if e.source is EvidenceSource.PHONE]
        assert {e.code for e in phones} == {"CA-AB"}
        assert len(phones) == 2


def test_countyrecords_illinois() -> None:
    html = page(
        """<main><h1>Cook County Records</h1></main>
        <footer id="site-footer">Cook County, Illinois · Records Office · (312) 555-0100</footer>"""
    )
    site = infer_site(site_evidence("http://countyrecords-il.us/r/1", html))
    assert top(site) == ["US", "US-IL"]
    assert {"cctld", "location-text", "phone"} <= set(site[1].sources) | set(site[0].sources)


def test_fotoblog_berlin_impressum_section() -> None:
    html = page(
        """<main><h2>Impressum</h2><p>Angaben gemäß § 5 TMG</p>
        <p>Fotoblog Berlin, Musterstraße 1, 10115 Berlin</p><p>Telefon: +49 30 12345678</p>
        <h2>Galerie</h2><p>Bilder aus Hamburg</p></main>""",
        lang="de",
    )
    ev = site_evidence("http://fotoblog-berlin.de/impressum", html)
    site = infer_site(ev)
    assert top(site) == ["DE", "DE-BE"]
    assert "DE-HH" not in codes(site)  # gallery text after the imprint is not the operator


def test_german_site_with_canadian_phone_shows_both() -> None:
    html = page("<footer>Kontakt: +1 514 555 0199</footer>", lang="de")
    site = infer_site(site_evidence("http://fotoblog-berlin.de/", html))
    assert {"DE", "CA", "CA-QC"} <= codes(site)
    by = {c.code: c for c in site}
    assert "phone" not in by["DE"].sources
    assert by["CA"].sources == ["phone"]


def test_northshore_school() -> None:
    html = page(
        """<main><img src="/c.jpg" alt="Grade 4 students at recess"></main>
        <footer>Northshore School · 1 Lonsdale Ave, North Vancouver, BC V7M 2E4</footer>"""
    )
    site = infer_site(site_evidence("http://northshore-school.ca/gallery", html))
    assert top(site) == ["CA", "CA-BC"]


@pytest.mark.parametrize(
    ("snippet", "expected"),
    [
        ("Seattle, WA", "US-WA"),
        ("Austin, TX", "US-TX"),
        ("Los Angeles, CA", "US-CA"),
        ("Chicago, IL", "US-IL"),
    ],
)
def test_paylink_user_cities(snippet: str, expected: str) -> None:
    subject = infer_subject(subject_evidence(page_text_snippets=[f"Member since 2021 · {snippet}"]))
    assert top(subject) == ["US", expected]


def test_vidtube_channel_location() -> None:
    subject = infer_subject(
        subject_evidence(caption_or_nearby_text="Channel · Based in Vancouver, BC")
    )
    assert top(subject) == ["CA", "CA-BC"]


def test_commonsgallery_org_address_without_cctld() -> None:
    html = page(
        "<footer><address>Commons Gallery, 465 Huntington Ave, Boston, MA 02115</address></footer>"
    )
    site = infer_site(site_evidence("http://commonsgallery.org/", html))
    assert top(site) == ["US", "US-MA"]


def test_nothing_known_gives_nothing() -> None:
    assert infer_site(site_evidence("http://127.0.0.1:8080/", page("<p>Hello</p>"))) == []
    assert infer_subject(subject_evidence()) == []


def test_public_server_ip_is_recorded_but_points_nowhere() -> None:
    ev = site_evidence("http://example.com/", page("<p>x</p>"), None, None, "8.8.8.8")
    assert [e.source for e in ev] == [EvidenceSource.SERVER_IP]
    assert infer_site(ev) == []


def test_subject_phone_is_masked() -> None:
    ev = subject_evidence(caption_or_nearby_text="Call Sam at +1 514 555 0199")
    (phone,) = [e for e in ev if e.source is EvidenceSource.PHONE]
    assert "0199" not in phone.value
    assert phone.code == "CA-QC"


@pytest.mark.parametrize(
    "gps",
    [
        {"lat": 41.8781, "lon": -87.6298},
        {"latitude": 41.8781, "longitude": -87.6298},
        [41.8781, -87.6298],
    ],
)
def test_gps_shapes(gps: Any) -> None:
    assert top(infer_subject(subject_evidence(image_exif_gps=gps))) == ["US", "US-IL"]


def test_undeclared_utf8_bytes_are_read_as_utf8() -> None:
    html = "<html><body><footer>Nouvelles MTL, Montréal (Québec)</footer></body></html>"
    ev = site_evidence("http://nouvelles-mtl.ca/", html.encode("utf-8"))
    assert any(e.value == "Montréal (Québec)" for e in ev)


def test_charset_from_content_type_header() -> None:
    html = "<html><body><footer>Büro: 50667 Köln</footer></body></html>"
    headers = {"Content-Type": "text/html; charset=iso-8859-1"}
    ev = site_evidence("http://x.de/", html.encode("latin-1"), headers)
    assert "DE-NW" in {e.code for e in ev}


def test_user_and_author_blocks_are_not_the_operator() -> None:
    html = page(
        """<main><div class="profile-contact">Seattle, WA 98101</div>
        <article><p>Story</p><address class="byline">Jane, Austin, TX</address>
        <footer>Filed from Berlin</footer></article></main>
        <footer class="site-footer">PayLink Inc. · Chicago, IL 60602</footer>"""
    )
    ev = site_evidence("http://paylink.com/u/1", html)
    located = {e.code for e in ev if e.source is not EvidenceSource.POSTAL_ADDRESS}
    assert located == {"US-IL"}
    # the user's ZIP in the page body still counts, weakly, as postal evidence
    postal = {e.code: e.weight for e in ev if e.source is EvidenceSource.POSTAL_ADDRESS}
    assert postal["US-IL"] > postal["US-WA"]
    assert top(infer_site(ev)) == ["US", "US-IL"]
