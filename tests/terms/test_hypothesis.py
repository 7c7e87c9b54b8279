"""The terms readers never raise on arbitrary text or bytes; sentences stay verbatim."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from provenance.observation import Status
from provenance.terms import classify_text, find_terms_links, read_terms, sentence_spans

WORDS = st.sampled_from(
    [
        "You", "must", "not", "scrape", "except", "robots.txt", "interdit", "untersagt", "sauf",
        "Crawler", "may", "We", "do", "nicht", "dürfen", "licence", "CC BY 4.0", "z. B.", "e.g.",
        ":", ";", ".", "!", "?", "\n", "- ", "(a)", "Nous", "ne", "pas", "Wir", "only",
        "non-commercial",
    ]
)  # fmt: skip
TEXT = st.one_of(st.text(max_size=400), st.lists(WORDS, max_size=60).map(" ".join))


@settings(max_examples=200, deadline=None)
@given(TEXT)
def test_sentences_are_verbatim_in_order(text: str) -> None:
    last = 0
    for a, b in sentence_spans(text):
        assert last <= a < b <= len(text)
        assert text[a:b] == text[a:b].strip()
        last = b


@settings(max_examples=200, deadline=None)
@given(TEXT)
def test_classifier_never_raises_and_quotes_verbatim(text: str) -> None:
    for clause in classify_text(text):
        assert clause.sentence in text


@settings(max_examples=80, deadline=None)
@given(st.one_of(TEXT, st.binary(max_size=500)), st.sampled_from([200, 404, 500, None]))
def test_read_terms_never_raises(body: str | bytes, status: int | None) -> None:
    r = read_terms("http://x.com/terms", body, status)
    assert r.status in Status
    assert r.silent == (r.status is Status.OK and not r.clauses)


@settings(max_examples=100, deadline=None)
@given(
    st.lists(st.tuples(st.text(max_size=60), st.text(max_size=40)), max_size=10),
    st.text(max_size=40),
)
def test_discovery_never_raises(links: list[tuple[str, str]], base: str) -> None:
    for t in find_terms_links(links, base):
        assert 0 < t.score <= 1
