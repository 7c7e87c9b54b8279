"""Clause classification on realistic terms in en/fr/de: expected clauses, and none other."""

from __future__ import annotations

import pytest

from provenance.terms import ClauseKind, TermsClause, classify_sentence, classify_text, main_text
from tests.terms.corpus import (
    DE_EXPECTED,
    DE_NEGATIVE,
    DE_TERMS,
    EN_EXPECTED,
    EN_NEGATIVE,
    EN_TERMS,
    FR_EXPECTED,
    FR_NEGATIVE,
    FR_TERMS,
    SILENT_TERMS,
)

PAGES = [
    ("en", EN_TERMS, EN_EXPECTED, EN_NEGATIVE),
    ("fr", FR_TERMS, FR_EXPECTED, FR_NEGATIVE),
    ("de", DE_TERMS, DE_EXPECTED, DE_NEGATIVE),
]


def _clauses(html: str, lang: str) -> tuple[str, list[TermsClause]]:
    text = main_text(html)
    return text, classify_text(text, lang)


@pytest.mark.parametrize(("lang", "html", "expected", "negative"), PAGES)
def test_exactly_the_expected_clauses(
    lang: str, html: str, expected: list[tuple[str, str, str | None]], negative: list[str]
) -> None:
    text, clauses = _clauses(html, lang)
    got = [(c.kind.value, c.sentence) for c in clauses]
    assert len(clauses) == len(expected), got
    for (kind, fragment, exception), clause in zip(expected, clauses, strict=True):
        assert clause.kind.value == kind, (kind, fragment, got)
        assert fragment in clause.sentence
        assert clause.sentence in text  # verbatim: findable in the snapshot
        assert clause.language == lang
        assert clause.matched
        assert " … " in clause.matched or not clause.kind.restricts
        assert clause.rule.split(":")[0] in {"en", "fr", "de"}
        if exception is None:
            assert clause.exception is None
        else:
            assert clause.exception is not None
            assert exception in clause.exception


@pytest.mark.parametrize(("lang", "html", "expected", "negative"), PAGES)
def test_negative_sentences_are_not_classified(
    lang: str, html: str, expected: list[tuple[str, str, str | None]], negative: list[str]
) -> None:
    text, clauses = _clauses(html, lang)
    for fragment in negative:
        assert fragment in text, fragment  # the sentence really is in the extracted text
        assert not [c for c in clauses if fragment in c.sentence], fragment


def test_silent_terms() -> None:
    _, clauses = _clauses(SILENT_TERMS, "en")
    assert clauses == []


def test_list_items_inherit_the_introduction() -> None:
    _text, clauses = _clauses(EN_TERMS, "en")
    scraping = clauses[0]
    assert scraping.context == "You agree not to:"
    assert scraping.matched.startswith("agree not to")


# (sentence, expected kinds): single sentences, positive and negative, one case per line
SENTENCES = [
    ("You must not scrape the Service.", ["prohibits-scraping"]),
    (
        "Scraping, crawling and similar automated data collection are strictly prohibited.",
        ["prohibits-scraping"],
    ),
    ("Do not use bots to access the site.", ["prohibits-scraping"]),
    ("You may not harvest content from the site.", ["prohibits-scraping"]),
    # a generic collection verb with a biometric purpose forbids the purpose, not the means
    (
        "You may not collect or harvest any information that might identify a person, "
        "including faces shown in videos or thumbnails, for biometric identification.",
        ["prohibits-biometric"],
    ),
    (
        "You may not scrape faces from the site for biometric identification.",
        ["prohibits-scraping", "prohibits-biometric"],
    ),
    ("We do not permit the use of spiders.", ["prohibits-scraping"]),
    ("Except for search engine crawlers, no automated access is allowed.", ["prohibits-scraping"]),
    (
        "You may not: (a) copy content; (b) use any scraper; (c) resell photos.",
        ["prohibits-scraping", "prohibits-commercial-reuse"],
    ),
    ("We reserve all rights to text and data mining.", ["prohibits-scraping"]),
    ("Content is for your personal, non-commercial use only.", ["prohibits-commercial-reuse"]),
    ("Users may not apply face recognition to photos of other users.", ["prohibits-biometric"]),
    (
        "Les contenus sont réservés à un usage personnel et non commercial uniquement.",
        ["prohibits-commercial-reuse"],
    ),
    ("Aucun robot d'indexation n'est autorisé sans notre accord.", ["prohibits-scraping"]),
    (
        "Die Fotos dürfen ausschließlich für private, nicht-kommerzielle Zwecke genutzt werden.",
        ["prohibits-commercial-reuse"],
    ),
    ("Scraping ist verboten.", ["prohibits-scraping"]),
    ("Der Einsatz von Bots ist nicht erlaubt.", ["prohibits-scraping"]),
    (
        "Content on this page is available under the Creative Commons Attribution licence.",
        ["permits-reuse-with-licence"],
    ),
    # negatives
    ("We do not sell your data.", []),
    ("You may share links to our pages.", []),
    ("We use bots to detect prohibited content.", []),  # "prohibited" describes the content
    ("We do not use facial recognition without your consent.", []),  # a promise, not a rule
    ("We may not be able to detect all automated access.", []),
    ("Nothing in these terms prohibits text and data mining for research.", []),
    ("You may use the photos for non-commercial purposes.", []),
    ("You may not use our content without a licence.", []),
    ("We reserve the right to block any robot.", []),  # a reservation only bars TDM
    ("Search engines may crawl our public pages.", []),
    ("Les robots des moteurs de recherche sont les bienvenus.", []),
    ("L'utilisation de robots n'est pas interdite.", []),
    ("Das Crawlen öffentlicher Seiten ist nicht untersagt.", []),
    ("Wir verkaufen keine Daten an Dritte.", []),
    ("", []),
]


@pytest.mark.parametrize(("sentence", "kinds"), SENTENCES)
def test_sentences(sentence: str, kinds: list[str]) -> None:
    assert sorted(c.kind.value for c in classify_sentence(sentence)) == sorted(kinds)


def test_exception_keeps_the_prohibition_and_is_quoted() -> None:
    (c,) = classify_sentence(
        "You must not scrape, crawl or use automated means to access the Service, "
        "except as permitted by our robots.txt for public search engines."
    )
    assert c.kind is ClauseKind.PROHIBITS_SCRAPING
    assert c.exception == "except as permitted by our robots.txt for public search engines"
    assert c.matched == "must not … scrape"


def test_matched_quotes_the_original_words() -> None:
    (c,) = classify_sentence("Sie dürfen die Inhalte nicht zu kommerziellen Zwecken verwenden.")
    assert c.matched == "dürfen die Inhalte nicht … zu kommerziellen Zwecken"
    assert c.language == "de"


def test_clause_round_trip() -> None:
    (c,) = classify_sentence("Scraping ist verboten.")
    assert TermsClause.from_dict(c.to_dict()) == c
