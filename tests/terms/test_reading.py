"""read_terms: statuses that keep unknown apart from silent, hashes, signals."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime

import pytest

from provenance.observation import Status
from provenance.signals.model import SignalKind
from provenance.terms import ClauseKind, read_terms, terms_signals
from tests.terms.corpus import FR_TERMS, SILENT_TERMS

WHEN = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)


def test_ok_reading_with_clauses() -> None:
    r = read_terms("http://nouvelles-mtl.ca/cgu", FR_TERMS.encode(), 200, WHEN)
    assert r.status is Status.OK
    assert r.language == "fr"
    assert not r.silent
    assert r.text_sha256 == hashlib.sha256(r.text.encode()).hexdigest()
    assert r.prohibits_scraping is True
    assert set(r.kinds) == {k.value for k in ClauseKind}
    assert all(c.sentence in r.text for c in r.clauses)
    assert r.to_dict()["fetched_at"] == "2024-05-01T12:00:00+00:00"


def test_silent_is_only_for_read_terms() -> None:
    r = read_terms("http://commonsgallery.org/terms", SILENT_TERMS, 200, WHEN)
    assert r.status is Status.OK
    assert r.silent
    assert r.clauses == []
    assert r.prohibits_scraping is False
    (sig,) = terms_signals(r)
    assert sig.value == "silent"
    assert not sig.restricts


@pytest.mark.parametrize(
    ("body", "http_status", "status"),
    [
        (b"<html>gone</html>", 404, Status.ABSENT),
        (b"<html>gone</html>", 410, Status.ABSENT),
        (b"", 200, Status.ABSENT),
        (None, 200, Status.ABSENT),
        (b"<html>x</html>", 503, Status.FETCH_FAILED),
        (b"<html>x</html>", 403, Status.FETCH_FAILED),
        (b"<html>x</html>", 301, Status.FETCH_FAILED),
        (b"<html>x</html>", None, Status.FETCH_FAILED),
        (b"%PDF-1.7\n...", 200, Status.UNPARSEABLE),
        (b"<html><body></body></html>", 200, Status.UNPARSEABLE),
        (b"x" * 5_000_001, 200, Status.TOO_LARGE),
    ],
)
def test_unread_terms_are_unknown_not_silent(
    body: bytes | None, http_status: int | None, status: Status
) -> None:
    r = read_terms("http://x.com/terms", body, http_status, WHEN)
    assert r.status is status
    assert not r.silent
    assert r.clauses == []
    assert r.reason
    assert r.prohibits_scraping is None
    (sig,) = terms_signals(r)
    assert sig.kind is SignalKind.TERMS
    assert sig.value == "unknown"
    assert not sig.restricts


def test_signals_per_clause() -> None:
    r = read_terms("http://nouvelles-mtl.ca/cgu", FR_TERMS, 200, WHEN)
    sigs = terms_signals(r)
    assert len(sigs) == len(r.clauses)
    restricting = {s.value for s in sigs if s.restricts}
    assert restricting == {
        "prohibits-scraping",
        "prohibits-biometric",
        "prohibits-commercial-reuse",
    }
    assert all(s.evidence in r.text and s.url == r.url for s in sigs)
