"""Currency marks and server IPs: weak or unresolved evidence, recorded honestly."""

from __future__ import annotations

import pytest

from provenance.jurisdiction import EvidenceSource, currency_evidence, server_ip_evidence


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Price: C$12.99", ["CA"]),
        ("CA$ 20", ["CA"]),
        ("Total 19.99 CAD", ["CA"]),
        ("USD 10 or US$ 3", ["US"]),
        ("£5", ["GB"]),
        ("$5 only", [None]),  # bare dollar: ambiguous, recorded without a code
        ("49,00 €", [None]),  # euro: no single country
        ("CADillac and USDA", []),
        ("", []),
    ],
)
def test_currency(text: str, expected: list[str | None]) -> None:
    assert [e.code for e in currency_evidence(text)] == expected


def test_ambiguous_currency_has_no_weight() -> None:
    (e,) = currency_evidence("only $5")
    assert e.weight == 0
    assert e.code is None
    assert "ambiguous" in e.detail


@pytest.mark.parametrize(
    "ip",
    ["127.0.0.1", "::1", "10.1.2.3", "192.168.0.10", "172.16.5.4", "169.254.1.1", "junk", "", None],
)
def test_local_or_invalid_ip_gives_no_evidence(ip: str | None) -> None:
    assert server_ip_evidence(ip) == []


@pytest.mark.parametrize("ip", ["8.8.8.8", "2001:4860:4860::8888"])
def test_public_ip_is_recorded_unresolved(ip: str) -> None:
    (e,) = server_ip_evidence(ip)
    assert e.source is EvidenceSource.SERVER_IP
    assert e.value == ip
    assert e.code is None
    assert e.weight == 0
    assert "not resolved" in e.detail
