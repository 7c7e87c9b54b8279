"""Terms discovery on realistic footer link sets in English, French and German."""

from __future__ import annotations

from provenance.terms import find_terms_links


def urls(links: list[tuple[str, str]], base: str) -> list[str]:
    return [t.url for t in find_terms_links(links, base)]


EN_FOOTER = [
    ("/", "Maplebook"),
    ("/about", "About"),
    ("/help", "Help Center"),
    ("/privacy", "Privacy Policy"),
    ("/cookies", "Cookie settings"),
    ("/legal", "Legal"),
    ("/legal/terms", "Terms of Service"),
    ("/contact", "Contact us"),
    ("mailto:legal@maplebook.ca", "legal@maplebook.ca"),
    ("https://twitter.com/maplebook", "Twitter"),
]

FR_FOOTER = [
    ("/", "Accueil"),
    ("/a-propos", "À propos"),
    ("/nous-joindre", "Nous joindre"),
    ("/mentions-legales", "Mentions légales"),
    ("/politique-de-confidentialite", "Politique de confidentialité"),
    ("/conditions-generales-utilisation", "Conditions générales d'utilisation"),
    ("/abonnement", "S'abonner"),
]

DE_FOOTER = [
    ("/", "Startseite"),
    ("/impressum", "Impressum"),
    ("/datenschutz", "Datenschutzerklärung"),
    ("/agb", "AGB"),
    ("/kontakt", "Kontakt"),
    ("/nutzungsbedingungen#nutzung", "Nutzungsbedingungen"),
]


def test_english_footer() -> None:
    found = find_terms_links(EN_FOOTER, "https://maplebook.ca/u/sam")
    assert [t.url for t in found] == [
        "https://maplebook.ca/legal/terms",
        "https://maplebook.ca/legal",
    ]
    best = found[0]
    assert best.score > found[1].score
    assert any("Terms of Service" in r for r in best.reasons)


def test_french_footer_ranks_terms_above_legal_notice() -> None:
    got = urls(FR_FOOTER, "http://nouvelles-mtl.ca/")
    assert got == [
        "http://nouvelles-mtl.ca/conditions-generales-utilisation",
        "http://nouvelles-mtl.ca/mentions-legales",
    ]


def test_german_footer() -> None:
    found = find_terms_links(DE_FOOTER, "http://fotoblog-berlin.de/")
    got = [t.url for t in found]
    assert set(got[:2]) == {
        "http://fotoblog-berlin.de/agb",
        "http://fotoblog-berlin.de/nutzungsbedingungen",
    }
    assert got[2] == "http://fotoblog-berlin.de/impressum"  # an imprint, not terms: last
    assert found[2].score < 0.3
    assert all("#" not in u for u in got)  # fragments dropped


def test_href_alone_counts_and_anchor_alone_counts() -> None:
    assert urls([("/tos", "Read this")], "http://x.com/") == ["http://x.com/tos"]
    assert urls([("/page?id=7", "Terms & Conditions")], "http://x.com/") == [
        "http://x.com/page?id=7"
    ]


def test_offsite_terms_are_kept_with_a_penalty() -> None:
    found = find_terms_links(
        [("https://parent.example/terms", "Terms of Use"), ("/terms", "Terms of Use")],
        "https://vidtube.com/c/1",
    )
    assert found[0].url == "https://vidtube.com/terms"
    assert any("off-site" in r for r in found[1].reasons)


def test_mappings_are_accepted() -> None:
    found = find_terms_links([{"href": "/cgu", "text": "CGU"}], "http://x.ca/")
    assert [t.url for t in found] == ["http://x.ca/cgu"]


def test_no_terms_link_gives_nothing() -> None:
    assert (
        find_terms_links([("/blog", "Blog"), ("/privacy", "Privacy terms")], "http://x.com/") == []
    )
    assert find_terms_links([]) == []
