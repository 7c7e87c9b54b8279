"""Main-text extraction, language detection, and verbatim sentence splitting."""

from __future__ import annotations

import pytest

from provenance.terms import detect_language, main_text, sentence_spans, split_sentences


def test_main_text_drops_navigation_and_footer() -> None:
    html = (
        "<html><body><nav>Home | Explore | Login</nav><main><h1>Terms of Use</h1>"
        + "<p>These terms apply to everyone who uses the Service in any way at all.</p>" * 3
        + "<ul><li>Do not scrape the Service.</li></ul></main>"
        + "<footer>Copyright 2024 Footer Corp</footer></body></html>"
    )
    text = main_text(html)
    assert "Do not scrape the Service." in text
    assert "Login" not in text
    assert "Footer Corp" not in text


def test_fallback_when_trafilatura_finds_nothing() -> None:
    text = main_text(
        "<html><body><nav>Menu</nav><main><p>Scraping ist verboten.</p></main></body></html>"
    )
    assert "Scraping ist verboten." in text


@pytest.mark.parametrize(
    "junk", [b"", b"\x00\x01\xff\xfe", "<", "<html></html>", None, "plain words"]
)
def test_main_text_never_raises(junk: bytes | str | None) -> None:
    assert isinstance(main_text(junk), str)


SAMPLE = (
    "Welcome to Maplebook Inc. and its services, e.g. photo sharing. See Art. 4 of the Directive.\n"
    "You must not scrape! Really? Yes.\n"
    "- Do not sell content.\n"
    "Die Nutzung ist z. B. am 7. Juli untersagt. Siehe § 5 Abs. 2 TMG. Das ist alles.\n"
    "Vous acceptez les conditions, p. ex. celles-ci. M. Dupont est d'accord."
)


def test_sentences_are_verbatim_and_split_where_expected() -> None:
    got = split_sentences(SAMPLE)
    assert got == [
        "Welcome to Maplebook Inc. and its services, e.g. photo sharing.",
        "See Art. 4 of the Directive.",
        "You must not scrape!",
        "Really?",
        "Yes.",
        "- Do not sell content.",
        "Die Nutzung ist z. B. am 7. Juli untersagt.",
        "Siehe § 5 Abs. 2 TMG.",
        "Das ist alles.",
        "Vous acceptez les conditions, p. ex. celles-ci.",
        "M. Dupont est d'accord.",
    ]
    for (a, b), s in zip(sentence_spans(SAMPLE), got, strict=True):
        assert SAMPLE[a:b] == s


@pytest.mark.parametrize(
    ("text", "declared", "expected"),
    [
        (
            "You must not use the service for any purpose that is not allowed by these terms.",
            None,
            "en",
        ),
        ("Vous ne pouvez pas utiliser le contenu du site pour des fins commerciales.", None, "fr"),
        (
            "Sie dürfen die Inhalte nicht für kommerzielle Zwecke nutzen, und wir sind dafür da.",
            None,
            "de",
        ),
        (
            "Diese Bedingungen gelten für die Nutzung und sind für alle Nutzer verbindlich.",
            "en",
            "de",
        ),
        ("ok", "fr-CA", "fr"),
        ("ok", None, None),
    ],
)
def test_detect_language(text: str, declared: str | None, expected: str | None) -> None:
    assert detect_language(text, declared) == expected


def test_undeclared_utf8_bytes_keep_their_accents() -> None:
    html = (
        "<html><body><main><p>Toute reconnaissance faciale est interdite.</p></main></body></html>"
    )
    assert "reconnaissance faciale est interdite" in main_text(html.encode("utf-8"))
    assert "für Gesichtserkennung ist unzulässig" in main_text(
        "<p>Die Nutzung für Gesichtserkennung ist unzulässig.</p>".encode("cp1252")
    )
