"""Terms of service: find the terms link, read the page, classify it clause by clause.

:func:`find_terms_links` ranks a page's links (English, French, German);
:func:`read_terms` extracts the main text, splits it into verbatim sentences and classifies
each (``prohibits-scraping``, ``prohibits-biometric``, ``prohibits-commercial-reuse``,
``permits-reuse-with-licence``), with the phrase that matched; :func:`terms_signals` turns a
reading into shared :class:`~provenance.signals.model.Signal` records. Pure and offline.
"""

from __future__ import annotations

from provenance.terms.classify import classify_sentence, classify_text
from provenance.terms.discovery import find_terms_links
from provenance.terms.model import ClauseKind, TermsClause, TermsLink, TermsReading
from provenance.terms.reading import read_terms, terms_signals
from provenance.terms.text import detect_language, main_text, sentence_spans, split_sentences

__all__ = [
    "ClauseKind",
    "TermsClause",
    "TermsLink",
    "TermsReading",
    "classify_sentence",
    "classify_text",
    "detect_language",
    "find_terms_links",
    "main_text",
    "read_terms",
    "sentence_spans",
    "split_sentences",
    "terms_signals",
]
